/** The registry handler over memory storage and a fake builder: routing, headers, negotiation, errors. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fakeServer } from '../../helpers/serve-fakes.js';
import { MemoryStorage } from '../../../src/server/memory-storage.js';
import { acceptedTypes, parseRange } from '../../../src/server/handler.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const ALL = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST].join(', ');
const sha = (b: ArrayBuffer | Uint8Array) => `sha256:${createHash('sha256').update(new Uint8Array(b)).digest('hex')}`;

async function errorOf(res: Response) {
  const body = (await res.json()) as { errors: Array<{ code: string; message: string; detail: unknown }> };
  assert.equal(body.errors.length, 1);
  return body.errors[0]!;
}

describe('serve handler', () => {
  test('GET /v2/ answers {} with the API version header', async () => {
    const { request } = fakeServer();
    const res = await request('/v2/');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(await res.json(), {});
    assert.equal((await request('/v2')).status, 200);
  });

  test('manifest by tag builds once; HEAD, GET by tag and GET by digest agree', async () => {
    const { request, builder } = fakeServer();
    const got = await request('/v2/curl/jq/manifests/bookworm', { headers: { accept: ALL } });
    assert.equal(got.status, 200);
    const body = await got.arrayBuffer();
    const digest = got.headers.get('docker-content-digest')!;
    assert.equal(digest, sha(body));
    assert.equal(got.headers.get('content-type'), OCI_MANIFEST);
    assert.equal(got.headers.get('content-length'), String(body.byteLength));

    const head = await request('/v2/jq/curl/manifests/latest', { method: 'HEAD', headers: { accept: ALL } });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('docker-content-digest'), digest, 'latest = bookworm, order does not matter');
    assert.equal(head.headers.get('content-length'), String(body.byteLength));
    assert.equal(head.headers.get('content-type'), OCI_MANIFEST);
    assert.equal((await head.arrayBuffer()).byteLength, 0);

    const byDigest = await request(`/v2/curl/jq/manifests/${digest}`);
    assert.equal(byDigest.status, 200);
    assert.deepEqual(new Uint8Array(await byDigest.arrayBuffer()), new Uint8Array(body));
    assert.equal(byDigest.headers.get('docker-content-digest'), digest);
    const headByDigest = await request(`/v2/curl/jq/manifests/${digest}`, { method: 'HEAD' });
    assert.equal(headByDigest.headers.get('content-length'), String(body.byteLength));
    assert.equal(builder.builds.length, 1);
  });

  test('blobs: GET, HEAD, Range (206, suffix, open-ended), 416 when unsatisfiable, several ranges give the whole blob', async () => {
    const { request } = fakeServer();
    const manifest = (await (await request('/v2/curl/manifests/bookworm')).json()) as {
      layers: Array<{ digest: string; size: number }>;
    };
    const layer = manifest.layers[0]!;
    const path = `/v2/curl/blobs/${layer.digest}`;
    const full = await request(path);
    assert.equal(full.status, 200);
    const bytes = new Uint8Array(await full.arrayBuffer());
    assert.equal(sha(bytes), layer.digest);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.equal(full.headers.get('docker-content-digest'), layer.digest);
    assert.equal(full.headers.get('content-length'), String(layer.size));

    const head = await request(path, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(layer.size));

    const part = await request(path, { headers: { range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${layer.size}`);
    assert.equal(part.headers.get('content-length'), '10');
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.subarray(10, 20));

    const suffix = await request(path, { headers: { range: 'bytes=-5' } });
    assert.equal(suffix.status, 206);
    assert.deepEqual(new Uint8Array(await suffix.arrayBuffer()), bytes.subarray(bytes.length - 5));
    const open = await request(path, { headers: { range: `bytes=${layer.size - 3}-` } });
    assert.equal(open.headers.get('content-range'), `bytes ${layer.size - 3}-${layer.size - 1}/${layer.size}`);
    assert.equal((await open.arrayBuffer()).byteLength, 3);
    const past = await request(path, { headers: { range: `bytes=${layer.size - 3}-${layer.size + 100}` } });
    assert.equal(past.status, 206);
    assert.equal((await past.arrayBuffer()).byteLength, 3, 'an end past the blob is clamped');

    const bad = await request(path, { headers: { range: `bytes=${layer.size}-` } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${layer.size}`);
    assert.equal((await errorOf(bad)).code, 'RANGE_INVALID');

    const several = await request(path, { headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200);
    assert.equal((await several.arrayBuffer()).byteLength, layer.size);
  });

  test('unknown and malformed digests', async () => {
    const { request } = fakeServer();
    const unknown = `sha256:${'0'.repeat(64)}`;
    const blob = await request(`/v2/curl/blobs/${unknown}`);
    assert.equal(blob.status, 404);
    assert.equal((await errorOf(blob)).code, 'BLOB_UNKNOWN');
    const man = await request(`/v2/curl/manifests/${unknown}`);
    assert.equal(man.status, 404);
    assert.equal((await errorOf(man)).code, 'MANIFEST_UNKNOWN');
    const bad = await request('/v2/curl/blobs/sha256:abc');
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).code, 'DIGEST_INVALID');
    const algo = await request(`/v2/curl/manifests/sha512:${'a'.repeat(128)}`);
    assert.equal(algo.status, 400);
    assert.equal((await errorOf(algo)).code, 'DIGEST_INVALID');
    const headUnknown = await request(`/v2/curl/blobs/${unknown}`, { method: 'HEAD' });
    assert.equal(headUnknown.status, 404);
    assert.equal((await headUnknown.arrayBuffer()).byteLength, 0, 'HEAD errors have no body');
  });

  test('a layer digest is not a manifest', async () => {
    const { request } = fakeServer();
    const manifest = (await (await request('/v2/curl/manifests/bookworm')).json()) as {
      layers: Array<{ digest: string }>;
    };
    const res = await request(`/v2/curl/manifests/${manifest.layers[0]!.digest}`);
    assert.equal(res.status, 404);
    assert.equal((await errorOf(res)).code, 'MANIFEST_UNKNOWN');
  });

  test('name errors: NAME_INVALID, DENIED, NAME_UNKNOWN with the reason, 500 for a failing build; serving goes on', async () => {
    const { request, builder } = fakeServer({ maxPackages: 3 });
    const invalid = await request('/v2/Curl/manifests/bookworm');
    assert.equal(invalid.status, 400);
    assert.equal((await errorOf(invalid)).code, 'NAME_INVALID');
    const many = await request('/v2/a1/a2/a3/a4/manifests/bookworm');
    assert.equal(many.status, 403);
    const denied = await errorOf(many);
    assert.equal(denied.code, 'DENIED');
    assert.match(denied.message, /at most 3/);
    const missing = await request('/v2/curl/missing-thing/manifests/bookworm');
    assert.equal(missing.status, 404);
    const unknown = await errorOf(missing);
    assert.equal(unknown.code, 'NAME_UNKNOWN');
    assert.match(unknown.message, /missing-thing: no such package in bookworm/);
    const unknownTag = await request('/v2/curl/manifests/sid');
    assert.equal(unknownTag.status, 404);
    assert.equal((await errorOf(unknownTag)).code, 'MANIFEST_UNKNOWN');
    const boom = await request('/v2/explode/manifests/bookworm');
    assert.equal(boom.status, 500);
    assert.equal((await errorOf(boom)).code, 'UNKNOWN');
    assert.equal(builder.builds.length, 2, 'invalid and oversized names never reach the builder');
    assert.equal((await request('/v2/curl/manifests/bookworm')).status, 200);
  });

  test('writes are 405 UNSUPPORTED with Allow', async () => {
    const { request } = fakeServer();
    for (const [method, path] of [
      ['POST', '/v2/curl/blobs/uploads/'],
      ['PUT', '/v2/curl/manifests/bookworm'],
      ['DELETE', `/v2/curl/manifests/sha256:${'0'.repeat(64)}`],
      ['PATCH', '/v2/curl/blobs/uploads/abc'],
      ['DELETE', `/v2/curl/blobs/sha256:${'0'.repeat(64)}`],
    ] as const) {
      const res = await request(path, { method, body: method === 'DELETE' ? null : 'x' });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      assert.equal((await errorOf(res)).code, 'UNSUPPORTED');
    }
    const unknownRoute = await request('/v3/whatever');
    assert.equal(unknownRoute.status, 404);
  });

  test('tags list: the suites and latest, sorted, with n/last pagination', async () => {
    const { request } = fakeServer();
    const res = await request('/v2/curl/jq/tags/list');
    assert.deepEqual(await res.json(), { name: 'curl/jq', tags: ['bookworm', 'latest', 'trixie'] });
    const first = await request('/v2/curl/jq/tags/list?n=1');
    assert.deepEqual(await first.json(), { name: 'curl/jq', tags: ['bookworm'] });
    assert.equal(first.headers.get('link'), '</v2/curl/jq/tags/list?n=1&last=bookworm>; rel="next"');
    const next = await request('/v2/curl/jq/tags/list?n=5&last=bookworm');
    assert.deepEqual(((await next.json()) as { tags: string[] }).tags, ['latest', 'trixie']);
    assert.equal(next.headers.get('link'), null);
    assert.equal((await request('/v2/BAD/tags/list')).status, 400);
  });

  test('several archs: the index for clients that take one, else the platform manifest', async () => {
    const { request } = fakeServer({ archs: ['amd64', 'arm64'] });
    const index = await request('/v2/curl/manifests/bookworm', { headers: { accept: ALL } });
    assert.equal(index.headers.get('content-type'), OCI_INDEX);
    const body = (await index.json()) as { manifests: Array<{ digest: string; platform: { architecture: string } }> };
    const byArch = new Map(body.manifests.map((m) => [m.platform.architecture, m.digest]));
    assert.deepEqual([...byArch.keys()].sort(), ['amd64', 'arm64']);

    const noAccept = await request('/v2/curl/manifests/bookworm');
    assert.equal(noAccept.headers.get('content-type'), OCI_INDEX, 'no Accept: the stored root');
    const only = await request('/v2/curl/manifests/bookworm', {
      headers: { accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}` },
    });
    assert.equal(only.headers.get('content-type'), OCI_MANIFEST);
    assert.equal(only.headers.get('docker-content-digest'), byArch.get('amd64'), 'the default arch');
    const arm = await request('/v2/curl/manifests/bookworm', {
      headers: {
        accept: OCI_MANIFEST,
        'user-agent':
          'docker/24.0.7 go/go1.20 git-commit/311b9ff kernel/6.1 os/linux arch/arm64 UpstreamClient(Docker-Client/24.0.7)',
      },
    });
    assert.equal(arm.headers.get('docker-content-digest'), byArch.get('arm64'));
    const q0 = await request('/v2/curl/manifests/bookworm', {
      headers: { accept: `${OCI_INDEX};q=0, ${OCI_MANIFEST}` },
    });
    assert.equal(q0.headers.get('content-type'), OCI_MANIFEST, 'q=0 refuses a type');
    const child = await request(`/v2/curl/manifests/${byArch.get('arm64')}`, { headers: { accept: ALL } });
    assert.equal(child.status, 200);
    assert.equal(child.headers.get('docker-content-digest'), byArch.get('arm64'));
  });

  test('a storage with blob URLs answers blob GETs with a 307', async () => {
    const storage = new MemoryStorage('http://store.test/blobs');
    const { request } = fakeServer({ storage });
    const manifest = (await (await request('/v2/curl/manifests/bookworm')).json()) as {
      layers: Array<{ digest: string }>;
    };
    const d = manifest.layers[0]!.digest;
    const res = await request(`/v2/curl/blobs/${d}`);
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), `http://store.test/blobs/${d}`);
    assert.equal(res.headers.get('docker-content-digest'), d);
  });

  test('referrers: an empty index; /healthz: status and counters', async () => {
    const { request } = fakeServer();
    const refs = await request(`/v2/curl/referrers/sha256:${'1'.repeat(64)}`);
    assert.equal(refs.status, 200);
    assert.equal(refs.headers.get('content-type'), OCI_INDEX);
    assert.deepEqual(((await refs.json()) as { manifests: unknown[] }).manifests, []);
    await request('/v2/curl/manifests/bookworm');
    const health = (await (await request('/healthz')).json()) as {
      status: string;
      builds: { started: number; succeeded: number; running: number };
    };
    assert.equal(health.status, 'ok');
    assert.equal(health.builds.started, 1);
    assert.equal(health.builds.succeeded, 1);
    assert.equal(health.builds.running, 0);
  });

  test('Accept and Range parsing', () => {
    assert.equal(acceptedTypes(null), 'any');
    assert.equal(acceptedTypes('*/*'), 'any');
    assert.deepEqual(acceptedTypes(`${OCI_MANIFEST}; q=0.5, ${OCI_INDEX};q=0`), [OCI_MANIFEST]);
    assert.equal(parseRange(null, 10), undefined);
    assert.equal(parseRange('items=0-1', 10), undefined);
    assert.equal(parseRange('bytes=5-2', 10), undefined);
    assert.deepEqual(parseRange('bytes=0-0', 10), { start: 0, end: 0 });
    assert.deepEqual(parseRange('bytes=-20', 10), { start: 0, end: 9 });
    assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
  });
});
