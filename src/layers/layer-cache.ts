import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { stableJson } from '../image/stable-json.js';
import { isDigest } from '../image/digest.js';
import type { BlobStore } from '../store/blob-store.js';
import { readCheckedJson, writeCheckedJson } from '../store/checked-json.js';
import type { LayerBlob } from './layer.js';

/**
 * Remembers which layer blob a set of inputs produced (e.g. the sha256s of a group's .debs plus
 * the trim options, mtime and gzip level), so a warm build skips reading and compressing them.
 * A hit is trusted only when the blob is in the store and still hashes to its digest.
 */
export class LayerCache {
  constructor(
    private readonly dir: string,
    private readonly store: BlobStore,
  ) {}

  static key(inputs: unknown): string {
    return createHash('sha256').update(stableJson(inputs)).digest('hex');
  }

  async get(key: string): Promise<LayerBlob | undefined> {
    // The entry carries a checksum of its own content: a diffId or size changed on disk would
    // otherwise pass the blob check and change the image.
    return trustedBlob(this.store, await readCheckedJson(join(this.dir, `${key}.json`)));
  }

  async put(key: string, blob: LayerBlob): Promise<void> {
    await writeCheckedJson(join(this.dir, `${key}.json`), blob);
  }
}

/** `blob` when it describes a layer blob that is in the store, of its size, hashing to its digest. */
export async function trustedBlob(store: BlobStore, blob: unknown): Promise<LayerBlob | undefined> {
  const b = blob as Partial<LayerBlob> | null;
  if (b === null || typeof b !== 'object' || typeof b.size !== 'number') return undefined;
  const { digest, diffId } = b;
  if (typeof digest !== 'string' || typeof diffId !== 'string' || !isDigest(digest) || !isDigest(diffId))
    return undefined;
  if (!(await store.has(digest)) || (await store.size(digest)) !== b.size) return undefined;
  try {
    await store.verify(digest);
  } catch {
    return undefined;
  }
  return b as LayerBlob;
}
