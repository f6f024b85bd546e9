import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Digest, digestHex, sha256Digest } from '../image/digest.js';
import { tempSibling, writeFileAtomic } from './atomic.js';
import { integrityError } from '../errors.js';
import type { Blobs, BlobWriter } from '../image/blobs.js';

export type { BlobWriter } from '../image/blobs.js';

/**
 * A content-addressed directory of blobs (`<root>/sha256/<hex>`), written atomically. It is both
 * the build's cache and the staging area sinks copy (or hard-link) from.
 */
export class BlobStore implements Blobs {
  constructor(readonly root: string) {}

  pathOf(digest: Digest): string {
    return join(this.root, 'sha256', digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      return (await stat(this.pathOf(digest))).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: Digest): Promise<number> {
    return (await stat(this.pathOf(digest))).size;
  }

  /** Store bytes whose digest is computed here; returns it. */
  async putBytes(data: Uint8Array): Promise<{ digest: Digest; size: number }> {
    const digest = sha256Digest(data);
    // Small blobs (configs, manifests): compare what is there rather than trust the name.
    let present: boolean;
    try {
      present = Buffer.from(data).equals(await readFile(this.pathOf(digest)));
    } catch {
      present = false;
    }
    if (!present) await writeFileAtomic(this.pathOf(digest), data);
    return { digest, size: data.byteLength };
  }

  async readBytes(digest: Digest): Promise<Buffer> {
    return readFile(this.pathOf(digest));
  }

  /** Re-hash a stored blob; a mismatch removes it and throws, so a corrupt cache never wins. */
  async verify(digest: Digest): Promise<void> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(this.pathOf(digest)), hash);
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      await rm(this.pathOf(digest), { force: true });
      throw integrityError(`cached blob ${digest} is corrupt (hashes to ${actual}); removed it, run again`);
    }
  }

  openRead(digest: Digest, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(digest), range);
  }

  async createWriter(): Promise<BlobWriter> {
    await mkdir(join(this.root, 'sha256'), { recursive: true });
    const tmp = tempSibling(join(this.root, 'sha256', 'blob'));
    const stream = createWriteStream(tmp, { mode: 0o644 });
    const closed = new Promise<void>((resolve, reject) => {
      stream.once('close', resolve);
      stream.once('error', reject);
    });
    closed.catch(() => undefined); // observed by commit/abort; never an unhandled rejection
    const close = async () => {
      if (!stream.closed) {
        if (!stream.writableEnded) stream.end();
        await closed;
      }
    };
    return {
      stream,
      commit: async (digest: Digest) => {
        await close();
        await rename(tmp, this.pathOf(digest));
      },
      abort: async () => {
        stream.destroy();
        await closed.catch(() => undefined);
        await rm(tmp, { force: true });
      },
    };
  }

  /**
   * Place a blob at `dest` as a file of its own: a reflink where the filesystem can share extents
   * copy-on-write (btrfs, XFS), else a plain copy. Never a hard link: an in-place edit of the
   * output would change the cache (and the other way round).
   */
  async export(digest: Digest, dest: string): Promise<void> {
    await copyFile(this.pathOf(digest), dest, constants.COPYFILE_FICLONE);
  }
}
