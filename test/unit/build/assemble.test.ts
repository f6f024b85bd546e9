/** Step 7 (build/assemble.ts): the platform image from its parts, and the image set over platforms. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { assembleArtifact, assembleImage } from '../../../src/build/assemble.js';
import { builtLayer } from '../../../src/build/built-layer.js';
import type { Layer } from '../../../src/image/layer.js';
import { writeLayer } from '../../../src/layers/layer.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import type { TreeEntry } from '../../../src/tree/entry.js';
import { tempDir } from '../../helpers/fake-sources.js';

const amd64 = { architecture: 'amd64', os: 'linux' };
const arm64 = { architecture: 'arm64', os: 'linux', variant: 'v8' };
const gzip = { algorithm: 'gzip' as const, level: 2 };

function entry(path: string, content: string): TreeEntry {
  const data = new TextEncoder().encode(content);
  return {
    path,
    type: 'file',
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: data.byteLength,
    source: { kind: 'bytes', data },
    origin: { kind: 'file', detail: path },
  };
}

async function layer(store: BlobStore, name: string, content: string): Promise<Layer> {
  const blob = await writeLayer([entry(`app/${name}`, content)], store, { mtime: 0, compression: gzip });
  return builtLayer(blob, name, `pith: ${name}`, 1, store);
}

const json = (bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString()) as Record<string, unknown>;

test('the image: config, layers in order with their history, created time and annotations', async () => {
  const store = new BlobStore(join(tempDir('assemble'), 'blobs'));
  const layers = [await layer(store, 'one', '1'), await layer(store, 'two', '2')];
  const image = assembleImage({
    platform: arm64,
    created: 86_400,
    config: { User: '65532:65532', Entrypoint: ['/app/one'] },
    layers,
    annotations: { 'org.example': 'x' },
  });
  const config = json(image.rawConfig);
  assert.deepEqual(config.config, { User: '65532:65532', Entrypoint: ['/app/one'] });
  assert.equal(config.created, '1970-01-02T00:00:00Z');
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: layers.map((l) => l.diffId) });
  assert.deepEqual(config.history, [
    { created: '1970-01-02T00:00:00Z', created_by: 'pith: one' },
    { created: '1970-01-02T00:00:00Z', created_by: 'pith: two' },
  ]);
  assert.equal(config.architecture, 'arm64');
  assert.equal(config.variant, 'v8');
  const manifest = json(image.rawManifest) as {
    layers: Array<{ digest: string }>;
    annotations: Record<string, string>;
  };
  assert.deepEqual(
    manifest.layers.map((l) => l.digest),
    layers.map((l) => l.digest),
  );
  assert.deepEqual(manifest.annotations, { 'org.example': 'x' });
  assert.deepEqual(
    image.layers.map((l) => l.name),
    ['one', 'two'],
  );
});

test('the digest is the same for the same inputs and differs when an entry, the order or the time changes', async () => {
  const store = new BlobStore(join(tempDir('assemble'), 'blobs'));
  const make = async (content: string, created = 0, reverse = false) => {
    const layers = [await layer(store, 'one', content), await layer(store, 'two', '2')];
    return assembleImage({
      platform: amd64,
      created,
      config: { Cmd: ['/app/one'] },
      layers: reverse ? layers.reverse() : layers,
      annotations: {},
    }).digest;
  };
  const digest = await make('1');
  assert.equal(await make('1'), digest);
  assert.notEqual(await make('1 changed'), digest);
  assert.notEqual(await make('1', 1), digest);
  assert.notEqual(await make('1', 0, true), digest);
});

test('one platform: the manifest is the root; two: an index with each platform, every blob in the store', async () => {
  const store = new BlobStore(join(tempDir('assemble'), 'blobs'));
  const images = [
    assembleImage({
      platform: amd64,
      created: 0,
      config: {},
      layers: [await layer(store, 'x', 'amd64')],
      annotations: {},
    }),
    assembleImage({
      platform: arm64,
      created: 0,
      config: {},
      layers: [await layer(store, 'x', 'arm64')],
      annotations: {},
    }),
  ];
  const single = await assembleArtifact(
    { name: 'app', tag: 'v1', images: [images[0]!], annotations: { a: '1' } },
    store,
  );
  assert.equal(single.root.digest, images[0]!.digest);
  assert.equal(single.root.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.ok(await store.has(images[0]!.digest));
  assert.ok(await store.has(images[0]!.manifest.config.digest));

  const both = await assembleArtifact({ name: 'app', tag: 'v1', images, annotations: { a: '1' } }, store);
  assert.equal(both.root.mediaType, 'application/vnd.oci.image.index.v1+json');
  const index = json(await store.readBytes(both.root.digest)) as {
    manifests: Array<{ digest: string; platform: unknown }>;
    annotations: Record<string, string>;
  };
  assert.deepEqual(
    index.manifests.map((m) => m.digest),
    images.map((i) => i.digest),
  );
  assert.deepEqual(
    index.manifests.map((m) => m.platform),
    [amd64, arm64],
  );
  assert.equal(index.annotations.a, '1');
  for (const image of images) {
    await store.verify(image.digest);
    await store.verify(image.manifest.config.digest);
  }
  assert.deepEqual(
    both.images.map((i) => i.digest),
    images.map((i) => i.digest),
  );
});
