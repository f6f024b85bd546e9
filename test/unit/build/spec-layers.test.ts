/** The spec's own tree cut into layers by origin (build/spec-layers.ts). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { specLayers } from '../../../src/build/spec-layers.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import type { Origin } from '../../../src/tree/entry.js';
import { FsTree } from '../../../src/tree/fs-tree.js';
import { addMergedUsrLinks } from '../../../src/tree/merged-usr.js';
import { fileEntry, layerFiles, layerMembers, tempDir } from '../../helpers/fake-sources.js';

function file(tree: FsTree, path: string, content: string, origin: Origin): void {
  tree.add(path, fileEntry(content, origin));
}

test('effects, system, libraries, app in that order; part entries (the merged-/usr links) are left to the part layers', async () => {
  const store = new BlobStore(join(tempDir('spec-layers'), 'blobs'));
  const tree = new FsTree();
  addMergedUsrLinks(tree, [{ path: 'lib', target: 'usr/lib', package: 'base-files' }]);
  file(tree, '/app/server', 'app', { kind: 'file', detail: 'files[0]' });
  file(tree, '/lib/libssl.so.3', 'ssl', { kind: 'library', detail: 'needed by /app/server' });
  file(tree, '/etc/passwd', 'root:x:0:0', { kind: 'accounts', detail: 'accounts' });
  file(tree, '/etc/os-release', 'ID=pith', { kind: 'system', detail: 'os-release' });
  file(tree, '/var/lib/x/state', 'x', { kind: 'effect', detail: 'postinst', package: 'x' });
  file(tree, '/etc/motd', 'hi', { kind: 'path', detail: 'paths[0]' });
  const lines: string[] = [];
  const layers = await specLayers(tree, {
    store,
    mtime: 86_400,
    compression: { algorithm: 'gzip', level: 2 },
    log: (m) => lines.push(m),
  });
  assert.deepEqual(
    layers.map((l) => l.name),
    ['effects', 'system', 'libraries', 'app'],
  );
  const files = await Promise.all(layers.map((l) => layerFiles(store, l.digest)));
  assert.deepEqual(files, [
    { 'var/lib/x/state': 'x' },
    { 'etc/os-release': 'ID=pith', 'etc/passwd': 'root:x:0:0' },
    { 'usr/lib/libssl.so.3': 'ssl' },
    { 'app/server': 'app', 'etc/motd': 'hi' },
  ]);
  for (const layer of layers) {
    const members = await layerMembers(store, layer.digest);
    assert.ok(!members.some((m) => m.path === 'lib'), `${layer.name}: the lib link is a part's`);
    assert.equal(layer.entries, members.length);
    assert.ok(members.every((m) => m.mtime === 86_400));
    assert.ok(layer.createdBy?.startsWith('pith: '));
  }
  assert.equal(lines.length, 4);
});

test('a tree of only part entries makes no layer; the same tree makes the same layers', async () => {
  const store = new BlobStore(join(tempDir('spec-layers'), 'blobs'));
  const options = { store, mtime: 0, compression: { algorithm: 'gzip' as const, level: 2 }, log: () => undefined };
  const parts = new FsTree();
  addMergedUsrLinks(parts, [{ path: 'bin', target: 'usr/bin', package: 'base-files' }]);
  assert.deepEqual(await specLayers(parts, options), []);
  const make = () => {
    const tree = new FsTree();
    file(tree, '/b', 'b', { kind: 'file', detail: 'b' });
    file(tree, '/a', 'a', { kind: 'file', detail: 'a' });
    return tree;
  };
  const one = await specLayers(make(), options);
  const two = await specLayers(make(), options);
  assert.deepEqual(
    two.map((l) => l.digest),
    one.map((l) => l.digest),
  );
  assert.deepEqual(
    (await layerMembers(store, one[0]!.digest)).map((m) => m.path),
    ['a', 'b'],
    'sorted, whatever the order written',
  );
});
