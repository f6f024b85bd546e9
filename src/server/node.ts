/**
 * node:http <-> the standard Request/Response handler (the only file of the server that knows
 * node:http): one JSON access-log line per request (method, path, status, bytes sent, ms), and a
 * graceful close (stop accepting, let requests in progress finish, then cut what is left).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONNECTION_DEFAULTS, guardConnections, isRefused, type ConnectionLimits } from './connection-guard.js';
import { DistributionError, errorBody } from './errors.js';
import type { Handler } from './handler.js';
import type { EventLog } from './images.js';

export interface NodeServer {
  /** `http://host:port`, with the port the system picked for port 0. */
  url: string;
  host: string;
  port: number;
  /** Requests being answered right now. */
  readonly active: number;
  /** Stop accepting; wait up to `graceMs` for requests in progress, then close every connection. */
  close(graceMs: number): Promise<void>;
}

export async function listenNode(
  handler: Handler,
  options: { host: string; port: number; log?: EventLog; connections?: Partial<ConnectionLimits> },
): Promise<NodeServer> {
  const log = options.log ?? (() => undefined);
  const requests: InFlight = { active: 0 };
  const limits: ConnectionLimits = { ...CONNECTION_DEFAULTS, ...options.connections };
  // Node checks header and request timeouts every connectionsCheckingInterval (30 s by default).
  // A request without Host is answered by the handler, not with Node's bare 400 (HTTP/1.1 wants
  // one, but the registry never reads it).
  const serverOptions = {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
    requireHostHeader: false,
  };
  const server = createServer(serverOptions, requestListener(handler, requests, log));
  guardConnections(server, limits, log);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    host: address.address,
    port: address.port,
    get active() {
      return requests.active;
    },
    close: (graceMs: number) => closeServer(server, requests, graceMs),
  };
}

/** Requests in progress, and who waits for there to be none. */
interface InFlight {
  active: number;
  idle?: () => void;
}

/** Counts, serves and logs each request (refused sockets are dropped at once). */
function requestListener(
  handler: Handler,
  requests: InFlight,
  log: EventLog,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (isRefused(req.socket)) return void res.destroy();
    requests.active += 1;
    const started = process.hrtime.bigint();
    let bytes = 0;
    let status = 0;
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      requests.active -= 1;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log({
        event: 'request',
        method: req.method,
        path: req.url,
        status,
        bytes,
        ms: Math.round(ms * 100) / 100,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
      if (requests.active === 0) requests.idle?.();
    };
    res.on('close', done);
    serve(
      handler,
      req,
      res,
      (n) => (bytes += n),
      (s) => (status = s),
    ).catch((err: unknown) => {
      log({
        event: 'error',
        method: req.method,
        path: req.url,
        error: err instanceof Error ? err.message : String(err),
      });
      if (!res.headersSent) {
        status = 500;
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNKNOWN","message":"internal error","detail":null}]}');
      } else {
        res.destroy();
      }
    });
  };
}

/** Stop accepting; wait up to `graceMs` for requests in progress, then close every connection. */
async function closeServer(server: Server, requests: InFlight, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  if (requests.active > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      requests.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  server.closeAllConnections();
  await closed;
}

/**
 * The request target (origin-form `/v2/...` or absolute-form `http://host/v2/...`, which the
 * path of is used) as a fetch Request; undefined for a target no URL can be made of.
 */
function toRequest(target: string, method: string, headers: Headers): Request | undefined {
  let url: URL;
  try {
    url = new URL(target, 'http://registry.invalid');
  } catch {
    return undefined;
  }
  try {
    return new Request(url, { method, headers });
  } catch {
    // fetch refuses CONNECT, TRACE and TRACK: none of them is ours either (the handler says so)
    return new Request(url, { method: 'PATCH', headers });
  }
}

/** One request: Node's message as a fetch Request to the handler, its Response written back. */
async function serve(
  handler: Handler,
  req: IncomingMessage,
  res: ServerResponse,
  sent: (n: number) => void,
  setStatus: (s: number) => void,
): Promise<void> {
  const method = req.method ?? 'GET';
  // Pushes are refused without their body: drain it so the connection stays usable.
  if (method !== 'GET' && method !== 'HEAD') req.resume();
  const request = toRequest(req.url ?? '/', method, headersOf(req));
  const response = request
    ? await handler(request)
    : new Response(errorBody(new DistributionError('UNSUPPORTED', 'the request target is not a URL path', null, 400)), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
  setStatus(response.status);
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    outHeaders[key] = value;
  });
  res.writeHead(response.status, outHeaders);
  if (!response.body || method === 'HEAD') {
    await response.body?.cancel();
    res.end();
    return;
  }
  await writeBody(response.body, res, sent);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // a header value fetch refuses (control characters): not one this registry reads
    }
  }
  return headers;
}

/** The body as the client takes it (backpressure), stopped when the connection closes. */
async function writeBody(
  body: ReadableStream<Uint8Array>,
  res: ServerResponse,
  sent: (n: number) => void,
): Promise<void> {
  const reader = body.getReader();
  const onClose = () => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      sent(value.byteLength);
      if (!res.write(value))
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
    }
    res.end();
  } finally {
    res.off('close', onClose);
  }
}
