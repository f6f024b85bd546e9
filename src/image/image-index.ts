import { sha256Digest } from './digest.js';
import { imageDescriptor, type Image } from './image.js';
import { MediaType } from './media-types.js';
import { stableJsonBytes } from './stable-json.js';
import type { Descriptor, ImageIndex } from './types.js';

/** An OCI image index over images of several platforms: its JSON, exact bytes and descriptor. */
export interface BuiltIndex {
  index: ImageIndex;
  raw: Uint8Array;
  descriptor: Descriptor;
}

/** Pure: the index naming each image by its descriptor (platform included), in the order given. */
export function indexOf(images: readonly Image[], annotations?: Record<string, string>): BuiltIndex {
  const notes = annotations && Object.keys(annotations).length > 0 ? annotations : undefined;
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: images.map(imageDescriptor),
    ...(notes ? { annotations: notes } : {}),
  };
  const raw = stableJsonBytes(index);
  return { index, raw, descriptor: { mediaType: MediaType.ociIndex, digest: sha256Digest(raw), size: raw.byteLength } };
}
