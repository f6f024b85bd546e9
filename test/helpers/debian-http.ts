/**
 * A local HTTP server on 127.0.0.1 with scripted answers, for fetch and fake-archive tests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Paths requested, in order. */
  log: string[];
  /** Answer `path` with fixed bytes, or with a handler that sees how often the path was hit (1-based). */
  route(path: string, answer: Uint8Array | string | Handler): void;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Uint8Array | string | Handler>();
  const hits = new Map<string, number>();
  const log: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(path);
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const answer = routes.get(path);
    if (answer === undefined) {
      res.writeHead(404).end('not found');
    } else if (typeof answer === 'function') {
      answer(req, res, hit);
    } else {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(answer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    route: (path, answer) => {
      routes.set(path, answer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
