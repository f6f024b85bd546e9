/**
 * Serves a directory (a fake apt repository) over plain HTTP on 127.0.0.1, the way a mirror does
 * for apt and pith: GET and HEAD, Content-Length, 404 for anything missing. Every request is
 * recorded, and faults can be scripted per path.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve, sep } from 'node:path';

export interface ServedRequest {
  method: string;
  /** Decoded URL path, e.g. `/dists/pith/InRelease`. */
  path: string;
  status: number;
}

export interface ServedDirectory {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Decoded request paths, in arrival order (HEAD and failed requests included). */
  requests: string[];
  /** Method, path and answered status of each request, in arrival order. */
  log: ServedRequest[];
  /**
   * Answers the next `times` (default 1) requests for `path` with `status` (and a short body)
   * instead of the file. `path` is a URL path like `/dists/pith/InRelease`.
   */
  failNext(path: string, status: number, times?: number): void;
  close(): Promise<void>;
}

export async function serveDirectory(root: string): Promise<ServedDirectory> {
  const base = resolve(root);
  const requests: string[] = [];
  const log: ServedRequest[] = [];
  const faults = new Map<string, { status: number; left: number }>();

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      path = req.url ?? '/';
    }
    requests.push(path);
    const entry: ServedRequest = { method, path, status: 0 };
    log.push(entry);
    const answer = (status: number, text: string) => {
      entry.status = status;
      const body = Buffer.from(`${text}\n`);
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.byteLength });
      res.end(method === 'HEAD' ? undefined : body);
    };

    const fault = faults.get(path);
    if (fault) {
      fault.left -= 1;
      if (fault.left <= 0) faults.delete(path);
      answer(fault.status, `injected fault ${fault.status}`);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      answer(405, 'method not allowed');
      return;
    }
    const file = resolve(base, `.${path}`);
    if (path.includes('\0') || (file !== base && !file.startsWith(base + sep))) {
      answer(404, 'not found');
      return;
    }
    stat(file).then(
      (info) => {
        if (!info.isFile()) {
          answer(404, 'not found');
          return;
        }
        entry.status = 200;
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': info.size,
          'last-modified': info.mtime.toUTCString(),
        });
        if (method === 'HEAD') {
          res.end();
          return;
        }
        const stream = createReadStream(file);
        stream.on('error', () => res.destroy());
        stream.pipe(res);
      },
      () => answer(404, 'not found'),
    );
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    log,
    failNext(path, status, times = 1) {
      faults.set(path, { status, left: times });
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
