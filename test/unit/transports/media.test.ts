/**
 * Every medium through the library's public face (src/transports/index.ts): an image set made
 * with the model's operations, written as a layout, an oci-archive and a docker-archive, read
 * back with openImage/openImageSet (and by skopeo, a real reader), pushed to a real registry with
 * SBOM referrers and opened from there: the same image every time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appendLayers,
  emptyImage,
  hostArch,
  isoTime,
  platformFor,
  setAnnotations,
  setConfig,
  setCreated,
  type Image,
  type ImageSet,
} from '../../../src/image/index.js';
import { builtLayer } from '../../../src/build/built-layer.js';
import { writeLayer } from '../../../src/layers/layer.js';
import { listReferrers } from '../../../src/registry-client/index.js';
import {
  openImage,
  openImageSet,
  pushImage,
  sinks,
  storeImageSet,
  writeDockerArchive,
  writeLayout,
  writeOciArchive,
} from '../../../src/transports/index.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import { isPithError } from '../../../src/errors.js';
import type { TreeEntry } from '../../../src/tree/entry.js';
import { sh } from '../../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry-server.js';

const origin = { kind: 'system', detail: 'test' } as const;
const file = (path: string, text: string): TreeEntry => {
  const data = Buffer.from(text);
  return {
    type: 'file',
    path,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.byteLength,
    source: { kind: 'bytes', data },
    origin,
  };
};
const options = { mtime: 0, compression: { algorithm: 'gzip' as const, level: 2 } };

/** One platform's image of two layers written to `store`. */
async function makeImage(arch: string, store: BlobStore): Promise<Image> {
  const layers = [];
  for (const [name, entries] of [
    ['base', [file('etc/hello', `hello ${arch}\n`)]],
    ['app', [file('app/run', `#!/bin/sh\necho ${arch}\n`)]],
  ] as const) {
    layers.push(builtLayer(await writeLayer(entries, store, options), name, `test: ${name}`, entries.length, store));
  }
  const image = appendLayers(
    setConfig(emptyImage(platformFor(arch)), { Entrypoint: ['/app/run'], User: '65532' }),
    layers,
  );
  return setAnnotations(setCreated(image, isoTime(0)), { 'org.example.arch': arch });
}

describe('transports: one image on every medium', () => {
  let dir: string;
  let store: BlobStore;
  let single: ImageSet;
  let multi: ImageSet;
  let registry: TestRegistry;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-transports-'));
    store = new BlobStore(join(dir, 'store'));
    single = await storeImageSet({ name: 'test/one', tag: 'v1', images: [await makeImage('amd64', store)], store });
    multi = await storeImageSet({
      name: 'test/multi',
      tag: 'both',
      images: [await makeImage('amd64', store), await makeImage('arm64', store)],
      annotations: { a: 'b' },
      store,
    });
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a set names its root, images and every blob, all in its store', async () => {
    assert.equal(single.root.digest, single.images[0]!.digest);
    assert.deepEqual(single.root.platform, { architecture: 'amd64', os: 'linux' });
    assert.equal(single.blobs.length, 4, 'two layers, a config, a manifest');
    for (const b of multi.blobs) assert.ok(await store.has(b.digest), b.digest);
    assert.equal(multi.root.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(multi.blobs.length, 9, 'four layers, two configs, two manifests, the index');
    assert.deepEqual([...sinks.keys()], ['oci', 'oci-archive', 'docker-archive']);
  });

  test('written as a layout, an oci-archive and a docker-archive; openImage reads back the same image; so does skopeo', async () => {
    const layout = join(dir, 'one.oci');
    const ociTar = join(dir, 'one.tar');
    const dockerTar = join(dir, 'one-docker.tar');
    await writeLayout(single, layout);
    await writeOciArchive(single, ociTar);
    await writeDockerArchive(single, dockerTar);
    const want = single.images[0]!;
    for (const ref of [
      `oci:${layout}`,
      layout,
      `${layout}:v1`,
      `oci-archive:${ociTar}`,
      ociTar,
      `docker-archive:${dockerTar}`,
    ]) {
      const opened = await openImage(ref);
      try {
        assert.equal(opened.digest, want.digest, ref);
        assert.deepEqual(
          opened.layers.map((l) => [l.digest, l.diffId, l.createdBy]),
          want.layers.map((l) => [l.digest, l.diffId, l.createdBy]),
          ref,
        );
        assert.deepEqual(opened.config.config, { Entrypoint: ['/app/run'], User: '65532' }, ref);
        assert.ok(Buffer.from(opened.rawConfig).equals(Buffer.from(want.rawConfig)), ref);
        assert.equal(opened.name, 'test/one:v1', ref);
      } finally {
        await opened.close();
      }
    }
    for (const ref of [`oci:${layout}:v1`, `oci-archive:${ociTar}`]) {
      assert.equal(sh('skopeo', ['inspect', '--format', '{{.Digest}}', ref]).trim(), want.digest, ref);
    }
    // skopeo reads a docker-archive through its manifest.json and makes a Docker manifest of its
    // own, of the uncompressed layers: the same config, layers by their diff_ids.
    const raw = JSON.parse(sh('skopeo', ['inspect', '--raw', `docker-archive:${dockerTar}`])) as {
      config: { digest: string };
      layers: Array<{ digest: string }>;
    };
    assert.equal(raw.config.digest, want.manifest.config.digest);
    assert.deepEqual(
      raw.layers.map((l) => l.digest),
      want.layers.map((l) => l.diffId),
    );
  });

  test('a multi-platform set: the index by openImageSet, one platform by openImage', async () => {
    const layout = join(dir, 'multi.oci');
    const tar = join(dir, 'multi.tar');
    await writeLayout(multi, layout);
    await writeOciArchive(multi, tar);
    for (const ref of [layout, `oci-archive:${tar}`]) {
      const set = await openImageSet(ref);
      try {
        assert.equal(set.root.digest, multi.root.digest, ref);
        assert.deepEqual(
          set.images.map((i) => i.digest),
          multi.images.map((i) => i.digest),
          ref,
        );
        assert.deepEqual(
          set.blobs.map((b) => b.digest),
          multi.blobs.map((b) => b.digest),
          ref,
        );
        assert.equal(set.name, 'test/multi');
        assert.equal(set.tag, 'both');
      } finally {
        await set.close();
      }
    }
    const arm = await openImage(layout, { platform: platformFor('arm64') });
    assert.equal(arm.digest, multi.images[1]!.digest);
    assert.equal(arm.root.digest, multi.root.digest);
    const host = await openImage(layout);
    assert.equal(host.platform.architecture, hostArch());
    await assert.rejects(
      openImage(layout, { platform: platformFor('s390x'), platformHint: 'pick one' }),
      (err: unknown) => {
        assert.ok(isPithError(err));
        assert.match(err.message, /has no image for linux\/s390x/);
        assert.match(err.hint ?? '', /linux\/amd64, linux\/arm64\/v8; pick one/);
        return true;
      },
    );
  });

  test("layers in another store are copied (and checked) into the set's", async () => {
    const other = new BlobStore(join(dir, 'other'));
    const image = await makeImage('amd64', other);
    const target = new BlobStore(join(dir, 'target'));
    const set = await storeImageSet({ name: 'copy', tag: 'latest', images: [image], store: target });
    for (const b of set.blobs) await target.verify(b.digest);
    const broken = await makeImage('arm64', other);
    writeFileSync(other.pathOf(broken.layers[1]!.digest), 'tampered');
    await assert.rejects(
      storeImageSet({ name: 'copy', tag: 'latest', images: [broken], store: new BlobStore(join(dir, 'target2')) }),
      /hashes to sha256:/,
    );
  });

  test('pushImage: the set and its SBOMs as referrers; openImage reads it back from the registry', async () => {
    const ref = `${registry.host}/test/multi:both`;
    const spdx = (arch: string) => Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: `test ${arch}` }));
    const lines: string[] = [];
    const result = await pushImage(multi, ref, {
      cacheDir: join(dir, 'cache'),
      sboms: ['amd64', 'arm64'].map((arch) => ({
        platform: platformFor(arch),
        spdx: spdx(arch),
        cyclonedx: new Uint8Array(),
      })),
      created: isoTime(0),
      log: (line) => lines.push(line),
    });
    assert.equal(result.digest, multi.root.digest);
    assert.deepEqual(
      result.referrers.map((r) => [r.subject, r.platform]),
      [
        [multi.images[0]!.digest, 'linux/amd64'],
        [multi.images[1]!.digest, 'linux/arm64/v8'],
      ],
    );
    assert.equal(lines[0], `pushed ${ref}`);
    assert.equal(lines.filter((l) => l.startsWith('attached application/spdx+json')).length, 2);
    const listed = await listReferrers(registry.host, 'test/multi', multi.images[1]!.digest);
    assert.deepEqual(
      listed.map((r) => r.artifactType),
      ['application/spdx+json'],
    );
    const pulled = await openImage(ref, { platform: platformFor('arm64'), cacheDir: join(dir, 'cache') });
    try {
      assert.equal(pulled.kind, 'registry');
      assert.equal(pulled.digest, multi.images[1]!.digest);
      assert.equal(pulled.root.digest, multi.root.digest);
      assert.deepEqual(
        pulled.layers.map((l) => l.diffId),
        multi.images[1]!.layers.map((l) => l.diffId),
      );
      for (const l of pulled.layers) await l.store.verify(l.digest);
    } finally {
      await pulled.close();
    }
  });

  test('mistakes: one line naming what is missing', async () => {
    await assert.rejects(openImage(join(dir, 'nope.oci')), /^PithError: no such layout: /);
    await assert.rejects(
      openImage(join(dir, 'nope.tar'), { command: 'inspect' }),
      /^PithError: inspect: no such archive: /,
    );
    await assert.rejects(openImage(`oci:${join(dir, 'nope')}`), /OCI layout .*nope: no such directory/);
    await assert.rejects(
      openImageSet(`docker://${registry.host}/test/multi:both`),
      /only layouts and archives can be read whole/,
    );
  });
});
