import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchBytes, fetchToFile } from '../../../../../src/sources/debian/archive/fetch.js';
import { isPithError } from '../../../../../src/errors.js';
import { startTestServer, type TestServer } from '../../../../helpers/debian-http.js';

const networkError = (e: unknown) => isPithError(e) && e.kind === 'network';
const limit = { maxBytes: 1 << 20, reason: 'the test limit', hint: 'raise it' };
const fast = { backoffMs: 5, limit };

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const count = (path: string) => server.log.filter((p) => p === path).length;

describe('fetchBytes', () => {
  it('returns the body of a 2xx answer as bytes', async () => {
    server.route('/ok', 'hello');
    const bytes = await fetchBytes(`${server.url}/ok`, { limit });
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(bytes), 'hello');
  });

  it('fails at once on 404, naming the URL and the status', async () => {
    await assert.rejects(fetchBytes(`${server.url}/missing`, fast), (e: unknown) => {
      assert.ok(networkError(e));
      assert.match((e as Error).message, new RegExp(`^GET ${server.url}/missing: HTTP 404`));
      return true;
    });
    assert.equal(count('/missing'), 1, '404 is not retried');
  });

  it('retries 5xx answers and succeeds when the server recovers', async () => {
    server.route('/flaky', (_req, res, hit) => {
      if (hit < 3) res.writeHead(503).end('busy');
      else res.writeHead(200).end('finally');
    });
    assert.equal(new TextDecoder().decode(await fetchBytes(`${server.url}/flaky`, { ...fast, retries: 2 })), 'finally');
    assert.equal(count('/flaky'), 3);
  });

  it('gives up on 5xx after the retries', async () => {
    server.route('/down', (_req, res) => void res.writeHead(502).end());
    await assert.rejects(fetchBytes(`${server.url}/down`, { ...fast, retries: 1 }), /HTTP 502/);
    assert.equal(count('/down'), 2);
  });

  it('retries a connection reset', async () => {
    server.route('/reset', (req, res, hit) => {
      if (hit === 1) req.socket.destroy();
      else res.writeHead(200).end('after reset');
    });
    assert.equal(new TextDecoder().decode(await fetchBytes(`${server.url}/reset`, fast)), 'after reset');
    assert.equal(count('/reset'), 2);
  });

  it('times out with a clear message', async () => {
    server.route('/slow', (_req, res) => {
      res.writeHead(200);
      res.write('partial');
      // never ends
    });
    await assert.rejects(fetchBytes(`${server.url}/slow`, { ...fast, timeoutMs: 300 }), (e: unknown) => {
      assert.ok(networkError(e));
      assert.match((e as Error).message, /\/slow: no complete answer within/);
      return true;
    });
  });

  it('reports a refused connection, naming the URL', async () => {
    // A port that was just free: bind, read the port, close.
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}/x`;
    await assert.rejects(fetchBytes(url, { ...fast, retries: 1 }), (e: unknown) => {
      assert.ok(networkError(e));
      assert.match((e as Error).message, new RegExp(`^GET ${url} failed: .*ECONNREFUSED`));
      return true;
    });
  });

  it('does not retry a malformed URL', async () => {
    await assert.rejects(fetchBytes('not a url', fast), networkError);
  });

  it('refuses an answer that announces more than the limit, before reading its body', async () => {
    let written = 0;
    server.route('/announced', (_req, res) => {
      res.writeHead(200, { 'content-length': String(4 << 20) });
      const piece = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (written < 4 << 20 && res.write(piece)) written += piece.length;
        if (written < 4 << 20) res.once('drain', pump);
      };
      pump();
      res.on('close', () => undefined);
    });
    await assert.rejects(
      fetchBytes(`${server.url}/announced`, { ...fast, limit: { ...limit, maxBytes: 1000 } }),
      (e: unknown) => {
        assert.ok(isPithError(e) && e.kind === 'integrity');
        const line = e.oneLine();
        assert.match(
          line,
          new RegExp(
            `^GET ${server.url}/announced: the answer is larger than 1000 bytes, the test limit \\(it announces 4194304 bytes\\)`,
          ),
        );
        assert.match(line, /raise it/);
        assert.ok(!line.includes('\n'));
        return true;
      },
    );
    assert.equal(count('/announced'), 1, 'an oversized answer is not retried');
  });

  it('cuts off a chunked answer as soon as it passes the limit (no Content-Length)', async () => {
    let sent = 0;
    let closed = false;
    server.route('/endless', (_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      const piece = Buffer.alloc(16 * 1024, 0x41);
      const timer = setInterval(() => {
        if (closed || sent > 64 << 20) return clearInterval(timer);
        res.write(piece);
        sent += piece.length;
      }, 1);
      res.on('close', () => {
        closed = true;
        clearInterval(timer);
      });
    });
    await assert.rejects(
      fetchBytes(`${server.url}/endless`, { ...fast, limit: { ...limit, maxBytes: 100_000 } }),
      (e: unknown) => {
        assert.ok(isPithError(e));
        assert.match(e.message, /larger than 100000 bytes.*more arrived/);
        return true;
      },
    );
    // The connection is dropped: the server stops long before 64 MiB.
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(sent < 8 << 20, `server sent ${sent} bytes before the client hung up`);
  });

  it('streams into a file, hashing as it goes, and refuses past the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pith-fetch-'));
    try {
      const body = Buffer.alloc(300_000, 7);
      server.route('/file', body);
      const got = await fetchToFile(`${server.url}/file`, join(dir, 'f'), {
        ...fast,
        limit: { ...limit, maxBytes: body.length },
      });
      assert.deepEqual(got, { sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
      assert.deepEqual(readFileSync(join(dir, 'f')), body);
      await assert.rejects(
        fetchToFile(`${server.url}/file`, join(dir, 'g'), { ...fast, limit: { ...limit, maxBytes: body.length - 1 } }),
        /larger than 299999 bytes/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
