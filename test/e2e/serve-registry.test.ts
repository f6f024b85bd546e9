/**
 * `pith serve --storage REGISTRY/REPO`: images kept in a real registry (docker-registry on
 * loopback), blob GETs redirected to it, and a second replica with its own empty cache serving
 * the same name from that store without building.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PITH_BIN, sh } from '../helpers/cli.js';
import { runWithRunc } from '../helpers/runtime.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { buildEvents, startServe, type ServeProcess } from '../helpers/serve-process.js';

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';

describe('pith serve with a backing registry', () => {
  let dir: string;
  let registry: TestRegistry;
  const replicas: ServeProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-serve-registry-'));
    registry = await startRegistry();
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('blobs go to the registry and are redirected there; a second replica serves the same digest without building', async () => {
    const a = await startServe(['--cache-dir', join(dir, 'cache-a'), '--storage', `${registry.host}/pith-serve`]);
    replicas.push(a);
    const out = join(dir, 'a.oci');
    sh('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${a.host}/busybox-static/nonroot:bookworm`,
      `oci:${out}:pulled`,
    ]);
    const run = runWithRunc(out, 'pulled', { args: ['/bin/busybox', 'id', '-u'] });
    assert.equal(run.stdout, '65532\n');
    const digest = (
      JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> }
    ).manifests[0]!.digest;

    const blobRequests = a.lines.filter((l) => l.event === 'request' && /\/blobs\/sha256:/.test(String(l.path)));
    assert.ok(blobRequests.length >= 3);
    assert.ok(
      blobRequests.every((l) => l.status === 307 && l.bytes === 0),
      'every blob was redirected, none streamed by pith',
    );
    const redirect = await fetch(
      `${a.url}/v2/busybox-static/nonroot/blobs/${(JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${a.host}/busybox-static/nonroot:bookworm`])) as { layers: Array<{ digest: string }> }).layers[0]!.digest}`,
      { redirect: 'manual' },
    );
    assert.equal(redirect.status, 307);
    assert.match(
      redirect.headers.get('location') ?? '',
      new RegExp(`^http://${registry.host}/v2/pith-serve/blobs/sha256:`),
    );

    const tags = JSON.parse(
      sh('skopeo', ['list-tags', '--tls-verify=false', `docker://${registry.host}/pith-serve`]),
    ) as { Tags: string[] };
    assert.equal(tags.Tags.length, 1);
    assert.match(tags.Tags[0]!, /^k-[0-9a-f]{64}$/);

    // Another replica, its own (empty) cache, the same store: no build, same digest.
    const b = await startServe(['--cache-dir', join(dir, 'cache-b'), '--storage', `${registry.host}/pith-serve`]);
    replicas.push(b);
    const head = await fetch(`${b.url}/v2/nonroot/busybox-static/manifests/latest`, {
      method: 'HEAD',
      headers: { accept: ACCEPT },
    });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('docker-content-digest'), digest);
    const outB = join(dir, 'b.oci');
    sh('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${b.host}/busybox-static/nonroot:bookworm`,
      `oci:${outB}:pulled`,
    ]);
    assert.equal(buildEvents(b, 'build-start').length, 0, 'replica b built nothing');
    assert.equal(runWithRunc(outB, 'pulled', { args: ['/bin/busybox', 'id', '-u'] }).stdout, '65532\n');
  });

  test('an unreachable --storage is a one-line usage error at start', () => {
    const r = sh('sh', [
      '-c',
      `${process.execPath} ${PITH_BIN} serve --listen 127.0.0.1:0 --storage 127.0.0.1:1/x 2>&1; echo "exit=$?"`,
    ]);
    assert.match(r, /^pith: serve: --storage 127\.0\.0\.1:1\/x: .*connection refused.*\nexit=2\n$/);
  });
});
