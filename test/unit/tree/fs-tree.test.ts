import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FsTree } from '../../../src/tree/fs-tree.js';
import type { Origin } from '../../../src/tree/entry.js';

const origin: Origin = { kind: 'path', detail: 'test' };
const file = (data = 'x') => ({
  type: 'file' as const,
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: data.length,
  source: { kind: 'bytes' as const, data: new TextEncoder().encode(data) },
  origin,
});
const dir = (mode = 0o755) => ({ type: 'dir' as const, mode, uid: 0, gid: 0, origin });
const link = (target: string) => ({ type: 'symlink' as const, target, mode: 0o777, uid: 0, gid: 0, origin });

test('parents are created implicitly and listed sorted', () => {
  const t = new FsTree();
  t.add('/usr/bin/b', file());
  t.add('/usr/bin/a', file());
  assert.deepEqual(
    t.list().map((e) => e.path),
    ['usr', 'usr/bin', 'usr/bin/a', 'usr/bin/b'],
  );
  assert.ok(t.isImplicit('usr/bin'));
  t.add('/usr/bin', dir(0o700));
  assert.ok(!t.isImplicit('usr/bin'));
  assert.equal(t.get('usr/bin')?.mode, 0o700);
});

test('entries under an aliasing link land in its target (merged /usr)', () => {
  const t = new FsTree();
  t.add('/usr/lib', dir());
  t.add('/lib', link('usr/lib'));
  assert.equal(t.add('/lib/x86_64-linux-gnu/libc.so.6', file()), 'usr/lib/x86_64-linux-gnu/libc.so.6');
  // A package shipping /lib as a real directory must not replace the link.
  assert.equal(t.add('/lib', dir()), 'usr/lib');
  assert.equal(t.get('lib')?.type, 'symlink');
  assert.equal(t.resolve('/lib/x86_64-linux-gnu/libc.so.6'), 'usr/lib/x86_64-linux-gnu/libc.so.6');
});

test('a dangling link to a directory-to-be creates the target', () => {
  const t = new FsTree();
  t.add('/lib64', link('usr/lib64'));
  assert.equal(t.add('/lib64/ld.so', file()), 'usr/lib64/ld.so');
  assert.equal(t.get('usr/lib64')?.type, 'dir');
});

test('later entries replace earlier ones; a directory with children cannot become a file', () => {
  const t = new FsTree();
  t.add('/etc/passwd', file('a'));
  t.add('/etc/passwd', file('bb'));
  const replaced = t.get('etc/passwd');
  assert.equal(replaced?.type === 'file' ? replaced.size : -1, 2);
  assert.throws(() => t.add('/etc', file()), /\/etc is a directory/);
  t.add('/a/file', file());
  assert.throws(() => t.add('/a/file/below', file()), /\/a\/file is a file/);
});

test('symlink loops are reported', () => {
  const t = new FsTree();
  t.add('/a', link('b'));
  t.add('/b', link('a'));
  assert.throws(() => t.resolve('/a/x'), /too many levels of symbolic links/);
});

test('paths cannot climb above the root', () => {
  const t = new FsTree();
  assert.throws(() => t.add('/../x', file()), /invalid image path/);
});
