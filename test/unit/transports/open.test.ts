/**
 * Every file medium written (transports/sinks.ts) and read back through openImage
 * (transports/open.ts, archive.ts, oci-archive.ts, docker-archive.ts): the same image comes out.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assembleArtifact, assembleImage } from '../../../src/build/assemble.js';
import { builtLayer } from '../../../src/build/built-layer.js';
import { writeLayer } from '../../../src/layers/layer.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import { openImage } from '../../../src/transports/open.js';
import { sinks } from '../../../src/transports/sinks.js';
import { layerFiles, tempDir } from '../../helpers/fake-sources.js';

async function imageSet() {
  const store = new BlobStore(join(tempDir('open'), 'blobs'));
  const data = new TextEncoder().encode('hello');
  const blob = await writeLayer(
    [
      {
        path: 'app/hello',
        type: 'file',
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: data.byteLength,
        source: { kind: 'bytes', data },
        origin: { kind: 'file', detail: 'x' },
      },
    ],
    store,
    { mtime: 0, compression: { algorithm: 'gzip', level: 2 } },
  );
  const images = ['amd64', 'arm64'].map((architecture) =>
    assembleImage({
      platform: { architecture, os: 'linux', ...(architecture === 'arm64' ? { variant: 'v8' } : {}) },
      created: 0,
      config: { Entrypoint: ['/app/hello'] },
      layers: [builtLayer(blob, 'app', 'pith: app', 1, store)],
      annotations: {},
    }),
  );
  return assembleArtifact({ name: 'hello', tag: 'v1', images, annotations: {} }, store);
}

for (const [format, ref] of [
  ['oci', (p: string) => `oci:${p}:v1`],
  ['oci-archive', (p: string) => `oci-archive:${p}:v1`],
  ['docker-archive', (p: string) => `docker-archive:${p}`],
] as const) {
  test(`${format}: written, then opened by reference, gives each platform's image with its layers and config`, async () => {
    const set = await imageSet();
    const path = join(tempDir('open'), format === 'oci' ? 'layout' : 'image.tar');
    await sinks.get(format)!.write(set, path);
    for (const wanted of set.images) {
      const opened = await openImage(ref(path), { platform: wanted.platform });
      try {
        assert.equal(opened.kind, format);
        assert.equal(opened.platform.architecture, wanted.platform.architecture);
        assert.deepEqual(
          opened.layers.map((l) => l.diffId),
          wanted.layers.map((l) => l.diffId),
        );
        assert.deepEqual(JSON.parse(Buffer.from(opened.rawConfig).toString()).config, { Entrypoint: ['/app/hello'] });
        if (format !== 'docker-archive') {
          assert.equal(opened.digest, wanted.digest, 'OCI media keep the manifest bytes');
          assert.equal(opened.root.digest, set.root.digest);
          assert.deepEqual(await layerFiles(opened.layers[0]!.store, opened.layers[0]!.digest), {
            'app/hello': 'hello',
          });
        }
      } finally {
        await opened.close();
      }
    }
  });
}

test('a bare path: a directory is a layout, a file an OCI archive; a missing one is a one-line error', async () => {
  const set = await imageSet();
  const dir = tempDir('open');
  await sinks.get('oci')!.write(set, join(dir, 'layout'));
  await sinks.get('oci-archive')!.write(set, join(dir, 'image.tar'));
  for (const [path, kind] of [
    [join(dir, 'layout'), 'oci'],
    [join(dir, 'image.tar'), 'oci-archive'],
  ] as const) {
    const opened = await openImage(path, { platform: set.images[1]!.platform });
    assert.equal(opened.kind, kind);
    assert.equal(opened.digest, set.images[1]!.digest);
    await opened.close();
  }
  await assert.rejects(
    openImage(join(dir, 'missing.tar')),
    (err: Error) => err.name === 'PithError' && err.message === `no such archive: ${join(dir, 'missing.tar')}`,
  );
  writeFileSync(join(dir, 'junk.tar'), 'not a tar');
  await assert.rejects(openImage(join(dir, 'junk.tar')), (err: Error) => err.name === 'PithError');
});
