/**
 * What a base image holds, read from its layers: status.d and the classic status file as the
 * layers leave them (whiteouts and opaque directories applied), licences from copyright files,
 * merged-/usr links; bounded, and cached by layer digest. Layers here are real tar (and gzip)
 * blobs in a real blob store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { baseInventory } from '../../../../../src/sources/debian/base/inventory.js';
import { SCAN_LIMITS, scanBaseLayer } from '../../../../../src/sources/debian/base/layer-scan.js';
import { packagesFromSbomDocument, parseDebPurl } from '../../../../../src/sources/debian/base/sbom.js';
import type { Digest } from '../../../../../src/image/digest.js';
import { spdxDocument } from '../../../../../src/sbom/spdx.js';
import { cyclonedxDocument } from '../../../../../src/sbom/cyclonedx.js';
import type { BaseImage } from '../../../../../src/sources/base-image/image.js';
import { BlobStore } from '../../../../../src/store/blob-store.js';
import { isPithError } from '../../../../../src/errors.js';
import { sampleInput } from '../../../../helpers/sbom-input.js';

type Member = { name: string; content?: string; symlink?: string; dir?: boolean };

/** A layer blob (gzip unless `plain`) of the given members, stored; returns its digest. */
async function layer(store: BlobStore, members: Member[], plain = false): Promise<Digest> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => p.on('end', () => resolve()));
  for (const m of members) {
    if (m.dir) p.entry({ name: m.name, type: 'directory', mode: 0o755 });
    else if (m.symlink !== undefined) p.entry({ name: m.name, type: 'symlink', linkname: m.symlink });
    else p.entry({ name: m.name, mode: 0o644 }, m.content ?? '');
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return (await store.putBytes(plain ? tar : gzipSync(tar))).digest;
}

const control = (name: string, version: string, extra = '') =>
  `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\n${extra}Maintainer: t <t@example.invalid>\nDescription: ${name}\n`;
const DEP5 = (license: string) =>
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: someone\nLicense: ${license}\n`;

function image(
  layers: Digest[],
  origin: BaseImage['origin'] = { kind: 'layout', dir: '/nonexistent/base.oci' },
): BaseImage {
  // baseInventory reads the layer blobs from the store its options name.
  const blobs = new BlobStore('/nonexistent/blobs');
  const layerDescriptors = layers.map((d) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: d,
    size: 1,
  }));
  return {
    name: 't/base:1',
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'e'.repeat(64)}` as Digest,
    size: 0,
    rootDigest: `sha256:${'e'.repeat(64)}` as Digest,
    origin,
    manifest: {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${'c'.repeat(64)}` as Digest,
        size: 0,
      },
      layers: layerDescriptors,
    },
    layers: layerDescriptors.map((d) => ({ ...d, diffId: d.digest, store: blobs })),
    config: {
      created: '1970-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [] },
      history: [],
    },
    platform: { architecture: 'amd64', os: 'linux' },
    rawManifest: new Uint8Array(),
    rawConfig: new Uint8Array(),
  };
}

describe('base image inventory', () => {
  let dir: string;
  let store: BlobStore;
  let cacheDir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-base-inventory-'));
    store = new BlobStore(join(dir, 'blobs'));
    cacheDir = join(dir, 'cache');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const inventory = (b: BaseImage) => baseInventory(b, { store, cacheDir, debArch: 'amd64' });

  it('reads status.d (not .md5sums, not nested files), licences through doc links, and merged-/usr links', async () => {
    const l1 = await layer(store, [
      { name: 'bin', symlink: 'usr/bin' },
      { name: 'lib64', symlink: '/usr/lib64' },
      { name: 'etc', dir: true },
      { name: 'opt', symlink: 'srv' },
      { name: 'var/lib/dpkg/status.d/libc6', content: control('libc6', '2.36-9', 'Source: glibc\nMulti-Arch: same\n') },
      { name: 'var/lib/dpkg/status.d/libc6.md5sums', content: 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/x\n' },
      { name: 'var/lib/dpkg/status.d/nested/ignored', content: 'not a control file' },
      {
        name: 'var/lib/dpkg/status.d/postfix',
        content: control('postfix', '3.7', 'Provides: mail-transport-agent, default-mta\n'),
      },
      { name: 'usr/share/doc/libc6/copyright', content: DEP5('LGPL-2.1+') },
      { name: 'usr/share/doc/postfix', symlink: 'libc6' },
    ]);
    const inv = await inventory(image([l1]));
    assert.equal(inv.from, 'dpkg');
    assert.deepEqual(
      inv.packages.map((p) => [
        p.name,
        p.version,
        p.source,
        p.license,
        p.multiArch,
        p.provides.map((r) => r.name).join(','),
      ]),
      [
        ['libc6', '2.36-9', 'glibc', 'LGPL-2.1-or-later', 'same', ''],
        ['postfix', '3.7', 'postfix', 'LGPL-2.1-or-later', undefined, 'mail-transport-agent,default-mta'],
      ],
    );
    assert.deepEqual(inv.mergedUsr, [
      { path: 'bin', target: 'usr/bin', package: 'base image t/base:1' },
      { path: 'lib64', target: '/usr/lib64', package: 'base image t/base:1' },
    ]);
  });

  it('applies upper layers: a whiteout removes a package, an opaque directory empties status.d, status.d wins over the status file', async () => {
    const lower = await layer(store, [
      { name: 'var/lib/dpkg/status.d/a', content: control('a', '1') },
      { name: 'var/lib/dpkg/status.d/b', content: control('b', '1') },
      {
        name: 'var/lib/dpkg/status',
        content: `${control('c', '1', 'Status: install ok installed\n')}\n${control('a', '0.9', 'Status: install ok installed\n')}\n${control('d', '1', 'Status: deinstall ok config-files\n')}`,
      },
    ]);
    const whiteout = await layer(
      store,
      [
        { name: 'var/lib/dpkg/status.d/.wh.b', content: '' },
        { name: 'var/lib/dpkg/status.d/e', content: control('e', '2') },
      ],
      true,
    );
    let inv = await inventory(image([lower, whiteout]));
    assert.deepEqual(
      inv.packages.map((p) => `${p.name} ${p.version}`),
      ['a 1', 'c 1', 'e 2'],
    );
    const opaque = await layer(store, [
      { name: 'var/lib/dpkg/status.d/.wh..wh..opq', content: '' },
      { name: 'var/lib/dpkg/status.d/f', content: control('f', '3') },
    ]);
    inv = await inventory(image([lower, whiteout, opaque]));
    assert.deepEqual(
      inv.packages.map((p) => `${p.name} ${p.version}`),
      ['a 0.9', 'c 1', 'f 3'],
    );
  });

  it('is cached by layer digest (no blob read the second time); a damaged cache entry is read again', async () => {
    const l = await layer(store, [{ name: 'var/lib/dpkg/status.d/cached', content: control('cached', '1') }]);
    const first = await scanBaseLayer(l, store, cacheDir, 'test');
    const blob = store.pathOf(l);
    const bytes = (await import('node:fs')).readFileSync(blob);
    unlinkSync(blob);
    assert.deepEqual(await scanBaseLayer(l, store, cacheDir, 'test'), first, 'from the cache');
    const entry = join(
      cacheDir,
      'base-layers',
      readdirSync(join(cacheDir, 'base-layers')).find((f) => f.startsWith(l.slice(7)))!,
    );
    writeFileSync(
      entry,
      '{"value":{"format":"pith-base-layer-v1","scan":{"entries":[],"whiteouts":[],"opaque":[]}},"sum":"0"}',
    );
    writeFileSync(blob, bytes);
    assert.deepEqual(
      await scanBaseLayer(l, store, cacheDir, 'test'),
      first,
      'a cache entry failing its checksum is not trusted',
    );
  });

  it('bounds what it reads: an oversized control file is one error naming the layer and path', async () => {
    const saved = SCAN_LIMITS.control;
    SCAN_LIMITS.control = 64;
    try {
      const l = await layer(store, [
        { name: 'var/lib/dpkg/status.d/huge', content: control('huge', '1', `X-Pad: ${'x'.repeat(200)}\n`) },
      ]);
      await assert.rejects(scanBaseLayer(l, store, join(dir, 'cache-limits'), 'base image t/huge'), (e: unknown) => {
        assert.ok(isPithError(e));
        assert.match(
          e.message,
          /^base image t\/huge: layer sha256:[0-9a-f]{64}: \/var\/lib\/dpkg\/status\.d\/huge is \d+ bytes \(at most 64 are read\)$/,
        );
        return true;
      });
    } finally {
      SCAN_LIMITS.control = saved;
    }
  });

  it('a layer that is not a tar is one error naming it', async () => {
    const { digest } = await store.putBytes(gzipSync(Buffer.from('not a tar archive, only text'.repeat(40))));
    await assert.rejects(
      scanBaseLayer(digest, store, cacheDir, 'base image t/bad'),
      /base image t\/bad: layer sha256:[0-9a-f]+: not a readable tar/,
    );
  });

  it('without a dpkg database, the SBOM beside the layout (naming this manifest) lists the packages', async () => {
    const empty = await layer(store, [{ name: 'app/hello', content: 'hi' }]);
    const layoutDir = join(dir, 'sbom-base.oci');
    const doc = spdxDocument({ ...sampleInput(), image: { ...sampleInput().image, digest: image([]).digest } });
    writeFileSync(`${layoutDir}.spdx.json`, JSON.stringify(doc));
    const inv = await inventory(image([empty], { kind: 'layout', dir: layoutDir }));
    assert.equal(inv.from, 'sbom');
    assert.deepEqual(
      inv.packages.map((p) => `${p.name} ${p.version} ${p.architecture} ${p.source}`),
      [
        'ca-certificates 20250419~deb12u2 all ca-certificates',
        'libc6 2.36-9+deb12u14 amd64 glibc',
        'libssl3 3.0.22-1~deb12u2 amd64 openssl',
        'libstdc++6 12.2.0-14+deb12u1 amd64 gcc-12',
        'tzdata 2026f-0+deb12u1 all tzdata',
        'zlib1g 1:1.2.13.dfsg-1 amd64 zlib',
      ],
    );
    // A document about another manifest (left from another build) is not used.
    const other = await inventory({
      ...image([empty], { kind: 'layout', dir: layoutDir }),
      digest: `sha256:${'f'.repeat(64)}` as Digest,
    });
    assert.equal(other.from, 'none');
  });
});

describe('base image SBOM documents', () => {
  it('reads deb purls from SPDX and CycloneDX alike, with licences', () => {
    const input = sampleInput();
    const spdx = packagesFromSbomDocument(Buffer.from(JSON.stringify(spdxDocument(input))));
    const cdx = packagesFromSbomDocument(Buffer.from(JSON.stringify(cyclonedxDocument(input))));
    assert.deepEqual(spdx, cdx);
    assert.equal(spdx.find((p) => p.name === 'zlib1g')?.license, 'Zlib');
    assert.equal(spdx.find((p) => p.name === 'libc6')?.license, undefined, 'NOASSERTION is no licence');
  });

  it('parses purls with epochs, escapes and qualifiers; other purls are not Debian packages', () => {
    assert.deepEqual(
      parseDebPurl('pkg:deb/debian/libstdc%2B%2B6@1:12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12&upstream=gcc-12'),
      {
        name: 'libstdc++6',
        version: '1:12.2.0-14+deb12u1',
        architecture: 'amd64',
        provides: [],
        source: 'gcc-12',
      },
    );
    assert.equal(parseDebPurl('pkg:npm/left-pad@1.0.0'), undefined);
    assert.deepEqual(packagesFromSbomDocument(Buffer.from('not json')), []);
  });
});
