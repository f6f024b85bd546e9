import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import { type Compression, compressionOf, decompress } from '../../../../../src/sources/debian/deb/decompress.js';
import { run } from '../../../../helpers/deb-tools.js';

const CONTEXT = { where: 'package p (p.deb)', member: 'data.tar.x' };

/** 2 MB compressible text + 1 MB random bytes, so both decoder paths are exercised. */
const PLAIN = Buffer.concat([
  Buffer.from('pith reads debian packages without dpkg\n'.repeat(52_000)),
  randomBytes(1024 * 1024),
]);

const TOOL: Record<Exclude<Compression, 'none'>, string[]> = {
  gzip: ['gzip', '-c', '-n'],
  xz: ['xz', '-c', '-T1'],
  zstd: ['zstd', '-q', '-c'],
};

function compress(compression: Exclude<Compression, 'none'>, data: Uint8Array, extra: string[] = []): Buffer {
  const [command, ...args] = TOOL[compression];
  return run(command!, [...args, ...extra], { input: data });
}

async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.byteLength; offset += size) yield data.slice(offset, offset + size);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** Fails instead of hanging: a decoder that stops making progress is a bug too. */
function withTimeout<T>(promise: Promise<T>, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function corrupt(memberPattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isPithError(error), String(error));
    assert.equal(error.kind, 'integrity');
    assert.match(error.message, memberPattern);
    assert.equal(error.where, CONTEXT.where);
    return true;
  };
}

describe('compressionOf', () => {
  it('maps member suffixes', () => {
    assert.equal(compressionOf('data.tar', 'p.deb'), 'none');
    assert.equal(compressionOf('data.tar.gz', 'p.deb'), 'gzip');
    assert.equal(compressionOf('control.tar.xz', 'p.deb'), 'xz');
    assert.equal(compressionOf('data.tar.zst', 'p.deb'), 'zstd');
  });

  it('names unsupported compressions and the package file', () => {
    for (const [member, name] of [
      ['data.tar.bz2', 'bzip2'],
      ['data.tar.lzma', 'lzma'],
    ]) {
      assert.throws(
        () => compressionOf(member!, 'libfoo (/cache/libfoo_1_amd64.deb)'),
        (error: unknown) =>
          isPithError(error) &&
          error.kind === 'input' &&
          error.message === `unsupported compression ${name} of member ${member}` &&
          error.oneLine().startsWith('libfoo (/cache/libfoo_1_amd64.deb): unsupported compression'),
      );
    }
    assert.throws(() => compressionOf('data.tar.lz4', 'p.deb'), /unsupported \.deb member "data\.tar\.lz4"/);
  });
});

describe('decompress', () => {
  it('passes plain data through', async () => {
    assert.ok((await collect(decompress(chunked(PLAIN, 99_999), 'none', CONTEXT))).equals(PLAIN));
  });

  for (const compression of ['gzip', 'xz', 'zstd'] as const) {
    it(`${compression}: matches the reference tool, whatever the input chunking`, async () => {
      const packed = compress(compression, PLAIN);
      for (const size of [1 << 20, 65_537, 4093]) {
        const out = await withTimeout(collect(decompress(chunked(packed, size), compression, CONTEXT)));
        assert.ok(out.equals(PLAIN), `${compression} with ${size}-byte chunks`);
      }
      const small = compress(compression, Buffer.from('tiny'));
      assert.equal((await collect(decompress(chunked(small, 1), compression, CONTEXT))).toString(), 'tiny');
    });

    it(`${compression}: accepts a Node Readable`, async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'pith-decompress-')), 'x');
      writeFileSync(path, compress(compression, PLAIN));
      const out = await withTimeout(
        collect(decompress(createReadStream(path, { highWaterMark: 50_000 }), compression, CONTEXT)),
      );
      assert.ok(out.equals(PLAIN));
    });

    it(`${compression}: refuses truncated and corrupt data without hanging`, async () => {
      const packed = compress(compression, PLAIN);
      const truncated = packed.subarray(0, Math.floor(packed.byteLength * 0.6));
      await assert.rejects(
        withTimeout(collect(decompress(chunked(truncated, 65_536), compression, CONTEXT))),
        corrupt(/^data\.tar\.x is corrupt or truncated: /),
      );
      const flipped = Buffer.from(packed);
      for (let index = 100; index < 400; index += 1) flipped[index] = flipped[index]! ^ 0x5a;
      await assert.rejects(
        withTimeout(collect(decompress(chunked(flipped, 65_536), compression, CONTEXT))),
        corrupt(/corrupt or truncated/),
      );
      await assert.rejects(
        withTimeout(collect(decompress(chunked(Buffer.alloc(0), 1), compression, CONTEXT))),
        corrupt(/corrupt or truncated/),
      );
      await assert.rejects(
        withTimeout(collect(decompress(chunked(randomBytes(5000), 1000), compression, CONTEXT))),
        corrupt(/corrupt or truncated/),
      );
    });
  }

  it('xz: says what went wrong in xz terms', async () => {
    const packed = compress('xz', PLAIN);
    await assert.rejects(
      collect(decompress(chunked(packed.subarray(0, 5000), 4096), 'xz', CONTEXT)),
      corrupt(/xz: unexpected end of data/),
    );
    await assert.rejects(
      collect(decompress(chunked(Buffer.from('not xz at all, just text'), 100), 'xz', CONTEXT)),
      corrupt(/xz: not in xz format/),
    );
  });

  it('zstd: decodes multi-frame streams and skippable frames', async () => {
    const half = PLAIN.byteLength / 2;
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0]), Buffer.from('skip')]);
    const multi = Buffer.concat([
      compress('zstd', PLAIN.subarray(0, half)),
      skippable,
      compress('zstd', PLAIN.subarray(half), ['--check']),
    ]);
    for (const size of [1 << 20, 10_007]) {
      assert.ok((await collect(decompress(chunked(multi, size), 'zstd', CONTEXT))).equals(PLAIN));
    }
  });

  it('gzip: decodes multi-member streams', async () => {
    const half = 1_000_000;
    const multi = Buffer.concat([compress('gzip', PLAIN.subarray(0, half)), compress('gzip', PLAIN.subarray(half))]);
    assert.ok((await collect(decompress(chunked(multi, 30_000), 'gzip', CONTEXT))).equals(PLAIN));
  });

  it('xz: multi-block (threaded) streams', async () => {
    const packed = compress('xz', PLAIN, ['-T2', '--block-size=500KiB']);
    assert.ok((await collect(decompress(chunked(packed, 100_000), 'xz', CONTEXT))).equals(PLAIN));
  });

  it('keeps source errors as they are (no double wrapping)', async () => {
    const packed = compress('xz', PLAIN);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield packed.subarray(0, 10_000);
      throw new (await import('../../../../../src/errors.js')).PithError('integrity', 'source says no');
    }
    for (const compression of ['xz', 'gzip', 'zstd', 'none'] as const) {
      await assert.rejects(withTimeout(collect(decompress(failing(), compression, CONTEXT))), (error: unknown) => {
        assert.ok(isPithError(error));
        // The xz/zstd/gzip decoders may notice the garbage first for non-xz; either way one clear error.
        assert.match(
          error.message,
          compression === 'xz' || compression === 'none' ? /^source says no$/ : /source says no|corrupt or truncated/,
        );
        return true;
      });
    }
  });

  it('xz: the decoder lock is released after errors and early exits', async () => {
    const packed = compress('xz', PLAIN);
    const again = async () =>
      assert.ok((await withTimeout(collect(decompress(chunked(packed, 65_536), 'xz', CONTEXT)), 15_000)).equals(PLAIN));
    // 1. after a corrupt stream
    await assert.rejects(collect(decompress(chunked(packed.subarray(0, 20_000), 4096), 'xz', CONTEXT)));
    await again();
    // 2. after the consumer stops after the first chunk
    let source = 0;
    async function* counting(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunked(packed, 8192)) {
        source += 1;
        yield chunk;
      }
    }
    for await (const chunk of decompress(counting(), 'xz', CONTEXT)) {
      assert.ok(chunk.byteLength > 0);
      break;
    }
    assert.ok(source < packed.byteLength / 8192, 'stopped reading the source early');
    await again();
    // 3. an iterator that is created but never started holds nothing
    decompress(chunked(packed, 8192), 'xz', CONTEXT);
    await again();
    // 4. several streams at once all complete (serialized by the library's lock)
    await withTimeout(
      Promise.all([1, 2, 3].map(() => collect(decompress(chunked(packed, 65_536), 'xz', CONTEXT)))),
      30_000,
    );
  });
});
