import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { isPithError } from '../../../src/errors.js';
import { MediaType } from '../../../src/image/media-types.js';
import { compressStream } from '../../../src/layers/compression/stream.js';
import { writeLayer } from '../../../src/layers/layer.js';
import { tarStream } from '../../../src/layers/tar-writer.js';
import { BlobStore } from '../../../src/store/blob-store.js';
import type { TreeEntry } from '../../../src/tree/entry.js';
import {
  collect,
  compressibleBytes,
  dirEntry,
  fileEntry,
  hostFileEntry,
  randomBytes,
  readTar,
  symlinkEntry,
  withParents,
  withTempDir,
} from '../../helpers/layers-fixtures.js';

const sha256 = (data: Uint8Array) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const options = { mtime: 1_700_000_000, compression: { algorithm: 'gzip', level: 6 } } as const;

const entries: TreeEntry[] = withParents([
  fileEntry('usr/bin/app', randomBytes(1_500_000, 31), { mode: 0o755 }),
  fileEntry('usr/share/doc/app/README', compressibleBytes(2_000_000, 32)),
  symlinkEntry('usr/bin/sh', 'app'),
  dirEntry('tmp', { mode: 0o1777 }),
]);

describe('writeLayer', () => {
  it('stores the gzipped tar under its digest with matching diff_id and sizes', async () => {
    await withTempDir(async (dir) => {
      const store = new BlobStore(join(dir, 'store'));
      const layer = await writeLayer(entries, store, options);
      const blob = await readFile(store.pathOf(layer.digest));
      assert.equal(layer.mediaType, MediaType.ociLayerGzip);
      assert.equal(layer.digest, sha256(blob));
      assert.equal(layer.size, blob.length);
      const tar = zlib.gunzipSync(blob);
      assert.equal(layer.diffId, sha256(tar));
      assert.equal(layer.uncompressedSize, tar.length);
      assert.deepEqual(
        (await readTar(tar)).map((m) => m.header.name),
        [
          'tmp/',
          'usr/',
          'usr/bin/',
          'usr/bin/app',
          'usr/bin/sh',
          'usr/share/',
          'usr/share/doc/',
          'usr/share/doc/app/',
          'usr/share/doc/app/README',
        ],
      );
      // Exactly the composition of the two streams: nothing else gets into the blob.
      const composed = await collect(compressStream(tarStream(entries, { mtime: options.mtime }), options.compression));
      assert.ok(composed.equals(blob));
      assert.deepEqual(await readdir(join(dir, 'store', 'sha256')), [layer.digest.slice('sha256:'.length)]);
    });
  });

  it('is reproducible across runs and stores', async () => {
    await withTempDir(async (dir) => {
      const a = await writeLayer(entries, new BlobStore(join(dir, 'a')), options);
      const b = await writeLayer([...entries].reverse(), new BlobStore(join(dir, 'b')), options);
      assert.deepEqual(a, b);
      const again = await writeLayer(entries, new BlobStore(join(dir, 'a')), options);
      assert.deepEqual(again, a);
      const other = await writeLayer(entries, new BlobStore(join(dir, 'c')), {
        ...options,
        compression: { algorithm: 'gzip', level: 1 },
      });
      assert.equal(other.diffId, a.diffId, 'the level changes the blob, never the tar');
      assert.notEqual(other.digest, a.digest);
      const zstd = await writeLayer(entries, new BlobStore(join(dir, 'd')), {
        ...options,
        compression: { algorithm: 'zstd', level: 3 },
      });
      assert.equal(zstd.diffId, a.diffId, 'zstd changes the blob, never the tar');
      assert.equal(zstd.mediaType, MediaType.ociLayerZstd);
    });
  });

  it('writes an empty layer as a valid gzip of an empty tar', async () => {
    await withTempDir(async (dir) => {
      const store = new BlobStore(dir);
      const layer = await writeLayer([], store, options);
      const tar = zlib.gunzipSync(await store.readBytes(layer.digest));
      assert.equal(tar.length, 1024);
      assert.equal(layer.uncompressedSize, 1024);
    });
  });

  it('leaves no blob and no temporary file when the source fails midway', async () => {
    await withTempDir(async (dir) => {
      const host = join(dir, 'shrinking');
      await writeFile(host, randomBytes(100_000, 33));
      const failing = [
        ...entries,
        // Sorts after several MiB of content, so the blob writer already holds data.
        hostFileEntry('zz/changed', host, 200_000),
      ];
      const store = new BlobStore(join(dir, 'store'));
      await assert.rejects(writeLayer(withParents(failing), store, options), (err: unknown) => {
        assert.ok(isPithError(err));
        assert.equal(err.kind, 'build');
        assert.match(err.message, /changed while building/);
        return true;
      });
      assert.deepEqual(await readdir(join(dir, 'store', 'sha256')), []);
      // Nor did the tar go to disk anywhere in the store.
      assert.deepEqual(await readdir(join(dir, 'store')), ['sha256']);
      assert.ok((await stat(host)).isFile());
    });
  });

  it('rejects bad entries before writing anything', async () => {
    await withTempDir(async (dir) => {
      const store = new BlobStore(join(dir, 'store'));
      await assert.rejects(writeLayer([fileEntry('/abs', 'x')], store, options), /starts with "\/"/);
      assert.deepEqual(await readdir(join(dir, 'store', 'sha256')), []);
    });
  });
});
