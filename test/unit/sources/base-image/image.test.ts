/**
 * loadBaseImage from a layout pith built (oci:DIR:TAG) and from a real registry: pith-pushed
 * OCI images, Docker schema2 images and manifest lists (converted by skopeo), platform choice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBaseImage } from '../../../../src/sources/base-image/image.js';
import { pushArtifact } from '../../../../src/registry-client/push.js';
import { readOciLayout } from '../../../../src/transports/oci-layout.js';
import { BlobStore } from '../../../../src/store/blob-store.js';
import { isPithError } from '../../../../src/errors.js';
import type { ImageSet } from '../../../../src/image/image.js';
import { sh } from '../../../helpers/cli.js';
import { readBlobJson } from '../../../helpers/layout.js';
import { startRegistry, type TestRegistry } from '../../../helpers/registry-server.js';
import { buildEcho, buildMultiArch, type BuiltLayout } from '../../../helpers/registry-images.js';

const amd64 = { architecture: 'amd64', os: 'linux' };
const arm64 = { architecture: 'arm64', os: 'linux', variant: 'v8' };

interface RawConfig {
  config: { Env?: string[]; Entrypoint?: string[]; User?: string };
  rootfs: { diff_ids: string[] };
}

describe('base images', () => {
  let dir: string;
  let registry: TestRegistry;
  let echo: BuiltLayout;
  let multi: BuiltLayout;
  let echoArtifact: ImageSet;
  let echoConfig: RawConfig;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-base-'));
    const cache = join(dir, 'cache');
    echo = buildEcho(join(dir, 'echo'), cache);
    multi = buildMultiArch(join(dir, 'multi'), cache);
    echoArtifact = await readOciLayout(echo.layout);
    echoConfig = readBlobJson<RawConfig>(echo.layout, echoArtifact.images[0]!.manifest.config.digest);
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const newStore = () => new BlobStore(mkdtempSync(join(dir, 'store-')));
  const options = () => ({ cacheDir: mkdtempSync(join(dir, 'cache-')) });

  const checkEcho = async (base: Awaited<ReturnType<typeof loadBaseImage>>, store: BlobStore) => {
    assert.deepEqual(
      base.layers.map((l) => l.digest),
      echoArtifact.images[0]!.layers.map((l) => l.digest),
    );
    assert.deepEqual(
      base.layers.map((l) => l.diffId),
      echoConfig.rootfs.diff_ids,
    );
    assert.ok(base.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip'));
    assert.deepEqual(base.config.rootfs.diff_ids, echoConfig.rootfs.diff_ids);
    assert.ok(base.config.config.Env?.includes('GREETING=from-the-base'));
    assert.deepEqual(base.config.config.Entrypoint, echoConfig.config.Entrypoint);
    assert.equal(base.config.config.User, '65532:65532');
    assert.equal(base.config.config.WorkingDir, '/home/nonroot');
    assert.deepEqual(base.config.config.Labels, { 'org.example.base': 'yes' });
    assert.equal(base.config.history.length, base.layers.length);
    for (const l of base.layers) {
      assert.ok(await store.has(l.digest), 'layer blob in the store');
      await store.verify(l.digest);
    }
  };

  test('oci:DIR:TAG of a layout pith built: layers with diff_ids, config, blobs copied into the store', async () => {
    const store = newStore();
    const base = await loadBaseImage(`oci:${echo.layout}:v1`, amd64, store);
    assert.equal(base.digest, echo.digest);
    assert.equal(base.name, 'registry-test/echo:v1', 'the image name, not the host path, so builds stay reproducible');
    await checkEcho(base, store);
    const untagged = await loadBaseImage(`oci:${echo.layout}`, amd64, newStore());
    assert.equal(untagged.digest, echo.digest);
  });

  test('oci: multi-arch layout picks the platform; a missing platform lists those there are', async () => {
    const a = await loadBaseImage(`oci:${multi.layout}`, arm64, newStore());
    const index = readBlobJson<{ manifests: Array<{ digest: string; platform: { architecture: string } }> }>(
      multi.layout,
      multi.digest,
    );
    assert.equal(a.digest, index.manifests.find((m) => m.platform.architecture === 'arm64')!.digest);
    assert.equal(a.config.architecture, 'arm64');
    assert.equal(a.platform.variant, 'v8');
    const noVariant = await loadBaseImage(`oci:${multi.layout}`, { architecture: 'arm64', os: 'linux' }, newStore());
    assert.equal(noVariant.digest, a.digest, 'arm64 means v8');
    await assert.rejects(
      loadBaseImage(`oci:${multi.layout}`, { architecture: 's390x', os: 'linux' }, newStore()),
      (err: unknown) => {
        assert.ok(isPithError(err));
        assert.match(err.message, /has no image for linux\/s390x/);
        assert.match(err.hint ?? '', /linux\/amd64, linux\/arm64\/v8/);
        return true;
      },
    );
    await assert.rejects(
      loadBaseImage(`oci:${echo.layout}`, arm64, newStore()),
      /is linux\/amd64, not linux\/arm64\/v8/,
    );
  });

  test('a registry image pith pushed: same layers and digest, pulled and verified', async () => {
    await pushArtifact(echoArtifact, `${registry.host}/base/echo:v1`, options());
    const store = newStore();
    const base = await loadBaseImage(`${registry.host}/base/echo:v1`, amd64, store, options());
    assert.equal(base.digest, echo.digest);
    assert.equal(base.name, `${registry.host}/base/echo:v1`);
    await checkEcho(base, store);
    const byDigest = await loadBaseImage(`${registry.host}/base/echo@${echo.digest}`, amd64, newStore(), options());
    assert.equal(byDigest.digest, echo.digest);
  });

  test('Docker schema2 (skopeo --format v2s2): Docker layer types become OCI ones, same blobs and diff_ids', async () => {
    sh('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      `oci:${echo.layout}:v1`,
      `docker://${registry.host}/docker/echo:v1`,
    ]);
    const raw = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry.host}/docker/echo:v1`]),
    ) as {
      mediaType: string;
      layers: Array<{ mediaType: string }>;
    };
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.ok(raw.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip'));
    const store = newStore();
    const base = await loadBaseImage(`${registry.host}/docker/echo:v1`, amd64, store, options());
    assert.notEqual(base.digest, echo.digest, 'the Docker manifest is another manifest');
    await checkEcho(base, store);
  });

  test('a pushed OCI index and a Docker manifest list: the platform is picked from either', async () => {
    const multiArtifact = await readOciLayout(multi.layout);
    await pushArtifact(multiArtifact, `${registry.host}/base/multi:both`, options());
    sh('skopeo', [
      'copy',
      '--all',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      `oci:${multi.layout}:both`,
      `docker://${registry.host}/docker/multi:both`,
    ]);
    const list = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry.host}/docker/multi:both`]),
    ) as { mediaType: string };
    assert.equal(list.mediaType, 'application/vnd.docker.distribution.manifest.list.v2+json');
    const armImage = multiArtifact.images.find((i) => i.platform.architecture === 'arm64')!;
    const fromOci = await loadBaseImage(`${registry.host}/base/multi:both`, arm64, newStore(), options());
    assert.equal(fromOci.digest, armImage.digest);
    const fromDocker = await loadBaseImage(`${registry.host}/docker/multi:both`, arm64, newStore(), options());
    assert.equal(fromDocker.config.architecture, 'arm64');
    assert.deepEqual(
      fromDocker.layers.map((l) => l.diffId),
      fromOci.layers.map((l) => l.diffId),
    );
  });

  test('unknown tag and unknown repository: one line with the registry error', async () => {
    await assert.rejects(
      loadBaseImage(`${registry.host}/base/echo:nope`, amd64, newStore(), options()),
      (err: unknown) => {
        assert.ok(isPithError(err));
        assert.match(err.oneLine(), new RegExp(`^pull ${registry.host}/base/echo: 404 manifest unknown`));
        return true;
      },
    );
  });
});
