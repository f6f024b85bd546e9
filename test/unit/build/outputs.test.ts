/** Step 8 (build/outputs.ts): the image set written to its medium, and its SBOMs beside a file output. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assembleArtifact } from '../../../src/build/assemble.js';
import { writeOutputs } from '../../../src/build/outputs.js';
import { buildPlatform } from '../../../src/build/platform.js';
import { entriesSource, loadedSpec, planOf, tempDir, testRun } from '../../helpers/fake-sources.js';

const SPEC = 'name: app\ntag: v3\narchs: [amd64]\nentrypoint: [/app/run]\n';

async function built(output?: { format: string; path: string }) {
  const loaded = loadedSpec(SPEC);
  const lines: string[] = [];
  const run = await testRun(loaded, { ...(output ? { output } : {}), log: (m) => lines.push(m) });
  const platform = await buildPlatform(
    'amd64',
    planOf(loaded, [entriesSource('app', { '/app/run': 'run' })]),
    undefined,
    run,
  );
  const artifact = await assembleArtifact(
    { name: 'app', tag: 'v3', images: [platform.image], annotations: run.annotations },
    run.store,
  );
  return { run, artifact, sboms: [platform.sboms!], lines };
}

test('no output: nothing written, nothing said', async () => {
  const { run, artifact, sboms, lines } = await built();
  const before = lines.length;
  assert.deepEqual(await writeOutputs(artifact, sboms, run), {});
  assert.equal(lines.length, before);
});

for (const format of ['oci-archive', 'docker-archive']) {
  test(`${format}: a file skopeo reads as the image built, with PATH.spdx.json and PATH.cdx.json beside it`, async () => {
    const path = join(tempDir('outputs'), 'image.tar');
    const { run, artifact, sboms, lines } = await built({ format, path });
    const { sbomFiles } = await writeOutputs(artifact, sboms, run);
    assert.deepEqual(sbomFiles, [`${path}.spdx.json`, `${path}.cdx.json`]);
    assert.deepEqual(lines.slice(-2), [`wrote ${format} to ${path}`, `wrote ${path}.spdx.json, ${path}.cdx.json`]);
    assert.ok(Buffer.from(readFileSync(`${path}.spdx.json`)).equals(Buffer.from(sboms[0]!.spdx)));
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', `${format}:${path}`], { encoding: 'utf8' })) as {
      Layers: string[];
      Architecture: string;
    };
    assert.equal(inspected.Architecture, 'amd64');
    const image = artifact.images[0]!;
    // docker-archive holds uncompressed layers: skopeo lists their diff_ids.
    assert.deepEqual(
      inspected.Layers,
      image.layers.map((l) => (format === 'docker-archive' ? l.diffId : l.digest)),
    );
  });
}

test('without SBOMs: the image only', async () => {
  const path = join(tempDir('outputs'), 'layout');
  const { run, artifact } = await built({ format: 'oci', path });
  assert.deepEqual(await writeOutputs(artifact, [], run), {});
  assert.ok(existsSync(join(path, 'index.json')));
  assert.equal(existsSync(`${path}.spdx.json`), false);
});
