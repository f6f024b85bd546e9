/**
 * The pipeline of build/build.ts with fake sources: build() is resolveSources (the spec's
 * sources) then buildPlan, which this calls with a plan of fakes. Two platforms build at once and give an index;
 * the output is an OCI layout skopeo reads; the same inputs give the same digest.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPlan } from '../../../src/build/build.js';
import type { Run } from '../../../src/build/run.js';
import type { SourcePlan } from '../../../src/build/sources.js';
import type { Source } from '../../../src/sources/source.js';
import {
  barrierSource,
  entriesSource,
  layerFiles,
  loadedSpec,
  partsSource,
  planOf,
  tempDir,
  testRun,
} from '../../helpers/fake-sources.js';

/** build() after resolveSources: the same function build() calls. */
const buildWith = (plan: SourcePlan, run: Run) => buildPlan(plan, run);

const SPEC = 'name: app\ntag: v2\narchs: [amd64, arm64]\nentrypoint: [/app/run]\n';
const sources = (app = 'run'): Source[] => [
  partsSource({ busybox: [{ name: 'busybox', version: '1.35', files: { '/bin/busybox': 'bb' }, license: 'GPL-2.0' }] }),
  entriesSource('app', { '/app/run': app }),
];

test('two platforms build at once and give an index written as an OCI layout, with an SBOM pair per platform', async () => {
  const loaded = loadedSpec(SPEC);
  const out = join(tempDir('pipeline'), 'layout');
  const run = await testRun(loaded, { output: { format: 'oci', path: out } });
  const barrier = barrierSource(2);
  const { artifact, sbomFiles } = await buildWith(planOf(loaded, [barrier, ...sources()]), run);
  assert.deepEqual(barrier.arrived.sort(), ['amd64', 'arm64']);
  assert.equal(artifact.root.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.deepEqual(
    artifact.images.map((i) => i.platform.architecture),
    ['amd64', 'arm64'],
  );

  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; mediaType: string; annotations: Record<string, string> }>;
  };
  assert.equal(index.manifests.length, 1);
  assert.equal(index.manifests[0]!.digest, artifact.root.digest);
  assert.equal(index.manifests[0]!.annotations['org.opencontainers.image.ref.name'], 'v2');
  assert.equal(JSON.parse(readFileSync(join(out, 'oci-layout'), 'utf8')).imageLayoutVersion, '1.0.0');
  for (const blob of artifact.blobs) {
    const bytes = readFileSync(join(out, 'blobs', 'sha256', blob.digest.slice(7)));
    assert.equal(bytes.byteLength, blob.size);
  }
  // A real reader: skopeo picks each platform's image out of the index.
  for (const arch of ['amd64', 'arm64']) {
    const inspected = JSON.parse(
      execFileSync('skopeo', ['inspect', '--override-arch', arch, `oci:${out}:v2`], { encoding: 'utf8' }),
    ) as { Architecture: string; Layers: string[]; Digest: string };
    const image = artifact.images.find((i) => i.platform.architecture === arch)!;
    assert.equal(inspected.Architecture, arch);
    assert.equal(inspected.Digest, artifact.root.digest, 'skopeo names the reference it read: the index');
    assert.deepEqual(
      inspected.Layers,
      image.layers.map((l) => l.digest),
    );
  }
  assert.deepEqual(sbomFiles, [
    `${out}.amd64.spdx.json`,
    `${out}.amd64.cdx.json`,
    `${out}.arm64-v8.spdx.json`,
    `${out}.arm64-v8.cdx.json`,
  ]);
  const cdx = JSON.parse(readFileSync(`${out}.arm64-v8.cdx.json`, 'utf8')) as {
    metadata: { component: { hashes: Array<{ content: string }> } };
    components: Array<{ name: string }>;
  };
  assert.equal(cdx.metadata.component.hashes[0]!.content, artifact.images[1]!.digest.slice(7));
  assert.deepEqual(
    cdx.components.map((c) => c.name),
    ['busybox', '/app/run'],
  );
});

test('the same inputs give the same index digest from any cache; a changed entry gives another', async () => {
  const loaded = loadedSpec(SPEC);
  const one = await buildWith(planOf(loaded, sources()), await testRun(loaded));
  const two = await buildWith(planOf(loaded, sources()), await testRun(loaded));
  assert.equal(two.artifact.root.digest, one.artifact.root.digest);
  assert.equal(two.sbomFiles, undefined, 'no output: nothing written');
  const run = await testRun(loaded);
  const changed = await buildWith(planOf(loaded, sources('run 2')), run);
  assert.notEqual(changed.artifact.root.digest, one.artifact.root.digest);
  assert.deepEqual(await layerFiles(run.store, changed.artifact.images[0]!.layers.at(-1)!.digest), {
    'app/run': 'run 2',
  });
});

test('a failing source fails the build before anything is written', async () => {
  const loaded = loadedSpec(SPEC);
  const out = join(tempDir('pipeline'), 'layout');
  const failing: Source = {
    name: 'broken',
    contribute: async (ctx) => (ctx.arch === 'arm64' ? Promise.reject(new Error('arm64: no such package')) : {}),
  };
  await assert.rejects(
    buildWith(planOf(loaded, [...sources(), failing]), await testRun(loaded, { output: { format: 'oci', path: out } })),
    /arm64: no such package/,
  );
  assert.equal(existsSync(out), false);
});
