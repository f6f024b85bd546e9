/** The node:http adapter on loopback: bodies, HEAD, access log lines, graceful close. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listenNode } from '../../../src/server/node.js';
import type { LogEvent } from '../../../src/server/images.js';

describe('node adapter', () => {
  test('streams bodies, logs one line per request with status and bytes', async () => {
    const events: LogEvent[] = [];
    const big = new Uint8Array(3 * 1024 * 1024).fill(7);
    const server = await listenNode(
      async (req) => {
        const url = new URL(req.url);
        if (url.pathname === '/big')
          return new Response(new Blob([big]).stream(), { headers: { 'content-length': String(big.length) } });
        return new Response(req.method === 'HEAD' ? null : `hello ${req.headers.get('x-name')}`, {
          status: 201,
          headers: { 'content-length': String(`hello ${req.headers.get('x-name')}`.length) },
        });
      },
      { host: '127.0.0.1', port: 0, log: (e) => events.push(e) },
    );
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/x?y=1`, { headers: { 'x-name': 'pith' } });
      assert.equal(res.status, 201);
      assert.equal(await res.text(), 'hello pith');
      const head = await fetch(`${server.url}/x`, { method: 'HEAD', headers: { 'x-name': 'ab' } });
      assert.equal(head.headers.get('content-length'), '8');
      const bigRes = await fetch(`${server.url}/big`);
      assert.equal((await bigRes.arrayBuffer()).byteLength, big.length);
      await new Promise((r) => setTimeout(r, 20));
      const lines = events.filter((e) => e.event === 'request');
      assert.deepEqual(
        lines.map((e) => [e.method, e.path, e.status, e.bytes]),
        [
          ['GET', '/x?y=1', 201, 10],
          ['HEAD', '/x', 201, 0],
          ['GET', '/big', 200, big.length],
        ],
      );
      assert.ok(lines.every((e) => typeof e.ms === 'number'));
    } finally {
      await server.close(1000);
    }
  });

  test('close waits for a request in progress, then refuses new connections', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const server = await listenNode(
      async () => {
        await slow;
        return new Response('done');
      },
      { host: '127.0.0.1', port: 0 },
    );
    const pending = fetch(`${server.url}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.active, 1);
    const closing = server.close(5000);
    setTimeout(release, 100);
    assert.equal(await pending, 'done');
    await closing;
    await assert.rejects(fetch(`${server.url}/again`));
  });
});
