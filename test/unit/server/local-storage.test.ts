import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { LocalStorage } from '../../../src/server/local-storage.js';
import type { Digest } from '../../../src/image/digest.js';
import { fakeBytes } from '../../helpers/serve-fakes.js';

const digestOf = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}` as Digest;
const source = (bytes: Uint8Array, path?: string) => ({
  open: async function* () {
    yield bytes;
  },
  ...(path ? { path } : {}),
});
const text = async (s: ReadableStream<Uint8Array>) => Buffer.from(await new Response(s).arrayBuffer());

describe('LocalStorage', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'pith-serve-store-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('blobs: streamed in and checked, read whole or by range; a wrong digest is refused', async () => {
    const storage = new LocalStorage(join(dir, 's1'));
    const bytes = fakeBytes('blob', 100_000);
    const d = digestOf(bytes);
    await storage.putBlob({ mediaType: 'x', digest: d, size: bytes.length }, source(bytes));
    assert.equal(await storage.statBlob(d), bytes.length);
    const whole = await storage.getBlob(d);
    assert.deepEqual(await text(whole!.stream), bytes);
    const part = await storage.getBlob(d, { start: 99_990, end: 99_999 });
    assert.equal(part!.size, bytes.length);
    assert.deepEqual(await text(part!.stream), bytes.subarray(99_990));
    const other = fakeBytes('other', 10);
    await assert.rejects(
      storage.putBlob({ mediaType: 'x', digest: d.replace(/.$/, '0') as Digest, size: 10 }, source(other)),
      /hashes to/,
    );
    assert.equal(await storage.getBlob(`sha256:${'f'.repeat(64)}` as Digest), undefined);
  });

  test('a blob in a local file is hard-linked', async () => {
    const storage = new LocalStorage(join(dir, 's2'));
    const bytes = fakeBytes('linked', 5000);
    const file = join(dir, 'cache-blob');
    writeFileSync(file, bytes);
    const d = digestOf(bytes);
    await storage.putBlob({ mediaType: 'x', digest: d, size: bytes.length }, source(bytes, file));
    assert.equal(statSync(storage.blobs.pathOf(d)).ino, statSync(file).ino);
  });

  test('manifests: bound to a key, found by digest, and a damaged one is never served', async () => {
    const storage = new LocalStorage(join(dir, 's3'));
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {},
        layers: [],
      }),
    );
    const m = { digest: digestOf(bytes), mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes };
    const key = 'ab'.repeat(32);
    assert.equal(await storage.getManifest(key), undefined);
    await storage.putManifest(m, key);
    assert.deepEqual(await storage.getManifest(key), m);
    assert.deepEqual(await storage.getManifestByDigest(m.digest), m);
    const again = new LocalStorage(join(dir, 's3'));
    assert.equal((await again.getManifest(key))?.digest, m.digest, 'survives a restart');
    writeFileSync(storage.blobs.pathOf(m.digest), Buffer.concat([bytes, Buffer.from(' ')]));
    assert.equal(await storage.getManifest(key), undefined);
    const layer = fakeBytes('layer', 100);
    await storage.putBlob({ mediaType: 'x', digest: digestOf(layer), size: 100 }, source(layer));
    assert.equal(await storage.getManifestByDigest(digestOf(layer)), undefined, 'a layer is not a manifest');
  });
});
