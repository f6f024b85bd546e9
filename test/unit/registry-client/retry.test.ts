/** Retries with exponential backoff and Retry-After, against a local server that fails first. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { parseRetryAfter, Transport } from '../../../src/registry-client/http.js';
import { isPithError } from '../../../src/errors.js';

type Step = (res: ServerResponse, body: string) => void;

describe('retries and backoff', () => {
  let server: Server;
  let base: string;
  let script: Step[] = [];
  const got: Array<{ method: string; body: string }> = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        got.push({ method: req.method!, body });
        const step = script.shift();
        if (step) step(res, body);
        else {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`ok:${body}`);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const status =
    (code: number, headers: Record<string, string> = {}): Step =>
    (res) => {
      res.writeHead(code, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] }));
    };
  const reset: Step = (res) => res.socket?.destroy();

  test('429 with Retry-After waits that long (really), 503 backs off, then the body is sent again', async () => {
    got.length = 0;
    script = [status(429, { 'retry-after': '1' }), status(503), status(502)];
    const waits: number[] = [];
    const transport = new Transport({
      retry: { baseDelayMs: 40, maxDelayMs: 1000 },
      sleep: (ms) => {
        waits.push(ms);
        return new Promise((r) => setTimeout(r, ms));
      },
    });
    const started = Date.now();
    const res = await transport.send({
      method: 'PUT',
      url: new URL(`${base}/x`),
      body: { length: 5, open: () => Readable.from([Buffer.from('hello')]) },
    });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok:hello');
    assert.deepEqual(
      got.map((g) => g.body),
      ['hello', 'hello', 'hello', 'hello'],
      'the streamed body is re-opened for every attempt',
    );
    assert.equal(waits[0], 1000, 'Retry-After: 1 is one second');
    // base * 2^(attempt-1), minus up to 25% jitter: attempt 2 -> 60-80 ms, attempt 3 -> 120-160 ms.
    assert.ok(waits[1]! >= 60 && waits[1]! <= 80, `backoff after attempt 2, got ${waits[1]}`);
    assert.ok(waits[2]! >= 120 && waits[2]! <= 160, `backoff doubles after attempt 3, got ${waits[2]}`);
    assert.ok(elapsed >= 1000, `waited ${elapsed} ms`);
    transport.close();
  });

  test('Retry-After as an HTTP date, capped by maxRetryAfterMs', async () => {
    got.length = 0;
    script = [status(429, { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() })];
    const waits: number[] = [];
    const transport = new Transport({ retry: { maxRetryAfterMs: 250 }, sleep: async (ms) => void waits.push(ms) });
    const res = await transport.send({ method: 'GET', url: new URL(`${base}/y`) });
    assert.equal(res.status, 200);
    res.discard();
    assert.deepEqual(waits, [250]);
    const date = parseRetryAfter(new Date(Date.now() + 10_000).toUTCString());
    assert.ok(date !== undefined && date > 8000 && date <= 10_000);
    assert.equal(parseRetryAfter('2.5'), 2500);
    assert.equal(parseRetryAfter('soon'), undefined);
    transport.close();
  });

  test('a reset connection is retried; 408 too', async () => {
    got.length = 0;
    script = [reset, status(408)];
    const waits: number[] = [];
    const transport = new Transport({ retry: { baseDelayMs: 10 }, sleep: async (ms) => void waits.push(ms) });
    const res = await transport.send({ method: 'POST', url: new URL(`${base}/z`), body: Buffer.from('b') });
    assert.equal(res.status, 200);
    res.discard();
    assert.equal(got.length, 3);
    assert.equal(waits.length, 2);
    transport.close();
  });

  test('gives up after the attempts and returns the last answer; 4xx is not retried', async () => {
    got.length = 0;
    script = [status(503), status(503), status(503)];
    const transport = new Transport({ retry: { attempts: 3, baseDelayMs: 1 } });
    const res = await transport.send({ method: 'GET', url: new URL(`${base}/a`) });
    assert.equal(res.status, 503);
    res.discard();
    assert.equal(got.length, 3);
    got.length = 0;
    script = [status(400)];
    const r2 = await transport.send({ method: 'GET', url: new URL(`${base}/b`) });
    assert.equal(r2.status, 400);
    r2.discard();
    assert.equal(got.length, 1);
    transport.close();
  });

  test('connection refused after all attempts: a one-line network error', async () => {
    const dead = new URL(`http://127.0.0.1:1/v2/`);
    const transport = new Transport({ retry: { attempts: 2, baseDelayMs: 1 } });
    await assert.rejects(
      transport.send({ method: 'GET', url: dead }),
      (err: unknown) => isPithError(err) && /GET http:\/\/127\.0\.0\.1:1: connection refused/.test(err.message),
    );
    transport.close();
  });
});
