/**
 * Fuzzed registry requests, as raw bytes to `pith serve`'s listener on 127.0.0.1: every one is
 * answered with an HTTP response whose errors carry a registry error JSON, or the connection is
 * closed, within the timeouts. Bounded: a fixed number of cases, a few at a time, each with a
 * deadline; the server is stopped at the end.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { listenNode, type NodeServer } from '../../src/server/node.js';
import { caseRng, FUZZ_CASES, FUZZ_SEED, mutateBytes, type Rng } from '../helpers/fuzz.js';
import { judgeAnswer, rawExchange } from '../helpers/raw-http.js';
import { fakeServer } from '../helpers/serve-fakes.js';

const HEADERS_TIMEOUT = 1000;
const REQUEST_TIMEOUT = 2000;
let server: NodeServer;

before(async () => {
  server = await listenNode(fakeServer().handler, {
    host: '127.0.0.1',
    port: 0,
    connections: { headersTimeoutMs: HEADERS_TIMEOUT, requestTimeoutMs: REQUEST_TIMEOUT, maxConnectionsPerClient: 64 },
  });
});
after(() => server.close(500));

const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'CONNECT',
  'TRACE',
  'PRI',
  'G\u00e9T',
  'get',
  '',
  'X'.repeat(300),
];
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const TARGETS = [
  '/v2/',
  '/v2',
  '/v2/curl/manifests/bookworm',
  '/v2/curl/jq/manifests/latest',
  `/v2/curl/blobs/${DIGEST}`,
  `/v2/curl/manifests/${DIGEST}`,
  '/v2/curl/tags/list',
  '/v2/_catalog',
  '/healthz',
  '*',
  'example.com:443',
  'http://registry.example/v2/',
  'https://x/v2/curl/manifests/bookworm',
  '/v2/../../etc/passwd',
  '/v2/%00/manifests/x',
  '/v2/a%2Fb/manifests/x',
  `/v2/${'a/'.repeat(500)}manifests/x`,
  '/v2/CURL/manifests/bookworm',
  '/v2/curl/manifests/' + 'x'.repeat(2000),
  '//evil/v2/',
  '/\u00e9',
  '/v2/curl/blobs/sha256:zz',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/1', 'http/1.1', ''];
const HEADERS = [
  'Host: registry.test',
  'Accept: application/vnd.oci.image.manifest.v1+json',
  'Range: bytes=0-10',
  'Range: bytes=-5',
  'Range: bytes=99999999-',
  'Range: lines=1-2',
  'Content-Length: 5',
  'Content-Length: -1',
  'Content-Length: 99999999999999999999',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'Connection: keep-alive',
  'Connection: close',
  'Expect: 100-continue',
  'Upgrade: h2c',
  'Authorization: Bearer x',
  'X-Bad: a\u0001b',
  'X-Bad\u0000: y',
  ' Folded: z',
  'NoColon',
  `X-Long: ${'v'.repeat(20_000)}`,
  'Host:',
  'Accept: */*;q=0.5',
];

function request(rng: Rng): Uint8Array {
  const lines = [`${rng.pick(METHODS)} ${rng.pick(TARGETS)} ${rng.pick(VERSIONS)}`];
  for (let i = 0, n = rng.int(6); i < n; i++) lines.push(rng.pick(HEADERS));
  const end = rng.chance(0.9) ? '\r\n\r\n' : rng.pick(['\r\n', '\n\n', '']);
  const body = rng.chance(0.2) ? rng.pick(['hello', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'x'.repeat(4096)]) : '';
  let bytes: Uint8Array = new TextEncoder().encode(`${lines.join(rng.chance(0.9) ? '\r\n' : '\n')}${end}${body}`);
  if (rng.chance(0.3)) bytes = mutateBytes(rng, bytes);
  return bytes;
}

test(`${FUZZ_CASES} fuzzed registry requests: registry JSON or a closed connection, within the timeouts (seed ${FUZZ_SEED})`, async () => {
  const deadline = HEADERS_TIMEOUT + REQUEST_TIMEOUT + 2000;
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < FUZZ_CASES; i = next++) {
      const bytes = request(caseRng('registry', i));
      const exchange = await rawExchange(server.port, [bytes], { deadlineMs: deadline });
      const problem = judgeAnswer(exchange);
      if (problem)
        failures.push(
          `case ${i} (PITH_FUZZ_SEED=${FUZZ_SEED}) ${JSON.stringify(new TextDecoder().decode(bytes.subarray(0, 120)))}: ${problem}`,
        );
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${FUZZ_CASES} failed`);
});
