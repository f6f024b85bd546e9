/**
 * Installs real bookworm packages (apt-get download from the host's mirror) into an FsTree and
 * checks the result against dpkg-deb's own view of the same .debs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { readDeb, type DebContents } from '../../../../../src/sources/debian/deb/deb-reader.js';
import type { FileEntry, TreeEntry } from '../../../../../src/tree/entry.js';
import { caBundleEntry } from '../../../../../src/sources/debian/install/ca-bundle.js';
import { FsTree } from '../../../../../src/tree/fs-tree.js';
import { installPackage, type InstallResult } from '../../../../../src/sources/debian/install/install.js';
import { mergedUsrLinks } from '../../../../../src/sources/debian/install/merged-usr.js';
import { assertNoAliasConflicts } from '../../../../../src/tree/merged-usr.js';
import { controlField } from '../../../../../src/sources/debian/install/dpkg-status.js';
import { downloadDeb } from '../../../../helpers/deb-download.js';
import { tarListing, type ListedEntry } from '../../../../helpers/deb-tools.js';
import { controlMember } from '../../../../helpers/packages-debs.js';

const NAMES = ['base-files', 'tzdata', 'ca-certificates', 'gcc-12-base', 'libgcc-s1', 'libc6', 'libstdc++6', 'libssl3'];

interface Installed {
  name: string;
  path: string;
  deb: DebContents;
  listing: ListedEntry[];
  result: InstallResult;
}

let skip: string | undefined;
const installed = new Map<string, Installed>();
const tree = new FsTree();

before(async () => {
  const paths = new Map<string, string>();
  for (const name of NAMES) {
    const got = downloadDeb(name);
    if ('skip' in got) {
      skip = got.skip;
      return;
    }
    paths.set(name, got.path);
  }
  const debs = new Map<string, DebContents>();
  for (const name of NAMES) debs.set(name, await readDeb(paths.get(name)!, { packageName: name }));
  assert.deepEqual(
    mergedUsrLinks(NAMES.map((name) => ({ name, files: debs.get(name)!.files }))),
    [],
    'bookworm ships no aliasing links',
  );
  for (const name of NAMES) {
    const deb = debs.get(name)!;
    const version = controlField(deb.control, 'Version')!;
    const architecture = controlField(deb.control, 'Architecture')!;
    const result = installPackage(tree, { name, version, architecture }, deb, { trim: { docs: true } });
    installed.set(name, { name, path: paths.get(name)!, deb, listing: tarListing(paths.get(name)!), result });
  }
});

const fileText = (entry: TreeEntry | undefined): Buffer => {
  assert.ok(entry !== undefined && entry.type === 'file', `a regular file, got ${entry?.type}`);
  const source = (entry as FileEntry).source;
  assert.equal(source.kind, 'bytes');
  return Buffer.from(source.kind === 'bytes' ? source.data : new Uint8Array());
};

/** What the trimming rules leave out, written independently of trim.ts. */
const expectTrimmed = (path: string): boolean =>
  /^usr\/share\/(man|info|locale|lintian|doc-base|bug)(\/|$)/.test(path) ||
  (/^usr\/share\/doc\/[^/]+\/./.test(path) && !/^usr\/share\/doc\/[^/]+\/copyright$/.test(path));

test('status.d/<name> is the control file byte for byte, 0644 root, with the package origin', (t) => {
  if (skip) return t.skip(skip);
  for (const pkg of installed.values()) {
    const entry = tree.get(`var/lib/dpkg/status.d/${pkg.name}`);
    assert.deepEqual(fileText(entry), controlMember(pkg.path, 'control'), pkg.name);
    assert.equal(entry!.mode, 0o644);
    assert.equal(entry!.uid, 0);
    assert.equal(entry!.gid, 0);
    assert.equal(entry!.origin.kind, 'package');
    assert.equal(entry!.origin.package, pkg.name);
    assert.equal(entry!.origin.detail, `${pkg.name} ${controlField(pkg.deb.control, 'Version')}`);
    assert.ok(!fileText(entry).toString('utf8').includes('\nStatus:'), 'no Status line');
  }
});

test('status.d/<name>.md5sums is the md5sums minus the trimmed files, and matches the files kept', (t) => {
  if (skip) return t.skip(skip);
  let dropped = 0;
  for (const pkg of installed.values()) {
    const original = controlMember(pkg.path, 'md5sums');
    const entry = tree.get(`var/lib/dpkg/status.d/${pkg.name}.md5sums`);
    if (original === null) {
      assert.equal(entry, undefined, pkg.name);
      continue;
    }
    const lines = original
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    const expected = lines.filter((line) => !expectTrimmed(line.slice(34)));
    dropped += lines.length - expected.length;
    const text = fileText(entry).toString('utf8');
    assert.equal(text, expected.map((l) => `${l}\n`).join(''), pkg.name);
    assert.equal(entry!.origin.package, pkg.name);
    // Every line still listed names a file in the tree with those very bytes.
    for (const line of expected) {
      const [sum, path] = [line.slice(0, 32), line.slice(34)];
      assert.equal(
        createHash('md5')
          .update(fileText(tree.get(path)))
          .digest('hex'),
        sum,
        path,
      );
    }
  }
  assert.ok(dropped > 20, `docs were listed and dropped (${dropped} lines)`);
});

test('every entry not trimmed is in the tree with its type, mode, owner and link target', (t) => {
  if (skip) return t.skip(skip);
  for (const pkg of installed.values()) {
    let kept = 0;
    let trimmed = 0;
    for (const listed of pkg.listing) {
      const entry = tree.get(listed.path);
      if (expectTrimmed(listed.path)) {
        trimmed++;
        assert.equal(entry, undefined, `${listed.path} trimmed`);
        continue;
      }
      kept++;
      assert.ok(entry, `${pkg.name}: ${listed.path} in the tree`);
      assert.equal(entry.type, listed.type, listed.path);
      assert.equal(entry.mode, listed.mode, listed.path);
      assert.equal(String(entry.uid), listed.owner, listed.path);
      assert.equal(String(entry.gid), listed.group, listed.path);
      if (listed.type === 'symlink') assert.equal((entry as { target: string }).target, listed.target, listed.path);
      if (listed.type === 'file') assert.equal((entry as FileEntry).size, listed.size, listed.path);
      if (entry.type !== 'dir') assert.equal(entry.origin.package, pkg.name, listed.path);
    }
    const result = pkg.result;
    assert.equal(result.trimmed.length, trimmed, `${pkg.name} trimmed count`);
    assert.equal(result.added.length, kept + (pkg.deb.md5sums === undefined ? 1 : 2), `${pkg.name} added count`);
    const trimmedBytes = pkg.listing
      .filter((l) => expectTrimmed(l.path) && l.type === 'file')
      .reduce((s, l) => s + l.size, 0);
    assert.equal(result.trimmedBytes, trimmedBytes, pkg.name);
  }
});

test('libc6 keeps the unmerged bookworm layout', (t) => {
  if (skip) return t.skip(skip);
  const libc = tree.get('lib/x86_64-linux-gnu/libc.so.6');
  assert.equal(libc?.type, 'file');
  assert.equal(libc.mode, 0o755);
  assert.equal(fileText(libc).subarray(0, 4).toString('latin1'), '\x7fELF');
  const loader = tree.get('lib64/ld-linux-x86-64.so.2');
  assert.deepEqual(loader && { type: loader.type, target: (loader as { target?: string }).target }, {
    type: 'symlink',
    target: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  });
  assert.equal(tree.resolve('lib64/ld-linux-x86-64.so.2'), 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
  // base-files ships real /bin, /lib, /sbin directories in bookworm (no aliasing links).
  for (const top of ['bin', 'lib', 'lib64', 'sbin', 'usr/lib']) assert.equal(tree.get(top)?.type, 'dir', top);
  assertNoAliasConflicts(tree, []);
});

test('copyright files are kept and reachable for every package; docs, man pages and translations are gone', (t) => {
  if (skip) return t.skip(skip);
  for (const name of NAMES) {
    const resolved = tree.resolve(`usr/share/doc/${name}/copyright`);
    assert.ok(resolved !== null, `${name} copyright reachable`);
    assert.ok(fileText(tree.get(resolved)).length > 100, name);
  }
  for (const name of ['libgcc-s1', 'libstdc++6']) {
    const link = tree.get(`usr/share/doc/${name}`);
    assert.equal(link?.type, 'symlink', `${name} doc dir is gcc-12-base's`);
    assert.equal(tree.resolve(`usr/share/doc/${name}/copyright`), 'usr/share/doc/gcc-12-base/copyright');
  }
  const leftovers = tree.list().filter((e) => expectTrimmed(e.path));
  assert.deepEqual(
    leftovers.map((e) => e.path),
    [],
  );
  assert.ok(
    tree.list().some((e) => e.path.startsWith('usr/share/zoneinfo/')),
    'tzdata is not documentation',
  );
  const all = [...installed.values()].flatMap((p) => p.result.trimmed.map((x) => x.path));
  for (const expected of [
    'usr/share/doc/libc6/changelog.Debian.gz',
    'usr/share/man/man8/update-ca-certificates.8.gz',
  ]) {
    assert.ok(all.includes(expected), expected);
  }
  assert.ok(all.includes('usr/share/lintian/overrides/libc6'));
  assert.ok(all.includes('usr/share/info'), "base-files' empty info directory is trimmed too");
});

test('the CA bundle holds one certificate per .crt the package ships', (t) => {
  if (skip) return t.skip(skip);
  const crts = installed
    .get('ca-certificates')!
    .listing.filter(
      (l) => l.type === 'file' && l.path.startsWith('usr/share/ca-certificates/') && l.path.endsWith('.crt'),
    );
  assert.ok(crts.length > 100, `${crts.length} certificates`);
  const result = caBundleEntry(tree);
  assert.ok(result !== null);
  assert.equal(result.path, 'etc/ssl/certs/ca-certificates.crt');
  assert.equal(result.certificates.length, crts.length);
  const bundle = tree.get('etc/ssl/certs/ca-certificates.crt');
  assert.equal(bundle?.mode, 0o644);
  assert.equal(bundle.origin.package, 'ca-certificates');
  const text = fileText(bundle).toString('utf8');
  assert.ok(text.startsWith('-----BEGIN CERTIFICATE-----'), text.slice(0, 40));
  assert.equal(text.match(/-----BEGIN CERTIFICATE-----/g)?.length, crts.length);
  assert.equal(text.match(/-----END CERTIFICATE-----/g)?.length, crts.length);
  assert.ok(text.endsWith('-----END CERTIFICATE-----\n'));
  // No hash links and no per-certificate files next to the bundle.
  assert.deepEqual(
    tree
      .list()
      .filter((e) => e.path.startsWith('etc/ssl/certs/'))
      .map((e) => e.path),
    ['etc/ssl/certs/ca-certificates.crt'],
  );
});
