import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { loadSpec, parseSpec } from '../../../src/spec/load.js';
import type { Spec } from '../../../src/spec/types.js';
import { FULL_SPEC, FULL_YAML } from './fixtures.js';

test('a full spec normalizes to the expected Spec', () => {
  const loaded = parseSpec(FULL_YAML, 'specs/pith.yaml');
  assert.deepStrictEqual(loaded.spec, FULL_SPEC);
  assert.equal(loaded.file, 'specs/pith.yaml');
  assert.equal(loaded.dir, path.resolve('specs'));
});

test('a minimal spec gets the defaults and leaves optional fields out', () => {
  const { spec } = parseSpec('name: app\n', 'pith.yaml');
  assert.deepStrictEqual(spec, {
    name: 'app',
    tag: 'latest',
    env: {},
    ports: [],
    volumes: [],
    labels: {},
    annotations: {},
    accounts: { preset: 'distroless', users: [], groups: [] },
    files: [],
    binaries: [],
    paths: [],
    repositories: [],
    variants: [],
    packages: [],
    exclude: [],
    compression: { algorithm: 'gzip', level: 2 },
    trim: 'docs',
    keep: [],
  } satisfies Spec);
  assert.ok(!('archs' in spec) && !('entrypoint' in spec) && !('stopSignal' in spec) && !('created' in spec));
});

test('defaults do not leak between specs', () => {
  const a = parseSpec('name: a\n', 'pith.yaml').spec;
  a.env['X'] = '1';
  a.accounts.users.push({ name: 'x', uid: 1, gid: 1, home: '/', shell: '/', gecos: '' });
  const b = parseSpec('name: b\n', 'pith.yaml').spec;
  assert.deepStrictEqual(b.env, {});
  assert.deepStrictEqual(b.accounts.users, []);
});

test('field values in other accepted forms', () => {
  const { spec } = parseSpec(
    [
      'name: a.b_c__d--e/f-g',
      'tag: _1.0-RC',
      'created: 1700000000',
      "entrypoint: ''",
      'cmd: []',
      'user: 65532',
      'stop-signal: TERM',
      'accounts: { users: [{ name: root2, uid: 0 }] }',
      'paths: [{ path: /, type: dir, owner: 0 }, { path: /x, type: file, content: "" }]',
    ].join('\n'),
    'pith.yaml',
  );
  assert.equal(spec.name, 'a.b_c__d--e/f-g');
  assert.equal(spec.tag, '_1.0-RC');
  assert.equal(spec.created, 1700000000);
  assert.deepStrictEqual(spec.entrypoint, []);
  assert.deepStrictEqual(spec.cmd, []);
  assert.equal(spec.user, '65532');
  assert.equal(spec.stopSignal, 'SIGTERM');
  assert.deepStrictEqual(spec.accounts.users, [
    { name: 'root2', uid: 0, gid: 0, home: '/root', shell: '/sbin/nologin', gecos: 'root2' },
  ]);
  assert.deepStrictEqual(spec.paths, [
    { path: '/', type: 'dir', owner: '0' },
    { path: '/x', type: 'file', content: '' },
  ]);
  assert.equal(parseSpec('name: a\nstop-signal: 9', 'pith.yaml').spec.stopSignal, '9');
  assert.equal(parseSpec('name: a\nstop-signal: "SIGRTMIN+3"', 'pith.yaml').spec.stopSignal, 'SIGRTMIN+3');
  assert.equal(parseSpec('name: a\ncreated: "2024-01-01 00:00:00.999Z"', 'pith.yaml').spec.created, 1704067200);
  assert.equal(parseSpec('name: a\ncreated: 1970-01-01T00:00:00Z', 'pith.yaml').spec.created, 0);
  assert.equal(parseSpec('name: a\ncreated: 1969-12-31T23:00:00-02:00', 'pith.yaml').spec.created, 3600);
  assert.equal(parseSpec('name: a\ncreated: 2016-12-31T23:59:60Z', 'pith.yaml').spec.created, 1483228800);
});

test('JSON specs work, with positions', () => {
  const json = JSON.stringify(
    {
      name: 'acme/api',
      entrypoint: ['/usr/bin/api'],
      env: { PORT: 8080 },
      ports: [8080],
      files: [{ src: 'a', dest: '/a', mode: '0600' }],
    },
    null,
    '\t',
  );
  const loaded = parseSpec(json, 'pith.json');
  assert.deepStrictEqual(loaded.spec.env, { PORT: '8080' });
  assert.deepStrictEqual(loaded.spec.files, [{ src: 'a', dest: '/a', mode: 0o600 }]);
  assert.equal(loaded.where(['files', 0, 'mode']), 'pith.json:16:12');

  const bad = '{\n  "name": "app",\n  "files": [{"src": "a", "dest": "/a", "mode": 420}]\n}\n';
  assert.throws(
    () => parseSpec(bad, 'pith.json'),
    (err: unknown) => {
      assert.ok(isPithError(err));
      assert.equal(
        err.oneLine(),
        'pith.json:3:48: files[0].mode: write modes as quoted octal strings, e.g. "0755" (a bare 0755 is read as decimal by YAML 1.2)',
      );
      return true;
    },
  );
});

test('where() points at values, falling back to the nearest parent, then the file', () => {
  const loaded = parseSpec(FULL_YAML, 'pith.yaml');
  assert.equal(loaded.where(['name']), 'pith.yaml:2:7');
  assert.equal(loaded.where(['env', 'PORT']), 'pith.yaml:9:9');
  assert.equal(loaded.where(['files', 0, 'src']), 'pith.yaml:34:10');
  assert.equal(loaded.where(['files', 1]), 'pith.yaml:38:5');
  assert.equal(loaded.where(['files', 0, 'owner']), 'pith.yaml:37:12');
  // Not written: the entry that holds it.
  assert.equal(loaded.where(['files', 1, 'mode']), 'pith.yaml:38:5');
  assert.equal(loaded.where(['binaries', 0, 'dest']), 'pith.yaml:42:5');
  assert.equal(loaded.where(['paths', 1, 'owner']), 'pith.yaml:48:5');
  assert.equal(loaded.where(['paths', 0, 'owner']), 'pith.yaml:47:59');
  assert.equal(loaded.where(['files', 7, 'src']), 'pith.yaml:34:3');
  assert.equal(loaded.where(['stop-signal']), 'pith.yaml:21:14');
  assert.equal(loaded.where(['labels', 'org.opencontainers.image.title']), 'pith.yaml:18:35');
  assert.equal(loaded.where(['nope']), 'pith.yaml:2:1');
  assert.equal(loaded.where([]), 'pith.yaml:2:1');
});

test('where() follows aliases to their anchor', () => {
  const loaded = parseSpec('name: a\nlabels: &l\n  a: b\nannotations: *l\n', 'pith.yaml');
  assert.deepStrictEqual(loaded.spec.annotations, { a: 'b' });
  assert.equal(loaded.where(['annotations', 'a']), 'pith.yaml:3:6');
  // A key the anchor lacks: the alias, where the value was written.
  assert.equal(loaded.where(['annotations', 'zz']), 'pith.yaml:4:14');
});

test('loadSpec reads the file and resolves dir; missing and unreadable files are spec errors', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pith-spec-'));
  try {
    const file = path.join(dir, 'pith.yaml');
    await writeFile(file, 'name: app\nentrypoint: [/app]\n');
    const loaded = await loadSpec(file);
    assert.equal(loaded.spec.name, 'app');
    assert.deepStrictEqual(loaded.spec.entrypoint, ['/app']);
    assert.equal(loaded.file, file);
    assert.equal(loaded.dir, dir);

    await assert.rejects(loadSpec(path.join(dir, 'nope.yaml')), (err: unknown) => {
      assert.ok(isPithError(err));
      assert.equal(err.kind, 'spec');
      assert.equal(
        err.oneLine(),
        `${path.join(dir, 'nope.yaml')}: no such file (create one, or pass the spec path: pith build path/to/pith.yaml)`,
      );
      return true;
    });

    await mkdir(path.join(dir, 'sub'));
    await assert.rejects(loadSpec(path.join(dir, 'sub')), (err: unknown) => {
      assert.ok(isPithError(err));
      assert.equal(
        err.oneLine(),
        `${path.join(dir, 'sub')}: is a directory (pass the spec file in it, e.g. dir/pith.yaml)`,
      );
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a relative file keeps its name as given in messages', async () => {
  const cwd = process.cwd();
  const dir = await mkdtemp(path.join(tmpdir(), 'pith-spec-'));
  try {
    process.chdir(dir);
    await assert.rejects(loadSpec('pith.yaml'), (err: unknown) => {
      assert.ok(isPithError(err));
      assert.equal(
        err.oneLine(),
        'pith.yaml: no such file (create one, or pass the spec path: pith build path/to/pith.yaml)',
      );
      return true;
    });
    await writeFile('pith.yaml', 'name: app\nentripoint: [/app]\n');
    await assert.rejects(loadSpec('pith.yaml'), (err: unknown) => {
      assert.ok(isPithError(err));
      assert.equal(err.oneLine(), 'pith.yaml:2:1: entripoint: unknown key (did you mean "entrypoint"?)');
      return true;
    });
  } finally {
    process.chdir(cwd);
    await rm(dir, { recursive: true, force: true });
  }
});
