import type { Layer } from '../image/layer.js';
import type { LayerBlob } from '../layers/layer.js';
import type { BlobStore } from '../store/blob-store.js';

/**
 * A blob written to (or found in) `store` as a named layer with its history line; `entries` is -1
 * when not counted (a cache hit).
 */
export function builtLayer(blob: LayerBlob, name: string, createdBy: string, entries: number, store: BlobStore): Layer {
  const { mediaType, digest, size, diffId, uncompressedSize } = blob;
  return {
    mediaType,
    digest,
    size,
    diffId,
    uncompressedSize,
    ...(entries >= 0 ? { entries } : {}),
    createdBy,
    name,
    store,
  };
}
