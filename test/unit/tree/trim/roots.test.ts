/**
 * trim: closure roots: what the spec names and what pith makes stays whatever reaches it; the
 * command is found on PATH; install-effect links stay only with what they point at.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPithError } from '../../../../src/errors.js';
import type { Origin } from '../../../../src/tree/entry.js';
import { trimToClosure } from '../../../../src/tree/trim/closure.js';
import { droppedSpecPaths } from '../../../../src/tree/trim/explain.js';
import { DEFAULT_RULES, isBuiltRoot, ORIGIN_TRIM } from '../../../../src/tree/trim/rules.js';
import { buildElf } from '../../../helpers/elf-build.js';
import { treeOf, type TrimNode } from '../../../helpers/trim-tree.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const ML = 'lib/x86_64-linux-gnu';
const exe = (needed: string[], pkg?: string): TrimNode => ({
  data: buildElf({ type: 2, interpreter: LD, needed }),
  mode: 0o755,
  ...(pkg ? { pkg } : {}),
});
const lib = (soname: string, needed: string[] = [], pkg = 'libc6'): TrimNode => ({
  data: buildElf({ soname, needed }),
  pkg,
});
const spec = (detail: string, kind: Origin['kind'] = 'file'): Origin => ({ kind, detail });
const system: Origin = { kind: 'accounts', detail: 'system' };
const effect = (pkg: string): Origin => ({ kind: 'effect', package: pkg, detail: `${pkg}: effect` });

const base: Record<string, TrimNode> = {
  [`${ML}/ld-linux-x86-64.so.2`]: lib('ld-linux-x86-64.so.2'),
  'lib64/ld-linux-x86-64.so.2': { symlink: `/${ML}/ld-linux-x86-64.so.2`, pkg: 'libc6' },
  [`${ML}/libc.so.6`]: lib('libc.so.6', ['ld-linux-x86-64.so.2']),
  'usr/bin/python3.11': exe(['libc.so.6'], 'python3.11-minimal'),
  'usr/bin/python3': { symlink: 'python3.11', pkg: 'python3-minimal' },
  'usr/bin/unrelated': exe(['libc.so.6'], 'unrelated'),
  'usr/bin/unrelated-link': { symlink: 'unrelated', pkg: 'unrelated' },
  // The system layer and the spec's own entries.
  'etc/passwd': {
    data: 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\nnobody:x:65534:65534::/nonexistent:/sbin/nologin\n',
    origin: system,
  },
  tmp: { dir: true, mode: 0o1777, origin: system },
  root: { dir: true, mode: 0o700, origin: system },
  'home/nonroot': { dir: true, mode: 0o770, origin: system },
  'var/tmp': { dir: true, mode: 0o1777, pkg: 'base-files' },
  run: { dir: true, pkg: 'base-files' },
  'var/cache': { dir: true, pkg: 'base-files' },
  'app/app.py': { data: 'import os\n', origin: spec('files[0]: app.py') },
  'app/config/settings.toml': { data: 'x = 1\n', origin: spec('files[1]: config') },
  'etc/app.conf': { data: 'port = 1\n', origin: spec('paths[0]: /etc/app.conf', 'path') },
  'usr/share/data/model.bin': { data: 'weights', pkg: 'data' },
  'usr/share/data/other.bin': { data: 'other', pkg: 'data' },
  'srv/www/index.html': { data: '<h1>x</h1>', pkg: 'www' },
};

test('every Origin kind has a trim policy; packages and a base are reached, the rest are roots, effect links are not', () => {
  assert.deepEqual(Object.keys(ORIGIN_TRIM).sort(), [
    'accounts',
    'base',
    'binary',
    'effect',
    'file',
    'library',
    'package',
    'path',
    'system',
  ]);
  const entry = (type: 'file' | 'symlink', origin: Origin) =>
    type === 'file'
      ? {
          type,
          path: 'x',
          mode: 0o644,
          uid: 0,
          gid: 0,
          origin,
          size: 0,
          source: { kind: 'bytes' as const, data: new Uint8Array() },
        }
      : { type, path: 'x', mode: 0o777, uid: 0, gid: 0, origin, target: 'y' };
  assert.equal(isBuiltRoot(entry('file', { kind: 'package', package: 'p', detail: 'p' })), false);
  assert.equal(isBuiltRoot(entry('file', { kind: 'base', detail: 'base image' })), false);
  assert.equal(isBuiltRoot(entry('file', spec('files[0]'))), true);
  assert.equal(isBuiltRoot(entry('symlink', spec('paths[0]', 'path'))), true);
  assert.equal(isBuiltRoot(entry('file', effect('ca-certificates-java'))), true);
  assert.equal(isBuiltRoot(entry('symlink', effect('openjdk-17-jre-headless'))), false);
});

test("the spec's files, paths and the system layer stay although nothing reaches them; /tmp, /var/tmp, /run and homes stay", async () => {
  const tree = treeOf(base);
  const result = await trimToClosure(tree, { roots: ['/usr/bin/python3'] });
  for (const p of [
    'app/app.py',
    'app/config/settings.toml',
    'etc/app.conf',
    'etc/passwd',
    'tmp',
    'root',
    'home/nonroot',
    'var/tmp',
    'run',
  ]) {
    assert.ok(result.kept.has(p), `${p} kept`);
  }
  assert.deepEqual(result.reasons.get('app/app.py'), ['rule: built-entries']);
  assert.deepEqual(result.reasons.get('var/tmp'), ['rule: system-dirs']);
  assert.ok(!result.kept.has('var/cache'), 'a package directory nothing uses goes');
  assert.ok(!result.kept.has('usr/share/data/model.bin'));
  assert.deepEqual(droppedSpecPaths(tree, result, ['/app/app.py']), []);

  // Without the rules nothing keeps them, and the guard names what the spec would have lost.
  const bare = await trimToClosure(tree, { roots: ['/usr/bin/python3'], rules: [] });
  assert.deepEqual(droppedSpecPaths(tree, bare, ['/usr/share/data/model.bin', '/nope']), [
    '/app/app.py',
    '/app/config/settings.toml',
    '/etc/app.conf',
    '/usr/share/data/model.bin',
  ]);
});

test('named paths (arguments, volumes) stay with what is below them; a missing one is no error', async () => {
  const tree = treeOf(base);
  const result = await trimToClosure(tree, {
    roots: ['/usr/bin/python3'],
    named: [
      { path: '/usr/share/data/model.bin', why: 'entrypoint argument' },
      { path: '/srv/www', why: 'volume' },
      { path: '/var/cache', why: 'WorkingDir', subtree: false },
      { path: '/does/not/exist', why: 'cmd argument' },
    ],
    rules: [],
  });
  assert.deepEqual(result.reasons.get('usr/share/data/model.bin'), ['entrypoint argument']);
  assert.deepEqual(result.reasons.get('srv/www/index.html'), ['inside /srv/www']);
  assert.ok(result.kept.has('var/cache'));
  assert.ok(!result.kept.has('usr/share/data/other.bin'));
});

test('a bare command is found on the PATH given, through its link; a missing one is a clear error', async () => {
  const tree = treeOf(base);
  const result = await trimToClosure(tree, { roots: ['python3'], path: ['/usr/local/bin', '/usr/bin'], rules: [] });
  assert.deepEqual(result.reasons.get('usr/bin/python3'), ['symlink to /usr/bin/python3.11']);
  assert.deepEqual(result.reasons.get('usr/bin/python3.11'), ['root']);
  await assert.rejects(
    trimToClosure(tree, { roots: ['python3'], path: ['/usr/local/bin'], rules: [] }),
    (e: unknown) => {
      assert.ok(isPithError(e));
      assert.equal(e.message, 'trim: the command "python3" is not on the image\'s PATH (/usr/local/bin)');
      return true;
    },
  );
});

test('effect-links: an alternatives link stays when its target is kept and goes with it; effect files are roots', async () => {
  const jvm = 'usr/lib/jvm/java-17-openjdk-amd64';
  const nodes: Record<string, TrimNode> = {
    ...base,
    [`${jvm}/bin/java`]: exe(['libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/bin/keytool`]: exe(['libc.so.6'], 'openjdk-17-jre-headless'),
    'etc/alternatives/java': { symlink: `/${jvm}/bin/java`, origin: effect('openjdk-17-jre-headless') },
    'usr/bin/java': { symlink: '/etc/alternatives/java', origin: effect('openjdk-17-jre-headless') },
    'etc/alternatives/keytool': { symlink: `/${jvm}/bin/keytool`, origin: effect('openjdk-17-jre-headless') },
    'usr/bin/keytool': { symlink: '/etc/alternatives/keytool', origin: effect('openjdk-17-jre-headless') },
    'etc/ssl/certs/java/cacerts': { data: 'keystore', origin: effect('ca-certificates-java') },
    'var/lib/app': { dir: true, origin: effect('app') },
  };
  const withJava = await trimToClosure(treeOf(nodes), {
    roots: [`/${jvm}/bin/java`],
    rules: DEFAULT_RULES.filter((r) => r.name !== 'java'),
  });
  assert.ok(
    withJava.kept.has('usr/bin/java') && withJava.kept.has('etc/alternatives/java'),
    'the alternative follows the JVM it points at',
  );
  assert.deepEqual(withJava.reasons.get('usr/bin/java'), ['rule: effect-links']);
  assert.ok(
    !withJava.kept.has('usr/bin/keytool') && !withJava.kept.has('etc/alternatives/keytool'),
    'keytool is not kept, nor its links',
  );
  assert.ok(
    withJava.kept.has('etc/ssl/certs/java/cacerts') && withJava.kept.has('var/lib/app'),
    'effect files and directories are roots',
  );
  // A PATH link to a kept program stays too (python3 -> python3.11); one to a dropped program goes.
  const python = await trimToClosure(treeOf(nodes), { roots: ['/usr/bin/python3.11'] });
  assert.deepEqual(python.reasons.get('usr/bin/python3'), ['rule: effect-links']);
  assert.ok(!python.kept.has('usr/bin/unrelated-link'));
  assert.ok(!python.kept.has('usr/bin/java'), 'no JVM, no java link');
  // The effect package is no contributor: its files are pith's, not the package's.
  assert.ok(!python.packages.includes('ca-certificates-java'));
});
