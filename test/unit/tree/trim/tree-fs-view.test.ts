import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolvePathChain } from '../../../../src/elf/paths.js';
import { FsTree } from '../../../../src/tree/fs-tree.js';
import { trimToClosure } from '../../../../src/tree/trim/closure.js';
import { treeFsView } from '../../../../src/tree/trim/tree-fs-view.js';
import { buildElf } from '../../../helpers/elf-build.js';
import { treeOf } from '../../../helpers/trim-tree.js';

test('treeFsView: lstat does not follow links, hard links read as their file, readdir lists names', async () => {
  const tree = treeOf({
    'usr/lib/libx.so.1.0': 'ELF?',
    'usr/lib/libx.so.1': { symlink: 'libx.so.1.0' },
    'usr/lib/hard': { hardlink: 'usr/lib/libx.so.1.0' },
    lib: { symlink: 'usr/lib' },
  });
  const view = treeFsView(tree);
  assert.deepEqual(await view.lstat('/usr/lib/libx.so.1'), { type: 'symlink', size: 0 });
  assert.deepEqual(await view.lstat('/usr/lib/libx.so.1.0'), { type: 'file', size: 4 });
  assert.deepEqual(await view.lstat('/usr/lib/hard'), { type: 'file', size: 4 });
  assert.deepEqual(await view.lstat('/'), { type: 'dir', size: 0 });
  assert.equal(await view.lstat('/nope'), null);
  assert.equal(await view.readlink('/lib'), 'usr/lib');
  assert.equal(Buffer.from(await view.readFile('/usr/lib/hard')).toString(), 'ELF?');
  assert.deepEqual((await view.readdir('/usr/lib')).sort(), ['hard', 'libx.so.1', 'libx.so.1.0']);
  assert.deepEqual((await view.readdir('/')).sort(), ['lib', 'usr']);
  // The closure code's own path walker goes through the image's links, not the host's.
  const chain = await resolvePathChain('/lib/libx.so.1', view);
  assert.equal(chain.realPath, '/usr/lib/libx.so.1.0');
  assert.deepEqual(
    chain.links.map((l) => l.path),
    ['/lib', '/usr/lib/libx.so.1'],
  );
  await assert.rejects(view.readFile('/usr/lib/libx.so.1'), /not a regular file/);
});

test('host-sourced files are read from disk (an ELF binary copied from the host, its libraries from the tree)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-trim-host-'));
  try {
    const app = join(dir, 'app');
    writeFileSync(app, buildElf({ type: 2, needed: ['libhost.so.1'] }));
    const tree = new FsTree();
    const lib = buildElf({ soname: 'libhost.so.1' });
    tree.add('usr/local/bin/app', {
      type: 'file',
      mode: 0o755,
      uid: 0,
      gid: 0,
      origin: { kind: 'binary', detail: app },
      size: 0,
      source: { kind: 'host', path: app },
    });
    tree.add('opt/lib/libhost.so.1', {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      origin: { kind: 'library', detail: 'x' },
      size: lib.byteLength,
      source: { kind: 'bytes', data: lib },
    });
    tree.add('usr/lib/libunused.so', {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      origin: { kind: 'library', detail: 'y' },
      size: 1,
      source: { kind: 'bytes', data: new Uint8Array(1) },
    });
    // Found only through the image's LD_LIBRARY_PATH.
    await assert.rejects(
      trimToClosure(tree, { roots: ['/usr/local/bin/app'], rules: [] }),
      /libhost\.so\.1 .*not found/,
    );
    const result = await trimToClosure(tree, { roots: ['/usr/local/bin/app'], rules: [], libraryPath: ['/opt/lib'] });
    assert.deepEqual(result.reasons.get('opt/lib/libhost.so.1'), ['needed by /usr/local/bin/app (libhost.so.1)']);
    assert.ok(!result.kept.has('usr/lib/libunused.so'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
