/**
 * serveDirectory: GET and HEAD with Content-Length, 404 for missing files, directories and paths
 * outside the root, request recording in order, percent-decoding (apt asks for `%3a` in epoch
 * file names), and scripted faults.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serveDirectory, type ServedDirectory } from '../../../helpers/http-server.js';

/** A raw request (fetch would normalize `..` away). */
function raw(
  url: string,
  method: string,
  path: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: target.hostname, port: target.port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveDirectory', () => {
  let dir: string;
  let server: ServedDirectory;
  const content = Buffer.from('Package: x\n'.repeat(1000));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-apt-http-'));
    mkdirSync(join(dir, 'root', 'dists', 'pith'), { recursive: true });
    mkdirSync(join(dir, 'root', 'pool', 'main', 't', 'tzfake'), { recursive: true });
    writeFileSync(join(dir, 'root', 'dists', 'pith', 'InRelease'), content);
    writeFileSync(join(dir, 'root', 'pool', 'main', 't', 'tzfake', 'tzfake_1:2024a-1_all.deb'), 'deb bytes');
    writeFileSync(join(dir, 'secret'), 'outside the root');
    server = await serveDirectory(join(dir, 'root'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('listens on loopback', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('GET serves the bytes with Content-Length; HEAD the length without a body', async () => {
    const start = server.requests.length;
    const get = await fetch(`${server.url}/dists/pith/InRelease`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-length'), String(content.byteLength));
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), content);
    const head = await raw(server.url, 'HEAD', '/dists/pith/InRelease');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(content.byteLength));
    assert.equal(head.body.byteLength, 0);
    assert.deepEqual(server.requests.slice(start), ['/dists/pith/InRelease', '/dists/pith/InRelease']);
    assert.deepEqual(
      server.log.slice(start).map((entry) => `${entry.method} ${entry.status}`),
      ['GET 200', 'HEAD 200'],
    );
  });

  test('percent-encoded names are decoded (apt encodes the epoch colon)', async () => {
    const response = await fetch(`${server.url}/pool/main/t/tzfake/tzfake_1%3a2024a-1_all.deb`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'deb bytes');
    assert.equal(server.requests.at(-1), '/pool/main/t/tzfake/tzfake_1:2024a-1_all.deb');
  });

  test('404 for missing files, directories and anything outside the root', async () => {
    for (const path of [
      '/dists/pith/Release',
      '/dists/pith',
      '/dists/pith/',
      '/',
      '/../secret',
      '/%2e%2e/secret',
      '/dists/%2e%2e/%2e%2e/secret',
    ]) {
      const response = await raw(server.url, 'GET', path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.body.toString(), /outside the root/);
    }
    const head = await raw(server.url, 'HEAD', '/missing');
    assert.equal(head.status, 404);
    assert.equal(head.body.byteLength, 0);
    assert.ok(server.requests.includes('/missing'));
  });

  test('only GET and HEAD', async () => {
    const response = await raw(server.url, 'POST', '/dists/pith/InRelease');
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, 'GET, HEAD');
  });

  test('failNext answers the next request(s) for a path with the status, then serves again', async () => {
    server.failNext('/dists/pith/InRelease', 503);
    assert.equal((await fetch(`${server.url}/dists/pith/InRelease`)).status, 503);
    assert.equal((await fetch(`${server.url}/dists/pith/InRelease`)).status, 200);
    server.failNext('/dists/pith/InRelease', 500, 2);
    assert.equal((await fetch(`${server.url}/dists/pith/InRelease`)).status, 500);
    assert.equal(
      (await fetch(`${server.url}/pool/main/t/tzfake/tzfake_1%3a2024a-1_all.deb`)).status,
      200,
      'other paths unaffected',
    );
    assert.equal((await fetch(`${server.url}/dists/pith/InRelease`)).status, 500);
    assert.equal((await fetch(`${server.url}/dists/pith/InRelease`)).status, 200);
    assert.deepEqual(
      server.log.slice(-6).map((entry) => entry.status),
      [503, 200, 500, 200, 500, 200].slice(-6),
    );
  });

  test('close() stops the server even with idle keep-alive connections', async () => {
    const other = await serveDirectory(join(dir, 'root'));
    assert.equal((await fetch(`${other.url}/dists/pith/InRelease`)).status, 200);
    await other.close();
    await assert.rejects(fetch(`${other.url}/dists/pith/InRelease`));
  });
});
