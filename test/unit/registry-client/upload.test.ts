/**
 * Upload paths against a real docker-registry, through a recording proxy that injects the quirks
 * of other registries: monolithic refused (-> streamed), streamed refused (-> chunked with
 * OCI-Chunk-Min-Length, PATCH answering 201, relative Locations), 429/503/resets (-> retries),
 * a mount the registry can't satisfy (-> upload in the session it opened).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushArtifact, type PushOptions } from '../../../src/registry-client/push.js';
import { pullImage } from '../../../src/registry-client/pull.js';
import { BlobLocations } from '../../../src/registry-client/blob-locations.js';
import { readOciLayout } from '../../../src/transports/oci-layout.js';
import { registryTransport } from '../../../src/transports/registry.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import type { ImageSet } from '../../../src/image/image.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry-server.js';
import { startProxy, type RegistryProxy } from '../../helpers/registry-proxy.js';
import { buildEcho, buildLarge } from '../../helpers/registry-images.js';

const uploadPut = (p: { method: string; path: string; query: string }) =>
  p.method === 'PUT' && /\/blobs\/uploads\//.test(p.path);
const uploadPatch = (p: { method: string; path: string }) => p.method === 'PATCH' && /\/blobs\/uploads\//.test(p.path);
const uploadPost = (p: { method: string; path: string }) => p.method === 'POST' && /\/blobs\/uploads\/$/.test(p.path);

describe('blob uploads against a real registry with injected quirks', () => {
  let dir: string;
  let registry: TestRegistry;
  let proxy: RegistryProxy;
  let echo: ImageSet;
  let large: ImageSet;
  const amd64 = { architecture: 'amd64', os: 'linux' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-upload-'));
    const cache = join(dir, 'build-cache');
    echo = await readOciLayout(buildEcho(join(dir, 'echo'), cache).layout);
    large = await readOciLayout(buildLarge(join(dir, 'large'), cache, 3 * 1024 * 1024 + 12345).layout);
    registry = await startRegistry();
    proxy = await startProxy(registry);
  });
  after(async () => {
    await proxy?.close();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fresh = (): PushOptions => ({ cacheDir: mkdtempSync(join(dir, 'cache-')), retry: { baseDelayMs: 5 } });
  const reset = () => {
    proxy.log.length = 0;
    proxy.rules.length = 0;
  };
  /** Pull the pushed image back through the registry: every blob verified by digest. */
  const pullBack = async (ref: string, artifact: ImageSet) => {
    const store = new BlobStore(mkdtempSync(join(dir, 'pulled-')));
    const pulled = await pullImage(`${registry.host}/${ref}`, amd64, { store, cacheDir: mkdtempSync(join(dir, 'c-')) });
    assert.equal(pulled.manifest.digest, artifact.root.digest);
    for (const l of artifact.images[0]!.layers) assert.ok(await store.has(l.digest));
  };

  test('monolithic by default: HEAD, POST, one PUT with the whole body per blob; then the manifest by tag', async () => {
    reset();
    const r = await pushArtifact(echo, `${proxy.host}/mono/echo:v1`, fresh());
    assert.equal(r.digest, echo.root.digest);
    const blobs = echo.blobs.filter((b) => b.digest !== echo.root.digest);
    assert.deepEqual(
      r.blobs.map((b) => b.action),
      blobs.map(() => 'uploaded'),
    );
    assert.ok(r.blobs.every((b) => b.method === 'monolithic'));
    assert.equal(proxy.log.filter(uploadPatch).length, 0);
    const puts = proxy.log.filter(uploadPut);
    assert.equal(puts.length, blobs.length);
    assert.deepEqual(
      puts.map((p) => p.bodyBytes).sort((a, b) => a - b),
      blobs.map((b) => b.size).sort((a, b) => a - b),
    );
    assert.ok(
      puts.every((p) => /_state=.*&digest=sha256%3A[0-9a-f]{64}$/.test(p.query)),
      'digest appended to the query the Location already had',
    );
    assert.equal(proxy.count('HEAD', /\/blobs\/sha256:/), blobs.length);
    const manifestPuts = proxy.log.filter((l) => l.method === 'PUT' && l.path.includes('/manifests/'));
    assert.deepEqual(
      manifestPuts.map((m) => m.path),
      ['/v2/mono/echo/manifests/v1'],
    );
    assert.equal(proxy.log.at(-1)!.path, '/v2/mono/echo/manifests/v1', 'the tag comes last');
    await pullBack('mono/echo:v1', echo);
  });

  test('monolithic refused: streamed (PATCH whole body, then PUT), and later blobs skip the refused method', async () => {
    reset();
    proxy.rules.push({ match: (p) => uploadPut(p) && Number(p.headers['content-length'] ?? 0) > 0, status: 415 });
    const r = await pushArtifact(echo, `${proxy.host}/streamed/echo:v1`, { ...fresh(), concurrency: 1 });
    assert.ok(r.blobs.every((b) => b.action === 'uploaded' && b.method === 'streamed'));
    const refused = proxy.log.filter((l) => uploadPut(l) && l.status === 415);
    assert.equal(refused.length, 1, 'monolithic tried once, then remembered as refused');
    const patches = proxy.log.filter(uploadPatch);
    assert.equal(patches.length, r.blobs.length);
    assert.ok(patches.every((p) => p.contentRange === undefined));
    assert.ok(proxy.log.filter((l) => uploadPut(l) && l.status === 201).every((p) => p.bodyBytes === 0));
    await pullBack('streamed/echo:v1', echo);
  });

  test('streamed refused too: chunks of at least OCI-Chunk-Min-Length with Content-Range; PATCH may answer 201; relative Locations', async () => {
    reset();
    const min = 1024 * 1024;
    proxy.rules.push(
      { match: (p) => uploadPut(p) && Number(p.headers['content-length'] ?? 0) > 0, status: 413 },
      { match: (p) => uploadPatch(p) && !p.headers['content-range'], status: 416 },
      {
        match: (p) => uploadPost(p),
        rewrite: (res) => {
          res.headers['oci-chunk-min-length'] = String(min);
          res.headers.location = String(res.headers.location).replace(/^http:\/\/[^/]+/, '');
        },
      },
      {
        match: (p) => uploadPatch(p),
        rewrite: (res) => {
          if (res.status === 202) res.status = 201; // as ECR does
          res.headers.location = String(res.headers.location).replace(/^http:\/\/[^/]+/, '');
        },
      },
    );
    const r = await pushArtifact(large, `${proxy.host}/chunked/large:big`, {
      ...fresh(),
      chunkSize: 64 * 1024,
      concurrency: 1,
    });
    assert.ok(r.blobs.every((b) => b.method === 'chunked'));
    const layer = large.images[0]!.layers.reduce((a, b) => (a.size > b.size ? a : b));
    assert.ok(layer.size > 3 * min);
    const chunks = proxy.log.filter((l) => uploadPatch(l) && l.contentRange);
    const sizes = chunks.map((c) => c.bodyBytes);
    const big = sizes.filter((s) => s === min).length;
    assert.ok(big >= 3, `chunks of the minimum length: ${sizes.join(', ')}`);
    assert.ok(
      sizes.every((s) => s <= min),
      'no chunk larger than needed',
    );
    // Content-Range is contiguous within each upload.
    const ranges = chunks.map((c) => c.contentRange!.split('-').map(Number) as [number, number]);
    for (const [start, end] of ranges) assert.ok(end >= start);
    assert.ok(
      ranges.some(([start]) => start === min),
      'a second chunk starts where the first ended',
    );
    await pullBack('chunked/large:big', large);
  });

  test('429 with Retry-After, 503 and a dropped connection are retried; the push succeeds', async () => {
    reset();
    proxy.rules.push(
      { match: (p) => p.method === 'HEAD' && p.path.includes('/blobs/'), times: 2, status: 503 },
      { match: (p) => uploadPost(p), times: 1, reset: true },
      { match: (p) => uploadPut(p), times: 1, status: 429, headers: { 'retry-after': '1' } },
      { match: (p) => p.method === 'PUT' && p.path.includes('/manifests/'), times: 1, status: 502 },
    );
    const started = Date.now();
    const r = await pushArtifact(echo, `${proxy.host}/retry/echo:v1`, fresh());
    assert.equal(r.digest, echo.root.digest);
    assert.ok(Date.now() - started >= 1000, 'Retry-After honoured');
    assert.equal(proxy.log.filter((l) => l.status === 503).length, 2);
    assert.equal(proxy.log.filter((l) => l.status === 'reset').length, 1);
    assert.equal(proxy.log.filter((l) => l.status === 429).length, 1);
    assert.equal(proxy.log.filter((l) => l.status === 502).length, 1);
    await pullBack('retry/echo:v1', echo);
  });

  test('a mount the registry cannot do (202) continues as an upload in the session it opened', async () => {
    reset();
    const options = fresh();
    const hints = await BlobLocations.load(options.cacheDir!, proxy.host);
    for (const b of echo.blobs) hints.record(b.digest, 'ghost/nothing-here');
    await hints.save();
    const r = await pushArtifact(echo, `${proxy.host}/mount202/echo:v1`, options);
    assert.ok(r.blobs.every((b) => b.action === 'uploaded'));
    const posts = proxy.log.filter(uploadPost);
    assert.equal(posts.length, r.blobs.length, 'one POST per blob: the mount attempt itself');
    assert.ok(posts.every((p) => /mount=sha256%3A[0-9a-f]{64}&from=ghost%2Fnothing-here/.test(p.query)));
    assert.ok(proxy.log.filter(uploadPost).every((p) => p.status === 202));
  });

  test('pushing again: only HEADs and the manifest', async () => {
    reset();
    const r = await pushArtifact(echo, `${proxy.host}/mono/echo:v1`, fresh());
    assert.ok(r.blobs.every((b) => b.action === 'exists'));
    assert.equal(proxy.log.filter((l) => l.method === 'POST' || l.method === 'PATCH' || uploadPut(l)).length, 0);
    assert.equal(proxy.log.filter((l) => l.method === 'PUT').length, 1);
  });

  test('the registry transport writes an image set to a reference and returns the result', async () => {
    reset();
    const sink = registryTransport;
    assert.equal(sink.name, 'registry');
    const result = await sink.write(echo, `${proxy.host}/sink/echo:s1`, fresh());
    assert.equal(result.digest, echo.root.digest);
    assert.equal(result.reference, `${proxy.host}/sink/echo:s1`);
    await pullBack('sink/echo:s1', echo);
  });

  test('a tag pushed by digest reference must match the artifact', async () => {
    await assert.rejects(
      pushArtifact(echo, `${proxy.host}/mono/echo@sha256:${'0'.repeat(64)}`, fresh()),
      /the reference names sha256:0+ but the image is sha256:/,
    );
    const r = await pushArtifact(echo, `${proxy.host}/bydigest/echo@${echo.root.digest}`, fresh());
    assert.equal(r.manifests.at(-1)!.ref, echo.root.digest);
  });
});
