/**
 * End to end: pith pushes to a real registry (docker-registry on loopback); skopeo and podman
 * pull the images back, runc and podman run them; the registry's own access log shows mounts
 * for a second repository and no uploads for a second push; multi-arch pushes an index.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { podmanArgs, podmanRunArgs, removePodmanCgroups, runWithRunc } from '../helpers/runtime.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { buildEcho, buildMultiArch, type BuiltLayout } from '../helpers/registry-images.js';

const MESSAGE = 'hello from a pushed pith image';

interface PushJson {
  digest: string;
  reference: string;
  blobs: Array<{ digest: string; action: string; from?: string; method?: string }>;
  manifests: Array<{ digest: string; ref: string; mediaType: string }>;
}

describe('pith push to a real registry, pulled back by skopeo and podman', () => {
  let dir: string;
  let cache: string;
  let registry: TestRegistry;
  let echo: BuiltLayout;
  let multi: BuiltLayout;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-e2e-push-'));
    cache = join(dir, 'cache');
    echo = buildEcho(join(dir, 'echo'), cache, MESSAGE);
    multi = buildMultiArch(join(dir, 'multi'), cache);
    registry = await startRegistry({ accessLog: true });
  });
  const cgroupParent = `pith-e2e-${process.pid}`;
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
    removePodmanCgroups(cgroupParent);
  });

  // SBOM referrers have their own test (registry-referrers): these count image requests only.
  const push = (args: string[]) => runPith(['push', ...args, '--cache-dir', cache, '--no-sbom']);
  const pushJson = (layout: string, ref: string): PushJson => {
    const r = push([layout, ref, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as PushJson;
  };
  /** Registry requests logged since `mark` (the access log line lands just after the answer). */
  const since = async (mark: number) => {
    await new Promise((r) => setTimeout(r, 200));
    return registry.requests().slice(mark);
  };

  test('pith push LAYOUT REF: the digest as the last line; skopeo copies it back and runc runs it', () => {
    const r = push([echo.layout, `${registry.host}/e2e/echo:v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), echo.digest);
    assert.equal(r.stdout, `${echo.digest}\n`, 'stdout holds only the digest');
    const inspected = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/e2e/echo:v1`]),
    ) as { Digest: string; RepoTags: string[] };
    assert.equal(inspected.Digest, echo.digest);
    assert.deepEqual(inspected.RepoTags, ['v1']);
    const out = join(dir, 'pulled.oci');
    sh('skopeo', ['copy', '--src-tls-verify=false', `docker://${registry.host}/e2e/echo:v1`, `oci:${out}:pulled`]);
    const run = runWithRunc(out, 'pulled');
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `${MESSAGE}\n`);
  });

  test('podman pulls the pushed image and runs it', () => {
    const storage = join(dir, 'podman');
    const ref = `${registry.host}/e2e/echo:v1`;
    sh('podman', [...podmanArgs(storage), 'pull', '--tls-verify=false', ref]);
    const id = sh('podman', [...podmanArgs(storage), 'image', 'inspect', '--format', '{{.Digest}}', ref]).trim();
    assert.equal(id, echo.digest);
    const out = sh('podman', podmanRunArgs(storage, cgroupParent, ref));
    assert.equal(out, `${MESSAGE}\n`);
  });

  test('a second repository of the same registry: every blob mounted, nothing uploaded', async () => {
    const mark = registry.requests().length;
    const result = pushJson(echo.layout, `${registry.host}/other/echo:v1`);
    assert.equal(result.digest, echo.digest);
    assert.ok(result.blobs.length >= 3);
    assert.deepEqual(
      result.blobs.map((b) => b.action),
      result.blobs.map(() => 'mounted'),
    );
    assert.ok(result.blobs.every((b) => b.from === 'e2e/echo'));
    const reqs = await since(mark);
    const mounts = reqs.filter((l) => /^POST \/v2\/other\/echo\/blobs\/uploads\/\?.*mount=sha256.*201$/.test(l));
    assert.equal(mounts.length, result.blobs.length, reqs.join('\n'));
    assert.equal(reqs.filter((l) => /^(PUT|PATCH) \/v2\/other\/echo\/blobs\/uploads\//.test(l)).length, 0, 'no upload');
    assert.equal(
      JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/other/echo:v1`])).Digest,
      echo.digest,
    );
  });

  test('pushing the same image again: blobs exist, only HEADs and the manifest PUT', async () => {
    const mark = registry.requests().length;
    const result = pushJson(echo.layout, `${registry.host}/e2e/echo:v1`);
    assert.ok(result.blobs.every((b) => b.action === 'exists'));
    const reqs = (await since(mark)).filter((l) => !l.startsWith('GET /v2/ '));
    assert.ok(
      reqs.every(
        (l) =>
          /^HEAD \/v2\/e2e\/echo\/blobs\/sha256:[0-9a-f]{64} 200$/.test(l) ||
          /^PUT \/v2\/e2e\/echo\/manifests\/v1 201$/.test(l),
      ),
      reqs.join('\n'),
    );
    assert.equal(reqs.filter((l) => l.startsWith('HEAD')).length, result.blobs.length);
  });

  test('multi-arch: children by digest, then the index by tag; skopeo inspect --raw shows the same bytes', async () => {
    const mark = registry.requests().length;
    const result = pushJson(multi.layout, `${registry.host}/e2e/multi:both`);
    assert.equal(result.digest, multi.digest);
    assert.deepEqual(
      result.manifests.map((m) => m.ref.startsWith('sha256:')),
      [true, true, false],
    );
    assert.equal(result.manifests.at(-1)!.mediaType, 'application/vnd.oci.image.index.v1+json');
    const manifestPuts = (await since(mark)).filter((l) => l.startsWith('PUT /v2/e2e/multi/manifests/'));
    assert.equal(manifestPuts.length, 3);
    assert.match(manifestPuts[2]!, /manifests\/both 201$/, 'the tag last');
    const raw = sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry.host}/e2e/multi:both`]);
    assert.equal(`sha256:${createHash('sha256').update(raw).digest('hex')}`, multi.digest, 'byte-identical index');
    const index = JSON.parse(raw) as {
      mediaType: string;
      manifests: Array<{ platform: { architecture: string; variant?: string } }>;
    };
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index.manifests.map((m) => m.platform.architecture).sort(), ['amd64', 'arm64']);
    for (const arch of ['amd64', 'arm64']) {
      const config = JSON.parse(
        sh('skopeo', [
          'inspect',
          '--tls-verify=false',
          '--override-arch',
          arch,
          '--config',
          `docker://${registry.host}/e2e/multi:both`,
        ]),
      ) as { architecture: string };
      assert.equal(config.architecture, arch);
    }
  });

  test('pith build --push: pushes without writing a layout; with -o it does both', () => {
    const work = mkdtempSync(join(dir, 'build-push-'));
    const spec = join(dir, 'echo', 'echo.yaml');
    const r = runPith(['build', spec, '--push', `${registry.host}/built/echo`, '--cache-dir', cache], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), echo.digest);
    assert.deepEqual(readdirSync(work), [], 'no layout written without -o');
    const tags = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/built/echo:v1`]),
    ) as { Digest: string };
    assert.equal(tags.Digest, echo.digest, "the spec's tag when the reference has none");
    const out = join(work, 'both.oci');
    const r2 = runPith(['build', spec, '-o', out, '--push', `${registry.host}/built/echo:also`, '--cache-dir', cache], {
      cwd: work,
    });
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(existsSync(join(out, 'index.json')));
    assert.equal(
      JSON.parse(sh('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/built/echo:also`])).Digest,
      echo.digest,
    );
  });

  test('pith push DIR:TAG of a layout skopeo wrote, with other images in it', () => {
    const layout = join(dir, 'skopeo-written');
    sh('skopeo', ['copy', `oci:${echo.layout}:v1`, `oci:${layout}:one`]);
    sh('skopeo', ['copy', '--all', `oci:${multi.layout}:both`, `oci:${layout}:two`]);
    const r = push([`${layout}:two`, `${registry.host}/from-skopeo/multi:two`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), multi.digest);
    const ambiguous = push([layout, `${registry.host}/from-skopeo/x:y`]);
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /^pith: OCI layout .* holds 2 images: pick one as .*:TAG \(tags: one, two\)\n$/);
  });

  test('pith push oci-archive:FILE and docker-archive:FILE (archives skopeo wrote): the same image as the layout', () => {
    const ociTar = join(dir, 'echo-oci.tar');
    const dockerTar = join(dir, 'echo-docker.tar');
    sh('skopeo', ['copy', `oci:${echo.layout}:v1`, `oci-archive:${ociTar}:v1`]);
    const fromOci = push([`oci-archive:${ociTar}`, `${registry.host}/archives/echo:oci`]);
    assert.equal(fromOci.code, 0, fromOci.stderr);
    assert.equal(lastLine(fromOci.stdout), echo.digest);
    const runDocker = runPith([
      'build',
      join(echo.layout, '..', 'echo.yaml'),
      '--format',
      'docker-archive',
      '-o',
      dockerTar,
      '-q',
      '--cache-dir',
      cache,
    ]);
    assert.equal(runDocker.code, 0, runDocker.stderr);
    const fromDocker = push([`docker-archive:${dockerTar}`, `${registry.host}/archives/echo:docker`]);
    assert.equal(fromDocker.code, 0, fromDocker.stderr);
    assert.equal(lastLine(fromDocker.stdout), echo.digest);
    const inspected = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/archives/echo:docker`]),
    ) as { Digest: string };
    assert.equal(inspected.Digest, echo.digest);
  });

  test('mistakes: one line each, the right exit code, nothing on stdout', () => {
    const cases: Array<{ args: string[]; code: number; message: RegExp }> = [
      {
        args: [echo.layout, 'Bad/Name'],
        code: 2,
        message: /^pith: invalid image reference "Bad\/Name": repository names must be lowercase/,
      },
      { args: [echo.layout], code: 2, message: /^pith: push: expected LAYOUT and REF/ },
      {
        args: [join(dir, 'missing.oci'), `${registry.host}/x/y`],
        code: 1,
        message: /^pith: OCI layout .*missing\.oci: no such directory/,
      },
      {
        args: [echo.layout, '127.0.0.1:1/x/y:z'],
        code: 1,
        message: /^pith: push 127\.0\.0\.1:1\/x\/y: GET http:\/\/127\.0\.0\.1:1: connection refused/,
      },
      {
        args: [echo.layout, `${registry.host}/x/y@sha256:${'1'.repeat(64)}`],
        code: 2,
        message: /the reference names sha256:1{64} but the image is/,
      },
    ];
    for (const c of cases) {
      const r = push(c.args);
      assert.equal(r.code, c.code, `${c.args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, c.message);
    }
  });
});
