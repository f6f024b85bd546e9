/** Layer policy for trim: docs/none (build/part-layers.ts): one cached layer per group of parts. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { partLayers, type PartLayersOptions } from '../../../src/build/part-layers.js';
import { layerSummary } from '../../../src/build/summary.js';
import type { PartSet, PlatformContext } from '../../../src/sources/source.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import type { MergedUsrLink } from '../../../src/tree/merged-usr.js';
import {
  layerFiles,
  layerMembers,
  partsSource,
  tempDir,
  type FakePart,
  type PartsLog,
} from '../../helpers/fake-sources.js';

const libc: FakePart = {
  name: 'libc6',
  version: '2.36',
  files: { '/usr/lib/libc.so.6': 'libc', '/usr/share/doc/libc6/copyright': 'GPL' },
  license: 'LGPL-2.1',
};
const libcBin: FakePart = { name: 'libc-bin', version: '2.36', files: { '/usr/bin/ldd': 'ldd' }, license: 'LGPL-2.1' };
const curl: FakePart = { name: 'curl', version: '7.88', files: { '/usr/bin/curl': 'curl' }, license: 'curl' };

function options(cacheDir: string, logLines: string[] = []): PartLayersOptions {
  return {
    cacheDir,
    store: new BlobStore(join(cacheDir, 'blobs')),
    mtime: 1_700_000_000,
    compression: { algorithm: 'gzip', level: 2 },
    log: (m) => logLines.push(m),
  };
}

async function setOf(
  groups: Record<string, FakePart[]>,
  log?: PartsLog,
  links?: MergedUsrLink[],
): Promise<{ set: PartSet; log: PartsLog }> {
  const source = partsSource(groups, { ...(log ? { log } : {}), ...(links ? { links } : {}), listFiles: true });
  const c = await source.contribute({ arch: 'amd64' } as PlatformContext);
  return { set: c.parts!, log: source.log };
}

test("one layer per group, in group order, holding only its group's files at the build's mtime", async () => {
  const cacheDir = tempDir('parts');
  const opts = options(cacheDir);
  const { set, log } = await setOf({ glibc: [libc, libcBin], curl: [curl] });
  const built = await partLayers([{ set, links: [] }], opts);
  assert.deepEqual(
    built.layers.map((l) => l.name),
    ['packages: glibc', 'packages: curl'],
  );
  assert.deepEqual(
    built.layers.map((l) => l.createdBy),
    ['fake: parts libc6 2.36, libc-bin 2.36', 'fake: parts curl 7.88'],
  );
  assert.deepEqual(await layerFiles(opts.store, built.layers[0]!.digest), {
    'usr/bin/ldd': 'ldd',
    'usr/lib/libc.so.6': 'libc',
    'usr/share/doc/libc6/copyright': 'GPL',
  });
  assert.deepEqual(await layerFiles(opts.store, built.layers[1]!.digest), { 'usr/bin/curl': 'curl' });
  for (const layer of built.layers) {
    const members = await layerMembers(opts.store, layer.digest);
    assert.equal(layer.entries, members.length, 'entries counts the tar members');
    assert.ok(members.every((m) => m.mtime === 1_700_000_000 && m.uid === 0 && m.gid === 0));
    await opts.store.verify(layer.digest);
  }
  assert.deepEqual(log.reads, ['libc6', 'libc-bin', 'curl']);
  assert.deepEqual(built.facts.get('curl'), {
    license: 'curl',
    files: [{ path: 'usr/bin/curl', sha256: createHash('sha256').update('curl').digest('hex') }],
  });
  assert.equal(built.facts.get('libc6')!.license, 'LGPL-2.1');
  assert.equal(log.remembered.size, 3, 'facts are remembered for every part built');
});

test('the second run takes every layer from the cache: same digests, entries -1, no part read, facts recalled', async () => {
  const cacheDir = tempDir('parts');
  const first = await setOf({ glibc: [libc, libcBin], curl: [curl] });
  const cold = await partLayers([{ set: first.set, links: [] }], options(cacheDir));
  const lines: string[] = [];
  const second = await setOf(
    { glibc: [libc, libcBin], curl: [curl] },
    { reads: [], remembered: first.log.remembered, recalled: [] },
  );
  const warm = await partLayers([{ set: second.set, links: [] }], options(cacheDir, lines));
  assert.deepEqual(
    warm.layers.map((l) => l.digest),
    cold.layers.map((l) => l.digest),
  );
  assert.deepEqual(
    warm.layers.map((l) => l.diffId),
    cold.layers.map((l) => l.diffId),
  );
  assert.deepEqual(
    warm.layers.map((l) => layerSummary(l).entries),
    [-1, -1],
  );
  assert.ok(cold.layers.every((l) => layerSummary(l).entries > 0));
  assert.deepEqual(second.log.reads, [], 'a warm build reads no part');
  assert.deepEqual(second.log.recalled.sort(), ['curl', 'libc-bin', 'libc6']);
  assert.deepEqual(warm.facts, cold.facts);
  assert.ok(
    lines.every((l) => l.endsWith('(cached)')),
    lines.join('\n'),
  );
});

test("a changed part changes only its group's layer; the other group stays cached", async () => {
  const cacheDir = tempDir('parts');
  const first = await setOf({ glibc: [libc, libcBin], curl: [curl] });
  const cold = await partLayers([{ set: first.set, links: [] }], options(cacheDir));
  const newer = { ...curl, version: '7.89', files: { '/usr/bin/curl': 'curl 7.89' } };
  const second = await setOf(
    { glibc: [libc, libcBin], curl: [newer] },
    { reads: [], remembered: first.log.remembered, recalled: [] },
  );
  const warm = await partLayers([{ set: second.set, links: [] }], options(cacheDir));
  assert.equal(warm.layers[0]!.digest, cold.layers[0]!.digest);
  assert.equal(warm.layers[0]!.entries, undefined);
  assert.notEqual(warm.layers[1]!.digest, cold.layers[1]!.digest);
  assert.ok(warm.layers[1]!.entries! > 0);
  assert.deepEqual(second.log.reads, ['curl']);
  assert.deepEqual(await layerFiles(options(cacheDir).store, warm.layers[1]!.digest), { 'usr/bin/curl': 'curl 7.89' });
});

test('parts are placed through the links, which are not in their layer but are part of its cache key', async () => {
  const cacheDir = tempDir('parts');
  const opts = options(cacheDir);
  const links: MergedUsrLink[] = [{ path: 'lib', target: 'usr/lib', package: 'base-files' }];
  const zlib: FakePart = { name: 'zlib1g', version: '1.2', files: { '/lib/x86_64-linux-gnu/libz.so.1': 'z' } };
  const { set } = await setOf({ zlib: [zlib] });
  const through = await partLayers([{ set, links }], opts);
  const members = await layerMembers(opts.store, through.layers[0]!.digest);
  assert.deepEqual(
    members.filter((m) => m.type === 'file').map((m) => m.path),
    ['usr/lib/x86_64-linux-gnu/libz.so.1'],
  );
  assert.ok(!members.some((m) => m.path === 'lib' || m.path === 'lib/'), 'the link belongs to the part that ships it');
  const plain = await partLayers([{ set, links: [] }], opts);
  assert.notEqual(plain.layers[0]!.digest, through.layers[0]!.digest);
  assert.ok(plain.layers[0]!.entries! > 0, 'other links: another cache entry, built again');
  assert.deepEqual(await layerFiles(opts.store, plain.layers[0]!.digest), { 'lib/x86_64-linux-gnu/libz.so.1': 'z' });
});
