/**
 * Streaming decompression of .deb members, chosen by the member's name suffix: `.gz` (node:zlib),
 * `.xz` (xz-decompress, WASM), `.zst` (fzstd, multi-frame), or none. Input and output are async
 * iterables of byte chunks, so a 50 MB data.tar.xz never has to be held compressed in memory.
 */
import { Readable, pipeline } from 'node:stream';
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import xzDecompress from 'xz-decompress';
import { PithError, integrityError, isPithError } from '../../../errors.js';

// A webpack UMD bundle: Node's ESM loader cannot see its named exports, only the default.
const { XzReadableStream } = xzDecompress;

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd';

/** Names the member for error messages: the package file (or name) and the member. */
export interface DecompressContext {
  /** The package, e.g. "libc6 (libc6_2.36-9_amd64.deb)" or a file path. */
  where: string;
  /** The ar member name, e.g. "data.tar.xz". */
  member: string;
  /** Compressed size, when known: small members are not worth starting a process for. */
  size?: number;
}

/** Starting xz costs ~25 ms; below this compressed size the in-process decoder is quicker. */
const NATIVE_XZ_MIN_BYTES = 1 << 20;

const BY_SUFFIX: Record<string, Compression> = { '': 'none', '.gz': 'gzip', '.xz': 'xz', '.zst': 'zstd' };
const UNSUPPORTED: Record<string, string> = { '.bz2': 'bzip2', '.lzma': 'lzma' };

/** The compression of `control.tar*` / `data.tar*` by its suffix; a PithError for anything else. */
export function compressionOf(memberName: string, where: string): Compression {
  const match = /^(?:control|data)\.tar(\.[^.]+)?$/.exec(memberName);
  const suffix = match ? (match[1] ?? '') : undefined;
  if (suffix !== undefined) {
    const known = BY_SUFFIX[suffix];
    if (known !== undefined) return known;
    const named = UNSUPPORTED[suffix];
    if (named !== undefined) {
      throw new PithError('input', `unsupported compression ${named} of member ${memberName}`, {
        where,
        hint: 'pith reads .deb members compressed with gzip, xz, zstd or not at all',
      });
    }
  }
  throw new PithError('input', `unsupported .deb member ${JSON.stringify(memberName)} (unknown compression)`, {
    where,
    hint: 'pith reads .deb members compressed with gzip, xz, zstd or not at all',
  });
}

/** Decompresses `source` (a Node Readable or any async iterable of bytes) as a stream. */
export function decompress(
  source: AsyncIterable<Uint8Array>,
  compression: Compression,
  context: DecompressContext,
): AsyncGenerator<Uint8Array> {
  switch (compression) {
    case 'none':
      return passThrough(source);
    case 'gzip':
      return withContext(gunzip(source), context);
    case 'xz':
      return withContext(
        nativeXz() && (context.size ?? Infinity) >= NATIVE_XZ_MIN_BYTES
          ? unxzNative(source, nativeXz()!)
          : unxz(source),
        context,
      );
    case 'zstd':
      return withContext(unzstd(source), context);
  }
}

async function* passThrough(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* source;
}

/** Turns decoder failures into one integrity error naming the package and member. */
async function* withContext(inner: AsyncGenerator<Uint8Array>, context: DecompressContext): AsyncGenerator<Uint8Array> {
  try {
    yield* inner;
  } catch (error) {
    if (isPithError(error)) throw error; // from the source: already says what went wrong
    const detail = error instanceof Error ? error.message : String(error);
    throw integrityError(`${context.member} is corrupt or truncated: ${detail}`, {
      where: context.where,
      hint: 'download the package again',
      cause: error,
    });
  }
}

async function* gunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gz = createGunzip();
  // pipeline propagates errors both ways and destroys the input if we stop reading early.
  pipeline(Readable.from(source, { objectMode: false }), gz, () => {});
  for await (const chunk of gz) yield chunk as Uint8Array;
}

/** xz-embedded's `enum xz_ret`, as xz-decompress reports it ("failed with error code N"). */
const XZ_ERRORS: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'memory limit exceeded',
  '5': 'not in xz format',
  '6': 'unsupported xz options',
  '7': 'corrupt data',
  '8': 'unexpected end of data',
};

function explainXzError(error: unknown): unknown {
  const code = error instanceof Error ? /error code (\d+)/.exec(error.message)?.[1] : undefined;
  const meaning = code === undefined ? undefined : XZ_ERRORS[code];
  return meaning === undefined ? error : new Error(`xz: ${meaning} (code ${code})`, { cause: error });
}

async function* unxz(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const input = source[Symbol.asyncIterator]();
  let sawInput = false;
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const next = await input.next();
        // At the end xz-decompress keeps feeding the decoder empty input; a truncated stream
        // then fails with xz's "unexpected end of data" (XZ_BUF_ERROR) rather than hanging.
        // (xz-decompress crashes on an input that ends before its first chunk: say so instead.)
        if (next.done) return sawInput ? controller.close() : controller.error(new Error('xz: empty input'));
        if (next.value.byteLength > 0) {
          sawInput = true;
          return controller.enqueue(next.value);
        }
      }
    },
    async cancel() {
      await input.return?.();
    },
  });
  // Created lazily inside the generator: an XzReadableStream holds a process-wide lock from
  // construction until it ends or is cancelled, so it must never be left unconsumed.
  const reader = new XzReadableStream(compressed).getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.byteLength > 0) yield value;
    }
    finished = true;
  } catch (error) {
    throw explainXzError(error);
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
  }
}

async function* unzstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const output: Uint8Array[] = [];
  const decoder = new ZstdDecompress((data) => {
    if (data.byteLength > 0) output.push(data);
  });
  let sawInput = false;
  for await (const chunk of source) {
    if (chunk.byteLength === 0) continue;
    sawInput = true;
    decoder.push(chunk); // fzstd carries on across frame boundaries (multi-frame streams)
    yield* output.splice(0);
  }
  if (!sawInput) throw new Error('zstd: empty input');
  decoder.push(new Uint8Array(0), true); // throws "unexpected EOF" if a frame is incomplete
  yield* output.splice(0);
}

let xzPath: string | null | undefined;

/**
 * The host's xz, when there is one: liblzma decodes about twice as fast as the WASM decoder, and
 * separate processes decode several packages at once (the WASM decoder holds a process-wide lock).
 * Both give the same bytes. PITH_NATIVE_XZ=0 forces the WASM decoder.
 */
export function nativeXz(): string | null {
  if (xzPath !== undefined) return xzPath;
  xzPath = null;
  if (process.env.PITH_NATIVE_XZ === '0') return xzPath;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'xz'), constants.X_OK);
      xzPath = join(dir, 'xz');
      break;
    } catch {
      // not here
    }
  }
  return xzPath;
}

async function* unxzNative(source: AsyncIterable<Uint8Array>, xz: string): AsyncGenerator<Uint8Array> {
  const child = spawn(xz, ['--decompress', '--stdout', '--single-stream', '-T1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  // xz stops reading when the data is bad: the exit status says why, not the broken pipe.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  let sawInput = false;
  const feed = (async () => {
    try {
      for await (const chunk of source) {
        if (chunk.byteLength === 0) continue;
        sawInput = true;
        if (child.stdin.destroyed) break;
        if (!child.stdin.write(chunk))
          await new Promise<void>((r) => {
            child.stdin.once('drain', r);
            child.stdin.once('close', r);
          });
      }
    } finally {
      child.stdin.end();
    }
  })();
  feed.catch(() => child.kill());
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Uint8Array;
    await feed;
    const code = await exited;
    if (!sawInput) throw new Error('xz: empty input');
    if (code !== 0) throw new Error(`xz: ${explainXzMessage(Buffer.concat(stderr).toString())} (exit code ${code})`);
    finished = true;
  } finally {
    if (!finished) child.kill();
  }
}

/** Both xz decoders, for tests that check they agree. */
export const xzDecoders = { native: unxzNative, wasm: unxz } as const;

/** xz(1)'s messages in the same words as the WASM decoder's (see XZ_ERRORS). */
function explainXzMessage(stderr: string): string {
  const text = stderr.trim().replace(/^xz: \(stdin\): /, '');
  const known: Array<[RegExp, string]> = [
    [/unexpected end of input/i, 'unexpected end of data'],
    [/file format not recognized/i, 'not in xz format'],
    [/compressed data is corrupt/i, 'corrupt data'],
    [/unsupported options/i, 'unsupported xz options'],
    [/unsupported type of integrity check/i, 'unsupported integrity check'],
    [/memory usage limit/i, 'memory limit exceeded'],
  ];
  return known.find(([re]) => re.test(text))?.[1] ?? (text || 'failed');
}
