/**
 * Where an image's blobs are: the contract the model names (Layer.store, ImageSet.store) without
 * depending on how it is kept. store/blob-store.ts implements it (pith's cache, a layout's blobs/);
 * keeping the interface here lets image/ stay below store/ (store needs the model's digests).
 */
import type { ReadStream, WriteStream } from 'node:fs';
import type { Digest } from './digest.js';

/** A blob being written: stream bytes in, then commit under the digest you computed. */
export interface BlobWriter {
  readonly stream: WriteStream;
  /** Close the stream and move the file to its content address. */
  commit(digest: Digest): Promise<void>;
  /** Close the stream and delete the temporary file. */
  abort(): Promise<void>;
}

/** A content-addressed directory of blobs (`<root>/sha256/<hex>`), written atomically. */
export interface Blobs {
  readonly root: string;
  pathOf(digest: Digest): string;
  has(digest: Digest): Promise<boolean>;
  size(digest: Digest): Promise<number>;
  /** Store bytes whose digest is computed here; returns it. */
  putBytes(data: Uint8Array): Promise<{ digest: Digest; size: number }>;
  readBytes(digest: Digest): Promise<Buffer>;
  /** Re-hash a stored blob; a mismatch removes it and throws. */
  verify(digest: Digest): Promise<void>;
  openRead(digest: Digest, range?: { start: number; end: number }): ReadStream;
  createWriter(): Promise<BlobWriter>;
  /** Place a blob at `dest` as a file of its own (a reflink or a copy, never a hard link). */
  export(digest: Digest, dest: string): Promise<void>;
}
