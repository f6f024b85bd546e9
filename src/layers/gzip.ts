/**
 * Deterministic parallel gzip, the way pigz does it: the input is cut into fixed-size chunks,
 * each chunk is raw-deflated on libuv's threadpool with the previous chunk's last 32 KiB as
 * dictionary and ends in a sync flush (the last one in Z_FINISH), and the pieces are written
 * in order between a fixed gzip header and the CRC32/ISIZE trailer. Chunk boundaries depend only
 * on byte offsets, so the output is the same for any concurrency and any input chunking.
 *
 * The bytes depend on the zlib bundled with Node (process.versions.zlib): a Node upgrade that
 * changes zlib's deflate may move layer digests, like any compressor upgrade would.
 */
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

export interface GzipOptions {
  /** zlib level 0..9; part of the output's identity, so callers pin it. */
  level: number;
  /** Bytes per independently compressed chunk; part of the output's identity too. */
  chunkSize?: number;
  /** Chunks compressing at once (default: 2 per CPU); never changes the output. */
  concurrency?: number;
}

/** Default chunk size. Changing it changes every gzip pith writes. */
export const GZIP_CHUNK_SIZE = 1024 * 1024;
/**
 * Two chunks per CPU keep every core busy while the main thread reads, hashes and waits for
 * the oldest chunk (output is in order); measured ~20% faster than one per CPU on 2 cores.
 * Real parallelism is also capped by libuv's threadpool (UV_THREADPOOL_SIZE, default 4).
 */
const DEFAULT_CONCURRENCY = 2 * availableParallelism();
/** Deflate's window: how far back a match may reach, so the useful dictionary size. */
const WINDOW = 32 * 1024;
/**
 * Fixed header: magic, CM=deflate, no flags, MTIME=0, XFL=0 whatever the level, OS=255
 * ("unknown"), so nothing about the host or the time ends up in the bytes.
 */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

const deflateRaw = promisify(zlib.deflateRaw) as (buf: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;
const ignore = () => undefined;

export function gzipStream(source: AsyncIterable<Buffer>, options: GzipOptions): AsyncIterable<Buffer> {
  return gzip(source, options);
}

async function* gzip(source: AsyncIterable<Buffer>, options: GzipOptions): AsyncGenerator<Buffer> {
  const { level } = options;
  const chunkSize = options.chunkSize ?? GZIP_CHUNK_SIZE;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level ${level} is not 0..9`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`gzip chunkSize ${chunkSize} is not >= 1`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`gzip concurrency ${concurrency} is not >= 1`);
  }

  // Compressed chunks in input order; at most `concurrency` of them are unfinished at a time.
  const inflight: Promise<Buffer>[] = [];
  let dictionary: Buffer | undefined;
  const dispatch = (data: Buffer, last: boolean) => {
    const job = deflateRaw(data, {
      level,
      dictionary,
      finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      // One output buffer that fits the whole result: fewer threadpool round trips per chunk.
      chunkSize: Math.max(64 * 1024, data.length + (data.length >> 3) + 1024),
    });
    // The rejection is observed when the job is awaited; don't let it count as unhandled if the
    // consumer stops (or another job fails) first.
    job.catch(ignore);
    inflight.push(job);
    dictionary = data.length > WINDOW ? data.subarray(data.length - WINDOW) : data;
  };

  yield HEADER;
  let crc = 0;
  let total = 0;
  let chunk = Buffer.allocUnsafe(chunkSize);
  let fill = 0;
  // A full chunk whose flush mode is unknown until we learn whether more input follows.
  let held: Buffer | undefined;

  for await (const input of source) {
    let offset = 0;
    while (offset < input.length) {
      if (held) {
        dispatch(held, false);
        held = undefined;
        if (inflight.length >= concurrency) yield await inflight.shift()!;
      }
      const n = Math.min(chunkSize - fill, input.length - offset);
      input.copy(chunk, fill, offset, offset + n);
      fill += n;
      offset += n;
      if (fill === chunkSize) {
        crc = zlib.crc32(chunk, crc);
        total += chunkSize;
        held = chunk;
        chunk = Buffer.allocUnsafe(chunkSize);
        fill = 0;
      }
    }
  }

  // The last chunk: the held full one, or the partial one (empty for empty input: Z_FINISH
  // of nothing is still a valid deflate stream).
  let last = held;
  if (!last) {
    last = chunk.subarray(0, fill);
    crc = zlib.crc32(last, crc);
    total += fill;
  }
  dispatch(last, true);
  while (inflight.length > 0) yield await inflight.shift()!;

  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(total % 2 ** 32, 4);
  yield trailer;
}
