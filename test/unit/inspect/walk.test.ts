import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeLayers, walkLayer } from '../../../src/inspect/walk.js';
import { writeLayers } from '../../helpers/inspect-layers.js';
import { createHash } from 'node:crypto';

test('walkLayer: types, modes, owners, sizes, link targets, hashes, kept data, uncompressed size', async () => {
  for (const gzip of [true, false]) {
    const [path] = await writeLayers(
      [
        [
          { name: './usr/', type: 'directory', mode: 0o755 },
          { name: './usr/bin/tool', mode: 0o4755, uid: 7, gid: 8, content: 'hello' },
          { name: 'usr/bin/sh', type: 'symlink', linkname: 'tool' },
          { name: 'usr/bin/hl', type: 'link', linkname: './usr/bin/tool' },
          { name: 'etc/os-release', content: 'ID=debian\n' },
        ],
      ],
      gzip,
    );
    const w = await walkLayer(path!, 2, (p) => p === 'etc/os-release');
    assert.equal(w.entries.length, 5);
    const byPath = new Map(w.entries.map((e) => [e.path, e]));
    assert.equal(byPath.get('usr')!.type, 'dir');
    const tool = byPath.get('usr/bin/tool')!;
    assert.deepEqual([tool.type, tool.mode, tool.uid, tool.gid, tool.size, tool.layer], ['file', 0o4755, 7, 8, 5, 2]);
    assert.equal(tool.sha256, createHash('sha256').update('hello').digest('hex'));
    assert.equal(tool.data, undefined, 'content kept only when asked');
    assert.deepEqual([byPath.get('usr/bin/sh')!.type, byPath.get('usr/bin/sh')!.linkTarget], ['symlink', 'tool']);
    assert.deepEqual(
      [byPath.get('usr/bin/hl')!.type, byPath.get('usr/bin/hl')!.linkTarget],
      ['hardlink', 'usr/bin/tool'],
    );
    assert.equal(byPath.get('etc/os-release')!.data!.toString(), 'ID=debian\n');
    assert.equal(w.uncompressedSize % 512, 0);
    assert.ok(w.uncompressedSize >= 512 * 8);
  }
});

test('mergeLayers: later layers win, whiteouts delete, opaque directories hide what was below', async () => {
  const paths = await writeLayers([
    [
      { name: 'a', type: 'directory' },
      { name: 'a/one', content: '1' },
      { name: 'a/two', content: '2' },
      { name: 'b', type: 'directory' },
      { name: 'b/x', content: 'x' },
      { name: 'c', content: 'old' },
    ],
    [
      { name: 'a/.wh.one', content: '' },
      { name: 'b/.wh..wh..opq', content: '' },
      { name: 'b/y', content: 'y' },
      { name: 'c', content: 'newer' },
    ],
  ]);
  const walked = await Promise.all(paths.map((p, i) => walkLayer(p, i)));
  assert.deepEqual(walked[1]!.whiteouts, ['a/one']);
  assert.deepEqual(walked[1]!.opaqueDirs, ['b']);
  const fs = mergeLayers(walked);
  assert.deepEqual([...fs.keys()].sort(), ['a', 'a/two', 'b', 'b/y', 'c']);
  assert.equal(fs.get('c')!.size, 5);
  assert.equal(fs.get('c')!.layer, 1);
});
