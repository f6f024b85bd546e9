/**
 * Memory and time stay bounded whatever the input, measured from outside: the real CLI runs under
 * GNU time with a heap limit (NODE_OPTIONS=--max-old-space-size), against a signed repository and
 * a hostile "mirror" on 127.0.0.1. Each hostile case must end in one clean error line, exit 1 or
 * 2, nothing at the output, and a small peak RSS; an honest 100 MB package must build under the
 * 512 MB goal. Servers are loopback only and stop with the test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  addRawDebToRepo,
  createAptRepo,
  createTestKey,
  serveDirectory,
  type AptRepo,
  type ServedDirectory,
  type TestKey,
} from '../helpers/apt-repo.js';
import { pythonTar, writeAr } from '../helpers/deb-craft.js';
import { writeSpecDir } from '../helpers/offline-pith.js';
import { runPithMeasured, type MeasuredRun } from '../helpers/peak-rss.js';

const MiB = 1024 * 1024;

/** A ustar header for one regular file (enough for the bombs; the seeds use Python's tarfile). */
function tarHeader(name: string, size: number): Uint8Array {
  const h = new Uint8Array(512);
  const put = (text: string, at: number) => h.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** data.tar.gz of one file of `size` zero bytes, then `padding` more zero bytes after the tar's end. */
function zeroTarGz(size: number, padding = 0): Uint8Array {
  const pad = (512 - (size % 512)) % 512;
  let remaining = size + pad + 1024 + padding;
  // Zeros compress ~1000:1; one gzip member per 64 MiB piece (gunzip reads concatenated members
  // as one stream), so only the compressed bytes are ever held whole.
  const zeros = Buffer.alloc(Math.min(remaining, 64 * MiB));
  const members: Buffer[] = [gzipSync(tarHeader('./zeros', size), { level: 1 })];
  while (remaining > 0) {
    const n = Math.min(remaining, zeros.length);
    members.push(gzipSync(zeros.subarray(0, n), { level: 1 }));
    remaining -= n;
  }
  return new Uint8Array(Buffer.concat(members));
}

function debOf(control: string, dataName: string, data: Uint8Array): Uint8Array {
  return writeAr([
    { name: 'debian-binary', data: '2.0\n' },
    { name: 'control.tar.gz', data: pythonTar([{ name: './control', data: control }], 'gz') },
    { name: dataName, data },
  ]);
}

const control = (name: string, installedKiB: number) =>
  `Package: ${name}\nVersion: 1\nArchitecture: all\nInstalled-Size: ${installedKiB}\nMaintainer: t <t@example.invalid>\nDescription: ${name}\n`;

function assertRefusedBounded(r: MeasuredRun, out: string, code: number, message: RegExp, maxMiB: number): void {
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('pith: '));
  assert.equal(r.code, code, r.stderr);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, message);
  assert.ok(!/internal error|\n\s+at /.test(r.stderr), r.stderr);
  assert.ok(!existsSync(out), 'nothing at the output path');
  assert.ok(r.peakMiB < maxMiB, `peak RSS ${r.peakMiB.toFixed(0)} MiB (limit ${maxMiB})`);
  console.log(
    `refused with peak RSS ${r.peakMiB.toFixed(0)} MiB after ${(r.ms / 1000).toFixed(1)} s: ${lines[0]!.slice(0, 100)}`,
  );
}

describe('bounded under hostile input', () => {
  let dir: string;
  let key: TestKey;
  let repo: AptRepo;
  let served: ServedDirectory;
  let mirror: Server;
  let mirrorUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-hostile-'));
    key = await createTestKey(join(dir, 'keys'));
    repo = await createAptRepo(
      join(dir, 'repo'),
      { suites: { base: { components: { main: [{ name: 'plain', version: '1' }] } } } },
      key,
    );
    // A bomb: 256 MiB of zeros in 256 KB, its control claiming 4 KiB.
    await addRawDebToRepo(repo, 'bomb', 'main', debOf(control('bomb', 4), 'data.tar.gz', zeroTarGz(256 * MiB)), {
      Package: 'bomb',
      Version: '1',
      Architecture: 'all',
    });
    // The same bytes, honestly declared, against an absolute limit lowered for the test.
    await addRawDebToRepo(
      repo,
      'honest',
      'main',
      debOf(control('big-zeros', 262_148), 'data.tar.gz', zeroTarGz(256 * MiB)),
      { Package: 'big-zeros', Version: '1', Architecture: 'all' },
    );
    // A tiny tar followed by 256 MiB of zero "padding": no entry to count it against.
    await addRawDebToRepo(
      repo,
      'padding',
      'main',
      debOf(control('padded', 4), 'data.tar.gz', zeroTarGz(10, 256 * MiB)),
      { Package: 'padded', Version: '1', Architecture: 'all' },
    );
    // An honest 100 MB package of incompressible bytes: it must build under the memory goal.
    const random = randomBytes(100 * MiB);
    const honest = new Uint8Array(
      Buffer.concat([Buffer.from(tarHeader('./usr/share/big/blob', random.length)), random, Buffer.alloc(1024)]),
    );
    await addRawDebToRepo(
      repo,
      'large',
      'main',
      debOf(control('large', 102_405), 'data.tar.gz', gzipSync(honest, { level: 1 })),
      { Package: 'large', Version: '1', Architecture: 'all' },
    );
    // A pool file far larger than its index entry says (replaced after signing).
    await addRawDebToRepo(repo, 'swapped', 'main', debOf(control('swapped', 4), 'data.tar.gz', zeroTarGz(10)), {
      Package: 'swapped',
      Version: '1',
      Architecture: 'all',
    });
    const swapped = repo.debs.get('swapped_1_all')!.path;
    const fd = openSync(swapped, 'r+');
    ftruncateSync(fd, 1024 * MiB); // sparse: costs no disk
    closeSync(fd);
    served = await serveDirectory(repo.root);

    // A "mirror" whose InRelease never ends (bounded here too: it stops at 2 GiB or when the client goes).
    mirror = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(MiB, 0x41);
      let sent = 0;
      const pump = () => {
        while (sent < 2048 * MiB && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      req.socket.on('close', () => res.destroy());
      pump();
    });
    await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
    mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
  });
  after(async () => {
    await served?.close();
    mirror?.closeAllConnections();
    await new Promise((r) => mirror?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const specFor = (name: string, suite: string, packages: string[], url = served.url) =>
    writeSpecDir(dir, name, { url, suites: [suite], keyring: key.keyringPath, packages });
  const build = (d: { spec: string; out: string }, env: NodeJS.ProcessEnv = {}) =>
    runPithMeasured(['build', d.spec, '-o', d.out, '--cache-dir', join(dir, 'cache'), '--no-sbom'], {
      env,
      heapMiB: 256,
    });

  test('an InRelease that never ends is cut off at the limit: one line naming the URL and the limit', async () => {
    const d = specFor('endless-inrelease', 'bookworm', ['x'], mirrorUrl);
    const r = await build(d);
    assertRefusedBounded(
      r,
      d.out,
      1,
      new RegExp(
        `^pith: GET ${mirrorUrl}/dists/bookworm/InRelease: the answer is larger than 16777216 bytes, the limit for an InRelease file .*PITH_MAX_INRELEASE_BYTES`,
      ),
      200,
    );
  });

  test('a .deb in the pool far larger than its index entry is cut off at the indexed size', async () => {
    const d = specFor('swapped', 'swapped', ['swapped']);
    const r = await build(d);
    assertRefusedBounded(
      r,
      d.out,
      1,
      /the answer is larger than \d+ bytes, the size its index entry gives for it/,
      200,
    );
  });

  test('a decompression bomb (256 MiB of zeros, Installed-Size 4 KiB) is refused before it is unpacked', async () => {
    const d = specFor('bomb', 'bomb', ['bomb']);
    const r = await build(d);
    assertRefusedBounded(
      r,
      d.out,
      1,
      /^pith: package bomb .*data\.tar\.gz unpacks to more than 1032 KiB \(2 x its Installed-Size of 4 KiB, plus 1 MiB\); refused \(its Installed-Size understates it; raise the limit with PITH_DEB_INSTALLED_SIZE_FACTOR/,
      200,
    );
    assert.ok(r.ms < 20_000, `refused after ${r.ms.toFixed(0)} ms`);
  });

  test('an honestly declared 256 MiB package over PITH_MAX_DEB_UNPACKED_BYTES is refused, naming the variable', async () => {
    const d = specFor('honest', 'honest', ['big-zeros']);
    const r = await build(d, { PITH_MAX_DEB_UNPACKED_BYTES: '64Mi' });
    assertRefusedBounded(
      r,
      d.out,
      1,
      /unpacks to more than 64 MiB \(the limit for one package\); refused \(raise the limit with PITH_MAX_DEB_UNPACKED_BYTES/,
      200,
    );
  });

  test('256 MiB of zero padding after a tiny tar is refused as a bomb', async () => {
    const d = specFor('padding', 'padding', ['padded']);
    const r = await build(d);
    assertRefusedBounded(r, d.out, 1, /tar headers and padding .*refused \(a decompression bomb\?\)/, 200);
  });

  test('a 200,000-key spec is refused by size: exit 2 at once, little memory', async () => {
    const d = writeSpecDir(
      dir,
      'many-keys',
      `name: x\nlabels:\n${Array.from({ length: 200_000 }, (_, i) => `  k${i}: v${i}`).join('\n')}\n`,
    );
    const r = await build(d);
    assertRefusedBounded(r, d.out, 2, /the spec is larger than 1 MiB; refused/, 120);
    assert.ok(r.ms < 5000, `refused after ${r.ms.toFixed(0)} ms`);
  });

  test('an honest 100 MB package of incompressible data builds under 512 MB peak RSS', async () => {
    const d = specFor('large', 'large', ['large']);
    const r = await build(d);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim().split('\n').pop()!, /^sha256:[0-9a-f]{64}$/);
    assert.ok(r.peakMiB < 512, `peak RSS ${r.peakMiB.toFixed(0)} MiB`);
    console.log(`100 MB package: peak RSS ${r.peakMiB.toFixed(0)} MiB, ${(r.ms / 1000).toFixed(1)} s`);
  });
});
