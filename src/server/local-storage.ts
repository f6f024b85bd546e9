import { createHash } from 'node:crypto';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Digest, isDigest } from '../image/digest.js';
import type { Descriptor } from '../image/types.js';
import { BlobStore } from '../store/blob-store.js';
import { tempSibling, writeFileAtomic } from '../store/atomic.js';
import {
  manifestMediaType,
  type BlobBody,
  type BlobSource,
  type ByteRange,
  type ImageStorage,
  type StoredManifest,
} from './storage.js';

/**
 * A directory: `blobs/sha256/<hex>` (layers, configs, manifests) and `keys/<key id>.json`, the
 * digest and media type an image key is bound to. Blobs come in as hard links from the build
 * cache when it is on the same filesystem. Deleting a key file evicts that image's name.
 */
export class LocalStorage implements ImageStorage {
  readonly description: string;
  readonly blobs: BlobStore;

  constructor(readonly root: string) {
    this.description = `local ${root}`;
    this.blobs = new BlobStore(join(root, 'blobs'));
  }

  private keyPath(keyId: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(keyId)) throw new Error(`invalid image key id ${keyId}`);
    return join(this.root, 'keys', `${keyId}.json`);
  }

  async getManifest(keyId: string): Promise<StoredManifest | undefined> {
    let bound: { digest?: unknown };
    try {
      bound = JSON.parse(await readFile(this.keyPath(keyId), 'utf8')) as { digest?: unknown };
    } catch {
      return undefined;
    }
    return typeof bound.digest === 'string' && isDigest(bound.digest)
      ? this.getManifestByDigest(bound.digest)
      : undefined;
  }

  async getManifestByDigest(digest: Digest): Promise<StoredManifest | undefined> {
    let bytes: Buffer;
    try {
      const size = await this.statBlob(digest);
      if (size === undefined || size > 4 * 1024 * 1024) return undefined;
      bytes = await this.blobs.readBytes(digest);
    } catch {
      return undefined;
    }
    // Manifests are small: check them on every read, so a damaged file is never served.
    if (`sha256:${createHash('sha256').update(bytes).digest('hex')}` !== digest) return undefined;
    const mediaType = manifestMediaType(bytes);
    return mediaType ? { digest, mediaType, bytes } : undefined;
  }

  async putManifest(manifest: StoredManifest, keyId?: string): Promise<void> {
    await this.blobs.putBytes(manifest.bytes);
    if (keyId !== undefined) {
      await writeFileAtomic(
        this.keyPath(keyId),
        `${JSON.stringify({ digest: manifest.digest, mediaType: manifest.mediaType })}\n`,
      );
    }
  }

  async statBlob(digest: Digest): Promise<number | undefined> {
    if (!isDigest(digest)) return undefined;
    return (await this.blobs.has(digest)) ? this.blobs.size(digest) : undefined;
  }

  async getBlob(digest: Digest, range?: ByteRange): Promise<BlobBody | undefined> {
    if (!isDigest(digest)) return undefined;
    let handle;
    try {
      handle = await open(this.blobs.pathOf(digest), 'r');
    } catch {
      return undefined;
    }
    const { size } = await handle.stat();
    const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { size, stream: Readable.toWeb(stream) as ReadableStream<Uint8Array> };
  }

  async putBlob(descriptor: Descriptor, source: BlobSource): Promise<void> {
    if (await this.blobs.has(descriptor.digest)) return;
    const dest = this.blobs.pathOf(descriptor.digest);
    await mkdir(join(this.blobs.root, 'sha256'), { recursive: true });
    if (source.path) {
      // The source is the build's verified, content-addressed cache: a link is enough.
      const tmp = tempSibling(dest);
      try {
        await link(source.path, tmp);
        await rename(tmp, dest);
        return;
      } catch {
        await rm(tmp, { force: true });
      }
    }
    const writer = await this.blobs.createWriter();
    const hash = createHash('sha256');
    try {
      for await (const chunk of source.open()) {
        hash.update(chunk);
        if (!writer.stream.write(chunk)) await new Promise<void>((resolve) => writer.stream.once('drain', resolve));
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== descriptor.digest) throw new Error(`blob ${descriptor.digest} hashes to ${actual}`);
      await writer.commit(descriptor.digest);
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
}
