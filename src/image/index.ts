/**
 * pith's OCI image model (`pith/image`): one Layer, one Image, an ImageSet of several platforms,
 * the JSON shapes they serialise to, and pure operations that build and change images.
 * Reading and writing them (layouts, archives, registries) is `pith/transports`.
 */
export type { Digest } from './digest.js';
export { sha256Digest, isDigest, asDigest, digestHex } from './digest.js';
export { MediaType, type MediaTypeName } from './media-types.js';
export type {
  Descriptor,
  Manifest,
  ImageIndex,
  ImageConfig,
  ContainerConfig,
  HistoryEntry,
  Platform,
} from './types.js';
export { layerDescriptor, layerPath, type Layer } from './layer.js';
export { imageDescriptor, type Image, type ImageSet } from './image.js';
export type { Blobs, BlobWriter } from './blobs.js';
export { indexOf, type BuiltIndex } from './image-index.js';
export { emptyImage, appendLayers, setConfig, setCreated, setAnnotations, isoTime, EPOCH } from './mutate.js';
export { platformFor, hostArch } from './platform.js';
export { stableJson, stableJsonBytes } from './stable-json.js';
export {
  DEFAULT_COMPRESSION,
  COMPRESSION_LEVELS,
  LAYER_MEDIA_TYPES,
  parseCompression,
  type Compression,
  type CompressionAlgorithm,
} from './compression.js';
