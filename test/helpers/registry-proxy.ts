/**
 * A recording, fault-injecting HTTP proxy in front of a real registry: every request is logged
 * (method, path, query, body size, Content-Range, status), and rules can answer instead of the
 * registry (a status, a dropped connection) or rewrite its answer (a header, a status, a
 * relative Location), to reproduce the quirks of real registries against a real one.
 */
import { createServer, request, type IncomingMessage, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: string;
  bodyBytes: number;
  contentRange?: string;
  authorization?: string;
  status: number | 'reset';
}

export interface ProxyRule {
  match: (req: { method: string; path: string; query: string; headers: IncomingHttpHeaders }) => boolean;
  /** How many requests it applies to (default: all). */
  times?: number;
  /** Answer this status (with a distribution error body) instead of forwarding. */
  status?: number;
  headers?: Record<string, string>;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Forward, then change the answer. */
  rewrite?: (res: { status: number; headers: Record<string, string | string[] | undefined> }) => void;
}

export interface RegistryProxy {
  host: string;
  log: ProxiedRequest[];
  rules: ProxyRule[];
  count(method: string, pattern: RegExp): number;
  close(): Promise<void>;
}

export async function startProxy(target: { port: number }): Promise<RegistryProxy> {
  const log: ProxiedRequest[] = [];
  const rules: ProxyRule[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const info = { method: req.method ?? 'GET', path: url.pathname, query: url.search, headers: req.headers };
    const entry: ProxiedRequest = {
      method: info.method,
      path: info.path,
      query: info.query,
      bodyBytes: 0,
      ...(req.headers['content-range'] ? { contentRange: String(req.headers['content-range']) } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      status: 0,
    };
    log.push(entry);
    const rule = rules.find((r) => (r.times === undefined || r.times > 0) && r.match(info));
    if (rule && rule.times !== undefined) rule.times--;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      entry.bodyBytes += c.length;
      chunks.push(c);
    });
    req.on('end', () => {
      if (rule?.reset) {
        entry.status = 'reset';
        req.socket.destroy();
        return;
      }
      if (rule?.status) {
        entry.status = rule.status;
        const body = JSON.stringify({
          errors: [
            { code: rule.status === 429 ? 'TOOMANYREQUESTS' : 'UNSUPPORTED', message: `injected ${rule.status}` },
          ],
        });
        res.writeHead(rule.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...rule.headers,
        });
        res.end(info.method === 'HEAD' ? undefined : body);
        return;
      }
      const upstream = request(
        { host: '127.0.0.1', port: target.port, method: info.method, path: req.url, headers: req.headers },
        (up) => {
          const answer = {
            status: up.statusCode ?? 502,
            headers: { ...up.headers } as Record<string, string | string[] | undefined>,
          };
          rule?.rewrite?.(answer);
          if (rule?.headers) Object.assign(answer.headers, rule.headers);
          entry.status = answer.status;
          res.writeHead(
            answer.status,
            Object.fromEntries(Object.entries(answer.headers).filter(([, v]) => v !== undefined)) as Record<
              string,
              string | string[]
            >,
          );
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    log,
    rules,
    count: (method, pattern) => log.filter((l) => l.method === method && pattern.test(l.path + l.query)).length,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
