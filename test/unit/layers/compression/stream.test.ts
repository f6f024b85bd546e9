import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import {
  CODECS,
  chunkCompressor,
  compressionIdentity,
  type Compression,
} from '../../../../src/layers/compression/codecs.js';
import { CompressionPool } from '../../../../src/layers/compression/pool.js';
import { compressStream } from '../../../../src/layers/compression/stream.js';
import { collect, compressibleBytes, pieces, randomBytes, run } from '../../../helpers/layers-fixtures.js';

const MiB = 1024 * 1024;
const GZIP: Compression = { algorithm: 'gzip', level: 2 };
const ZSTD: Compression = { algorithm: 'zstd', level: 3 };

const compress = (
  data: Buffer,
  c: Compression,
  options: { chunkSize?: number; concurrency?: number; sizes?: number[]; pool?: CompressionPool } = {},
) =>
  collect(
    compressStream(options.sizes ? pieces(data, options.sizes) : pieces(data, [Math.max(1, data.length)]), c, {
      ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.pool ? { pool: options.pool } : {}),
    }),
  );

const decompress = (c: Compression, data: Buffer): Buffer =>
  c.algorithm === 'gzip' ? zlib.gunzipSync(data) : Buffer.from(zstdDecompress(data));

/** The expected output: every chunk compressed on its own, on this thread, concatenated. */
async function chunkByChunk(data: Buffer, c: Compression, chunkSize = CODECS[c.algorithm].chunkSize): Promise<Buffer> {
  const one = await chunkCompressor(c.algorithm);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < data.length || parts.length === 0; offset += chunkSize) {
    parts.push(one(data.subarray(offset, offset + chunkSize), c.level));
  }
  return Buffer.concat(parts);
}

const mixed = Buffer.concat([randomBytes(1.75 * MiB, 11), compressibleBytes(7.25 * MiB, 12)]); // 9 MiB

const cases: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['1 byte', Buffer.from('x')],
  ['exactly 1 MiB', compressibleBytes(MiB, 1)],
  ['1 MiB + 1', compressibleBytes(MiB + 1, 2)],
  ['2 MiB - 1', randomBytes(2 * MiB - 1, 3)],
  ['9 MiB random + compressible', mixed],
];

describe('compressStream', () => {
  it('cuts gzip into 1 MiB members and zstd into 4 MiB frames', () => {
    assert.equal(CODECS.gzip.chunkSize, MiB);
    assert.equal(CODECS.zstd.chunkSize, 4 * MiB);
  });

  for (const c of [GZIP, ZSTD]) {
    for (const [name, data] of cases) {
      it(`${c.algorithm}: round-trips ${name}, also through the ${c.algorithm} command`, async () => {
        const out = await compress(data, c);
        assert.ok(decompress(c, out).equals(data));
        const viaBinary = run(c.algorithm, ['-d', '-c'], out);
        assert.ok(viaBinary.stdout.equals(data));
      });

      it(`${c.algorithm}: ${name} gives the chunk-by-chunk bytes at any concurrency and input chunking`, async () => {
        const reference = await chunkByChunk(data, c);
        for (const concurrency of [1, 2, 5]) {
          assert.ok((await compress(data, c, { concurrency })).equals(reference), `concurrency ${concurrency}`);
        }
        for (const sizes of [[4093], [MiB], [1, 65_536, 700_001, 3], [MiB + 7, 10]]) {
          assert.ok(
            (await compress(data, c, { sizes, concurrency: 3 })).equals(reference),
            `pieces ${sizes.join(',')}`,
          );
        }
      });
    }
  }

  it('gzip: each member has the fixed header and its own CRC32/ISIZE trailer', async () => {
    const data = compressibleBytes(2 * MiB + 5, 7);
    const out = await compress(data, GZIP);
    const one = await chunkCompressor('gzip');
    let offset = 0;
    for (const [start, end] of [
      [0, MiB],
      [MiB, 2 * MiB],
      [2 * MiB, 2 * MiB + 5],
    ] as const) {
      const member = Buffer.from(one(data.subarray(start, end), 2));
      assert.deepEqual([...member.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
      assert.equal(member.readUInt32LE(member.length - 8), zlib.crc32(data.subarray(start, end)));
      assert.equal(member.readUInt32LE(member.length - 4), end - start);
      assert.ok(out.subarray(offset, offset + member.length).equals(member));
      offset += member.length;
    }
    assert.equal(offset, out.length);
    const empty = await compress(Buffer.alloc(0), GZIP);
    assert.ok(zlib.gunzipSync(empty).equals(Buffer.alloc(0)));
  });

  it('small chunk sizes work and stay deterministic', async () => {
    const data = mixed.subarray(MiB + MiB / 2, MiB + MiB / 2 + 300_000); // random, then text-like
    for (const c of [GZIP, ZSTD]) {
      for (const chunkSize of [1000, 32_768, 100_000]) {
        const a = await compress(data, c, { chunkSize, concurrency: 1, sizes: [data.length] });
        const b = await compress(data, c, { chunkSize, concurrency: 4, sizes: [333, 77_777] });
        assert.ok(a.equals(b), `${c.algorithm} chunkSize ${chunkSize}`);
        assert.ok(a.equals(await chunkByChunk(data, c, chunkSize)));
        assert.ok(decompress(c, a).equals(data));
      }
    }
  });

  it('levels change the bytes and are checked', async () => {
    const data = compressibleBytes(MiB, 9);
    const sizes = [];
    for (const level of [1, 6, 12]) sizes.push((await compress(data, { algorithm: 'gzip', level })).length);
    assert.ok(sizes[0]! > sizes[2]!, `${sizes.join(' > ')}`);
    await assert.rejects(compress(data, { algorithm: 'gzip', level: 13 }), RangeError);
    await assert.rejects(compress(data, { algorithm: 'gzip', level: 0 }), RangeError);
    await assert.rejects(compress(data, { algorithm: 'zstd', level: 20 }), RangeError);
    await assert.rejects(compress(data, { algorithm: 'lz4' as 'gzip', level: 1 }), RangeError);
    await assert.rejects(compress(data, GZIP, { chunkSize: 0 }), RangeError);
  });

  // The bytes depend only on pith's pinned WebAssembly compressors, not on Node or its zlib: these
  // digests hold on every Node build (test/e2e/golden-digests.test.ts checks whole images under
  // Debian's own Node too). A change here moves every layer digest: say why in the commit.
  const golden: Array<[Compression, string]> = [
    [GZIP, '4c15da2cced18cd88d39219bf9d7354c5ed88d3fad3a74d79c52f117773d63ae'],
    [{ algorithm: 'gzip', level: 6 }, 'f760826323ac1cfd6d3090f41c106bc26121ec7e13b888debc32ce51131688c8'],
    [ZSTD, '539910a2293574be0aa9edd76e54767d4586ce567e752386583a166f96b4218c'],
  ];
  for (const [c, digest] of golden) {
    it(`${compressionIdentity(c)}: gives the recorded bytes`, async () => {
      const out = await compress(mixed, c, { concurrency: 3 });
      assert.equal(createHash('sha256').update(out).digest('hex'), digest);
    });
  }

  it('names the installed versions of the pinned compressors', () => {
    const require = createRequire(import.meta.url);
    for (const info of Object.values(CODECS)) {
      const name = info.implementation.slice(0, info.implementation.lastIndexOf('@'));
      const version = info.implementation.slice(name.length + 1);
      const pkg = JSON.parse(readFileSync(join(packageDir(require, name), 'package.json'), 'utf8')) as {
        version: string;
      };
      assert.equal(pkg.version, version, `${name} in node_modules`);
      const root = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      assert.equal(root.dependencies[name], version, `${name} pinned exactly in package.json`);
    }
  });

  it('passes source errors through', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(3 * MiB, 5);
      throw new Error('source broke');
    }
    await assert.rejects(collect(compressStream(failing(), GZIP, { concurrency: 2 })), /source broke/);
  });

  it('does not read ahead more than the chunks it can compress', async () => {
    // Bounded memory: a consumer that stops pulling stops the source after a few chunks.
    let produced = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        produced += 64 * 1024;
        yield compressibleBytes(64 * 1024, produced);
      }
    }
    const iterator = compressStream(endless(), GZIP, { concurrency: 2 })[Symbol.asyncIterator]();
    await iterator.next(); // first member
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(produced <= 5 * MiB, `read ${produced} bytes ahead`);
    await iterator.return?.(undefined);
  });

  it('a worker that dies fails its chunks instead of hanging', async () => {
    const pool = new CompressionPool(1);
    const data = compressibleBytes(3 * MiB, 4);
    await compress(data, GZIP, { pool }); // starts the worker
    const workers = (pool as unknown as { workers: Array<{ worker: { terminate(): Promise<number> } }> }).workers;
    const pending = compress(data, GZIP, { pool });
    await workers[0]!.worker.terminate();
    await assert.rejects(pending, /compression worker exited/);
    assert.ok((await compress(data, GZIP, { pool })).equals(await chunkByChunk(data, GZIP)), 'a new worker takes over');
  });
});

function packageDir(require: NodeRequire, name: string): string {
  // Not every package exports ./package.json: walk up from its main file.
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(join('node_modules', name))) dir = dirname(dir);
  return dir;
}
