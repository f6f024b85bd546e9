/** Layers applied as a runtime does: whiteouts, opaque directories, type changes hiding what was below. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeLayerChanges, noteWhiteout } from '../../../src/layers/layer-changes.js';

interface Entry {
  path: string;
  type: string;
  from: number;
}

const layer = (
  from: number,
  entries: Array<[string, string]>,
  whiteouts: string[] = [],
  opaqueDirs: string[] = [],
) => ({
  opaqueDirs,
  whiteouts,
  entries: entries.map(([path, type]): Entry => ({ path, type, from })),
});

test('noteWhiteout tells markers from entries and records what they name', () => {
  const opaque: string[] = [];
  const gone: string[] = [];
  assert.equal(noteWhiteout('etc/.wh..wh..opq', opaque, gone), true);
  assert.equal(noteWhiteout('etc/.wh.passwd', opaque, gone), true);
  assert.equal(noteWhiteout('.wh.tmp', opaque, gone), true);
  assert.equal(noteWhiteout('.wh..wh..opq', opaque, gone), true);
  assert.equal(noteWhiteout('etc/passwd', opaque, gone), false);
  assert.equal(noteWhiteout('etc/x.wh.y', opaque, gone), false);
  assert.deepEqual(opaque, ['etc', '']);
  assert.deepEqual(gone, ['etc/passwd', 'tmp']);
});

test('later layers win; a whiteout deletes a path and what is under it; opaque empties a directory', () => {
  const fs = mergeLayerChanges<Entry>([
    layer(0, [
      ['etc', 'dir'],
      ['etc/a', 'file'],
      ['etc/b', 'file'],
      ['var', 'dir'],
      ['var/lib', 'dir'],
      ['var/lib/x', 'file'],
      ['usr', 'dir'],
      ['usr/z', 'file'],
    ]),
    layer(
      1,
      [
        ['etc/c', 'file'],
        ['usr/z', 'file'],
      ],
      ['var/lib'],
      ['etc'],
    ),
  ]);
  assert.deepEqual([...fs.keys()].sort(), ['etc', 'etc/c', 'usr', 'usr/z', 'var']);
  assert.equal(fs.get('usr/z')!.from, 1);
  assert.equal(fs.get('etc')!.from, 0, 'an opaque directory itself stays');
});

test('an entry that turns a directory into a file (or back) hides what was below it', () => {
  const fs = mergeLayerChanges<Entry>([
    layer(0, [
      ['opt', 'dir'],
      ['opt/tool', 'file'],
      ['srv', 'file'],
    ]),
    layer(1, [
      ['opt', 'symlink'],
      ['srv', 'dir'],
      ['srv/site', 'file'],
    ]),
  ]);
  assert.deepEqual([...fs.keys()].sort(), ['opt', 'srv', 'srv/site']);
  assert.equal(fs.get('opt')!.type, 'symlink');
});
