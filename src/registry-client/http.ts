import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { PithError } from '../errors.js';

/** A request body that can be sent again: bytes, or a stream opened anew for each attempt. */
export type Body = Uint8Array | { length: number; open(): Readable };

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Body;
}

export interface HttpResponse {
  method: string;
  status: number;
  headers: IncomingHttpHeaders;
  url: URL;
  /** The unread body; call bytes(), text() or discard() exactly once. */
  message: IncomingMessage;
  bytes(limit?: number): Promise<Buffer>;
  text(limit?: number): Promise<string>;
  discard(): void;
}

export interface RetryPolicy {
  /** Attempts in all, first included (default 5). */
  attempts: number;
  /** First backoff delay; doubled each time, with jitter (default 250 ms). */
  baseDelayMs: number;
  /** Cap for one backoff delay (default 8 s). */
  maxDelayMs: number;
  /** Cap for a Retry-After the server asks for (default 60 s). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8000, maxRetryAfterMs: 60_000 };

/** One line per request that went over the wire (retries included), for tests and --debug. */
export type HttpTrace = (event: { method: string; url: string; status: number | string; attempt: number }) => void;

export interface TransportOptions {
  retry?: Partial<RetryPolicy>;
  /** Accept any TLS certificate (for --insecure). */
  insecureTls?: boolean;
  /** Idle socket timeout (default 120 s). */
  timeoutMs?: number;
  trace?: HttpTrace;
  /** How to wait (tests replace it to see the delays). */
  sleep?: (ms: number) => Promise<void>;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUS.has(status) || (status >= 500 && status !== 501 && status !== 505);
}

function isRetryableError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && RETRY_CODES.has(code)) return true;
  return err instanceof Error && /socket hang up|other side closed|premature close/i.test(err.message);
}

/**
 * HTTP/1.1 over node:http with keep-alive, and retries with exponential backoff on 408, 429,
 * 5xx and broken connections (honouring Retry-After). Bodies are re-sent from their source.
 */
export class Transport {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https: HttpsAgent;
  readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TransportOptions = {}) {
    this.https = new HttpsAgent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: !options.insecureTls });
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Backoff before attempt n+1 (n from 1): base * 2^(n-1), capped, with up to 25% jitter. */
  backoff(attempt: number): number {
    const d = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(d * (0.75 + Math.random() * 0.25));
  }

  /**
   * Sends with retries. A retryable status on the last attempt is returned, not thrown, so the
   * caller can report the registry's own error; a connection error on the last attempt throws.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await this.once(req);
      } catch (err) {
        this.options.trace?.({
          method: req.method,
          url: req.url.href,
          status: (err as NodeJS.ErrnoException).code ?? 'error',
          attempt,
        });
        if (attempt < this.retry.attempts && isRetryableError(err)) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw connectionError(req, err);
      }
      this.options.trace?.({ method: req.method, url: req.url.href, status: res.status, attempt });
      if (attempt < this.retry.attempts && isRetryableStatus(res.status)) {
        const after = parseRetryAfter(res.headers['retry-after']);
        res.discard();
        await this.sleep(after !== undefined ? Math.min(after, this.retry.maxRetryAfterMs) : this.backoff(attempt));
        continue;
      }
      return res;
    }
  }

  /** One request, no retries. */
  once(req: HttpRequest): Promise<HttpResponse> {
    const { url, body } = req;
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...req.headers };
    if (body !== undefined) headers['content-length'] = body instanceof Uint8Array ? body.byteLength : body.length;
    else if (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH') headers['content-length'] = 0;
    return new Promise<HttpResponse>((resolve, reject) => {
      const r = (isHttps ? httpsRequest : httpRequest)(
        url,
        { method: req.method, headers, agent: isHttps ? this.https : this.http },
        (message) => resolve(wrap(message, req.method, url)),
      );
      r.setTimeout(this.timeoutMs, () =>
        r.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      );
      r.on('error', reject);
      if (body === undefined) r.end();
      else if (body instanceof Uint8Array) r.end(body);
      else {
        const source = body.open();
        source.on('error', (err) => r.destroy(err));
        r.on('close', () => source.destroy());
        source.pipe(r);
      }
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

function wrap(message: IncomingMessage, method: string, url: URL): HttpResponse {
  let used = false;
  const take = () => {
    if (used) throw new Error(`response body of ${url.href} read twice`);
    used = true;
  };
  const bytes = (limit = 64 * 1024 * 1024) => {
    take();
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      message.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          message.destroy();
          reject(new PithError('network', `${url.href}: response larger than ${limit} bytes`));
          return;
        }
        chunks.push(c);
      });
      message.on('end', () => resolve(Buffer.concat(chunks)));
      message.on('error', reject);
      message.on('aborted', () =>
        reject(Object.assign(new Error('connection closed mid-response'), { code: 'ECONNRESET' })),
      );
    });
  };
  return {
    method,
    status: message.statusCode ?? 0,
    headers: message.headers,
    url,
    message,
    bytes,
    text: async (limit?: number) => (await bytes(limit)).toString('utf8'),
    discard: () => {
      if (used) return;
      used = true;
      message.resume();
    },
  };
}

function connectionError(req: HttpRequest, err: unknown): PithError {
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const what = `${req.method} ${req.url.origin}`;
  if (code === 'ECONNREFUSED')
    return new PithError('network', `${what}: connection refused`, {
      hint: 'is the registry running and the port right?',
      cause: err,
    });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new PithError('network', `${what}: host not found`, { cause: err });
  if (/CERT|SSL|TLS|self.signed|EPROTO/i.test(`${code} ${e.message}`)) {
    return new PithError('network', `${what}: TLS failed: ${e.message}`, {
      hint: 'use --insecure for a registry without a valid certificate',
      cause: err,
    });
  }
  if (err instanceof PithError) return err;
  return new PithError('network', `${what}: ${e.message}${code && !e.message.includes(code) ? ` (${code})` : ''}`, {
    cause: err,
  });
}
