/**
 * trim: closure over synthetic trees: what is kept, what is dropped, and why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPithError } from '../../../../src/errors.js';
import { applyTrim, explain, trimToClosure } from '../../../../src/tree/trim/closure.js';
import { unmetSummary } from '../../../../src/tree/trim/explain.js';
import { DEFAULT_RULES, gconvModuleFiles, nssServices, type Rule } from '../../../../src/tree/trim/rules.js';
import { treeFsView } from '../../../../src/tree/trim/tree-fs-view.js';
import { buildElf } from '../../../helpers/elf-build.js';
import { treeOf, type TrimNode } from '../../../helpers/trim-tree.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const ML = 'lib/x86_64-linux-gnu';
const exe = (needed: string[], extra: { mode?: number; pkg?: string } = {}): TrimNode => ({
  data: buildElf({ type: 2, interpreter: LD, needed }),
  mode: extra.mode ?? 0o755,
  ...(extra.pkg ? { pkg: extra.pkg } : {}),
});
const lib = (soname: string, needed: string[] = [], pkg?: string): TrimNode => ({
  data: buildElf({ soname, needed }),
  ...(pkg ? { pkg } : {}),
});

/** A minimal glibc: loader (through /lib64), libc, NSS modules, a gconv module, docs. */
const glibc: Record<string, TrimNode> = {
  [`${ML}/ld-linux-x86-64.so.2`]: lib('ld-linux-x86-64.so.2', [], 'libc6'),
  'lib64/ld-linux-x86-64.so.2': { symlink: `/${ML}/ld-linux-x86-64.so.2`, pkg: 'libc6' },
  [`${ML}/libc.so.6`]: lib('libc.so.6', ['ld-linux-x86-64.so.2'], 'libc6'),
  [`${ML}/libnss_files.so.2`]: lib('libnss_files.so.2', ['libc.so.6'], 'libc6'),
  [`${ML}/libnss_dns.so.2`]: lib('libnss_dns.so.2', ['libc.so.6'], 'libc6'),
  [`${ML}/libresolv.so.2`]: lib('libresolv.so.2', ['libc.so.6'], 'libc6'),
  [`usr/${ML}/gconv/UTF-16.so`]: lib('UTF-16.so', ['libc.so.6'], 'libc6'),
  [`usr/${ML}/gconv/IBM850.so`]: lib('IBM850.so', ['libc.so.6'], 'libc6'),
  [`usr/${ML}/gconv/gconv-modules`]: {
    data: '# base set\nalias UTF16// UTF-16//\nmodule UTF-16// INTERNAL UTF-16 1\nmodule INTERNAL UTF-16// UTF-16 1\n',
    pkg: 'libc6',
  },
  [`usr/${ML}/gconv/gconv-modules.d/gconv-modules-extra.conf`]: {
    data: 'module IBM850// INTERNAL IBM850 1\n',
    pkg: 'libc6',
  },
  'etc/ld.so.conf.d/x86_64-linux-gnu.conf': { data: '/usr/local/lib/x86_64-linux-gnu\n', pkg: 'libc6' },
  'usr/share/doc/libc6/copyright': { data: 'GPL', pkg: 'libc6' },
  'usr/share/doc/libc6/changelog.Debian.gz': { data: 'x'.repeat(1000), pkg: 'libc6' },
  'var/lib/dpkg/status.d/libc6': { data: 'Package: libc6\n', pkg: 'libc6' },
  'var/lib/dpkg/status.d/libc6.md5sums': { data: '', pkg: 'libc6' },
  'etc/passwd': { data: 'root:x:0:0::/root:/sbin/nologin\n', pkg: 'base-files' },
  'usr/share/doc/base-files/README': { data: 'readme', pkg: 'base-files' },
};

const appTree = (extra: Record<string, TrimNode> = {}) =>
  treeOf({
    ...glibc,
    'usr/bin/app': exe(['libfoo.so.1', 'libc.so.6'], { pkg: 'app' }),
    // libfoo.so.1 -> libfoo.so.1.2 -> ../x86_64-linux-gnu/libfoo.so.1.2.3 (real)
    [`usr/${ML}/libfoo.so.1`]: { symlink: 'libfoo.so.1.2', pkg: 'libfoo1' },
    [`usr/${ML}/libfoo.so.1.2`]: { symlink: '../x86_64-linux-gnu/libfoo.so.1.2.3', pkg: 'libfoo1' },
    [`usr/${ML}/libfoo.so.1.2.3`]: lib('libfoo.so.1', ['libc.so.6'], 'libfoo1'),
    [`usr/${ML}/libunrelated.so.1`]: lib('libunrelated.so.1', ['libc.so.6'], 'libunrelated1'),
    'var/lib/dpkg/status.d/libunrelated1': { data: 'Package: libunrelated1\n', pkg: 'libunrelated1' },
    'usr/share/doc/libunrelated1/copyright': { data: 'MIT', pkg: 'libunrelated1' },
    'usr/share/doc/libfoo1': { symlink: 'libc6', pkg: 'libfoo1' },
    'usr/share/man/man1/app.1.gz': { data: 'man', pkg: 'app' },
    'etc/app/app.conf': { data: 'x=1', pkg: 'app' },
    'etc/unrelated.conf': { data: 'y=1', pkg: 'libunrelated1' },
    ...extra,
  });

test('a binary keeps its ELF closure with the whole symlink chain; unrelated libraries and docs go', async () => {
  const tree = appTree();
  const result = await trimToClosure(tree, { roots: ['/usr/bin/app'], rules: [] });
  for (const path of [
    'usr/bin/app',
    `usr/${ML}/libfoo.so.1`,
    `usr/${ML}/libfoo.so.1.2`,
    `usr/${ML}/libfoo.so.1.2.3`,
    `${ML}/libc.so.6`,
    'lib64/ld-linux-x86-64.so.2',
    `${ML}/ld-linux-x86-64.so.2`,
    'usr',
    `usr/${ML}`,
    'lib64',
  ]) {
    assert.ok(result.kept.has(path), `${path} kept`);
  }
  for (const path of [
    `usr/${ML}/libunrelated.so.1`,
    'usr/share/man/man1/app.1.gz',
    `${ML}/libnss_files.so.2`,
    'usr/share/doc/libc6/copyright',
    'etc/app/app.conf',
  ]) {
    assert.ok(!result.kept.has(path), `${path} dropped (no rules)`);
    assert.ok(
      result.dropped.some((d) => d.path === path),
      `${path} listed as dropped`,
    );
  }
  assert.deepEqual(result.reasons.get('usr/bin/app'), ['root']);
  assert.deepEqual(result.reasons.get(`usr/${ML}/libfoo.so.1.2.3`), ['needed by /usr/bin/app (libfoo.so.1)']);
  assert.deepEqual(result.reasons.get(`usr/${ML}/libfoo.so.1`), [`symlink to /usr/${ML}/libfoo.so.1.2.3`]);
  assert.deepEqual(result.reasons.get(`${ML}/ld-linux-x86-64.so.2`), ['interpreter of /usr/bin/app']);
  const unrelated = result.dropped.find((d) => d.path === `usr/${ML}/libunrelated.so.1`)!;
  assert.equal(unrelated.package, 'libunrelated1');
  assert.ok(unrelated.size > 0);
});

test('the default rules keep NSS, gconv, config, status.d and copyright of contributing packages only', async () => {
  const tree = appTree();
  const result = await trimToClosure(tree, { roots: ['/usr/bin/app'] });
  const kept = (p: string) => assert.ok(result.kept.has(p), `${p} kept`);
  const gone = (p: string) => assert.ok(!result.kept.has(p), `${p} dropped`);
  kept(`${ML}/libnss_files.so.2`);
  kept(`${ML}/libnss_dns.so.2`);
  // Not dlopen()ed: only kept when an object links it.
  gone(`${ML}/libresolv.so.2`);
  kept(`usr/${ML}/gconv/UTF-16.so`);
  kept(`usr/${ML}/gconv/gconv-modules`);
  kept(`usr/${ML}/gconv/gconv-modules.d/gconv-modules-extra.conf`);
  // Only the modules the base gconv-modules file names; the extra ones are left to keep:.
  gone(`usr/${ML}/gconv/IBM850.so`);
  kept('etc/passwd');
  kept('etc/app/app.conf');
  kept('etc/ld.so.conf.d/x86_64-linux-gnu.conf');
  kept('var/lib/dpkg/status.d/libc6');
  kept('var/lib/dpkg/status.d/libc6.md5sums');
  kept('usr/share/doc/libc6/copyright');
  // libfoo1's doc dir is a link to libc6's: the link is kept, and the copyright through it.
  kept('usr/share/doc/libfoo1');
  gone('usr/share/doc/libc6/changelog.Debian.gz');
  gone('usr/share/man/man1/app.1.gz');
  gone(`usr/${ML}/libunrelated.so.1`);
  gone('var/lib/dpkg/status.d/libunrelated1');
  gone('usr/share/doc/libunrelated1/copyright');
  gone('etc/unrelated.conf');
  // etc/passwd makes base-files a contributor; its docs still go.
  gone('usr/share/doc/base-files/README');
  assert.deepEqual(result.reasons.get(`${ML}/libnss_files.so.2`), ['rule: glibc-nss']);
  assert.deepEqual(result.reasons.get('etc/app/app.conf'), ['rule: package-etc']);
});

test('a rule fires only once its trigger is kept', async () => {
  const rule: Rule = {
    name: 'plugins',
    why: 'libtrigger dlopen()s its plugins',
    when: (ctx) => ctx.keptNamed(/^libtrigger\.so/).length > 0,
    keep: ['usr/lib/trigger/**'],
  };
  const nodes: Record<string, TrimNode> = {
    ...glibc,
    'usr/bin/with': exe(['libtrigger.so.1', 'libc.so.6']),
    'usr/bin/without': exe(['libc.so.6']),
    [`usr/${ML}/libtrigger.so.1`]: lib('libtrigger.so.1', ['libc.so.6']),
    'usr/lib/trigger/plugin.so': lib('plugin.so', ['libplugdep.so.3']),
    [`usr/${ML}/libplugdep.so.3`]: lib('libplugdep.so.3'),
  };
  const off = await trimToClosure(treeOf(nodes), { roots: ['/usr/bin/without'], rules: [rule] });
  assert.ok(!off.kept.has('usr/lib/trigger/plugin.so'));
  assert.ok(!off.kept.has(`usr/${ML}/libplugdep.so.3`));
  const on = await trimToClosure(treeOf(nodes), { roots: ['/usr/bin/with'], rules: [rule] });
  assert.deepEqual(on.reasons.get('usr/lib/trigger/plugin.so'), ['rule: plugins']);
  // What a rule keeps brings its own ELF closure.
  assert.deepEqual(on.reasons.get(`usr/${ML}/libplugdep.so.3`), [
    'needed by /usr/lib/trigger/plugin.so (libplugdep.so.3)',
  ]);
  // glibc-nss does not fire for a static binary: no libc kept.
  const statics = await trimToClosure(
    treeOf({ ...glibc, 'bin/static': { data: buildElf({ type: 2, noDynamic: true }), mode: 0o755 } }),
    {
      roots: ['/bin/static'],
    },
  );
  assert.ok(!statics.kept.has(`${ML}/libnss_files.so.2`));
  assert.ok(!statics.kept.has(`${ML}/libc.so.6`));
  assert.ok(statics.kept.has('etc/passwd'), 'always-rules still apply');
});

test('a #! script root keeps its interpreter, and a python interpreter keeps its standard library', async () => {
  const nodes: Record<string, TrimNode> = {
    ...glibc,
    // Installed by a package (not the spec's own files, which are roots whatever reaches them).
    'usr/local/bin/tool': { data: '#!/usr/bin/python3 -u\nprint(1)\n', mode: 0o755, pkg: 'tools' },
    'usr/local/bin/envtool': { data: '#!/usr/bin/env -S python3 -u\nprint(1)\n', mode: 0o755, pkg: 'tools' },
    'usr/bin/env': exe(['libc.so.6'], { pkg: 'coreutils' }),
    'usr/bin/python3': { symlink: 'python3.11', pkg: 'python3.11-minimal' },
    'usr/bin/python3.11': exe(['libc.so.6', 'libz.so.1'], { pkg: 'python3.11-minimal' }),
    [`${ML}/libz.so.1`]: lib('libz.so.1', ['libc.so.6'], 'zlib1g'),
    'usr/lib/python3.11/os.py': { data: '#! /usr/local/bin/python\nimport sys\n', pkg: 'libpython3.11-stdlib' },
    'usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so': lib(
      '',
      ['libssl.so.3'],
      'libpython3.11-stdlib',
    ),
    [`usr/${ML}/libssl.so.3`]: lib('libssl.so.3', ['libc.so.6'], 'libssl3'),
    [`usr/${ML}/ossl-modules/legacy.so`]: lib('legacy.so', ['libc.so.6'], 'libssl3'),
    'usr/lib/python3.11/test/test_os.py': { data: 'x', pkg: 'libpython3.11-testsuite' },
    'usr/lib/python3.11/__pycache__/os.cpython-311.pyc': { data: 'x', pkg: 'libpython3.11-stdlib' },
    'usr/lib/python3/dist-packages/six.py': { data: 'x', pkg: 'python3-six' },
    'usr/bin/perl': exe(['libc.so.6'], { pkg: 'perl-base' }),
  };
  const result = await trimToClosure(treeOf(nodes), { roots: ['/usr/local/bin/tool'] });
  const kept = (p: string) => assert.ok(result.kept.has(p), `${p} kept`);
  kept('usr/bin/python3');
  kept('usr/bin/python3.11');
  kept(`${ML}/libz.so.1`);
  kept('usr/lib/python3.11/os.py');
  kept('usr/lib/python3/dist-packages/six.py');
  kept('usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so');
  kept(`usr/${ML}/libssl.so.3`);
  kept(`usr/${ML}/ossl-modules/legacy.so`); // openssl rule, triggered by the stdlib's _ssl module
  assert.ok(!result.kept.has('usr/lib/python3.11/test/test_os.py'));
  assert.ok(!result.kept.has('usr/lib/python3.11/__pycache__/os.cpython-311.pyc'));
  assert.ok(!result.kept.has('usr/bin/perl'));
  assert.ok(!result.kept.has('usr/bin/env'));
  assert.deepEqual(result.reasons.get('usr/bin/python3.11'), ['interpreter of /usr/local/bin/tool']);
  // os.py's stray `#! /usr/local/bin/python` is ignored: the file is not executable.

  const viaEnv = await trimToClosure(treeOf(nodes), { roots: ['/usr/local/bin/envtool'], rules: [] });
  assert.ok(viaEnv.kept.has('usr/bin/env'));
  assert.ok(viaEnv.kept.has('usr/bin/python3.11'));
  assert.deepEqual(viaEnv.reasons.get('usr/bin/python3.11'), ['interpreter of /usr/local/bin/envtool (via env)']);
  assert.ok(!viaEnv.kept.has('usr/lib/python3.11/os.py'), 'no rules, no stdlib');

  await assert.rejects(
    trimToClosure(treeOf({ ...nodes, 'usr/local/bin/bad': { data: '#!/bin/bash\n', mode: 0o755 } }), {
      roots: ['/usr/local/bin/bad'],
    }),
    (e: unknown) =>
      isPithError(e) && /\/usr\/local\/bin\/bad: its #! interpreter \/bin\/bash is not in the image/.test(e.message),
  );
});

test('keep globs and plain keep paths (a directory keeps its subtree)', async () => {
  const tree = appTree({
    'usr/share/app/a.json': { data: '{}', pkg: 'app' },
    'usr/share/app/sub/b.json': { data: '{}', pkg: 'app' },
    'usr/share/app/sub/c.txt': { data: 'c', pkg: 'app' },
    'opt/data/x/y.bin': { data: 'y' },
    'opt/data/link': { symlink: '/srv/target.txt' },
    'srv/target.txt': { data: 't' },
    'opt/other': { data: 'o' },
  });
  const result = await trimToClosure(tree, {
    roots: ['/usr/bin/app'],
    keep: ['/usr/share/app/**/*.json', '/opt/data', '/does/not/exist'],
    rules: [],
  });
  assert.ok(result.kept.has('usr/share/app/a.json'));
  assert.ok(result.kept.has('usr/share/app/sub/b.json'));
  assert.ok(!result.kept.has('usr/share/app/sub/c.txt'));
  assert.ok(result.kept.has('opt/data/x/y.bin'));
  assert.ok(result.kept.has('opt/data/link'));
  assert.ok(result.kept.has('srv/target.txt'), 'a kept link keeps its target');
  assert.ok(!result.kept.has('opt/other'));
  assert.deepEqual(result.reasons.get('usr/share/app/a.json'), ['keep: /usr/share/app/**/*.json']);
  assert.deepEqual(result.reasons.get('opt/data/x/y.bin'), ['inside /opt/data']);
  // A glob root works too.
  const globRoot = await trimToClosure(tree, { roots: ['/usr/bin/ap?'], rules: [] });
  assert.ok(globRoot.kept.has(`usr/${ML}/libfoo.so.1.2.3`));
});

test('a library the command needs that is missing is an error naming the file and the soname; so is a missing root', async () => {
  const tree = appTree({ 'usr/bin/broken': exe(['libmissing.so.7', 'libc.so.6'], { pkg: 'app' }) });
  await assert.rejects(trimToClosure(tree, { roots: ['/usr/bin/broken'] }), (e: unknown) => {
    assert.ok(isPithError(e));
    assert.match(e.message, /^trim: \/usr\/bin\/broken: libmissing\.so\.7 \(needed by \/usr\/bin\/broken\) not found/);
    return true;
  });
  await assert.rejects(
    trimToClosure(tree, { roots: ['/usr/bin/nope'] }),
    /trim: root \/usr\/bin\/nope is not in the image/,
  );
});

test('a module only a rule keeps is data: a DT_NEEDED the image lacks is listed in unmet, not an error', async () => {
  const viaRule = appTree({
    [`${ML}/libnss_dns.so.2`]: lib('libnss_dns.so.2', ['libgone.so.1', 'libresolv.so.2'], 'libc6'),
  });
  const result = await trimToClosure(viaRule, { roots: ['/usr/bin/app'] });
  assert.ok(result.kept.has(`${ML}/libnss_dns.so.2`));
  assert.ok(result.kept.has(`${ML}/libresolv.so.2`), 'what it needs and the image has is kept');
  assert.deepEqual(result.unmet, [{ path: `/${ML}/libnss_dns.so.2`, kind: 'library', needs: 'libgone.so.1' }]);
  assert.match(
    unmetSummary(result.unmet)!,
    /^trim: 1 kept file would need what the image lacks; .*libgone\.so\.1 \(\/lib\/x86_64-linux-gnu\/libnss_dns\.so\.2\)/,
  );
});

test('applyTrim keeps exactly the kept entries with their origins; explain sums per package', async () => {
  const tree = appTree({ 'usr/bin/app2': { hardlink: 'usr/bin/app', pkg: 'app' } });
  const result = await trimToClosure(tree, { roots: ['/usr/bin/app2'] });
  assert.ok(result.kept.has('usr/bin/app'), 'a hard link keeps its file');
  const trimmed = applyTrim(tree, result);
  // Every kept entry is there, except implicit directories nothing kept lives in (they were only
  // ever created for their content); nothing else is.
  const emptyImplicit = (p: string) => tree.isImplicit(p) && ![...result.kept].some((k) => k.startsWith(`${p}/`));
  assert.deepEqual(
    trimmed.list().map((e) => e.path),
    tree
      .list()
      .map((e) => e.path)
      .filter((p) => result.kept.has(p) && !emptyImplicit(p)),
  );
  assert.ok(trimmed.get('usr/bin/app2')?.type === 'hardlink');
  for (const entry of trimmed.list()) {
    const before = tree.get(entry.path)!;
    assert.equal(entry.type, before.type);
    if (entry.type !== 'dir' || !tree.isImplicit(entry.path)) assert.deepEqual(entry.origin, before.origin, entry.path);
  }
  // The trimmed tree still resolves the binary's closure on its own.
  const again = await trimToClosure(trimmed, { roots: ['/usr/bin/app2'] });
  assert.equal(again.dropped.length, 0);
  assert.ok((await treeFsView(trimmed).lstat(`/usr/${ML}/libfoo.so.1.2.3`))?.type === 'file');

  const text = explain(result);
  const line = text.split('\n').find((l) => l.startsWith('libunrelated1 '));
  assert.ok(line, text);
  assert.match(line!, /kept +0 files +0 B +dropped +4 files/);
  assert.match(text, /^total +kept +\d+ files/m);
  assert.ok(DEFAULT_RULES.every((r) => r.name && r.why));
  // Per package, every kept file with its size and why, and every dropped file with its size.
  assert.match(text, /^libfoo1: kept \d+ files \(\d+ B\), dropped 0 files \(0 B\)$/m);
  assert.match(
    text,
    new RegExp(`^  \\+ /usr/${ML}/libfoo\\.so\\.1\\.2\\.3  \\d+ B  needed by /usr/bin/app \\(libfoo\\.so\\.1\\)$`, 'm'),
  );
  assert.match(text, /^  \+ \/usr\/bin\/app2  hardlink  root$/m);
  assert.match(text, new RegExp(`^  - /usr/${ML}/libunrelated\\.so\\.1  \\d+ B$`, 'm'));
  assert.match(text, /^  - \/usr\/share\/man\/man1\/app\.1\.gz  3 B$/m);
});

test("glibc-nss keeps the modules the image's nsswitch.conf names (through a symlink), and files", async () => {
  const tree = appTree({
    [`${ML}/libnss_compat.so.2`]: lib('libnss_compat.so.2', ['libc.so.6'], 'libc6'),
    [`usr/${ML}/libnss_extrausers.so.2`]: lib('libnss_extrausers.so.2', ['libc.so.6'], 'libnss-extrausers'),
    'etc/nsswitch.conf': { symlink: 'nss/nsswitch.conf', pkg: 'base-files' },
    'etc/nss/nsswitch.conf': {
      data: '# users\npasswd: compat extrausers [NOTFOUND=return]\nhosts: files # no dns\n',
      pkg: 'base-files',
    },
  });
  const result = await trimToClosure(tree, { roots: ['/usr/bin/app'] });
  for (const p of [`${ML}/libnss_compat.so.2`, `usr/${ML}/libnss_extrausers.so.2`, `${ML}/libnss_files.so.2`]) {
    assert.deepEqual(result.reasons.get(p), ['rule: glibc-nss'], p);
  }
  assert.ok(!result.kept.has(`${ML}/libnss_dns.so.2`), 'no service names dns');
  assert.ok(
    result.kept.has('var/lib/dpkg/status.d/libnss-extrausers') ||
      tree.get('var/lib/dpkg/status.d/libnss-extrausers') === undefined,
  );
});

test('nssServices reads services and skips actions; glibc defaults without a file', () => {
  assert.deepEqual(nssServices(undefined), ['dns', 'files']);
  assert.deepEqual(nssServices('passwd: compat\nhosts: mdns4_minimal [NOTFOUND=return] dns # x\n# group: nis\n'), [
    'compat',
    'dns',
    'files',
    'mdns4_minimal',
  ]);
});

test('gconvModuleFiles reads the module files a gconv-modules file names', () => {
  const text =
    '# comment\nalias ISO-IR-100// ISO-8859-1//\nmodule ISO-8859-1// INTERNAL ISO8859-1 1\nmodule INTERNAL ISO-8859-1// ISO8859-1 1\n  module UTF-16// INTERNAL UTF-16 1 # trailing\nmodule broken\nmodule A// B// ../escape 1\n';
  assert.deepEqual(gconvModuleFiles(text), ['ISO8859-1', 'UTF-16']);
});
