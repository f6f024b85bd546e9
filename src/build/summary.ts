/** What `pith build --json` reports of each image and layer, derived from the image model. */
import type { Digest } from '../image/digest.js';
import type { Image } from '../image/image.js';
import type { Layer } from '../image/layer.js';
import type { Platform } from '../image/types.js';

export interface LayerSummary {
  name: string;
  digest: Digest;
  diffId: Digest;
  size: number;
  /** -1 when not known (a base image's layer). */
  uncompressedSize: number;
  /** -1 when not counted (a layer from the cache, or a base image's). */
  entries: number;
}

export interface ImageSummary {
  platform: Platform;
  digest: Digest;
  layers: LayerSummary[];
}

export function layerSummary(layer: Layer): LayerSummary {
  return {
    name: layer.name ?? '',
    digest: layer.digest,
    diffId: layer.diffId,
    size: layer.size,
    uncompressedSize: layer.uncompressedSize ?? -1,
    entries: layer.entries ?? -1,
  };
}

export function imageSummary(image: Image): ImageSummary {
  return { platform: image.platform, digest: image.digest, layers: image.layers.map(layerSummary) };
}
