/**
 * Layer policy for trim: closure (build/closure-image.ts, closure-cache.ts, one-tree.ts, trim.ts):
 * one tree trimmed to what the roots reach, cut into layers, remembered under a key of every input.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { closureImage, type ClosureImageOptions } from '../../../src/build/closure-image.js';
import { buildPlatform } from '../../../src/build/platform.js';
import type { PartSet, PlatformContext } from '../../../src/sources/source.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import { FsTree } from '../../../src/tree/fs-tree.js';
import {
  entriesSource,
  layerFiles,
  loadedSpec,
  partsSource,
  planOf,
  tempDir,
  testRun,
  type FakePart,
  type PartsLog,
} from '../../helpers/fake-sources.js';

const data: FakePart = {
  name: 'app-data',
  version: '1',
  files: { '/usr/share/app/table': 'rows', '/usr/share/app/more': 'more rows' },
  license: 'MIT',
};
const unused: FakePart = { name: 'unused', version: '2', files: { '/usr/lib/unused.so': 'never loaded' } };

function specTree(app = 'app bytes'): FsTree {
  const tree = new FsTree();
  const bytes = new TextEncoder().encode(app);
  tree.add('/app/run', {
    type: 'file',
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: bytes.byteLength,
    source: { kind: 'bytes', data: bytes },
    origin: { kind: 'file', detail: 'files[0]' },
  });
  return tree;
}

async function partSet(log: PartsLog): Promise<PartSet> {
  return (
    await partsSource({ data: [data], unused: [unused] }, { log, listFiles: true }).contribute({
      arch: 'amd64',
    } as PlatformContext)
  ).parts!;
}

function options(cacheDir: string, lines: string[]): ClosureImageOptions {
  return {
    cacheDir,
    store: new BlobStore(join(cacheDir, 'blobs')),
    mtime: 0,
    compression: { algorithm: 'gzip', level: 2 },
    roots: ['/app/run'],
    path: ['/usr/bin'],
    named: [{ path: '/usr/share/app', why: 'env APP_DATA' }],
    keep: [],
    log: (m) => lines.push(m),
  };
}

test('what the roots do not reach is dropped; a part left with no file is out of the layers and the SBOM', async () => {
  const cacheDir = tempDir('closure');
  const lines: string[] = [];
  const log: PartsLog = { reads: [], remembered: new Map(), recalled: [] };
  const opts = options(cacheDir, lines);
  const image = await closureImage([await partSet(log)], specTree(), opts);
  assert.deepEqual(
    image.layers.map((l) => l.name),
    ['packages: data', 'app'],
  );
  assert.equal(image.layers[0]!.createdBy, 'fake: parts app-data 1 (trimmed to the closure)');
  assert.deepEqual(await layerFiles(opts.store, image.layers[0]!.digest), {
    'usr/share/app/more': 'more rows',
    'usr/share/app/table': 'rows',
  });
  assert.deepEqual(await layerFiles(opts.store, image.layers[1]!.digest), { 'app/run': 'app bytes' });
  assert.deepEqual(image.packages, ['app-data']);
  assert.deepEqual([...image.facts.keys()], ['app-data']);
  assert.equal(image.facts.get('app-data')!.license, 'MIT');
  assert.deepEqual(
    image.files.map((f) => f.path),
    ['app/run'],
  );
  assert.match(
    image.notes[0]!,
    /^trim: kept 3 files \(\d+ bytes\), dropped 1 \(12 bytes\); 1 package\(s\) contribute nothing and are left out of status.d and the SBOM: unused$/,
  );
  assert.match(image.explanation, /usr\/lib\/unused\.so/);
  assert.deepEqual(log.reads.sort(), ['app-data', 'unused']);
});

test('the second time the whole image comes from the cache without reading a part; an edited spec file is a miss', async () => {
  const cacheDir = tempDir('closure');
  const cold = await closureImage(
    [await partSet({ reads: [], remembered: new Map(), recalled: [] })],
    specTree(),
    options(cacheDir, []),
  );
  const lines: string[] = [];
  const log: PartsLog = { reads: [], remembered: new Map(), recalled: [] };
  const warm = await closureImage([await partSet(log)], specTree(), options(cacheDir, lines));
  assert.deepEqual(log.reads, []);
  assert.equal(lines[0], 'trim: closure image from the cache (2 layers)');
  assert.deepEqual(
    warm.layers.map((l) => [l.name, l.digest, l.entries]),
    cold.layers.map((l) => [l.name, l.digest, l.entries]),
  );
  assert.deepEqual(warm.notes, cold.notes);
  assert.deepEqual([...warm.facts], [...cold.facts]);

  const edited = await closureImage([await partSet(log)], specTree('app bytes, edited'), options(cacheDir, []));
  assert.deepEqual(log.reads.sort(), ['app-data', 'unused']);
  assert.equal(edited.layers[0]!.digest, cold.layers[0]!.digest);
  assert.notEqual(edited.layers[1]!.digest, cold.layers[1]!.digest);
});

test('a cache entry whose blob is gone is not trusted: the image is built again', async () => {
  const cacheDir = tempDir('closure');
  const opts = options(cacheDir, []);
  const cold = await closureImage(
    [await partSet({ reads: [], remembered: new Map(), recalled: [] })],
    specTree(),
    opts,
  );
  const { rm } = await import('node:fs/promises');
  await rm(opts.store.pathOf(cold.layers[0]!.digest));
  const log: PartsLog = { reads: [], remembered: new Map(), recalled: [] };
  const again = await closureImage([await partSet(log)], specTree(), opts);
  assert.equal(log.reads.length, 2);
  assert.equal(again.layers[0]!.digest, cold.layers[0]!.digest);
  await opts.store.verify(again.layers[0]!.digest);
});

test('through buildPlatform: the config names the roots, and the SBOM lists only the parts that contribute', async () => {
  const loaded = loadedSpec('name: app\ntrim: closure\nentrypoint: [/app/run]\nenv: { APP_DATA: /usr/share/app }\n');
  const sources = () => [
    partsSource({ data: [data], unused: [unused] }, { listFiles: true }),
    entriesSource('app', { '/app/run': 'app bytes' }),
  ];
  const { image, sboms } = await buildPlatform('amd64', planOf(loaded, sources()), undefined, await testRun(loaded));
  assert.deepEqual(
    image.layers.map((l) => l.name),
    ['packages: data', 'app'],
  );
  const cdx = JSON.parse(Buffer.from(sboms!.cyclonedx).toString()) as {
    components: Array<{ name: string; type: string; components?: Array<{ name: string }> }>;
  };
  const libraries = cdx.components.filter((c) => c.type === 'library');
  assert.deepEqual(
    libraries.map((c) => c.name),
    ['app-data'],
  );
  assert.deepEqual(
    libraries[0]!.components!.map((c) => c.name),
    ['/usr/share/app/more', '/usr/share/app/table'],
  );

  const rootless = loadedSpec('name: app\ntrim: closure\n');
  await assert.rejects(
    buildPlatform('amd64', planOf(rootless, sources()), undefined, await testRun(rootless)),
    (err: Error & { where?: string }) =>
      err.name === 'PithError' &&
      /trim: closure needs an entrypoint, a cmd or keep: paths/.test(err.message) &&
      /pith\.yaml:2:/.test(err.where ?? ''),
  );
});
