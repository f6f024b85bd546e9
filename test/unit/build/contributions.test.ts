/** Step 3 (build/contributions.ts): what the sources bring to one platform, asked in order and merged. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contribute, merge } from '../../../src/build/contributions.js';
import type { Contribution, PartSet, PlatformContext, Source } from '../../../src/sources/source.js';
import { PITH_IDENTITY } from '../../../src/sources/system/os-release.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import type { Layer } from '../../../src/image/layer.js';
import type { Digest } from '../../../src/image/digest.js';
import type { MergedUsrLink } from '../../../src/tree/merged-usr.js';

const store = new BlobStore('/nonexistent/blobs');
const layer = (c: string): Layer => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${c.repeat(64)}` as Digest,
  size: 1,
  diffId: `sha256:${c.repeat(64)}` as Digest,
  store,
});
const partSet = (label: string): PartSet => ({
  groups: [],
  parts: [],
  layerKey: () => ({ label }),
  read: async () => new Map(),
  recallFacts: async () => ({}),
  rememberFacts: async () => undefined,
});
const usrLinks: MergedUsrLink[] = [{ path: 'lib', target: 'usr/lib', package: 'base-files' }];
const otherLinks: MergedUsrLink[] = [{ path: 'bin', target: 'usr/bin', package: 'other' }];

test('ready layers bottom first; each part set sees the links of what lies below it; the last word on links, os, config, distro', () => {
  const setA = partSet('a');
  const setB = partSet('b');
  const writeA = async () => undefined;
  const writeB = async () => undefined;
  const all: Contribution[] = [
    {
      layers: [layer('1'), layer('2')],
      links: usrLinks,
      config: { image: { User: 'base' }, defaults: { env: { A: '1', B: '1' }, user: 'x' } },
      sbom: { base: { name: 'b', packages: [] } },
    },
    {
      parts: setA,
      entries: writeA,
      os: null,
      sbom: {
        distro: { id: 'debian', versionId: '12' },
        packages: [{ name: 'p', version: '1', architecture: 'amd64', source: 'p' }],
      },
      annotations: { k: 'a', only: 'a' },
    },
    {
      layers: [layer('3')],
      links: otherLinks,
      parts: setB,
      entries: writeB,
      config: { defaults: { env: { B: '2' }, workdir: '/w' } },
      sbom: { packages: [{ name: 'q', version: '2', architecture: 'amd64', source: 'q' }] },
      annotations: { k: 'b' },
    },
  ];
  const c = merge(all);
  assert.deepEqual(
    c.layers.map((l) => l.digest[7]),
    ['1', '2', '3'],
  );
  assert.equal(c.partSets.length, 2);
  assert.equal(c.partSets[0]!.set, setA);
  assert.equal(c.partSets[0]!.linksBelow, usrLinks, 'the first parts go through the links of the source below them');
  assert.equal(c.partSets[1]!.set, setB);
  assert.equal(c.partSets[1]!.linksBelow, usrLinks, "a source's own links are not below its own parts");
  assert.deepEqual(c.entries, [writeA, writeB]);
  assert.equal(c.links, otherLinks);
  assert.equal(c.os, null);
  assert.deepEqual(c.config.image, { User: 'base' });
  assert.deepEqual(
    c.config.defaults,
    { env: { A: '1', B: '2' }, user: 'x', workdir: '/w' },
    'defaults merge field by field, env by key',
  );
  assert.deepEqual(c.sbom.distro, { id: 'debian', versionId: '12' });
  assert.deepEqual(
    c.sbom.packages.map((p) => p.name),
    ['p', 'q'],
  );
  assert.deepEqual(c.sbom.base, { name: 'b', packages: [] });
  assert.deepEqual(c.annotations, { k: 'b', only: 'a' });
});

test('with nothing contributed: no layers, pith identifies the OS, an empty SBOM', () => {
  const c = merge([{}, {}]);
  assert.deepEqual(c.layers, []);
  assert.deepEqual(c.partSets, []);
  assert.deepEqual(c.links, []);
  assert.equal(c.os, PITH_IDENTITY);
  assert.deepEqual(c.sbom, { packages: [] });
  assert.equal(c.settle, undefined);
});

test('contribute asks every source in order, one after another, and the first failure is the error', async () => {
  const ctx = { arch: 'arm64', created: 0, cacheDir: '/nonexistent', store, log: () => undefined } as PlatformContext;
  const asked: string[] = [];
  let running = 0;
  const source = (name: string, fail = false): Source => ({
    name,
    contribute: async (c) => {
      assert.equal(c.arch, 'arm64');
      asked.push(name);
      running++;
      assert.equal(running, 1, 'sources are asked one at a time');
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (fail) throw new Error(`${name} failed`);
      return { annotations: { last: name } };
    },
  });
  const c = await contribute([source('a'), source('b'), source('c')], ctx);
  assert.deepEqual(asked, ['a', 'b', 'c']);
  assert.deepEqual(c.annotations, { last: 'c' });
  asked.length = 0;
  await assert.rejects(contribute([source('a'), source('b', true), source('c', true)], ctx), /^Error: b failed$/);
  assert.deepEqual(asked, ['a', 'b'], 'a failing source stops the platform');
});
