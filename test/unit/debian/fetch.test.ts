import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { fetchBytes } from '../../../src/resolve/sources/debian/fetch.js';
import { isPithError } from '../../../src/errors.js';
import { startTestServer, type TestServer } from '../../helpers/debian-http.js';

const networkError = (e: unknown) => isPithError(e) && e.kind === 'network';
const fast = { backoffMs: 5 };

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
    const bytes = await fetchBytes(`${server.url}/ok`);
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
});
