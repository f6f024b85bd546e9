/** One platform image from fake sources (build/platform.ts): layers, config, annotations, SBOM. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { buildPlatform } from '../../../src/build/platform.js';
import { layerSummary } from '../../../src/build/summary.js';
import {
  entriesSource,
  layerFiles,
  loadedSpec,
  partsSource,
  planOf,
  readyLayerSource,
  testRun,
  type FakePart,
  type PartsLog,
} from '../../helpers/fake-sources.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const libc: FakePart = {
  name: 'libc6',
  version: '2.36-9',
  files: { '/usr/lib/libc.so.6': 'libc' },
  license: 'LGPL-2.1',
};
const curl: FakePart = { name: 'curl', version: '7.88.1-10', files: { '/usr/bin/curl': 'curl' }, license: 'curl' };
const SPEC = 'name: app\ntag: v1\ncreated: 86400\nentrypoint: [/app/run]\nenv: { MODE: spec }\nuser: nonroot\n';

function sources(appContent = 'run', log?: PartsLog) {
  return [
    readyLayerSource(
      { '/etc/base-release': 'base 1' },
      {
        config: { Env: ['PATH=/base/bin:/usr/bin', 'MODE=base', 'BASE=1'], Cmd: ['/base/cmd'], WorkingDir: '/base' },
        packages: [
          { name: 'tzdata', version: '2024a' },
          { name: 'libc6', version: '2.35' },
        ],
      },
    ),
    partsSource({ glibc: [libc], curl: [curl] }, log ? { log } : {}),
    entriesSource(
      'app files',
      { '/app/run': appContent },
      {
        config: { defaults: { env: { PRESET: '1', MODE: 'preset' }, workdir: '/app' } },
        annotations: { 'org.example.source': 'app' },
      },
    ),
  ];
}

test('layers bottom up: the ready layer, a layer per group of parts, the spec tree; the config each source shapes', async () => {
  const loaded = loadedSpec(SPEC);
  const run = await testRun(loaded);
  const { image } = await buildPlatform('arm64', planOf(loaded, sources()), undefined, run);
  assert.deepEqual(
    image.layers.map((l) => l.name),
    ['base: 0', 'packages: glibc', 'packages: curl', 'app'],
  );
  assert.deepEqual(await Promise.all(image.layers.map((l) => layerFiles(run.store, l.digest))), [
    { 'etc/base-release': 'base 1' },
    { 'usr/lib/libc.so.6': 'libc' },
    { 'usr/bin/curl': 'curl' },
    { 'app/run': 'run' },
  ]);
  assert.deepEqual(image.platform, { architecture: 'arm64', os: 'linux', variant: 'v8' });
  const config = JSON.parse(Buffer.from(image.rawConfig).toString()) as {
    config: Record<string, unknown>;
    created: string;
    history: unknown[];
  };
  assert.deepEqual(config.config, {
    Env: ['PATH=/base/bin:/usr/bin', 'MODE=spec', 'BASE=1', 'PRESET=1'],
    User: '65532:65532',
    Entrypoint: ['/app/run'],
    WorkingDir: '/app',
  });
  assert.equal(config.created, '1970-01-02T00:00:00Z');
  assert.equal(config.history.length, 4);
  const annotations = image.manifest.annotations ?? {};
  assert.equal(annotations['org.example.source'], 'app');
  assert.equal(annotations['org.opencontainers.image.created'], '1970-01-02T00:00:00Z');
  assert.equal(annotations['org.opencontainers.image.base.digest'], image.layers[0]!.digest);
});

test('the SBOM lists the packages with their licences, the base packages not added again, and the spec files', async () => {
  const loaded = loadedSpec(SPEC);
  const run = await testRun(loaded);
  const { image, sboms } = await buildPlatform('amd64', planOf(loaded, sources()), undefined, run);
  assert.ok(sboms);
  const cdx = JSON.parse(Buffer.from(sboms.cyclonedx).toString()) as {
    metadata: { component: { name: string; version: string; hashes: Array<{ content: string }> } };
    components: Array<{
      type: string;
      name: string;
      version?: string;
      licenses?: Array<{ expression: string }>;
      properties?: Array<{ name: string; value: string }>;
      hashes?: Array<{ content: string }>;
    }>;
  };
  assert.equal(cdx.metadata.component.name, 'app');
  assert.equal(cdx.metadata.component.version, 'v1');
  assert.equal(cdx.metadata.component.hashes[0]!.content, image.digest.slice(7));
  const libraries = cdx.components
    .filter((c) => c.type === 'library')
    .map((c) => [
      c.name,
      c.version,
      c.licenses?.[0]?.expression,
      c.properties?.find((p) => p.name === 'pith:base-image')?.value,
    ]);
  assert.deepEqual(libraries.sort(), [
    ['curl', '7.88.1-10', 'curl', undefined],
    ['libc6', '2.36-9', 'LGPL-2.1', undefined],
    ['tzdata', '2024a', 'MIT', 'fake-base@sha256:0'],
  ]);
  const files = cdx.components.filter((c) => c.type === 'file').map((c) => [c.name, c.hashes?.[0]?.content]);
  assert.deepEqual(files, [['/app/run', sha('run')]]);
  const spdx = JSON.parse(Buffer.from(sboms.spdx).toString()) as { packages: Array<{ name: string }> };
  assert.ok(['curl', 'libc6', 'tzdata'].every((n) => spdx.packages.some((p) => p.name === n)));

  const without = await buildPlatform(
    'amd64',
    planOf(loaded, sources()),
    undefined,
    await testRun(loaded, { sbom: false }),
  );
  assert.equal(without.sboms, undefined);
  assert.equal(without.image.digest, image.digest, 'the SBOM is beside the image, not in it');
});

test('the same inputs give the same image, from the cache the second time (entries -1); a changed entry another digest', async () => {
  const loaded = loadedSpec(SPEC);
  const run = await testRun(loaded);
  const log: PartsLog = { reads: [], remembered: new Map(), recalled: [] };
  const first = await buildPlatform('amd64', planOf(loaded, sources('run', log)), undefined, run);
  assert.deepEqual(log.reads, ['libc6', 'curl']);
  log.reads.length = 0;
  const second = await buildPlatform('amd64', planOf(loaded, sources('run', log)), undefined, run);
  assert.equal(second.image.digest, first.image.digest);
  assert.deepEqual(second.image.layers.map((l) => layerSummary(l).entries).slice(0, 3), [-1, -1, -1]);
  assert.ok(layerSummary(second.image.layers[3]!).entries > 0, "the spec's own layers are written each time");
  assert.deepEqual(log.reads, []);

  const elsewhere = await buildPlatform('amd64', planOf(loaded, sources('run')), undefined, await testRun(loaded));
  assert.equal(elsewhere.image.digest, first.image.digest, 'another cache, the same image');
  const changed = await buildPlatform('amd64', planOf(loaded, sources('run v2')), undefined, run);
  assert.notEqual(changed.image.digest, first.image.digest);
  assert.deepEqual(
    changed.image.layers.slice(0, 3).map((l) => l.digest),
    first.image.layers.slice(0, 3).map((l) => l.digest),
  );
  assert.notEqual(changed.image.layers[3]!.digest, first.image.layers[3]!.digest);
});

test('--explain says why each file is there', async () => {
  const loaded = loadedSpec(SPEC);
  const run = await testRun(loaded, { explain: () => undefined });
  const { explanation } = await buildPlatform('amd64', planOf(loaded, sources()), undefined, run);
  assert.ok(explanation?.startsWith('amd64:\n'));
  assert.match(explanation ?? '', /usr\/bin\/curl.*installed by curl/);
  assert.match(explanation ?? '', /app\/run/);
});

test('an entrypoint with nothing to start it is an error (without an image below), located at the spec field', async () => {
  const loaded = loadedSpec(SPEC);
  const problem = entriesSource(
    'effects',
    {},
    {
      settle: async (spec, ctx) => ({
        ...(await spec(ctx.accounts, new Set())),
        accounts: ctx.accounts,
        effectUsers: new Set(),
        rootProblems: ['entrypoint /app/run: no such file'],
        warnings: ['could not emulate x'],
        notes: [],
      }),
    },
  );
  const warnings: string[] = [];
  await assert.rejects(
    buildPlatform(
      'amd64',
      planOf(loaded, [problem]),
      undefined,
      await testRun(loaded, { warn: (w) => warnings.push(w) }),
    ),
    (err: Error & { where?: string }) =>
      err.name === 'PithError' &&
      err.message === 'amd64: entrypoint /app/run: no such file' &&
      /pith\.yaml:4:/.test(err.where ?? ''),
  );
  assert.deepEqual(warnings, ['amd64: could not emulate x']);
  await assert.rejects(
    buildPlatform(
      'amd64',
      planOf(loaded, [problem]),
      undefined,
      await testRun(loaded, { strict: true, warn: () => undefined }),
    ),
    /--strict: amd64: could not emulate x/,
  );
});
