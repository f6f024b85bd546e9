import assert from 'node:assert/strict';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlobStore } from '../../../src/store/blob-store.js';
import { withTempDir } from '../../helpers/layers-fixtures.js';

test('export gives the output its own bytes: never a hard link into the cache', async () => {
  await withTempDir(async (dir) => {
    const store = new BlobStore(join(dir, 'cache'));
    const { digest } = await store.putBytes(Buffer.from('layer bytes'));
    const out = join(dir, 'out-blob');
    await store.export(digest, out);
    assert.equal((await stat(out)).nlink, 1);
    assert.equal((await stat(store.pathOf(digest))).nlink, 1);
    // Editing the output in place leaves the cached blob as it was, and the other way round.
    await appendFile(out, ' edited');
    assert.equal(await readFile(store.pathOf(digest), 'utf8'), 'layer bytes');
    await store.verify(digest);
    await appendFile(store.pathOf(digest), ' corrupted');
    assert.equal(await readFile(out, 'utf8'), 'layer bytes edited');
  });
});
