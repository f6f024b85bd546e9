/**
 * Images read and written on every medium (`pith/transports`), one module each, read and write
 * side by side: OCI layout, oci-archive, docker-archive, registry. `openImage(ref)` opens any
 * reference; `pushImage` pushes a set with its SBOMs as referrers; the build's output formats
 * are `sinks`. The model itself is `pith/image`.
 */
export { openImage, openImageSet, type OpenOptions } from './open.js';
export type {
  OpenedImage,
  OpenedImageSet,
  OpenImageOptions,
  ImageOrigin,
  TransportName,
  Sink,
  Transport,
} from './types.js';
export { sinks, sinkNames } from './sinks.js';
export {
  readOciLayout,
  writeLayout,
  openLayout,
  parseLayoutArg,
  layoutEntry,
  ociLayoutTransport,
} from './oci-layout.js';
export { writeOciArchive, openOciArchive, ociArchiveTransport } from './oci-archive.js';
export { writeDockerArchive, openDockerArchive, dockerArchiveTransport } from './docker-archive.js';
export {
  openRegistry,
  pushImage,
  registryTransport,
  type PushImageOptions,
  type PushImageResult,
  type SbomDocuments,
} from './registry.js';
export { sbomsBesideLayout, imageCreated, type SbomsBeside } from './sbom-files.js';
export { storeImageSet, readImage, readImages, type StoreImagesInput } from './store-images.js';
export { imageFromBlobs, type ImageBlobs } from './image-blobs.js';
export { imageConfigOf, containerConfigOf } from './image-config.js';
