import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import { debPathFor, debUrl, fetchDebs, type DebRecord } from '../../../../../src/sources/debian/archive/download.js';
import { buildPackage } from '../../../../helpers/packages-debs.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A tiny archive on 127.0.0.1 that counts requests per path and can misbehave on demand. */
class Archive {
  server!: Server;
  files = new Map<string, Uint8Array>();
  requests = new Map<string, number>();
  /** Paths whose next request has its connection dropped. */
  dropNext = new Set<string>();
  delayMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/debian/`;
  }

  count(path: string): number {
    return this.requests.get(path) ?? 0;
  }

  total(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').replace(/^\/debian\//, '');
    this.requests.set(path, this.count(path) + 1);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      if (this.dropNext.delete(path)) {
        req.socket.destroy();
        return;
      }
      const body = this.files.get(path);
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-length': String(body.byteLength) }).end(body);
    } finally {
      this.inFlight--;
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const archive = new Archive();
let debBytes: Uint8Array;
const FILENAME = 'pool/main/p/pith-hello/pith-hello_1.0_amd64.deb';

before(async () => {
  const built = buildPackage({
    name: 'pith-hello',
    items: [{ path: 'usr/bin/hello', type: 'file', data: '#!/bin/sh\necho hello\n', mode: 0o755 }],
  });
  debBytes = new Uint8Array(readFileSync(built.path));
  archive.files.set(FILENAME, debBytes);
  await archive.start();
});

after(() => archive.stop());

const record = (over: Partial<DebRecord> = {}): DebRecord => ({
  name: 'pith-hello',
  version: '1.0',
  baseUrl: archive.baseUrl,
  filename: FILENAME,
  sha256: sha256(debBytes),
  size: debBytes.byteLength,
  ...over,
});

const newCache = () => mkdtempSync(join(tmpdir(), 'pith-debcache-'));
const quick = { fetch: { backoffMs: 5 } };

test('debUrl joins base URL and Filename with exactly one slash', () => {
  assert.equal(debUrl({ baseUrl: 'http://m/debian/', filename: 'pool/a.deb' }), 'http://m/debian/pool/a.deb');
  assert.equal(debUrl({ baseUrl: 'http://m/debian', filename: 'pool/a.deb' }), 'http://m/debian/pool/a.deb');
  assert.equal(debUrl({ baseUrl: 'http://m/debian//', filename: '/pool/a.deb' }), 'http://m/debian/pool/a.deb');
});

test('debPathFor: <cacheDir>/debs/sha256/<hex>; refuses what is not a sha256', () => {
  const hex = 'ab'.repeat(32);
  assert.equal(debPathFor('/c', hex), join('/c', 'debs', 'sha256', hex));
  assert.equal(debPathFor('/c', hex.toUpperCase()), join('/c', 'debs', 'sha256', hex));
  assert.throws(
    () => debPathFor('/c', '../../etc/passwd'),
    (e: unknown) => isPithError(e),
  );
  assert.throws(
    () => debPathFor('/c', 'ab'.repeat(31)),
    (e: unknown) => isPithError(e),
  );
});

test('a good download lands in the cache; a second call makes no request', async () => {
  const cacheDir = newCache();
  const before = archive.count(FILENAME);
  const logs: string[] = [];
  const result = await fetchDebs([record()], { cacheDir, log: (m) => logs.push(m), ...quick });
  const hex = sha256(debBytes);
  assert.deepEqual([...result.keys()], [hex]);
  assert.equal(result.get(hex), debPathFor(cacheDir, hex));
  assert.deepEqual(new Uint8Array(readFileSync(result.get(hex)!)), debBytes);
  assert.equal(archive.count(FILENAME), before + 1);
  assert.ok(
    logs.some((m) => m.includes('pith-hello 1.0')),
    logs.join('\n'),
  );
  // Only the verified file, no temporaries left behind.
  assert.deepEqual(readdirSync(join(cacheDir, 'debs', 'sha256')), [hex]);

  const again = await fetchDebs([record(), record()], { cacheDir, ...quick });
  assert.equal(again.get(hex), debPathFor(cacheDir, hex));
  assert.equal(archive.count(FILENAME), before + 1, 'the cached, verified file is used without a request');
  rmSync(cacheDir, { recursive: true, force: true });
});

test('a hash mismatch is an integrity error naming package, version, URL and both hashes; nothing is cached', async () => {
  const cacheDir = newCache();
  const wrong = 'f'.repeat(64);
  const actual = sha256(debBytes);
  await assert.rejects(fetchDebs([record({ sha256: wrong })], { cacheDir, ...quick }), (error: unknown) => {
    assert.ok(isPithError(error));
    assert.equal(error.kind, 'integrity');
    for (const part of ['pith-hello', '1.0', `${archive.baseUrl}${FILENAME}`, wrong, actual]) {
      assert.ok(error.message.includes(part), `"${part}" in: ${error.message}`);
    }
    return true;
  });
  const dir = join(cacheDir, 'debs', 'sha256');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  rmSync(cacheDir, { recursive: true, force: true });
});

test('a size mismatch with the index is an integrity error too', async () => {
  const cacheDir = newCache();
  await assert.rejects(
    fetchDebs([record({ size: debBytes.byteLength + 1 })], { cacheDir, ...quick }),
    (error: unknown) =>
      isPithError(error) && error.kind === 'integrity' && error.message.includes(String(debBytes.byteLength + 1)),
  );
  const dir = join(cacheDir, 'debs', 'sha256');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  rmSync(cacheDir, { recursive: true, force: true });
});

test('a corrupted cache entry is re-hashed, removed, reported and downloaded again', async () => {
  const cacheDir = newCache();
  const hex = sha256(debBytes);
  const path = debPathFor(cacheDir, hex);
  mkdirSync(join(cacheDir, 'debs', 'sha256'), { recursive: true });
  const corrupt = new Uint8Array(debBytes);
  corrupt[corrupt.length - 10] = (corrupt[corrupt.length - 10]! + 1) & 0xff; // same size, other bytes
  writeFileSync(path, corrupt);
  const before = archive.count(FILENAME);
  const logs: string[] = [];
  const result = await fetchDebs([record()], { cacheDir, log: (m) => logs.push(m), ...quick });
  assert.equal(result.get(hex), path);
  assert.deepEqual(new Uint8Array(readFileSync(path)), debBytes);
  assert.equal(archive.count(FILENAME), before + 1);
  assert.ok(
    logs.some((m) => /corrupt/.test(m) && m.includes('pith-hello')),
    logs.join('\n'),
  );
  rmSync(cacheDir, { recursive: true, force: true });
});

test('a dropped connection is retried once', async () => {
  const cacheDir = newCache();
  const before = archive.count(FILENAME);
  archive.dropNext.add(FILENAME);
  const result = await fetchDebs([record()], { cacheDir, ...quick });
  assert.equal(archive.count(FILENAME), before + 2);
  assert.deepEqual(new Uint8Array(readFileSync(result.get(sha256(debBytes))!)), debBytes);
  rmSync(cacheDir, { recursive: true, force: true });
});

test('a 404 is a network error and leaves nothing behind', async () => {
  const cacheDir = newCache();
  await assert.rejects(
    fetchDebs([record({ filename: 'pool/missing.deb' })], { cacheDir, ...quick }),
    (error: unknown) => isPithError(error) && error.kind === 'network' && error.message.includes('pool/missing.deb'),
  );
  const dir = join(cacheDir, 'debs', 'sha256');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  rmSync(cacheDir, { recursive: true, force: true });
});

test('parallelism is bounded by `concurrency` and every package is fetched once', async () => {
  const cacheDir = newCache();
  const records: DebRecord[] = [];
  for (let i = 0; i < 9; i++) {
    const data = new TextEncoder().encode(`package ${i}\n`);
    const filename = `pool/main/p/p${i}/p${i}_1_all.deb`;
    archive.files.set(filename, data);
    records.push({
      name: `p${i}`,
      version: '1',
      baseUrl: archive.baseUrl,
      filename,
      sha256: sha256(data),
      size: data.byteLength,
    });
  }
  archive.delayMs = 40;
  archive.maxInFlight = 0;
  const totalBefore = archive.total();
  try {
    const result = await fetchDebs([...records, ...records], { cacheDir, concurrency: 3, ...quick });
    assert.equal(result.size, 9);
    assert.deepEqual(
      [...result.keys()],
      records.map((r) => r.sha256),
      'keys follow the order of the records',
    );
    assert.equal(archive.total() - totalBefore, 9);
    assert.ok(archive.maxInFlight <= 3, `at most 3 at once, saw ${archive.maxInFlight}`);
    assert.ok(archive.maxInFlight >= 2, `downloads overlap, saw ${archive.maxInFlight}`);
    for (const r of records) assert.equal(readFileSync(result.get(r.sha256)!, 'utf8'), `package ${r.name.slice(1)}\n`);
  } finally {
    archive.delayMs = 0;
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a .deb larger than its index says is cut off at that size, naming the URL and the limit; nothing is left', async () => {
  const cacheDir = newCache();
  const big = new Uint8Array(3 << 20).fill(1);
  const filename = 'pool/main/b/big/big_1_all.deb';
  archive.files.set(filename, big);
  await assert.rejects(
    fetchDebs([record({ name: 'big', filename, size: 1000, sha256: sha256(big.subarray(0, 1000)) })], {
      cacheDir,
      ...quick,
    }),
    (error: unknown) => {
      assert.ok(isPithError(error));
      assert.equal(error.kind, 'integrity');
      assert.match(
        error.oneLine(),
        new RegExp(
          `GET ${archive.baseUrl}${filename}: the answer is larger than 1000 bytes, the size its index entry gives`,
        ),
      );
      return true;
    },
  );
  const dir = join(cacheDir, 'debs', 'sha256');
  assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], 'no file and no temporary left');
  rmSync(cacheDir, { recursive: true, force: true });
});
