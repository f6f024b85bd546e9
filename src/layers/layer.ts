/**
 * A layer blob in one streaming pass: entries -> tar (hashed: diff_id) -> gzip or zstd (hashed:
 * digest) -> the blob store. The uncompressed tar never touches disk, and a failure leaves no blob.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { asDigest } from '../image/digest.js';
import type { Layer } from '../image/layer.js';
import type { BlobStore } from '../store/blob-store.js';
import type { TreeEntry } from '../tree/entry.js';
import { CODECS, type Compression } from './compression/codecs.js';
import { compressStream } from './compression/stream.js';
import { tarStream } from './tar-writer.js';

/** What a written (or cached) layer blob is: a Layer's facts, before it has a name, history or store. */
export type LayerBlob = Pick<Layer, 'mediaType' | 'digest' | 'size' | 'diffId'> & { uncompressedSize: number };

export interface LayerOptions {
  /** Unix seconds for every member's mtime. */
  mtime: number;
  /** Pinned algorithm and level: part of the layer digest. */
  compression: Compression;
}

export async function writeLayer(
  entries: readonly TreeEntry[],
  store: BlobStore,
  options: LayerOptions,
): Promise<LayerBlob> {
  const tarHash = createHash('sha256');
  let uncompressedSize = 0;
  async function* hashedTar(): AsyncGenerator<Buffer> {
    for await (const piece of tarStream(entries, { mtime: options.mtime })) {
      tarHash.update(piece);
      uncompressedSize += piece.length;
      yield piece;
    }
  }

  const writer = await store.createWriter();
  // A write error (disk full...) is remembered and rethrown at the next write or at the end. The
  // abort starts at once: the store's writer settles its own close promise with the error, and
  // abort() is what observes it.
  let writeError: unknown;
  let aborting: Promise<void> | undefined;
  const abort = () => (aborting ??= writer.abort().catch(() => undefined));
  const onError = (err: unknown) => {
    writeError ??= err;
    void abort();
  };
  writer.stream.on('error', onError);
  try {
    const blobHash = createHash('sha256');
    let size = 0;
    for await (const piece of compressStream(hashedTar(), options.compression)) {
      blobHash.update(piece);
      size += piece.length;
      await write(writer.stream, piece, () => writeError);
    }
    if (writeError) throw writeError;
    const digest = asDigest(`sha256:${blobHash.digest('hex')}`);
    await writer.commit(digest);
    if (writeError) throw writeError;
    return {
      mediaType: CODECS[options.compression.algorithm].mediaType,
      digest,
      size,
      diffId: asDigest(`sha256:${tarHash.digest('hex')}`),
      uncompressedSize,
    };
  } catch (err) {
    // The original error matters more than a failure to clean up after it.
    await abort();
    throw err;
  } finally {
    writer.stream.off('error', onError);
  }
}

/** Write one piece, waiting for 'drain' when the stream's buffer is full (backpressure). */
async function write(stream: Writable, piece: Uint8Array, failed: () => unknown): Promise<void> {
  if (failed()) throw failed();
  if (stream.write(piece)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: unknown) => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onClose = () => done(failed() ?? new Error('blob stream closed while writing'));
    stream.on('drain', done);
    stream.on('error', done);
    stream.on('close', onClose);
  });
}
