import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableJson } from '../image/stable-json.js';
import { isDigest } from '../image/digest.js';
import type { BlobStore } from '../store/blob-store.js';
import { writeFileAtomic } from '../store/atomic.js';
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
    let blob: LayerBlob;
    try {
      // The entry carries a checksum of its own content: a diffId or size changed on disk would
      // otherwise pass the blob check below and change the image.
      const entry = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as { blob: LayerBlob; sum: string };
      if (entry.sum !== createHash('sha256').update(stableJson(entry.blob)).digest('hex')) return undefined;
      blob = entry.blob;
    } catch {
      return undefined;
    }
    if (!isDigest(blob.digest) || !isDigest(blob.diffId) || typeof blob.size !== 'number') return undefined;
    if (!(await this.store.has(blob.digest)) || (await this.store.size(blob.digest)) !== blob.size) return undefined;
    try {
      await this.store.verify(blob.digest);
    } catch {
      return undefined;
    }
    return blob;
  }

  async put(key: string, blob: LayerBlob): Promise<void> {
    const sum = createHash('sha256').update(stableJson(blob)).digest('hex');
    await writeFileAtomic(join(this.dir, `${key}.json`), stableJson({ blob, sum }));
  }
}
