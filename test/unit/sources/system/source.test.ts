/** The system files as a source (sources/system/source.ts): what every image gets unless a base image has its own. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { merge } from '../../../../src/build/contributions.js';
import type { PlatformContext } from '../../../../src/sources/source.js';
import { systemFiles } from '../../../../src/sources/system/source.js';
import { FsTree } from '../../../../src/tree/fs-tree.js';
import { specTreeContext } from '../../../helpers/fake-sources.js';

const ctx = { arch: 'amd64' } as PlatformContext;

const treeContext = specTreeContext;

test('system files: the accounts, nsswitch and os-release of the image', async () => {
  const yaml = 'name: a\n';
  const c = merge([await systemFiles().contribute(ctx)]);
  const tree = new FsTree();
  for (const write of c.entries) await write(tree, treeContext(yaml));
  const text = (p: string) => {
    const e = tree.get(p);
    return e?.type === 'file' && e.source.kind === 'bytes' ? Buffer.from(e.source.data).toString() : undefined;
  };
  assert.match(text('etc/passwd') ?? '', /^root:x:0:0:/m);
  assert.match(text('etc/passwd') ?? '', /^nonroot:x:65532:65532:/m);
  assert.match(text('etc/group') ?? '', /^nonroot:x:65532:/m);
  assert.ok(text('etc/nsswitch.conf')?.includes('passwd:'));
  assert.ok(tree.get('etc/os-release') ?? tree.get('usr/lib/os-release'), 'an os-release');
  assert.equal(tree.get('tmp')?.mode, 0o1777);
  assert.ok(tree.list().every((e) => e.uid === 0 || e.path.startsWith('home/')));
});
