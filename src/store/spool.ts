/**
 * Where the bytes of unpacked packages wait until their layer is written: appended to files in a
 * private directory (`<cache>/tmp/spool-<pid>-<random>`) instead of held in memory, so a build's
 * memory does not grow with the size of its packages. Each regular file becomes an extent (file,
 * offset, size) with the sha256 computed on the way in. Writes are batched (1 MiB), so thousands
 * of small files cost a handful of system calls. The directory is removed by dispose(); one left
 * by a killed run is swept by the next (store/stale-temp.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readSync, openSync, closeSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpooledBytes {
  /** The spool file holding the bytes. */
  file: string;
  offset: number;
  size: number;
  /** sha256 hex of the bytes, computed as they were spooled. */
  sha256: string;
}

/** The prefix of spool directories under `<cache>/tmp`; the pid follows, so a sweep can tell whose. */
export const SPOOL_PREFIX = 'spool-';
const BATCH = 1 << 20;

/**
 * Small files are kept in memory up to this many bytes per spool (per build): they are most of a
 * package's files and few of its bytes, and reading thousands of them back from disk makes
 * garbage the GC collects late. Past the budget everything goes to disk, so memory stays bounded.
 */
export const SPOOL_MEMORY_BUDGET = 64 * 1024 * 1024;
/** Files larger than this always go to disk. */
export const SPOOL_SMALL_FILE = 256 * 1024;

export class Spool {
  private files = 0;
  private memoryLeft: number;
  private constructor(
    readonly dir: string,
    memoryBudget: number,
  ) {
    this.memoryLeft = memoryBudget;
  }

  /** A new spool under `<cacheDir>/tmp`; `memoryBudget` 0 sends every file to disk. */
  static async create(cacheDir: string, options: { memoryBudget?: number } = {}): Promise<Spool> {
    const dir = join(cacheDir, 'tmp', `${SPOOL_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return new Spool(dir, options.memoryBudget ?? SPOOL_MEMORY_BUDGET);
  }

  /** Whether a file of `size` bytes may be held in memory (and takes its share of the budget if so). */
  holdInMemory(size: number): boolean {
    if (size > SPOOL_SMALL_FILE || size > this.memoryLeft) return false;
    this.memoryLeft -= size;
    return true;
  }

  /** A writer of its own file: one per package read, so concurrent reads never interleave. */
  async writer(): Promise<SpoolWriter> {
    const file = join(this.dir, `${this.files++}.bytes`);
    return new SpoolWriter(file, await open(file, 'w', 0o600));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class SpoolWriter {
  private offset = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;

  constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  /** Appends one file's bytes; returns where they are once the writer is closed. */
  async add(chunks: AsyncIterable<Uint8Array>): Promise<SpooledBytes> {
    const hash = createHash('sha256');
    const start = this.offset;
    for await (const chunk of chunks) {
      hash.update(chunk);
      this.offset += chunk.byteLength;
      this.pending.push(chunk);
      this.pendingBytes += chunk.byteLength;
      if (this.pendingBytes >= BATCH) await this.flush();
    }
    return { file: this.file, offset: start, size: this.offset - start, sha256: hash.digest('hex') };
  }

  /** Writes what is pending and closes the file: extents are readable after this. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    // writev: one system call for the batch, and no copy of it (a copy per batch is garbage the
    // size of every package, which the GC collects late).
    let pieces = this.pending;
    let left = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    while (left > 0) {
      const { bytesWritten } = await this.handle.writev(pieces, this.written);
      this.written += bytesWritten;
      left -= bytesWritten;
      if (left > 0) pieces = remainder(pieces, bytesWritten);
    }
  }
}

/** What is left of `pieces` after its first `written` bytes (a short writev). */
function remainder(pieces: Uint8Array[], written: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = written;
  for (const piece of pieces) {
    if (skip >= piece.byteLength) skip -= piece.byteLength;
    else {
      out.push(skip > 0 ? piece.subarray(skip) : piece);
      skip = 0;
    }
  }
  return out;
}

/** The bytes of an extent, read synchronously (small files: a copyright, a certificate). */
export function readSpooledSync(extent: { file: string; offset: number }, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const fd = openSync(extent.file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const n = readSync(fd, out, done, size - done, extent.offset + done);
      if (n === 0) throw new Error(`${extent.file}: ends before offset ${extent.offset + size}`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** The bytes of an extent. */
export async function readSpooled(extent: { file: string; offset: number }, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  const handle = await open(extent.file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(out, done, size - done, extent.offset + done);
      if (bytesRead === 0) throw new Error(`${extent.file}: ends before offset ${extent.offset + size}`);
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return out;
}

/** Runs `work` with a fresh spool, removed afterwards whatever happens. */
export async function withSpool<T>(cacheDir: string, work: (spool: Spool) => Promise<T>): Promise<T> {
  const spool = await Spool.create(cacheDir);
  try {
    return await work(spool);
  } finally {
    await spool.dispose();
  }
}
