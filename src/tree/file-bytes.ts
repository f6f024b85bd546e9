/**
 * A file entry's bytes wherever they wait: in memory, in a host file, or in a spool file of an
 * unpacked package (store/spool.ts). For readers that need whole files (ELF parsing, the CA
 * bundle, hashes); the layer writer streams instead.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { readSpooled, readSpooledSync } from '../store/spool.js';
import type { FileEntry } from './entry.js';

export async function fileBytes(entry: FileEntry): Promise<Uint8Array> {
  const source = entry.source;
  if (source.kind === 'bytes') return source.data;
  if (source.kind === 'spool') return readSpooled(source, entry.size);
  return readFile(source.path);
}

export function fileBytesSync(entry: FileEntry): Uint8Array {
  const source = entry.source;
  if (source.kind === 'bytes') return source.data;
  if (source.kind === 'spool') return readSpooledSync(source, entry.size);
  return new Uint8Array(readFileSync(source.path));
}

/** sha256 hex of the bytes: a spooled file's was computed when it was spooled. */
export async function fileSha256(entry: FileEntry): Promise<string> {
  const source = entry.source;
  if (source.kind === 'spool') return source.sha256;
  const hash = createHash('sha256');
  if (source.kind === 'bytes') hash.update(source.data);
  else await pipeline(createReadStream(source.path), hash);
  return hash.digest('hex');
}
