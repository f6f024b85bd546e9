/**
 * `pith serve` as users run it: the real CLI on a loopback port, the real builder against the
 * Debian mirror configured on this host, and real clients (skopeo, podman, runc).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sh } from '../helpers/cli.js';
import { podmanArgs, runWithRunc } from '../helpers/runtime.js';
import { layoutImages } from '../helpers/layout.js';
import {
  buildEvents,
  health,
  startServe,
  type RegistryErrorBody,
  type ServeProcess,
} from '../helpers/serve-process.js';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const sha256 = (b: ArrayBuffer | Uint8Array) =>
  `sha256:${createHash('sha256').update(new Uint8Array(b)).digest('hex')}`;

/** The digest an OCI layout's tag points at. */
function layoutDigest(layout: string): string {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string }>;
  };
  return index.manifests[0]!.digest;
}

/** Retag the single image of an OCI layout (podman save names it HOST:PORT/...:tag, which umoci can't parse). */
function retagLayout(layout: string, tag: string): void {
  const path = join(layout, 'index.json');
  const index = JSON.parse(readFileSync(path, 'utf8')) as {
    manifests: Array<{ annotations?: Record<string, string> }>;
  };
  index.manifests[0]!.annotations = { 'org.opencontainers.image.ref.name': tag };
  writeFileSync(path, JSON.stringify(index));
}

async function registryError(res: Response): Promise<{ code: string; message: string }> {
  assert.equal(res.headers.get('content-type'), 'application/json');
  const body = (await res.json()) as RegistryErrorBody;
  assert.equal(body.errors.length, 1);
  return body.errors[0]!;
}

describe('pith serve with real clients', () => {
  let dir: string;
  let cache: string;
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-serve-e2e-'));
    cache = join(dir, 'cache');
    serve = await startServe(['--cache-dir', cache, '--max-packages', '4', '--max-concurrent-builds', '2']);
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('skopeo copies busybox-static/nonroot:bookworm; busybox runs as 65532 in /home/nonroot with runc', async () => {
    const out = join(dir, 'busybox.oci');
    sh('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${serve.host}/busybox-static/nonroot:bookworm`,
      `oci:${out}:pulled`,
    ]);
    const [image] = layoutImages(out);
    assert.equal(image!.config.config.User, '65532:65532');
    const run = runWithRunc(out, 'pulled', {
      args: [
        '/bin/busybox',
        'sh',
        '-c',
        'echo "$(/bin/busybox id -u) $(/bin/busybox pwd)"; /bin/busybox ls /etc/ssl/certs',
      ],
    });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '65532 /home/nonroot\nca-certificates.crt\n');
    const head = await fetch(`${serve.url}/v2/busybox-static/nonroot/manifests/bookworm`, {
      method: 'HEAD',
      headers: { accept: ACCEPT },
    });
    assert.equal(
      head.headers.get('docker-content-digest'),
      layoutDigest(out),
      'skopeo got the manifest the server names',
    );
    assert.equal(buildEvents(serve, 'build-done').length, 1);
  });

  test('podman pulls curl:latest (= bookworm); curl and its libraries run as 65532 with runc', async () => {
    const storage = join(dir, 'podman');
    const ref = `${serve.host}/curl:latest`;
    sh('podman', [...podmanArgs(storage), 'pull', '--tls-verify=false', ref]);
    const pulledDigest = sh('podman', [
      ...podmanArgs(storage),
      'images',
      '--digests',
      '--format',
      '{{.Digest}}',
      ref,
    ]).trim();
    const byTag = await fetch(`${serve.url}/v2/curl/manifests/bookworm`, { headers: { accept: ACCEPT } });
    assert.equal(byTag.status, 200);
    assert.equal(byTag.headers.get('docker-content-digest'), pulledDigest, 'latest and bookworm are the same image');
    const out = join(dir, 'curl.oci');
    sh('podman', [...podmanArgs(storage), 'save', '--format', 'oci-dir', '-o', out, ref]);
    retagLayout(out, 'pulled');
    const run = runWithRunc(out, 'pulled', { uid: 65532, args: ['/usr/bin/curl', '--version'] });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^curl 7\.\d+\.\d+ .*OpenSSL/);
    assert.equal(buildEvents(serve, 'build-start').filter((l) => String(l.image).includes('curl')).length, 1);
  });

  test('manifest: HEAD and GET by tag and by digest agree; blobs: HEAD, GET, Range 206 and 416', async () => {
    const byTag = await fetch(`${serve.url}/v2/curl/manifests/bookworm`, { headers: { accept: ACCEPT } });
    const body = new Uint8Array(await byTag.arrayBuffer());
    const digest = byTag.headers.get('docker-content-digest')!;
    assert.equal(sha256(body), digest);
    assert.equal(byTag.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(byTag.headers.get('content-length'), String(body.byteLength));
    for (const path of [`/v2/curl/manifests/${digest}`, '/v2/curl/manifests/latest']) {
      const head = await fetch(`${serve.url}${path}`, { method: 'HEAD', headers: { accept: ACCEPT } });
      assert.equal(head.status, 200, path);
      assert.equal(head.headers.get('docker-content-digest'), digest, path);
      assert.equal(head.headers.get('content-length'), String(body.byteLength), path);
      assert.equal(head.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json', path);
    }
    const byDigest = await fetch(`${serve.url}/v2/curl/manifests/${digest}`);
    assert.deepEqual(new Uint8Array(await byDigest.arrayBuffer()), body);

    const manifest = JSON.parse(Buffer.from(body).toString()) as { layers: Array<{ digest: string; size: number }> };
    const layer = manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    const blobUrl = `${serve.url}/v2/curl/blobs/${layer.digest}`;
    const head = await fetch(blobUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(layer.size));
    assert.equal(head.headers.get('accept-ranges'), 'bytes');
    assert.equal(head.headers.get('docker-content-digest'), layer.digest);
    const full = new Uint8Array(await (await fetch(blobUrl)).arrayBuffer());
    assert.equal(sha256(full), layer.digest);
    const start = Math.floor(layer.size / 3);
    const part = await fetch(blobUrl, { headers: { range: `bytes=${start}-${start + 99_999}` } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes ${start}-${start + 99_999}/${layer.size}`);
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), full.subarray(start, start + 100_000));
    // A resumed download the way clients do it: the rest from an offset.
    const rest = await fetch(blobUrl, { headers: { range: `bytes=${start}-` } });
    assert.equal(rest.status, 206);
    assert.deepEqual(new Uint8Array(await rest.arrayBuffer()), full.subarray(start));
    const beyond = await fetch(blobUrl, { headers: { range: `bytes=${layer.size}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${layer.size}`);
    assert.equal((await registryError(beyond)).code, 'RANGE_INVALID');
  });

  test('20 concurrent pulls of a new image: one build, one digest', async () => {
    const before = (await health(serve)).builds.started;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${serve.url}/v2/shell/nonroot/netbase/manifests/bookworm`, { headers: { accept: ACCEPT } }),
      ),
    );
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
    const digests = new Set(responses.map((r) => r.headers.get('docker-content-digest')));
    assert.equal(digests.size, 1);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    const after = await health(serve);
    assert.equal(after.builds.started, before + 1);
    assert.equal(after.builds.running, 0);
    const starts = buildEvents(serve, 'build-start').filter((l) => l.image === 'static/debug/nonroot/netbase:bookworm');
    assert.equal(starts.length, 1);
    // 20 request lines, and every one answered 200
    const requests = serve.lines.filter(
      (l) => l.event === 'request' && l.path === '/v2/shell/nonroot/netbase/manifests/bookworm',
    );
    assert.equal(requests.length, 20);
    assert.ok(requests.every((l) => l.status === 200 && typeof l.ms === 'number' && Number(l.bytes) > 0));
  });

  test('bad names, unknown packages, too many packages, unknown tags and pushes get registry errors; serving goes on', async () => {
    const invalid = await fetch(`${serve.url}/v2/Curl/manifests/bookworm`);
    assert.equal(invalid.status, 400);
    assert.equal((await registryError(invalid)).code, 'NAME_INVALID');

    const unknown = await fetch(`${serve.url}/v2/curl/no-such-package-pith/manifests/bookworm`, {
      headers: { accept: ACCEPT },
    });
    assert.equal(unknown.status, 404);
    const unknownError = await registryError(unknown);
    assert.equal(unknownError.code, 'NAME_UNKNOWN');
    assert.match(unknownError.message, /^no-such-package-pith: no such package in bookworm/);

    const many = await fetch(`${serve.url}/v2/curl/jq/wget/less/file/manifests/bookworm`);
    assert.equal(many.status, 403);
    const manyError = await registryError(many);
    assert.equal(manyError.code, 'DENIED');
    assert.match(manyError.message, /5 packages.*at most 4 \(--max-packages\)/);

    const tag = await fetch(`${serve.url}/v2/curl/manifests/woody`);
    assert.equal(tag.status, 404);
    assert.equal((await registryError(tag)).code, 'MANIFEST_UNKNOWN');

    const push = await fetch(`${serve.url}/v2/curl/blobs/uploads/`, { method: 'POST' });
    assert.equal(push.status, 405);
    assert.equal((await registryError(push)).code, 'UNSUPPORTED');

    // A real client sees the reason too.
    const skopeo = spawnSync(
      'skopeo',
      ['inspect', '--tls-verify=false', '--raw', `docker://${serve.host}/no-such-package-pith:bookworm`],
      { encoding: 'utf8' },
    );
    assert.notEqual(skopeo.status, 0);
    assert.match(skopeo.stderr, /no such package/);

    // Still serving: a valid pull works.
    const raw = sh('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--raw',
      `docker://${serve.host}/busybox-static/nonroot:latest`,
    ]);
    assert.equal((JSON.parse(raw) as { mediaType: string }).mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal((await health(serve)).status, 'ok');
  });

  test('tags list and /v2/', async () => {
    assert.deepEqual(await (await fetch(`${serve.url}/v2/`)).json(), {});
    const tags = JSON.parse(sh('skopeo', ['list-tags', '--tls-verify=false', `docker://${serve.host}/curl/jq`])) as {
      Tags: string[];
    };
    assert.deepEqual(tags.Tags, ['bookworm', 'latest', 'trixie']);
  });

  test('pinned: after a restart the name serves the same digest without a build; evicted, it rebuilds from its lock to the same digest', async () => {
    const name = '/v2/busybox-static/nonroot/manifests/bookworm';
    const digest = (await fetch(`${serve.url}${name}`, { method: 'HEAD', headers: { accept: ACCEPT } })).headers.get(
      'docker-content-digest',
    );
    assert.equal(await serve.stop(), 0);
    assert.ok(
      serve.lines.some((l) => l.event === 'stopped'),
      'graceful stop logged',
    );

    serve = await startServe(['--cache-dir', cache, '--max-packages', '4']);
    const again = await fetch(`${serve.url}${name}`, { method: 'HEAD', headers: { accept: ACCEPT } });
    assert.equal(again.headers.get('docker-content-digest'), digest);
    assert.equal(buildEvents(serve, 'build-start').length, 0, 'served from storage');

    const start = buildEvents(serve, 'build-start');
    assert.equal(start.length, 0);
    const keys = join(cache, 'serve', 'store', 'keys');
    const work = join(cache, 'serve', 'work');
    const keyFiles = readdirSync(keys);
    for (const f of keyFiles)
      assert.ok(existsSync(join(work, f.replace(/\.json$/, ''), 'pith.lock')), 'every built key has its lock');
    // Evict every image (the locks stay), restart, pull again.
    assert.equal(await serve.stop(), 0);
    for (const f of keyFiles) rmSync(join(keys, f));
    serve = await startServe(['--cache-dir', cache, '--max-packages', '4', '--max-concurrent-builds', '2']);
    const rebuilt = await fetch(`${serve.url}${name}`, { method: 'HEAD', headers: { accept: ACCEPT } });
    assert.equal(rebuilt.status, 200);
    assert.equal(rebuilt.headers.get('docker-content-digest'), digest);
    assert.equal(buildEvents(serve, 'build-done').length, 1);
    assert.ok(
      !serve.lines.some((l) => l.event === 'build-progress' && /resolved \d+ packages/.test(String(l.message))),
      'the lock was used: nothing resolved',
    );
  });

  test('--max-concurrent-builds: a new image while the only slot is busy gets 429 with Retry-After', async () => {
    const one = await startServe(['--cache-dir', cache, '--max-concurrent-builds', '1']);
    try {
      const first = fetch(`${one.url}/v2/nonroot/media-types/manifests/bookworm`, { headers: { accept: ACCEPT } });
      await one.waitFor((l) => l.event === 'build-start');
      const second = await fetch(`${one.url}/v2/nonroot/netbase/manifests/bookworm`, { headers: { accept: ACCEPT } });
      assert.equal(second.status, 429);
      assert.match(second.headers.get('retry-after') ?? '', /^\d+$/);
      const err = await registryError(second);
      assert.equal(err.code, 'TOOMANYREQUESTS');
      assert.match(err.message, /--max-concurrent-builds 1/);
      assert.equal((await first).status, 200);
      assert.equal(
        (await fetch(`${one.url}/v2/nonroot/netbase/manifests/bookworm`, { headers: { accept: ACCEPT } })).status,
        200,
        'fine once the slot is free',
      );
    } finally {
      assert.equal(await one.stop(), 0);
    }
  });

  test('--archs amd64,arm64: an index for index-aware clients, the amd64 manifest for manifest-only ones', async () => {
    const multi = await startServe(['--cache-dir', cache, '--archs', 'amd64,arm64']);
    try {
      const raw = JSON.parse(
        sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${multi.host}/static:bookworm`]),
      ) as {
        mediaType: string;
        manifests: Array<{ digest: string; platform: { architecture: string } }>;
      };
      assert.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
      const byArch = new Map(raw.manifests.map((m) => [m.platform.architecture, m.digest]));
      assert.deepEqual([...byArch.keys()].sort(), ['amd64', 'arm64']);
      const only = await fetch(`${multi.url}/v2/static/manifests/bookworm`, {
        headers: {
          accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
        },
      });
      assert.equal(only.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
      assert.equal(only.headers.get('docker-content-digest'), byArch.get('amd64'));
      const out = join(dir, 'arm64.oci');
      sh('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--override-arch',
        'arm64',
        `docker://${multi.host}/static:latest`,
        `oci:${out}:arm`,
      ]);
      assert.equal(layoutDigest(out), byArch.get('arm64'));
      assert.equal(layoutImages(out)[0]!.config.architecture, 'arm64');
    } finally {
      assert.equal(await multi.stop(), 0);
    }
  });

  test('--build-timeout: a build that runs too long is stopped, answered 504 with the reason, and the server goes on', async () => {
    // A fresh cache: downloading and resolving python3 takes well over a second.
    const slow = await startServe(['--cache-dir', join(dir, 'cold-cache'), '--build-timeout', '1']);
    try {
      const res = await fetch(`${slow.url}/v2/python3/manifests/bookworm`, { headers: { accept: ACCEPT } });
      assert.equal(res.status, 504);
      const err = await registryError(res);
      assert.equal(err.code, 'UNAVAILABLE');
      assert.match(err.message, /longer than 1 s \(--build-timeout\)/);
      const h = await health(slow);
      assert.equal(h.builds.timedOut, 1);
      assert.equal(h.builds.running, 0);
      assert.equal((await fetch(`${slow.url}/v2/`)).status, 200);
    } finally {
      assert.equal(await slow.stop(), 0);
    }
  });
});
