/**
 * pith serve's socket-level answers, over loopback with raw bytes: every request Node's parser
 * refuses gets a registry error JSON and a closed connection, CONNECT and absolute-form targets
 * are answered, slow-header clients are dropped within the header timeout, and one address cannot
 * hold more than its share of connections. All traffic is to 127.0.0.1 and bounded in time.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { listenNode, type NodeServer } from '../../../src/server/node.js';
import type { LogEvent } from '../../../src/server/images.js';
import { judgeAnswer, rawExchange } from '../../helpers/raw-http.js';
import { fakeServer } from '../../helpers/serve-fakes.js';

let server: NodeServer;
const events: LogEvent[] = [];
const HEADERS_TIMEOUT = 1500;

before(async () => {
  const { handler } = fakeServer();
  server = await listenNode(handler, {
    host: '127.0.0.1',
    port: 0,
    log: (e) => void events.push(e),
    connections: { headersTimeoutMs: HEADERS_TIMEOUT, requestTimeoutMs: 3000, maxConnectionsPerClient: 8 },
  });
});
after(() => server.close(500));

const MALFORMED: Array<[string, string]> = [
  ['garbage', 'hello\r\n\r\n'],
  ['bad method token', 'GE T /v2/ HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['bad version', 'GET /v2/ HTTP/9.9\r\nHost: x\r\n\r\n'],
  ['no version', 'GET /v2/\r\n\r\n'],
  ['header without colon', 'GET /v2/ HTTP/1.1\r\nHost x\r\n\r\n'],
  ['space before colon', 'GET /v2/ HTTP/1.1\r\nHost : x\r\n\r\n'],
  ['control character in header value', 'GET /v2/ HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n'],
  ['NUL in target', 'GET /v2/\x00 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['bare LF line ends in a header', 'GET /v2/ HTTP/1.1\r\nHost: x\nX: y\r\n\r\n'],
  ['duplicate content-length', 'GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'],
  [
    'content-length and chunked',
    'POST /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ],
  ['bad chunk size', 'POST /v2/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ['negative content-length', 'GET /v2/ HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n'],
  ['huge header', `GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`],
  [
    'too many headers',
    `GET /v2/ HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: y\r\n`).join('')}\r\n`,
  ],
  ['binary noise', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'],
  ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
  ['TRACE', 'TRACE /v2/ HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['unparsable absolute target', 'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n'],
];

describe('malformed requests', () => {
  for (const [name, bytes] of MALFORMED) {
    test(`${name}: a registry error JSON or a closed connection, in time`, async () => {
      const exchange = await rawExchange(server.port, [bytes], { deadlineMs: HEADERS_TIMEOUT + 2500 });
      assert.equal(judgeAnswer(exchange), undefined, JSON.stringify(exchange.response.slice(0, 300)));
      assert.ok(exchange.response !== '' || exchange.closed);
    });
  }

  test('CONNECT is answered 405 UNSUPPORTED with Allow, not left hanging', async () => {
    const exchange = await rawExchange(server.port, [MALFORMED.find(([n]) => n === 'CONNECT')![1]]);
    assert.match(exchange.response, /^HTTP\/1\.1 405 /);
    assert.match(exchange.response, /allow: GET, HEAD/i);
    assert.match(exchange.response, /"code":"UNSUPPORTED"/);
    assert.ok(exchange.closed);
  });

  test('an absolute-form target is served by its path', async () => {
    const exchange = await rawExchange(server.port, [
      'GET http://registry.example/v2/ HTTP/1.1\r\nHost: registry.example\r\nConnection: close\r\n\r\n',
    ]);
    assert.match(exchange.response, /^HTTP\/1\.1 200 /);
    assert.match(exchange.response, /docker-distribution-api-version: registry\/2\.0/i);
  });

  test('headers too large: 431 with a registry error', async () => {
    const exchange = await rawExchange(server.port, [MALFORMED.find(([n]) => n === 'huge header')![1]]);
    assert.match(exchange.response, /^HTTP\/1\.1 431 /);
    assert.match(exchange.response, /"code":"UNSUPPORTED","message":"request headers are too large"/);
  });
});

describe('slow and greedy clients', () => {
  test('a client that sends headers one byte a second is dropped within the header timeout', async () => {
    const request = 'GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa\r\n\r\n';
    const exchange = await rawExchange(server.port, [...request], { gapMs: 1000, deadlineMs: HEADERS_TIMEOUT + 3000 });
    assert.ok(exchange.closed, 'closed by the server');
    assert.ok(exchange.ms < HEADERS_TIMEOUT + 2500, `closed after ${exchange.ms.toFixed(0)} ms`);
    assert.equal(judgeAnswer(exchange), undefined, exchange.response);
  });

  test('300 slow-header sockets at once: the first few are dropped at the header timeout, the rest at once', async () => {
    const started = performance.now();
    const exchanges = await Promise.all(
      Array.from({ length: 300 }, () =>
        rawExchange(server.port, ['GET /v2/ HTTP/1.1\r\n', 'Host: x\r\n', 'X-A: b\r\n'], {
          gapMs: 400,
          deadlineMs: HEADERS_TIMEOUT + 4000,
        }),
      ),
    );
    const slowest = Math.max(...exchanges.map((e) => e.ms));
    assert.ok(
      exchanges.every((e) => e.closed),
      'every socket was closed by the server',
    );
    assert.deepEqual(
      exchanges.map(judgeAnswer).filter((p) => p !== undefined),
      [],
    );
    assert.ok(slowest < HEADERS_TIMEOUT + 2500, `the last socket closed after ${slowest.toFixed(0)} ms`);
    const refused = exchanges.filter((e) => /^HTTP\/1\.1 429 /.test(e.response)).length;
    const timedOut = exchanges.filter((e) => /^HTTP\/1\.1 408 /.test(e.response)).length;
    // Refused sockets close at once and free their places, so a few more than 8 may be admitted.
    assert.ok(refused >= 200, `${refused} refused at once`);
    assert.equal(refused + timedOut, 300);
    assert.ok(performance.now() - started < HEADERS_TIMEOUT + 4000);
  });

  test('one address holds at most maxConnectionsPerClient connections; the rest get 429 and are closed', async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const s = connect(server.port, '127.0.0.1');
        await new Promise((r) => s.once('connect', r));
        sockets.push(s);
      }
      const exchange = await rawExchange(server.port, ['GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n']);
      assert.match(exchange.response, /^HTTP\/1\.1 429 /);
      assert.match(exchange.response, /"code":"TOOMANYREQUESTS"/);
      assert.ok(exchange.closed);
      assert.equal(exchange.response.match(/HTTP\/1\.1/g)?.length, 1, 'the request itself was not served');
    } finally {
      for (const s of sockets) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    const again = await rawExchange(server.port, ['GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.match(again.response, /^HTTP\/1\.1 200 /, 'connections that closed are no longer counted');
  });
});
