/**
 * End to end: the real CLI builds images holding gcc-compiled programs, and real tools
 * (umoci, runc, skopeo, podman) unpack, run, load and inspect them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { compileC, PRINT_PASSWD_LINE_C } from '../helpers/compile.js';
import { podmanArgs, runWithRunc } from '../helpers/runtime.js';

const NONROOT_LINE = 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n';

describe('pith build with host binaries, run by real runtimes', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-e2e-'));
    cache = join(dir, 'cache');
    compileC(dir, 'static-passwd', PRINT_PASSWD_LINE_C, ['-static']);
    compileC(dir, 'dynamic-passwd', PRINT_PASSWD_LINE_C);
    writeFileSync(
      join(dir, 'static.yaml'),
      `name: e2e/static
tag: v1
entrypoint: [/app/passwd-line]
cmd: nonroot
user: nonroot
workdir: /home/nonroot
env:
  GREETING: hello
ports: [8080, 53/udp]
volumes: [/data]
labels:
  org.opencontainers.image.title: static test
stop-signal: SIGINT
binaries:
  - src: static-passwd
    dest: /app/passwd-line
`,
    );
    writeFileSync(
      join(dir, 'dynamic.yaml'),
      `name: e2e/dynamic
entrypoint: ["/usr/local/bin/passwd-line", "nonroot"]
user: "65532"
binaries:
  - src: ./dynamic-passwd
    dest: /usr/local/bin/passwd-line
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a static binary runs with runc as uid 65532 and prints the nonroot passwd line', () => {
    const out = join(dir, 'static.oci');
    const r = runPith(['build', join(dir, 'static.yaml'), '-o', out, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(lastLine(r.stdout), /^sha256:[0-9a-f]{64}$/);
    const run = runWithRunc(`${out}`, 'v1', { uid: 65532, gid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(run.stdout, NONROOT_LINE);
  });

  test('a dynamic binary runs with its library closure, and nothing else from the host', () => {
    const out = join(dir, 'dynamic.oci');
    const r = runPith(['build', join(dir, 'dynamic.yaml'), '-o', out, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    const run = runWithRunc(`${out}`, 'latest', { uid: 65532, gid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(run.stdout, NONROOT_LINE);
    // The image holds the interpreter and libc, but no shell or other host binaries.
    const files = listLayoutFiles(out);
    assert.ok(
      files.some((f) => /(^|\/)libc\.so\.6$/.test(f)),
      'libc.so.6 in the image',
    );
    assert.ok(
      files.some((f) => /ld-linux-x86-64\.so\.2$/.test(f)),
      'the ELF interpreter in the image',
    );
    assert.ok(!files.some((f) => /(^|\/)bin\/(ba)?sh$/.test(f)), 'no shell in the image');
  });

  test('skopeo inspect of the layout shows the spec config fields', () => {
    const out = join(dir, 'static.oci');
    const config = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${out}:v1`])) as {
      architecture: string;
      os: string;
      config: Record<string, unknown>;
      history: unknown[];
      rootfs: { diff_ids: string[] };
    };
    assert.equal(config.architecture, 'amd64');
    assert.equal(config.os, 'linux');
    assert.deepEqual(config.config.Entrypoint, ['/app/passwd-line']);
    assert.deepEqual(config.config.Cmd, ['nonroot']);
    assert.equal(config.config.User, '65532:65532');
    assert.equal(config.config.WorkingDir, '/home/nonroot');
    assert.deepEqual(config.config.ExposedPorts, { '8080/tcp': {}, '53/udp': {} });
    assert.deepEqual(config.config.Volumes, { '/data': {} });
    assert.deepEqual(config.config.Labels, { 'org.opencontainers.image.title': 'static test' });
    assert.equal(config.config.StopSignal, 'SIGINT');
    assert.ok((config.config.Env as string[]).includes('GREETING=hello'));
    assert.ok((config.config.Env as string[]).some((e) => e.startsWith('PATH=')));
    assert.equal(config.history.length, config.rootfs.diff_ids.length);
    assert.ok(config.rootfs.diff_ids.length >= 2, 'system and application layers');
  });

  test('docker-archive loads with podman load and copies with skopeo; oci-archive copies with skopeo', () => {
    const archive = join(dir, 'static-docker.tar');
    const r = runPith([
      'build',
      join(dir, 'static.yaml'),
      '-o',
      archive,
      '--format',
      'docker-archive',
      '--cache-dir',
      cache,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const copied = join(dir, 'from-docker-archive');
    sh('skopeo', ['copy', `docker-archive:${archive}`, `oci:${copied}:copied`]);
    const run = runWithRunc(`${copied}`, 'copied', { uid: 65532, gid: 65532 });
    assert.equal(run.stdout, NONROOT_LINE, run.stderr);

    const storage = join(dir, 'podman');
    const loaded = sh('podman', [...podmanArgs(storage), 'load', '-i', archive]);
    assert.match(loaded, /e2e\/static:v1/);
    const images = sh('podman', [...podmanArgs(storage), 'images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.match(images, /e2e\/static:v1/);

    const ociArchive = join(dir, 'static-oci.tar');
    const r2 = runPith([
      'build',
      join(dir, 'static.yaml'),
      '-o',
      ociArchive,
      '--format',
      'oci-archive',
      '--cache-dir',
      cache,
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    const inspected = JSON.parse(sh('skopeo', ['inspect', `oci-archive:${ociArchive}:v1`])) as { Digest: string };
    assert.equal(inspected.Digest, lastLine(r2.stdout));
  });

  test('--json prints a machine-readable summary', () => {
    const r = runPith(['build', join(dir, 'static.yaml'), '-o', join(dir, 'json.oci'), '--json', '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { digest: string; images: Array<{ layers: Array<{ name: string }> }> };
    assert.match(summary.digest, /^sha256:/);
    assert.deepEqual(
      summary.images[0]!.layers.map((l) => l.name),
      ['system', 'app'],
    );
  });
});

/** Every path in every layer of a single-image layout. */
export function listLayoutFiles(layout: string): string[] {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string }>;
  };
  const blob = (d: string) => join(layout, 'blobs', 'sha256', d.replace('sha256:', ''));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as {
    layers: Array<{ digest: string }>;
  };
  const files: string[] = [];
  for (const layer of manifest.layers) {
    assert.ok(existsSync(blob(layer.digest)));
    files.push(
      ...sh('tar', ['-tzf', blob(layer.digest)])
        .split('\n')
        .filter(Boolean),
    );
  }
  return files;
}
