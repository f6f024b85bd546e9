import { createHash } from 'node:crypto';
import type { Digest } from '../image/digest.js';
import type { Descriptor } from '../image/types.js';
import {
  manifestMediaType,
  type BlobBody,
  type BlobSource,
  type ByteRange,
  type ImageStorage,
  type StoredManifest,
} from './storage.js';

/** Everything in memory: for tests, and for a server that may forget everything on restart. */
export class MemoryStorage implements ImageStorage {
  readonly description = 'memory';
  readonly blobs = new Map<string, Uint8Array>();
  readonly keys = new Map<string, { digest: Digest; mediaType: string }>();

  constructor(private readonly redirectBase?: string) {}

  async getManifest(keyId: string): Promise<StoredManifest | undefined> {
    const bound = this.keys.get(keyId);
    const bytes = bound && this.blobs.get(bound.digest);
    return bound && bytes ? { ...bound, bytes } : undefined;
  }

  async getManifestByDigest(digest: Digest): Promise<StoredManifest | undefined> {
    const bytes = this.blobs.get(digest);
    if (!bytes) return undefined;
    const mediaType = manifestMediaType(bytes);
    return mediaType ? { digest, mediaType, bytes } : undefined;
  }

  async putManifest(manifest: StoredManifest, keyId?: string): Promise<void> {
    this.blobs.set(manifest.digest, manifest.bytes);
    if (keyId !== undefined) this.keys.set(keyId, { digest: manifest.digest, mediaType: manifest.mediaType });
  }

  async statBlob(digest: Digest): Promise<number | undefined> {
    return this.blobs.get(digest)?.byteLength;
  }

  async getBlob(digest: Digest, range?: ByteRange): Promise<BlobBody | undefined> {
    const bytes = this.blobs.get(digest);
    if (!bytes) return undefined;
    const part = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    return { size: bytes.byteLength, stream: new Blob([part]).stream() };
  }

  async putBlob(descriptor: Descriptor, source: BlobSource): Promise<void> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source.open()) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== descriptor.digest) throw new Error(`blob ${descriptor.digest} hashes to ${actual}`);
    this.blobs.set(descriptor.digest, bytes);
  }

  async blobUrl(digest: Digest): Promise<string | undefined> {
    return this.redirectBase && this.blobs.has(digest) ? `${this.redirectBase}/${digest}` : undefined;
  }
}
