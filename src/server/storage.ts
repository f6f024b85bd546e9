/**
 * Where `pith serve` keeps what it built. Blobs (layers, configs, and manifests too) are content
 * addressed; an image key (see names.ts) is bound to the digest of its root manifest or index,
 * which is what makes a name serve the same digest until it is evicted.
 *
 * A storage may be local (a directory: LocalStorage) or another registry: then `blobUrl` gives
 * the address clients are redirected to (307), so several replicas share one store.
 */
import type { Digest } from '../image/digest.js';
import type { Descriptor } from '../image/types.js';

/** A manifest or index, byte-exact (its digest is the hash of these bytes). */
export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  bytes: Uint8Array;
}

/** Inclusive byte range, as HTTP's Range counts. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob's bytes (or the part of them asked for). */
export interface BlobBody {
  /** The whole blob's size. */
  size: number;
  stream: ReadableStream<Uint8Array>;
}

/** Bytes to store: a stream to read, and a local path when the bytes are in a file. */
export interface BlobSource {
  open(): AsyncIterable<Uint8Array>;
  /** A file holding the blob, so a local storage can hard-link it instead of copying. */
  path?: string;
}

export interface ImageStorage {
  /** For logs and /healthz, e.g. `local /var/cache/pith/serve/store`. */
  readonly description: string;
  /** The root manifest (or index) bound to an image key id, if any. */
  getManifest(keyId: string): Promise<StoredManifest | undefined>;
  /** A manifest or index by digest (roots and the platform manifests of an index). */
  getManifestByDigest(digest: Digest): Promise<StoredManifest | undefined>;
  /**
   * Store a manifest by digest and, with `keyId`, bind the key to it. Callers store every blob
   * and child manifest first, so a bound key always leads to complete content.
   */
  putManifest(manifest: StoredManifest, keyId?: string): Promise<void>;
  /** The blob's size when it is stored. */
  statBlob(digest: Digest): Promise<number | undefined>;
  /** The blob (or `range` of it), undefined when it is not stored. */
  getBlob(digest: Digest, range?: ByteRange): Promise<BlobBody | undefined>;
  putBlob(descriptor: Descriptor, source: BlobSource): Promise<void>;
  /** Where clients can fetch a stored blob directly (answered with a 307); absent for local storage. */
  blobUrl?(digest: Digest): Promise<string | undefined>;
  /** Release connections (shutdown). */
  close?(): void;
}

const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** The mediaType a manifest or index declares, or undefined when the bytes are not one. */
export function manifestMediaType(bytes: Uint8Array): string | undefined {
  // Layers are compressed binary: only look at what can be a JSON object.
  if (bytes.byteLength === 0 || bytes[0] !== 0x7b || bytes.byteLength > 4 * 1024 * 1024) return undefined;
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown };
    return typeof value.mediaType === 'string' && MANIFEST_TYPES.has(value.mediaType) && value.schemaVersion === 2
      ? value.mediaType
      : undefined;
  } catch {
    return undefined;
  }
}

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_TYPES.has(mediaType);
}
