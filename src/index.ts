/** pith's library API: everything the CLI does is available from here. */
export { build, lockSpec, buildEpoch, GZIP_LEVEL, type BuildOptions, type BuildResult, type LayerSummary } from './build/build.js';
export { loadSpec, parseSpec, type LoadedSpec } from './spec/load.js';
export type { Spec } from './spec/types.js';
export { specJsonSchema } from './spec/json-schema.js';
export { sinks, sinkNames, type Sink, type ImageArtifact, type BuiltImage } from './sinks/index.js';
export { PithError, isPithError } from './errors.js';
export { BlobStore } from './store/blob-store.js';
export { defaultCacheDir } from './store/cache-dir.js';
export type { Digest } from './image/digest.js';
export type { Descriptor, Manifest, ImageIndex, ImageConfig, Platform } from './image/types.js';
export { MediaType } from './image/media-types.js';
export type { Lockfile, LockedPackage } from './resolve/lockfile.js';
