import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { nativeXz, xzDecoders } from '../../../../../src/sources/debian/deb/decompress.js';

async function collect(gen: AsyncGenerator<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts);
}
async function* chunks(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

test('the host xz and the WASM decoder give the same bytes, and both refuse corrupt input', async () => {
  const xz = nativeXz();
  assert.ok(xz, 'xz is on PATH on Debian hosts');
  const plain = Buffer.concat([randomBytes(300_000), Buffer.from('text '.repeat(200_000))]);
  const compressed = spawnSync('xz', ['-c', '-6'], { input: plain, maxBuffer: 64 << 20 }).stdout;
  const native = await collect(xzDecoders.native(chunks(compressed, 65536), xz!));
  const wasm = await collect(xzDecoders.wasm(chunks(compressed, 4096)));
  const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  assert.equal(hash(native), hash(plain));
  assert.equal(hash(wasm), hash(plain));

  const corrupt = Buffer.from(compressed);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
  await assert.rejects(collect(xzDecoders.native(chunks(corrupt, 65536), xz!)), /xz: /);
  await assert.rejects(collect(xzDecoders.wasm(chunks(corrupt, 65536))), /xz/);
  await assert.rejects(
    collect(xzDecoders.native(chunks(compressed.subarray(0, compressed.length - 100), 65536), xz!)),
    /xz: /,
  );
  await assert.rejects(collect(xzDecoders.native(chunks(Buffer.alloc(0), 1), xz!)), /empty input|xz: /);
});
