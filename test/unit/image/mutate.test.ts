/** The image model's pure operations: what bytes they write, and that order does not matter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  appendLayers,
  emptyImage,
  indexOf,
  isoTime,
  setAnnotations,
  setConfig,
  setCreated,
  type Digest,
  type Layer,
} from '../../../src/image/index.js';
import { BlobStore } from '../../../src/store/blob-store.js';

const sha = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const store = new BlobStore('/nonexistent/blobs');
const layer = (c: string, extra: Partial<Layer> = {}): Layer => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: d(c),
  size: 10,
  diffId: d('f'),
  store,
  ...extra,
});
const arm64 = { architecture: 'arm64', os: 'linux', variant: 'v8' };

test('an image built from nothing: the exact config and manifest, digests of their bytes', () => {
  const created = isoTime(1_700_000_000);
  const image = setAnnotations(
    setCreated(
      appendLayers(setConfig(emptyImage(arm64), { User: '65532', Entrypoint: ['/app'] }), [
        layer('a', { createdBy: 'pith: app', comment: 'c' }),
        layer('b'),
      ]),
      created,
    ),
    { 'org.example': 'x' },
  );
  assert.equal(created, '2023-11-14T22:13:20Z');
  assert.deepEqual(JSON.parse(Buffer.from(image.rawConfig).toString()), {
    architecture: 'arm64',
    config: { Entrypoint: ['/app'], User: '65532' },
    created,
    history: [
      { comment: 'c', created, created_by: 'pith: app' },
      { created, created_by: '' },
    ],
    os: 'linux',
    rootfs: { diff_ids: [d('f'), d('f')], type: 'layers' },
    variant: 'v8',
  });
  const configText = Buffer.from(image.rawConfig).toString();
  assert.ok(!/\s/.test(configText.replace(/"[^"]*"/g, '')), 'no insignificant white space');
  assert.equal(image.manifest.config.digest, sha(image.rawConfig));
  assert.equal(image.manifest.config.size, image.rawConfig.byteLength);
  assert.deepEqual(JSON.parse(Buffer.from(image.rawManifest).toString()), {
    annotations: { 'org.example': 'x' },
    config: {
      digest: sha(image.rawConfig),
      mediaType: 'application/vnd.oci.image.config.v1+json',
      size: image.rawConfig.byteLength,
    },
    layers: [
      { digest: d('a'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 10 },
      { digest: d('b'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 10 },
    ],
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    schemaVersion: 2,
  });
  assert.equal(image.digest, sha(image.rawManifest));
  assert.equal(image.size, image.rawManifest.byteLength);
  assert.deepEqual(image.platform, arm64);
  assert.deepEqual(
    image.layers.map((l) => l.digest),
    [d('a'), d('b')],
  );
});

test('the same image whatever the order of the operations, and the input image is left as it was', () => {
  const layers = [layer('a', { createdBy: 'x' }), layer('b', { annotations: { k: 'v' } })];
  const time = isoTime(86_400);
  const one = setAnnotations(setCreated(appendLayers(setConfig(emptyImage(arm64), { Cmd: ['sh'] }), layers), time), {
    a: '1',
  });
  const start = setCreated(emptyImage(arm64), time);
  const before = Buffer.from(start.rawManifest);
  const two = setConfig(appendLayers(setAnnotations(start, { a: '1' }), layers), { Cmd: ['sh'] });
  assert.equal(two.digest, one.digest);
  assert.ok(Buffer.from(start.rawManifest).equals(before));
  assert.equal(start.layers.length, 0);
  // Layers appended one at a time are the same as all at once.
  const stepwise = layers.reduce(
    (image, l) => appendLayers(image, [l]),
    setAnnotations(setConfig(setCreated(emptyImage(arm64), time), { Cmd: ['sh'] }), { a: '1' }),
  );
  assert.equal(stepwise.digest, one.digest);
  assert.deepEqual(
    JSON.parse(Buffer.from(one.rawManifest).toString()).layers[1].annotations,
    { k: 'v' },
    'descriptor annotations kept',
  );
});

test('empty annotations write none; an index names each image with its platform', () => {
  const a = setAnnotations(emptyImage({ architecture: 'amd64', os: 'linux' }), {});
  assert.equal(JSON.parse(Buffer.from(a.rawManifest).toString()).annotations, undefined);
  assert.equal(a.digest, emptyImage({ architecture: 'amd64', os: 'linux' }).digest);
  const b = emptyImage(arm64);
  const index = indexOf([a, b], { 'org.opencontainers.image.created': isoTime(0) });
  assert.deepEqual(index.index.manifests, [
    { mediaType: a.mediaType, digest: a.digest, size: a.size, platform: { architecture: 'amd64', os: 'linux' } },
    { mediaType: b.mediaType, digest: b.digest, size: b.size, platform: arm64 },
  ]);
  assert.equal(index.descriptor.digest, sha(index.raw));
  assert.equal(index.descriptor.mediaType, 'application/vnd.oci.image.index.v1+json');
  assert.equal(indexOf([a], {}).index.annotations, undefined);
});
