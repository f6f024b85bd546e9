/**
 * Layer compression read back by the real tools: gzip layers (multi-member, one member per MiB)
 * and zstd layers (one frame per 4 MiB, media type tar+zstd) unpacked, run, copied, pushed and
 * pulled with umoci, runc, podman, skopeo and docker-registry. Which tools read zstd is part of
 * the contract documented in the README: bookworm's umoci 0.4.7 does not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { podmanArgs, podmanRunArgs, removePodmanCgroups, runWithRunc } from '../helpers/runtime.js';

const MESSAGE = 'compressed hello';

interface Manifest {
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  config: { digest: string };
}

function layout(path: string): { manifest: Manifest; diffIds: string[]; blob: (digest: string) => Buffer } {
  const blob = (digest: string) => readFileSync(join(path, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  const index = JSON.parse(readFileSync(join(path, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(blob(index.manifests[0]!.digest).toString()) as Manifest;
  const config = JSON.parse(blob(manifest.config.digest).toString()) as { rootfs: { diff_ids: string[] } };
  return { manifest, diffIds: config.rootfs.diff_ids, blob };
}

const sha256 = (data: Uint8Array) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** How many gzip members a file holds, counted by Python's zlib (a reader independent of pith). */
function gzipMembers(data: Buffer): number {
  const script = [
    'import sys, zlib',
    'rest, count = sys.stdin.buffer.read(), 0',
    'while rest:',
    '    d = zlib.decompressobj(31); d.decompress(rest); rest = d.unused_data; count += 1',
    'print(count)',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], { input: data });
  assert.equal(r.status, 0, r.stderr.toString());
  return Number(r.stdout.toString());
}

describe('layer compression read back by the real tools', () => {
  let dir: string;
  let cache: string;
  let registry: TestRegistry;
  const built: Record<'gzip' | 'zstd', { layout: string; digest: string }> = {} as never;
  const cgroupParent = `pith-e2e-compression-${process.pid}`;

  before(async () => {
    // Lower case: podman's oci: transport takes the path as an image name.
    dir = join(tmpdir(), `pith-compression-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir);
    cache = join(dir, 'cache');
    // 9 MiB that do not compress: several gzip members and three zstd frames in the app layer.
    const big = Buffer.alloc(9 * 1024 * 1024);
    let x = 12345;
    for (let i = 0; i < big.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      big[i] = x >>> 24;
    }
    writeFileSync(join(dir, 'noise.bin'), big);
    const spec = (compression: string) =>
      [
        'name: e2e/compressed',
        'tag: v1',
        `compression: ${compression}`,
        `entrypoint: [/usr/bin/echo, "${MESSAGE}"]`,
        'user: nonroot',
        'binaries: [/usr/bin/echo]',
        'files:',
        '  - {src: noise.bin, dest: /data/noise.bin}',
        '',
      ].join('\n');
    for (const algorithm of ['gzip', 'zstd'] as const) {
      writeFileSync(join(dir, `${algorithm}.yaml`), spec(algorithm));
      const out = join(dir, `${algorithm}.oci`);
      const r = runPith(['build', join(dir, `${algorithm}.yaml`), '-o', out, '--cache-dir', cache]);
      assert.equal(r.code, 0, r.stderr);
      built[algorithm] = { layout: out, digest: lastLine(r.stdout) };
    }
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    removePodmanCgroups(cgroupParent);
    rmSync(dir, { recursive: true, force: true });
  });

  test('gzip: multi-member layers that gunzip to their diff_ids; umoci unpacks and runc runs them as nonroot', () => {
    const { manifest, diffIds, blob } = layout(built.gzip.layout);
    for (const [i, layer] of manifest.layers.entries()) {
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
      const tar = sh('sh', [
        '-c',
        `gzip -dc < ${JSON.stringify(join(built.gzip.layout, 'blobs', 'sha256', layer.digest.slice(7)))} | sha256sum`,
      ]).split(' ')[0];
      assert.equal(`sha256:${tar}`, diffIds[i]);
    }
    const app = blob(manifest.layers.at(-1)!.digest);
    assert.ok(gzipMembers(app) >= 9, 'one member per MiB of tar');
    const run = runWithRunc(built.gzip.layout, 'v1', { uid: 65532, gid: 65532 });
    assert.equal(run.stdout, `${MESSAGE}\n`, run.stderr);
  });

  test('zstd: tar+zstd layers of several frames that decompress to their diff_ids; pith inspect reads them', () => {
    const { manifest, diffIds } = layout(built.zstd.layout);
    for (const [i, layer] of manifest.layers.entries()) {
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
      const path = join(built.zstd.layout, 'blobs', 'sha256', layer.digest.slice(7));
      const tar = sh('sh', ['-c', `zstd -dc < ${JSON.stringify(path)} | sha256sum`]).split(' ')[0];
      assert.equal(`sha256:${tar}`, diffIds[i]);
    }
    const inspect = JSON.parse(runPith(['inspect', built.zstd.layout, '--json']).stdout) as {
      layers?: Array<{ uncompressedSize?: number }>;
    };
    const sizes = JSON.stringify(inspect);
    assert.match(sizes, /9437184|noise\.bin/, 'the 9 MiB file is listed: every frame was read');
    assert.notEqual(built.zstd.digest, built.gzip.digest);
  });

  test('zstd: podman runs it; skopeo copies it between layouts keeping tar+zstd', () => {
    const storage = join(dir, 'podman');
    const out = sh('podman', podmanRunArgs(storage, cgroupParent, `oci:${built.zstd.layout}:v1`));
    assert.equal(out, `${MESSAGE}\n`);
    const copy = join(dir, 'copied.oci');
    sh('skopeo', ['copy', `oci:${built.zstd.layout}:v1`, `oci:${copy}:v1`]);
    const copied = layout(copy);
    assert.ok(copied.manifest.layers.every((l) => l.mediaType.endsWith('+zstd')));
    assert.deepEqual(
      copied.manifest.layers.map((l) => l.digest),
      layout(built.zstd.layout).manifest.layers.map((l) => l.digest),
      'the same blobs',
    );
  });

  test('zstd: bookworm umoci (0.4.7) refuses tar+zstd layers, as the README says', () => {
    const r = spawnSync('umoci', ['unpack', '--image', `${built.zstd.layout}:v1`, join(dir, 'umoci-bundle')], {
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /not correct mediatype: application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd/);
  });

  test('zstd: pushed to docker-registry and pulled back by skopeo and podman, same digest', () => {
    const ref = `${registry.host}/e2e/zstd:v1`;
    const pushed = runPith(['push', `${built.zstd.layout}:v1`, ref]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(lastLine(pushed.stdout), built.zstd.digest);
    const inspected = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]),
    ) as Manifest;
    assert.ok(inspected.layers.every((l) => l.mediaType.endsWith('+zstd')));
    const pulled = join(dir, 'pulled.oci');
    sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${pulled}:v1`]);
    const { manifest, blob } = layout(pulled);
    for (const layer of manifest.layers) assert.equal(sha256(blob(layer.digest)), layer.digest);
    const storage = join(dir, 'podman');
    sh('podman', [...podmanArgs(storage), 'pull', '--tls-verify=false', ref]);
    const out = sh('podman', podmanRunArgs(storage, cgroupParent, ref));
    assert.equal(out, `${MESSAGE}\n`);
  });

  test('--compression overrides the spec; bad values are one-line errors with exit 2', () => {
    const viaFlag = runPith([
      'build',
      join(dir, 'gzip.yaml'),
      '-o',
      join(dir, 'flag.oci'),
      '--cache-dir',
      cache,
      '--compression',
      'zstd',
    ]);
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.equal(lastLine(viaFlag.stdout), built.zstd.digest, 'the same image as compression: zstd in the spec');
    const badFlag = runPith(['build', join(dir, 'gzip.yaml'), '-o', join(dir, 'bad.oci'), '--compression', 'zstd:99']);
    assert.equal(badFlag.code, 2);
    assert.equal(badFlag.stderr, 'pith: build: --compression: zstd levels are 1..19, got "99"\n');
    for (const [value, message] of [
      ['lz4', /bad\.yaml:1:14: compression: expected gzip or zstd, optionally with a level like zstd:19, got "lz4"/],
      ['{algorithm: gzip, level: 13}', /bad\.yaml:1:\d+: compression\.level: gzip levels are 1\.\.12, got 13/],
      ['{algorithm: brotli}', /bad\.yaml:1:\d+: compression\.algorithm: expected gzip or zstd, got "brotli"/],
    ] as const) {
      writeFileSync(join(dir, 'bad.yaml'), `compression: ${value}\nname: e2e/bad\n`);
      const r = runPith(['build', join(dir, 'bad.yaml'), '-o', join(dir, 'bad.oci')]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  });
});
