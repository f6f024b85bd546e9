/**
 * trim: closure on real bookworm packages: curl and its dependency closure (apt-cache depends
 * --recurse, Essential packages left out) plus base-files, ca-certificates, libc6 and netbase,
 * installed untrimmed into an FsTree, then trimmed to the root /usr/bin/curl. When running as
 * root, the trimmed tree is written out and `chroot DIR /usr/bin/curl --version` must succeed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { caBundleEntry } from '../../../../src/sources/debian/install/ca-bundle.js';
import { FsTree } from '../../../../src/tree/fs-tree.js';
import { applyTrim, explain, trimToClosure, type TrimResult } from '../../../../src/tree/trim/closure.js';
import { DEFAULT_RULES } from '../../../../src/tree/trim/rules.js';
import { dependencyClosure, installDebs, writeRootfs } from '../../../helpers/trim-tree.js';

const EXTRA = ['base-files', 'ca-certificates', 'libc6', 'netbase'];
const ML = 'lib/x86_64-linux-gnu';
const UML = `usr/${ML}`;

let skip: string | undefined;
let names: string[] = [];
const tree = new FsTree();
let result: TrimResult;
let trimmed: FsTree;

const totals = (t: FsTree) => {
  let files = 0;
  let bytes = 0;
  for (const e of t.list()) {
    if (e.type === 'dir') continue;
    files++;
    if (e.type === 'file') bytes += e.size;
  }
  return { files, bytes };
};

before(async () => {
  try {
    names = [...new Set([...dependencyClosure('curl'), ...EXTRA])].sort();
  } catch (error) {
    skip = `apt-cache cannot compute curl's dependencies (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
    return;
  }
  skip = await installDebs(tree, names);
  if (skip) return;
  assert.ok(caBundleEntry(tree), 'the CA bundle is generated');
  result = await trimToClosure(tree, { roots: ['/usr/bin/curl'] });
  trimmed = applyTrim(tree, result);
});

test('curl: what it needs to run is kept', (t) => {
  if (skip) return t.skip(skip);
  assert.ok(names.includes('libcurl4') && names.includes('libssl3') && !names.includes('bash'), names.join(' '));
  const kept = (p: string) =>
    assert.ok(result.kept.has(p), `${p} kept (${[...(result.reasons.get(p) ?? [])].join('; ')})`);
  kept('usr/bin/curl');
  // libcurl.so.4 -> libcurl.so.4.8.0 in bookworm: the link and the file.
  const link = trimmed.get(`${UML}/libcurl.so.4`);
  assert.equal(link?.type, 'symlink');
  kept(`${UML}/libcurl.so.4`);
  const real = trimmed.resolve(`${UML}/libcurl.so.4`)!;
  assert.notEqual(real, `${UML}/libcurl.so.4`);
  kept(real);
  assert.ok(
    result.reasons.get(real)!.some((r) => r.startsWith('needed by /usr/bin/curl (libcurl.so.4)')),
    String(result.reasons.get(real)),
  );
  kept(`${ML}/libc.so.6`);
  kept('lib64/ld-linux-x86-64.so.2');
  kept(trimmed.resolve('lib64/ld-linux-x86-64.so.2')!);
  kept(`${ML}/libnss_files.so.2`);
  kept(`${ML}/libnss_dns.so.2`);
  kept(trimmed.resolve(`${UML}/libssl.so.3`)!);
  kept(`${UML}/ossl-modules/legacy.so`);
  kept('etc/ssl/certs/ca-certificates.crt');
  kept('etc/os-release');
  kept('etc/services'); // netbase
  for (const pkg of [
    'curl',
    'libcurl4',
    'libc6',
    'libssl3',
    'libnghttp2-14',
    'zlib1g',
    'base-files',
    'netbase',
    'ca-certificates',
  ]) {
    kept(`var/lib/dpkg/status.d/${pkg}`);
    kept(`var/lib/dpkg/status.d/${pkg}.md5sums`);
    assert.ok(trimmed.resolve(`usr/share/doc/${pkg}/copyright`) !== null, `${pkg}'s copyright reachable`);
  }
});

test('curl: docs, manuals and libraries nothing reaches are dropped', (t) => {
  if (skip) return t.skip(skip);
  const gone = (p: string) => assert.ok(tree.get(p) !== undefined && !result.kept.has(p), `${p} dropped`);
  gone('usr/share/man/man1/curl.1.gz');
  gone('usr/share/doc/curl/changelog.Debian.gz');
  gone('usr/share/doc/libc6/changelog.Debian.gz');
  // libsasl2-modules-db is a SASL plugin (dlopen()ed by name, not linked), pulling libdb5.3.
  gone('var/lib/dpkg/status.d/libdb5.3');
  assert.ok(!result.kept.has(tree.resolve(`${UML}/libdb-5.3.so`)!), 'libdb dropped');
  gone('usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt'); // folded into the bundle
  // A package contributes nothing: its status.d entries and copyright go with it.
  for (const pkg of ['libdb5.3', 'libsasl2-modules-db']) {
    assert.ok(!result.keptFiles.some((k) => k.package === pkg), `${pkg} contributes nothing`);
    gone(`var/lib/dpkg/status.d/${pkg}`);
  }
  // libgcc-s1 only through the glibc-unwind rule (nothing links libgcc_s.so.1).
  assert.deepEqual(result.reasons.get(`${ML}/libgcc_s.so.1`), ['rule: glibc-unwind']);
  assert.ok(result.kept.has('var/lib/dpkg/status.d/libgcc-s1'));
  // libgcc-s1's doc directory is a link to gcc-12-base's: that copyright is kept through the
  // link, which makes gcc-12-base a contributor (its status.d stays, for scanners).
  assert.equal(tree.get('usr/share/doc/libgcc-s1')?.type, 'symlink');
  assert.ok(result.kept.has('usr/share/doc/libgcc-s1') && result.kept.has('usr/share/doc/gcc-12-base/copyright'));
  assert.ok(result.kept.has('var/lib/dpkg/status.d/gcc-12-base'));
  // Every kept file's package has its status.d entry kept.
  for (const item of result.keptFiles)
    if (item.package) assert.ok(result.kept.has(`var/lib/dpkg/status.d/${item.package}`), item.package);
  assert.equal(totals(trimmed).files, result.keptFiles.length);
});

test('curl: sizes (untrimmed vs trimmed); glibc-gconv keeps only the base module set', async (t) => {
  if (skip) return t.skip(skip);
  const before = totals(tree);
  const after = totals(trimmed);
  const noGconv = await trimToClosure(tree, {
    roots: ['/usr/bin/curl'],
    rules: DEFAULT_RULES.filter((r) => r.name !== 'glibc-gconv'),
  });
  const noGconvBytes = noGconv.keptFiles.reduce((sum, f) => sum + f.size, 0);
  const pct = (n: number) => `${((100 * n) / before.bytes).toFixed(1)}%`;
  const report =
    `untrimmed ${before.files} files ${before.bytes} B (${names.length} packages); ` +
    `trimmed ${after.files} files ${after.bytes} B (${pct(after.bytes)}); ` +
    `without glibc-gconv ${noGconv.keptFiles.length} files ${noGconvBytes} B (${pct(noGconvBytes)})`;
  t.diagnostic(report);
  t.diagnostic(`unmet: ${result.unmet.map((u) => `${u.path}: ${u.needs}`).join(' / ')}`);
  for (const line of explain(result)
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('  ')))
    t.diagnostic(line);
  // curl's closure imports iconv_open (libidn2, libpsl, libunistring), so the rule fires, but it
  // keeps only the modules the base gconv-modules file names, not bookworm's 250 (8 MB).
  const gconv = [...result.kept]
    .filter((p) => /\/gconv\/[^/]+\.so$/.test(p))
    .map((p) => p.slice(p.lastIndexOf('/') + 1))
    .sort();
  assert.deepEqual(
    gconv,
    [
      'ANSI_X3.110.so',
      'CP1252.so',
      'ISO8859-1.so',
      'ISO8859-15.so',
      'UNICODE.so',
      'UTF-16.so',
      'UTF-32.so',
      'UTF-7.so',
    ],
    report,
  );
  assert.ok(result.kept.has(`${UML}/gconv/gconv-modules.cache`));
  assert.ok(after.bytes - noGconvBytes < 300_000, report);
  // These bounds catch a trim that keeps whole packages: the ELF closure alone (libcrypto,
  // gnutls via librtmp, libunistring...) is about half of the untrimmed bytes.
  assert.ok(after.bytes <= before.bytes * 0.6, report);
  assert.ok(after.files <= before.files * 0.5, report);
});

test('curl: the trimmed tree runs (chroot DIR /usr/bin/curl --version)', async (t) => {
  if (skip) return t.skip(skip);
  if (process.getuid?.() !== 0) return t.skip('chroot needs root');
  const dir = mkdtempSync(join(tmpdir(), 'pith-trim-rootfs-'));
  try {
    await writeRootfs(trimmed, dir);
    const run = spawnSync('chroot', [dir, '/usr/bin/curl', '--version'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^curl \d+\.\d+/);
    assert.match(run.stdout, /OpenSSL/);
    // And it reads a file through its own libraries (file:// needs no network).
    const get = spawnSync('chroot', [dir, '/usr/bin/curl', '-sS', 'file:///etc/os-release'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(get.status, 0, get.stderr);
    assert.match(get.stdout, /bookworm/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
