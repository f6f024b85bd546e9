/**
 * `pith serve` as a library (`pith/server`): a pull-only registry that builds images of Debian
 * packages on first pull, its request handler, image service and storages. Kept out of the main
 * `pith` face so that importing pith does not load the server.
 */
export { startServe, serveParts, SERVE_DEFAULTS, type ServeOptions, type RunningServe } from './serve.js';
export { createHandler, type Handler, type HandlerOptions } from './handler.js';
export { ImageService, type ImageServiceOptions, type BuildCounters, type EventLog, type LogEvent } from './images.js';
export { parseImageName, META_NAMES, type ImageRequest, type ImageKey, type NameLimits } from './names.js';
export { specText, type ImageBuilder, type BuiltArtifact } from './builder.js';
export { LibraryBuilder } from './library-builder.js';
export { LocalStorage } from './local-storage.js';
export { RegistryStorage } from './registry-storage.js';
export { MemoryStorage } from './memory-storage.js';
export type { ImageStorage, StoredManifest, BlobBody, BlobSource, ByteRange } from './storage.js';
export { DistributionError, type RegistryErrorCode } from './errors.js';
export { listenNode, type NodeServer } from './node.js';
export { CONNECTION_DEFAULTS, type ConnectionLimits } from './connection-guard.js';
