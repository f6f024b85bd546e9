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
      blob = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as LayerBlob;
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
    await writeFileAtomic(join(this.dir, `${key}.json`), stableJson(blob));
  }
}
