/**
 * A small HTTP GET over the global fetch: a per-attempt timeout, a few retries for the failures
 * that are usually transient (5xx answers, connection resets/refusals), and a cap on the body known
 * before the first byte (the size a signed Release or an index gives, or a fixed limit), enforced
 * as the body streams in: an answer that announces or sends more is cut off at once, so a hostile
 * mirror can never make pith hold more than the cap. Anything else fails at once with a
 * PithError('network') naming the URL. Hosts always come from the caller.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { integrityError, PithError } from '../../../errors.js';

export interface FetchOptions {
  /** Per attempt, covering the whole body (default 120 s). */
  timeoutMs?: number;
  /** Extra attempts after a transient failure (default 2). */
  retries?: number;
  /** First back-off delay; doubled after each retry (default 500 ms). */
  backoffMs?: number;
  headers?: Record<string, string>;
}

/** The most a body may hold, and why: the message and hint of the refusal say so. */
export interface BodyLimit {
  maxBytes: number;
  /** Completes "larger than N bytes, ...": `the size the signed Release gives`. */
  reason: string;
  /** What to do about it. */
  hint: string;
}

export interface BoundedFetchOptions extends FetchOptions {
  limit: BodyLimit;
}

/** Error codes from undici/Node sockets that are worth a second try. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The innermost `code` of an error chain (fetch wraps socket errors in `TypeError: fetch failed`). */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = errorCode(err);
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const msg = e instanceof Error ? e.message : String(e);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GET `url` and return its body, at most `options.limit.maxBytes` of it. */
export async function fetchBytes(url: string, options: BoundedFetchOptions): Promise<Uint8Array> {
  return fetchStreaming(url, options, async (body) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const joined = Buffer.concat(chunks);
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  });
}

/**
 * GET `url` into the file `path` (created or truncated, so a retry starts afresh), hashing as it
 * arrives: memory stays at one chunk whatever the size. Returns the body's sha256 and size; the
 * caller decides whether to trust the file.
 */
export async function fetchToFile(
  url: string,
  path: string,
  options: BoundedFetchOptions,
): Promise<{ sha256: string; size: number }> {
  return fetchStreaming(url, options, async (body) => {
    const file = await open(path, 'w', 0o644);
    try {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of body) {
        hash.update(chunk);
        size += chunk.byteLength;
        await file.write(chunk);
      }
      return { sha256: hash.digest('hex'), size };
    } finally {
      await file.close();
    }
  });
}

/**
 * The request, status handling and retries; `consume` reads the body, which throws a PithError as
 * soon as it passes the limit (a Content-Length over it fails before the first byte is read).
 */
async function fetchStreaming<T>(
  url: string,
  options: BoundedFetchOptions,
  consume: (body: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const retries = options.retries ?? 2;
  let delay = options.backoffMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= retries;
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number | undefined;
    try {
      const res = await fetch(url, {
        signal,
        redirect: 'follow',
        ...(options.headers ? { headers: options.headers } : {}),
      });
      status = res.status;
      if (res.ok) {
        const announced = Number(res.headers.get('content-length') ?? NaN);
        if (announced > options.limit.maxBytes) {
          await res.body?.cancel().catch(() => undefined);
          throw tooLarge(url, options.limit, `it announces ${announced} bytes`);
        }
        return await consume(limitedBody(res, url, options.limit));
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 500 || last) {
        throw new PithError('network', `GET ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, {
          hint: res.status === 404 ? 'check the mirror URI, suite, component and architecture' : 'try again later',
        });
      }
    } catch (err) {
      if (err instanceof PithError) throw err;
      const failure = attemptFailure(err, { url, signal, timeoutMs, status, last });
      if (failure) throw failure;
    }
    await sleep(delay);
    delay *= 2;
  }
}

/** The error a failed request (not a PithError) ends with, or undefined when another attempt is worth it. */
function attemptFailure(
  err: unknown,
  attempt: { url: string; signal: AbortSignal; timeoutMs: number; status: number | undefined; last: boolean },
): PithError | undefined {
  const { url, signal, timeoutMs, status, last } = attempt;
  const timedOut =
    signal.aborted || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
  if (timedOut) {
    return new PithError('network', `GET ${url}: no complete answer within ${Math.round(timeoutMs / 1000)} s`, {
      hint: 'check the network or the mirror',
      cause: err,
    });
  }
  const code = errorCode(err);
  // A body that breaks off after a 2xx status is also worth retrying (status is set then).
  const transient = code !== undefined && TRANSIENT_CODES.has(code);
  if (!transient || last) {
    return new PithError('network', `GET ${url} failed: ${describe(err)}${status ? ` (after HTTP ${status})` : ''}`, {
      hint: 'check the network and the mirror URI in the apt sources',
      cause: err,
    });
  }
  return undefined;
}

/** The body as it arrives, refused the moment it passes the limit (the rest is never read). */
async function* limitedBody(res: Response, url: string, limit: BodyLimit): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  let received = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      received += value.byteLength;
      if (received > limit.maxBytes) throw tooLarge(url, limit, 'more arrived');
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function tooLarge(url: string, limit: BodyLimit, detail: string): PithError {
  return integrityError(
    `GET ${url}: the answer is larger than ${limit.maxBytes} bytes, ${limit.reason} (${detail}); stopped reading`,
    {
      hint: limit.hint,
    },
  );
}
