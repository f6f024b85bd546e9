import type { LayerRef } from '../image/assemble.js';
import type { LayerBlob } from '../layers/layer.js';
import type { ReadyLayer } from '../sources/source.js';
import type { LayerSummary } from './types.js';

/** A written layer as the image needs it (descriptor, diff_id, history) and as --json reports it. */
export interface BuiltLayer {
  ref: LayerRef;
  summary: LayerSummary;
}

/** `entries` is -1 when the layer came from the cache and its entries were not counted. */
export function builtLayer(blob: LayerBlob, name: string, createdBy: string, entries: number): BuiltLayer {
  return {
    ref: { descriptor: { mediaType: blob.mediaType, digest: blob.digest, size: blob.size }, diffId: blob.diffId, createdBy },
    summary: { name, digest: blob.digest, diffId: blob.diffId, size: blob.size, uncompressedSize: blob.uncompressedSize, entries },
  };
}

/** A layer that exists already (a base image's): its size is known, its entries are not counted. */
export function readyLayer(layer: ReadyLayer): BuiltLayer {
  const { descriptor, diffId } = layer.ref;
  return { ref: layer.ref, summary: { name: layer.name, digest: descriptor.digest, diffId, size: descriptor.size, uncompressedSize: -1, entries: -1 } };
}
