import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildError } from '../errors.js';
import { tarStream } from '../layers/tar-writer.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { TreeEntry } from '../tree/entry.js';
import { tempSibling } from '../store/atomic.js';
import { blobPath, layoutIndex, OCI_LAYOUT_BYTES } from './layout-entries.js';
import type { ImageArtifact } from './sink.js';

const ARCHIVE_ORIGIN = { kind: 'system', detail: 'oci archive' } as const;

function bytesEntry(path: string, data: Uint8Array): TreeEntry {
  return { type: 'file', path, mode: 0o644, uid: 0, gid: 0, size: data.byteLength, source: { kind: 'bytes', data }, origin: ARCHIVE_ORIGIN };
}

/** The entries of an OCI layout as a tar (an "oci-archive"), plus any extra files. */
export function layoutArchiveEntries(artifact: ImageArtifact, extra: Record<string, Uint8Array> = {}): TreeEntry[] {
  const entries: TreeEntry[] = [
    { type: 'dir', path: 'blobs', mode: 0o755, uid: 0, gid: 0, origin: ARCHIVE_ORIGIN },
    { type: 'dir', path: 'blobs/sha256', mode: 0o755, uid: 0, gid: 0, origin: ARCHIVE_ORIGIN },
    bytesEntry('oci-layout', OCI_LAYOUT_BYTES),
    bytesEntry('index.json', stableJsonBytes(layoutIndex(artifact))),
  ];
  for (const blob of artifact.blobs) {
    entries.push({
      type: 'file', path: blobPath(blob.digest), mode: 0o644, uid: 0, gid: 0, size: blob.size,
      source: { kind: 'host', path: artifact.store.pathOf(blob.digest) }, origin: ARCHIVE_ORIGIN,
    });
  }
  for (const [name, data] of Object.entries(extra)) entries.push(bytesEntry(name, data));
  return entries;
}

/** Streams a tar of `entries` to a temporary file beside `dest`, then renames it into place. */
export async function writeTarAtomic(entries: TreeEntry[], dest: string, mtime: number): Promise<void> {
  const tmp = tempSibling(dest);
  try {
    await pipeline(Readable.from(tarStream(entries, { mtime })), createWriteStream(tmp, { mode: 0o644 }));
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'ENOENT' || code === 'EROFS' || code === 'EISDIR') {
      throw buildError(`cannot write ${dest}: ${code} (check that its directory exists and is writable)`, { cause: err });
    }
    throw err;
  }
}
