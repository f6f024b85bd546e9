import type { Blobs } from './blobs.js';
import type { Digest } from './digest.js';
import type { Descriptor } from './types.js';

/**
 * One layer, whoever made it: written by a build, found in the layer cache, taken from a base
 * image, or read from a layout, an archive or a registry. The facts an image needs of it (media
 * type, digest and size of the compressed blob, diff_id of the tar), the ones pith reports when
 * it knows them, and where its blob is.
 */
export interface Layer {
  mediaType: string;
  /** sha256 of the compressed blob: what manifests reference. */
  digest: Digest;
  /** Size of the compressed blob in bytes. */
  size: number;
  /** sha256 of the uncompressed tar: what the image config's rootfs.diff_ids lists. */
  diffId: Digest;
  /** Descriptor annotations the manifest gives it (kept when an image is built on it). */
  annotations?: Record<string, string>;
  /** Bytes of the uncompressed tar, when known (pith's own layers). */
  uncompressedSize?: number;
  /** Tar entries, when counted. */
  entries?: number;
  /** Its line in the image config's history. */
  createdBy?: string;
  comment?: string;
  /** pith's name for it in progress lines and --json: `system`, `packages: gcc-12`, `base: 0`. */
  name?: string;
  /** Where the blob is: read it with `store.pathOf(digest)` or `store.openRead(digest)`. */
  store: Blobs;
}

/** The descriptor a manifest lists for a layer. */
export function layerDescriptor(layer: Layer): Descriptor {
  return {
    mediaType: layer.mediaType,
    digest: layer.digest,
    size: layer.size,
    ...(layer.annotations ? { annotations: layer.annotations } : {}),
  };
}

/** The file holding the layer's compressed blob. */
export function layerPath(layer: Layer): string {
  return layer.store.pathOf(layer.digest);
}
