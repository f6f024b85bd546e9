/**
 * Deterministic parallel compression of a byte stream: the input is cut into fixed-size chunks,
 * each is compressed on its own (codecs.ts) on a worker thread, and the results are written in
 * order. Chunk boundaries depend only on byte offsets, so the output is the same for any
 * concurrency, any input chunking and any thread the work ran on. An input of at most one chunk
 * is compressed on the calling thread: small layers never wait for a worker to start.
 */
import { CODECS, checkCompression, chunkCompressor, type Compression } from './codecs.js';
import { sharedPool, type CompressionPool } from './pool.js';

export interface CompressStreamOptions {
  /** Bytes per chunk; part of the output's identity. Default: the codec's (tests use smaller). */
  chunkSize?: number;
  /** Chunks in flight at once (default: 2 per worker); never changes the output. */
  concurrency?: number;
  pool?: CompressionPool;
}

const ignore = () => undefined;

export async function* compressStream(
  source: AsyncIterable<Uint8Array>,
  compression: Compression,
  options: CompressStreamOptions = {},
): AsyncGenerator<Uint8Array> {
  checkCompression(compression);
  const chunkSize = options.chunkSize ?? CODECS[compression.algorithm].chunkSize;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunk size ${chunkSize} is not >= 1`);
  const { algorithm, level } = compression;

  let pool: CompressionPool | undefined;
  const inflight: Promise<Uint8Array>[] = [];
  const dispatch = (chunk: Uint8Array) => {
    pool ??= options.pool ?? sharedPool();
    const job = pool.compress(algorithm, level, chunk);
    // Observed when awaited; don't let it count as unhandled if the consumer stops first.
    job.catch(ignore);
    inflight.push(job);
  };
  const limit = () => options.concurrency ?? 2 * (pool?.size ?? 1);

  let chunk = new Uint8Array(chunkSize);
  let fill = 0;
  // The first full chunk waits until we know whether more follows (then it goes to a worker).
  let first: Uint8Array | undefined;
  let parallel = false;
  for await (const input of source) {
    let offset = 0;
    while (offset < input.length) {
      const n = Math.min(chunkSize - fill, input.length - offset);
      chunk.set(input.subarray(offset, offset + n), fill);
      fill += n;
      offset += n;
      if (fill < chunkSize) continue;
      if (first === undefined) {
        first = chunk;
      } else {
        if (!parallel) dispatch(first);
        parallel = true;
        dispatch(chunk);
        while (inflight.length >= limit()) yield await inflight.shift()!;
      }
      chunk = new Uint8Array(chunkSize);
      fill = 0;
    }
  }

  const rest = chunk.subarray(0, fill);
  if (!parallel) {
    // At most one full chunk plus a partial one: compress here. Empty input is one empty unit.
    const compress = await chunkCompressor(algorithm);
    if (first) yield compress(first, level);
    if (!first || fill > 0) yield compress(rest, level);
    return;
  }
  if (fill > 0) dispatch(rest);
  while (inflight.length > 0) yield await inflight.shift()!;
}
