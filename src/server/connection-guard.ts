/**
 * What a registry on an open port must survive before a request ever reaches the handler: every
 * request Node's parser refuses (bad syntax, headers too large, slow headers) gets a registry error
 * JSON and a closed connection instead of Node's bare 400; CONNECT requests are answered rather
 * than left hanging; header and request timeouts are a registry's (seconds, not
 * Node's 60 s), so slow-header clients cannot hold sockets; and one client address may hold only
 * so many connections at once, so memory stays bounded under load.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EventLog } from './images.js';
import { errorBody, DistributionError, type RegistryErrorCode } from './errors.js';

export interface ConnectionLimits {
  /** Time to receive a request's headers (default 10 s). */
  headersTimeoutMs: number;
  /** Time to receive a whole request (default 30 s; pulls have no body). */
  requestTimeoutMs: number;
  /** Idle time of a kept-alive connection (default 5 s). */
  keepAliveTimeoutMs: number;
  /** Inactivity of a connection while a response is sent (default 120 s). */
  socketTimeoutMs: number;
  /** Connections one client address may hold at once (default 64). */
  maxConnectionsPerClient: number;
  /** Connections in all (default 2048). */
  maxConnections: number;
}

export const CONNECTION_DEFAULTS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  socketTimeoutMs: 120_000,
  maxConnectionsPerClient: 64,
  maxConnections: 2048,
};

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
};

/** A whole HTTP/1.1 response with a registry error body, for a socket no ServerResponse owns. */
export function rawErrorResponse(
  status: number,
  code: RegistryErrorCode,
  message: string,
  extra: Record<string, string> = {},
): string {
  const body = errorBody(new DistributionError(code, message, null, status));
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
    ...extra,
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Answers on a raw socket and closes it (the socket is destroyed if the client does not read). */
function answerAndClose(socket: Duplex, response: string): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.end(response);
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** Node's parser error codes -> what the client is told. */
function describeClientError(err: NodeJS.ErrnoException): { status: number; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'request headers are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'the request did not arrive in time' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
    case 'HPE_CLOSED_CONNECTION':
      return { status: 400, message: 'malformed request' };
    default:
      return {
        status: 400,
        message: `malformed HTTP request${err.code ? ` (${err.code.replace(/^HPE_/, '').toLowerCase()})` : ''}`,
      };
  }
}

const refused = new WeakSet<object>();

/** Whether the connection was refused on arrival (its requests must not reach the handler). */
export function isRefused(socket: object): boolean {
  return refused.has(socket);
}

export function guardConnections(server: Server, limits: ConnectionLimits, log: EventLog): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.socketTimeoutMs, (socket) => socket.destroy());

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return void socket.destroy();
    const { status, message } = describeClientError(err);
    log({ event: 'client-error', code: err.code ?? 'unknown', status });
    answerAndClose(socket, rawErrorResponse(status, 'UNSUPPORTED', message));
  });
  // Without a listener Node closes these sockets without a word; a registry says what it does.
  server.on('connect', (_req, socket: Duplex) => {
    log({ event: 'client-error', code: 'CONNECT', status: 405 });
    answerAndClose(
      socket,
      rawErrorResponse(405, 'UNSUPPORTED', 'this is a registry, not a proxy: CONNECT is not supported', {
        allow: 'GET, HEAD',
      }),
    );
  });

  const perClient = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const open = (perClient.get(address) ?? 0) + 1;
    perClient.set(address, open);
    socket.once('close', () => {
      const left = (perClient.get(address) ?? 1) - 1;
      if (left <= 0) perClient.delete(address);
      else perClient.set(address, left);
    });
    if (open > limits.maxConnectionsPerClient) {
      refused.add(socket);
      log({ event: 'client-error', code: 'TOO_MANY_CONNECTIONS', status: 429, client: address });
      answerAndClose(
        socket,
        rawErrorResponse(
          429,
          'TOOMANYREQUESTS',
          `more than ${limits.maxConnectionsPerClient} connections from one client`,
          { 'retry-after': '1' },
        ),
      );
    }
  });
}
