/** The spec's paths: as a source (sources/inline/source.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { merge } from '../../../../src/build/contributions.js';
import { inlinePaths } from '../../../../src/sources/inline/source.js';
import type { PlatformContext } from '../../../../src/sources/source.js';
import { FsTree } from '../../../../src/tree/fs-tree.js';
import { loadedSpec, specTreeContext } from '../../../helpers/fake-sources.js';

const ctx = { arch: 'amd64' } as PlatformContext;

const treeContext = specTreeContext;

test('paths: directories, files and symlinks in order, with their modes and owners, origin paths[i]', async () => {
  const yaml = `name: a
paths:
  - { path: /data, type: dir, mode: "0700", owner: nonroot }
  - { path: /etc/app.conf, type: file, content: "k=v\\n" }
  - { path: /usr/bin/app, type: symlink, target: ../lib/app/run }
`;
  const loaded = loadedSpec(yaml);
  const c = merge([await inlinePaths(loaded).contribute(ctx)]);
  const tree = new FsTree();
  for (const write of c.entries) await write(tree, treeContext(yaml));
  const data = tree.get('data')!;
  assert.deepEqual(
    [data.type, data.mode, data.uid, data.gid, data.origin.detail],
    ['dir', 0o700, 65532, 65532, 'paths[0]: /data'],
  );
  const conf = tree.get('etc/app.conf')!;
  assert.equal(conf.type, 'file');
  assert.equal(conf.mode, 0o644);
  assert.equal(
    conf.type === 'file' && conf.source.kind === 'bytes' ? Buffer.from(conf.source.data).toString() : '',
    'k=v\n',
  );
  const link = tree.get('usr/bin/app')!;
  assert.deepEqual(
    [link.type, link.type === 'symlink' ? link.target : '', link.origin.kind],
    ['symlink', '../lib/app/run', 'path'],
  );
});
