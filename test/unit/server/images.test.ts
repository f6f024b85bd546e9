/** Single flight, the build limit, timeouts and the failure cache of ImageService, with a fake builder. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deferred, FakeBuilder, fakeServer } from '../../helpers/serve-fakes.js';

const ALL = 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json';

describe('serve image service', () => {
  test('20 concurrent requests for a new image share one build', async () => {
    const gate = deferred();
    const builder = new FakeBuilder({ gate: () => gate.promise });
    const { request, events, images } = fakeServer({ builder });
    const pending = Array.from({ length: 20 }, () =>
      request('/v2/curl/jq/manifests/bookworm', { headers: { accept: ALL } }),
    );
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(images.inflightCount, 1);
    gate.resolve();
    const responses = await Promise.all(pending);
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
    assert.equal(new Set(responses.map((r) => r.headers.get('docker-content-digest'))).size, 1);
    assert.equal(builder.builds.length, 1);
    assert.equal(events.filter((e) => e.event === 'build-start').length, 1);
    assert.equal(events.filter((e) => e.event === 'build-done').length, 1);
    await request('/v2/jq/curl/manifests/latest');
    assert.equal(builder.builds.length, 1, 'served from memory afterwards');
  });

  test('a built image is served from storage by a new service (restart) without building', async () => {
    const first = fakeServer();
    const digest = (await first.request('/v2/curl/manifests/bookworm')).headers.get('docker-content-digest');
    const second = fakeServer({ storage: first.storage });
    const again = await second.request('/v2/curl/manifests/bookworm');
    assert.equal(again.headers.get('docker-content-digest'), digest);
    assert.equal(second.builder.builds.length, 0);
  });

  test('past --max-concurrent-builds a new image gets 429 with Retry-After; a joined build does not count', async () => {
    const gate = deferred();
    const builder = new FakeBuilder({ gate: () => gate.promise });
    const { request, images } = fakeServer({ builder, maxConcurrentBuilds: 1 });
    const a = request('/v2/curl/manifests/bookworm');
    const a2 = request('/v2/curl/manifests/bookworm');
    await new Promise((r) => setTimeout(r, 10));
    const b = await request('/v2/jq/manifests/bookworm');
    assert.equal(b.status, 429);
    assert.equal(b.headers.get('retry-after'), '7');
    const body = (await b.json()) as { errors: Array<{ code: string; message: string }> };
    assert.equal(body.errors[0]!.code, 'TOOMANYREQUESTS');
    assert.match(body.errors[0]!.message, /--max-concurrent-builds 1/);
    gate.resolve();
    assert.equal((await a).status, 200);
    assert.equal((await a2).status, 200);
    assert.equal(images.counters.rejected, 1);
    assert.equal((await request('/v2/jq/manifests/bookworm')).status, 200, 'free again once the build is done');
  });

  test('a build past --build-timeout is stopped and answered 504 with the reason; the slot frees', async () => {
    const never = new Promise<void>(() => undefined);
    const slow = new FakeBuilder({ gate: () => never });
    const { request, images, events } = fakeServer({ builder: slow, buildTimeoutMs: 50, maxConcurrentBuilds: 1 });
    const res = await request('/v2/curl/manifests/bookworm');
    assert.equal(res.status, 504);
    const err = ((await res.json()) as { errors: Array<{ code: string; message: string }> }).errors[0]!;
    assert.equal(err.code, 'UNAVAILABLE');
    assert.match(err.message, /longer than 0\.05 s \(--build-timeout\)/);
    assert.equal(images.counters.timedOut, 1);
    assert.equal(images.counters.running, 0);
    assert.ok(events.some((e) => e.event === 'build-failed' && e.status === 504));
    assert.equal((await request('/healthz')).status, 200);
  });

  test('an unknown package is remembered for a while: no second build', async () => {
    const { request, builder } = fakeServer();
    assert.equal((await request('/v2/missing-x/manifests/bookworm')).status, 404);
    assert.equal((await request('/v2/missing-x/manifests/bookworm')).status, 404);
    assert.equal(builder.builds.length, 1);
  });
});
