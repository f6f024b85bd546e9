/**
 * Reading a layer blob back: its uncompressed tar as a stream, whatever the compression (gzip,
 * zstd or none, told apart by their magic bytes rather than by media types, which Docker and OCI
 * spell differently). Used by inspect and by the base-image package scan.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

async function magic(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A tar member name relative to the root: no leading `/` or `./`, no trailing `/` (`.` is ''). */
export function normalizePath(name: string): string {
  return name
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '')
    .replace(/^\.$/, '');
}

/** The uncompressed tar of a layer file as a stream. */
export async function layerTarStream(path: string): Promise<Readable> {
  const head = await magic(path);
  const raw = createReadStream(path);
  if (head[0] === 0x1f && head[1] === 0x8b) return raw.pipe(createGunzip());
  if (head.equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) {
    const { Decompress } = await import('fzstd');
    const out = new Readable({ read() {} });
    const z = new Decompress((chunk: Uint8Array, final?: boolean) => {
      out.push(Buffer.from(chunk));
      if (final) out.push(null);
    });
    raw.on('data', (c: Buffer | string) => z.push(typeof c === 'string' ? Buffer.from(c) : c));
    raw.on('end', () => z.push(new Uint8Array(0), true));
    raw.on('error', (e) => out.destroy(e));
    return out;
  }
  return raw;
}
