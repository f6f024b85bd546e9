/**
 * pith/server: `pith serve` to embed. startServe() is the whole server on a port; serveParts()
 * gives the pieces (the image service and a fetch-style Request -> Response handler) to mount in
 * another server. A storage (ImageStorage) or builder (ImageBuilder) of your own plugs into both.
 */
export { startServe, serveParts, SERVE_DEFAULTS, type ServeOptions, type RunningServe } from './serve.js';
export { createHandler, type Handler, type HandlerOptions } from './handler.js';
export { ImageService, type ImageServiceOptions, type BuildCounters, type EventLog, type LogEvent } from './images.js';
export { parseImageName, META_NAMES, type ImageRequest, type ImageKey, type NameLimits } from './names.js';
export {
  specObject,
  specText,
  BuildAbortedError,
  UnsatisfiableError,
  type ServeSpec,
  type ImageBuilder,
  type BuiltArtifact,
  type BuildLog,
} from './builder.js';
export { LibraryBuilder } from './library-builder.js';
export { LocalStorage } from './local-storage.js';
export { RegistryStorage } from './registry-storage.js';
export { MemoryStorage } from './memory-storage.js';
export type { ImageStorage, StoredManifest, BlobBody, BlobSource, ByteRange } from './storage.js';
export { DistributionError, type RegistryErrorCode } from './errors.js';
export { listenNode, type NodeServer } from './node.js';
export { CONNECTION_DEFAULTS, type ConnectionLimits } from './connection-guard.js';
