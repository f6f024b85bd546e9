/** Step 0 (build/run.ts): what a run shares, and the mistakes it reports before any work. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildEpoch, prepareRun } from '../../../src/build/run.js';
import { hostArch } from '../../../src/image/platform.js';
import { loadedSpec, tempDir } from '../../helpers/fake-sources.js';

const pithError = (kind: string, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof Error && err.name === 'PithError', String(err));
  assert.equal((err as Error & { kind: string }).kind, kind);
  assert.match(err.message, message);
  return true;
};

test('the epoch: the spec wins, then SOURCE_DATE_EPOCH, else 0; a bad SOURCE_DATE_EPOCH is a usage error', () => {
  assert.equal(
    buildEpoch(loadedSpec('name: a\ncreated: 1700000000\n').spec, { SOURCE_DATE_EPOCH: '5' }),
    1_700_000_000,
  );
  assert.equal(buildEpoch(loadedSpec('name: a\n').spec, { SOURCE_DATE_EPOCH: '5' }), 5);
  assert.equal(buildEpoch(loadedSpec('name: a\n').spec, { SOURCE_DATE_EPOCH: '' }), 0);
  assert.equal(buildEpoch(loadedSpec('name: a\n').spec, {}), 0);
  assert.throws(
    () => buildEpoch(loadedSpec('name: a\n').spec, { SOURCE_DATE_EPOCH: '1.5' }),
    pithError('usage', /SOURCE_DATE_EPOCH must be a whole number of seconds, not "1.5"/),
  );
});

test('a run: epoch, archs, compression (the option over the spec), cache and store, index annotations', async () => {
  const cacheDir = tempDir('run');
  const loaded = loadedSpec(
    'name: a\narchs: [arm64, amd64]\ncompression: zstd\nannotations: { org.example: x }\nbase: oci:../base\n',
  );
  const run = await prepareRun(loaded, {
    cacheDir,
    env: { SOURCE_DATE_EPOCH: '86400' },
    compression: { algorithm: 'gzip', level: 9 },
  });
  assert.equal(run.created, 86_400);
  assert.deepEqual(run.archs, ['arm64', 'amd64']);
  assert.deepEqual(run.compression, { algorithm: 'gzip', level: 9 });
  assert.equal(run.cacheDir, cacheDir);
  assert.equal(run.store.root, join(cacheDir, 'blobs'));
  assert.deepEqual(run.annotations, {
    'org.example': 'x',
    'org.opencontainers.image.created': '1970-01-02T00:00:00Z',
    'org.opencontainers.image.base.name': 'oci:../base',
  });
  assert.equal(run.output, undefined);

  const plain = await prepareRun(loadedSpec('name: a\n'), { cacheDir, env: {} });
  assert.deepEqual(plain.archs, [hostArch()]);
  assert.deepEqual(plain.compression, loadedSpec('name: a\n').spec.compression);
  assert.deepEqual(plain.annotations, { 'org.opencontainers.image.created': '1970-01-01T00:00:00Z' });
});

test('a run first sweeps the spools a killed run left in its cache (not a live one)', async () => {
  const cacheDir = tempDir('run');
  const stale = join(cacheDir, 'tmp', 'spool-999999999-dead');
  const live = join(cacheDir, 'tmp', `spool-${process.pid}-beef`);
  const hourAgo = Date.now() / 1000 - 3600;
  for (const dir of [stale, live]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x'), 'left behind');
    utimesSync(join(dir, 'x'), hourAgo, hourAgo);
    utimesSync(dir, hourAgo, hourAgo);
  }
  await prepareRun(loadedSpec('name: a\n'), { cacheDir, env: {} });
  assert.equal(existsSync(stale), false);
  assert.equal(existsSync(live), true);
});

test('an output is checked before any work: its format, its directory, and no symbolic link', async () => {
  const cacheDir = tempDir('run');
  const out = tempDir('run-out');
  const loaded = loadedSpec('name: a\n');
  await assert.rejects(
    prepareRun(loaded, { cacheDir, env: {}, output: { format: 'tarball', path: join(out, 'x') } }),
    pithError('usage', /unknown output format "tarball" \(use one of: oci, oci-archive, docker-archive\)/),
  );
  await assert.rejects(
    prepareRun(loaded, { cacheDir, env: {}, output: { format: 'oci', path: join(out, 'missing', 'x') } }),
    pithError('build', /cannot write .*: directory .*missing does not exist/),
  );
  writeFileSync(join(out, 'file'), '');
  await assert.rejects(
    prepareRun(loaded, { cacheDir, env: {}, output: { format: 'oci', path: join(out, 'file', 'x') } }),
    pithError('build', /is not a directory/),
  );
  symlinkSync(join(out, 'elsewhere'), join(out, 'link'));
  await assert.rejects(
    prepareRun(loaded, { cacheDir, env: {}, output: { format: 'oci', path: join(out, 'link') } }),
    pithError('build', /it is a symbolic link \(to .*elsewhere\)/),
  );
  const run = await prepareRun(loaded, {
    cacheDir,
    env: {},
    output: { format: 'oci-archive', path: join(out, 'image.tar') },
  });
  assert.equal(run.output?.format, 'oci-archive');
  assert.equal(run.output?.sink.name, 'oci-archive');
});
