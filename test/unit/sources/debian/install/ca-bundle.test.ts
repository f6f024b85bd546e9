/**
 * The CA bundle against the real update-ca-certificates (the package's own script, run in a
 * sandbox of temporary directories) and against this host's /etc/ssl/certs/ca-certificates.crt.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { readDeb } from '../../../../../src/sources/debian/deb/deb-reader.js';
import type { FileEntry, Origin } from '../../../../../src/tree/entry.js';
import { caBundleEntry } from '../../../../../src/sources/debian/install/ca-bundle.js';
import { FsTree } from '../../../../../src/tree/fs-tree.js';
import { controlField } from '../../../../../src/sources/debian/install/dpkg-status.js';
import { installPackage } from '../../../../../src/sources/debian/install/install.js';
import { downloadDeb } from '../../../../helpers/deb-download.js';
import { run } from '../../../../helpers/deb-tools.js';
import { downloadDebVersion } from '../../../../helpers/packages-debs.js';

const origin: Origin = { kind: 'file', detail: 'test' };
const addFile = (tree: FsTree, path: string, data: string | Uint8Array) => {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  tree.add(path, {
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    origin,
    size: bytes.byteLength,
    source: { kind: 'bytes', data: bytes },
  });
};
const bundleText = (tree: FsTree): Buffer => {
  const entry = tree.get('etc/ssl/certs/ca-certificates.crt') as FileEntry | undefined;
  assert.equal(entry?.type, 'file');
  assert.equal(entry.source.kind, 'bytes');
  return Buffer.from((entry.source as { data: Uint8Array }).data);
};

async function treeWithPackage(debPath: string): Promise<FsTree> {
  const deb = await readDeb(debPath, { packageName: 'ca-certificates' });
  const tree = new FsTree();
  installPackage(tree, { name: 'ca-certificates', version: controlField(deb.control, 'Version')! }, deb, {
    trim: { docs: true },
  });
  return tree;
}

/** Every *.crt below dir (following links, as `find -L -type f`), relative, in C sort order. */
function crtFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const info = statSync(full);
      if (info.isDirectory()) walk(full);
      else if (info.isFile() && name.endsWith('.crt')) out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Runs the package's own update-ca-certificates on its files with `conf`; returns the bundle. */
function realUpdateCaCertificates(
  debPath: string,
  conf: (names: string[]) => string,
): { bundle: Buffer; conf: string } {
  const work = mkdtempSync(join(tmpdir(), 'pith-ca-'));
  try {
    const root = join(work, 'root');
    run('dpkg-deb', ['-x', debPath, root]);
    const certsDir = join(root, 'usr/share/ca-certificates');
    const confText = conf(crtFiles(certsDir));
    writeFileSync(join(work, 'ca-certificates.conf'), confText);
    mkdirSync(join(work, 'etc-certs'));
    mkdirSync(join(work, 'tmp'));
    execFileSync(
      'sh',
      [
        join(root, 'usr/sbin/update-ca-certificates'),
        '--certsconf',
        join(work, 'ca-certificates.conf'),
        '--certsdir',
        certsDir,
        '--localcertsdir',
        join(work, 'no-local-certs'),
        '--etccertsdir',
        join(work, 'etc-certs'),
        '--hooksdir',
        join(work, 'no-hooks'),
      ],
      { env: { ...process.env, TMPDIR: join(work, 'tmp'), LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { bundle: readFileSync(join(work, 'etc-certs', 'ca-certificates.crt')), conf: confText };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('the bundle is byte for byte what update-ca-certificates writes', async (t) => {
  const got = downloadDeb('ca-certificates');
  if ('skip' in got) return t.skip(got.skip);
  const oracle = realUpdateCaCertificates(got.path, (names) => names.map((n) => `${n}\n`).join(''));
  const tree = await treeWithPackage(got.path);
  const result = caBundleEntry(tree);
  assert.ok(result);
  assert.deepEqual(result.distrusted, []);
  assert.ok(result.certificates.length > 100);
  assert.equal(bundleText(tree).length, oracle.bundle.length);
  assert.ok(bundleText(tree).equals(oracle.bundle), 'identical bytes');
  assert.equal(result.size, oracle.bundle.length);
});

test('`!` lines of /etc/ca-certificates.conf distrust certificates, as update-ca-certificates does', async (t) => {
  const got = downloadDeb('ca-certificates');
  if ('skip' in got) return t.skip(got.skip);
  let distrusted: string[] = [];
  const oracle = realUpdateCaCertificates(got.path, (names) => {
    distrusted = [names[0]!, names[7]!, names[names.length - 1]!];
    return `# comment\n\n${names.map((n) => (distrusted.includes(n) ? `!${n}\n` : `${n}\n`)).join('')}`;
  });
  const tree = await treeWithPackage(got.path);
  addFile(tree, 'etc/ca-certificates.conf', oracle.conf);
  const result = caBundleEntry(tree);
  assert.ok(result);
  assert.deepEqual(
    result.distrusted,
    distrusted.map((n) => `usr/share/ca-certificates/${n}`),
  );
  assert.ok(bundleText(tree).equals(oracle.bundle), 'identical bytes');
  for (const n of distrusted) assert.ok(!result.certificates.includes(`usr/share/ca-certificates/${n}`));
});

test("this host's bundle: the same certificates as the installed package version, then local ones", async (t) => {
  const hostBundle = '/etc/ssl/certs/ca-certificates.crt';
  let version: string;
  try {
    version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'ca-certificates'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch {
    return t.skip('ca-certificates is not installed on this host');
  }
  if (!existsSync(hostBundle) || !existsSync('/etc/ca-certificates.conf'))
    return t.skip('no host bundle to compare with');
  const got = downloadDebVersion('ca-certificates', version);
  if ('skip' in got) return t.skip(got.skip);
  const tree = await treeWithPackage(got.path);
  const hostConf = readFileSync('/etc/ca-certificates.conf');
  addFile(tree, 'etc/ca-certificates.conf', new Uint8Array(hostConf));
  assert.ok(caBundleEntry(tree));
  const ours = bundleText(tree);
  const localDir = '/usr/local/share/ca-certificates';
  const local = Buffer.concat(
    (existsSync(localDir) ? crtFiles(localDir) : []).map((n) => {
      const data = readFileSync(join(localDir, n));
      return data.length > 0 && data[data.length - 1] !== 0x0a ? Buffer.concat([data, Buffer.from('\n')]) : data;
    }),
  );
  const host = readFileSync(hostBundle);
  const listed = hostConf
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'));
  const sorted = [...listed].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const blocks = (b: Buffer) =>
    b.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (listed.join('\n') === sorted.join('\n')) {
    // A freshly configured system lists the certificates sorted: then the bytes agree exactly.
    assert.ok(host.equals(Buffer.concat([ours, local])), 'host bundle = pith bundle + local certificates');
  } else {
    // An upgraded system appends newer certificates at the end of its conf: same set, other order.
    assert.deepEqual(blocks(host).sort(), [...blocks(ours), ...blocks(local)].sort());
  }
});

test('synthetic: sorted paths, missing final newlines added, links followed, other files ignored, local certificates last', () => {
  const tree = new FsTree();
  addFile(tree, 'usr/share/ca-certificates/b/two.crt', 'TWO');
  addFile(tree, 'usr/share/ca-certificates/a/one.crt', 'ONE\n');
  addFile(tree, 'usr/share/ca-certificates/a/empty.crt', '');
  addFile(tree, 'usr/share/ca-certificates/a/notes.txt', 'not a certificate\n');
  addFile(tree, 'usr/local/share/ca-certificates/local.crt', 'LOCAL\n');
  addFile(tree, 'opt/certs/three.pem', 'THREE');
  tree.add('usr/share/ca-certificates/c/three.crt', {
    type: 'symlink',
    mode: 0o777,
    uid: 0,
    gid: 0,
    origin,
    target: '/opt/certs/three.pem',
  });
  tree.add('usr/share/ca-certificates/c/dangling.crt', {
    type: 'symlink',
    mode: 0o777,
    uid: 0,
    gid: 0,
    origin,
    target: 'nowhere.crt',
  });
  tree.add('usr/share/ca-certificates/d/hard.crt', {
    type: 'hardlink',
    mode: 0o644,
    uid: 0,
    gid: 0,
    origin,
    target: 'usr/share/ca-certificates/a/one.crt',
  });
  // sed '/^!/' needs the '!' first; `read` then trims blanks around the name.
  addFile(tree, 'etc/ca-certificates.conf', 'a/one.crt\n  !b/two.crt\n!  a/empty.crt  \n!\n!x/absent.crt\n');
  const result = caBundleEntry(tree);
  assert.deepEqual(result, {
    path: 'etc/ssl/certs/ca-certificates.crt',
    certificates: [
      'usr/share/ca-certificates/a/one.crt',
      'usr/share/ca-certificates/b/two.crt',
      'usr/share/ca-certificates/c/three.crt',
      'usr/share/ca-certificates/d/hard.crt',
      // update-ca-certificates appends /usr/local/share/ca-certificates/**.crt after the package's.
      'usr/local/share/ca-certificates/local.crt',
    ],
    distrusted: ['usr/share/ca-certificates/a/empty.crt'],
    size: 24,
  });
  assert.equal(bundleText(tree).toString(), 'ONE\nTWO\nTHREE\nONE\nLOCAL\n');
  const entry = tree.get('etc/ssl/certs/ca-certificates.crt')!;
  assert.deepEqual([entry.mode, entry.uid, entry.gid], [0o644, 0, 0]);
  assert.deepEqual(entry.origin, {
    kind: 'package',
    package: 'ca-certificates',
    detail: 'CA bundle (update-ca-certificates emulated)',
  });
});

test('no certificates: no bundle', () => {
  const tree = new FsTree();
  addFile(tree, 'usr/share/ca-certificates/readme.txt', 'x\n');
  assert.equal(caBundleEntry(tree), null);
  assert.equal(tree.get('etc/ssl/certs/ca-certificates.crt'), undefined);
});
