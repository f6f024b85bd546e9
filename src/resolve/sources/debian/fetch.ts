/**
 * A small HTTP GET over the global fetch: bytes in memory, a per-attempt timeout, and a few retries
 * for the failures that are usually transient (5xx answers, connection resets/refusals). Anything
 * else fails at once with a PithError('network') naming the URL. Hosts always come from the caller.
 */
import { PithError } from '../../../errors.js';

export interface FetchOptions {
  /** Per attempt, covering the whole body (default 120 s). */
  timeoutMs?: number;
  /** Extra attempts after a transient failure (default 2). */
  retries?: number;
  /** First back-off delay; doubled after each retry (default 500 ms). */
  backoffMs?: number;
  headers?: Record<string, string>;
}

/** Error codes from undici/Node sockets that are worth a second try. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED',
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

/** GET `url` and return its body. Throws PithError('network') on non-2xx answers and connection errors. */
export async function fetchBytes(url: string, options: FetchOptions = {}): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const retries = options.retries ?? 2;
  let delay = options.backoffMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= retries;
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number | undefined;
    try {
      const res = await fetch(url, { signal, redirect: 'follow', ...(options.headers ? { headers: options.headers } : {}) });
      status = res.status;
      if (res.ok) return new Uint8Array(await res.arrayBuffer());
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 500 || last) {
        throw new PithError('network', `GET ${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, {
          hint: res.status === 404 ? 'check the mirror URI, suite, component and architecture' : 'try again later',
        });
      }
    } catch (err) {
      if (err instanceof PithError) throw err;
      const timedOut = signal.aborted || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
      if (timedOut) {
        throw new PithError('network', `GET ${url}: no complete answer within ${Math.round(timeoutMs / 1000)} s`, {
          hint: 'check the network or the mirror',
          cause: err,
        });
      }
      const code = errorCode(err);
      // A body that breaks off after a 2xx status is also worth retrying (status is set then).
      const transient = code !== undefined && TRANSIENT_CODES.has(code);
      if (!transient || last) {
        throw new PithError('network', `GET ${url} failed: ${describe(err)}${status ? ` (after HTTP ${status})` : ''}`, {
          hint: 'check the network and the mirror URI in the apt sources',
          cause: err,
        });
      }
    }
    await sleep(delay);
    delay *= 2;
  }
}
