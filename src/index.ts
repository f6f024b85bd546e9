/**
 * pith's library API (`pith`): everything the CLI does. Stages that are heavy to load (the build
 * pipeline with its resolver and .deb stack, the registry client, image reading) load on first
 * call, so importing pith, like starting the CLI, stays cheap. More in the subpaths: `pith/server`
 * (pith serve), `pith/registry` (the distribution client), `pith/inspect` (images read back) and
 * `pith/errors` (PithError alone).
 */
import type * as BuildModule from './build/build.js';
import type * as SpecModule from './spec/load.js';
import type * as InspectModule from './inspect/index.js';
import type * as LayoutModule from './resolve/sources/oci-layout.js';
import type * as BaseImageModule from './resolve/base-image.js';
import type * as PushModule from './registry-client/push.js';
import type * as PullModule from './registry-client/pull.js';
import type * as CredentialsModule from './registry-client/credentials.js';

export { PithError, isPithError, usageError, printable, printableStrings, type ErrorKind } from './errors.js';

export const build: typeof BuildModule.build = async (...args) => (await import('./build/build.js')).build(...args);
export const lockSpec: typeof BuildModule.lockSpec = async (...args) => (await import('./build/build.js')).lockSpec(...args);
export { buildEpoch } from './build/run.js';
export type { BuildOptions, BuildResult, LayerSummary } from './build/types.js';

export const loadSpec: typeof SpecModule.loadSpec = async (...args) => (await import('./spec/load.js')).loadSpec(...args);
export { parseSpec, type LoadedSpec } from './spec/load.js';
export type { Spec } from './spec/types.js';
export { specJsonSchema } from './spec/json-schema.js';

export { sinks, sinkNames, type Sink, type ImageArtifact, type BuiltImage } from './sinks/index.js';
export { BlobStore } from './store/blob-store.js';
export { defaultCacheDir } from './store/cache-dir.js';
export type { Digest } from './image/digest.js';
export type { Descriptor, Manifest, ImageIndex, ImageConfig, Platform } from './image/types.js';
export { MediaType } from './image/media-types.js';
export { DEFAULT_COMPRESSION, COMPRESSION_LEVELS, parseCompression, type Compression, type CompressionAlgorithm } from './image/compression.js';
export type { Lockfile, LockedPackage } from './lock/lockfile.js';

export const pushArtifact: typeof PushModule.pushArtifact = async (...args) => (await import('./registry-client/push.js')).pushArtifact(...args);
export type { PushOptions, PushResult, BlobEvent, BlobAction } from './registry-client/push.js';
export const pullImage: typeof PullModule.pullImage = async (...args) => (await import('./registry-client/pull.js')).pullImage(...args);
export type { PullOptions, PulledImage } from './registry-client/pull.js';
export const findCredentials: typeof CredentialsModule.findCredentials = async (...args) =>
  (await import('./registry-client/credentials.js')).findCredentials(...args);
export type { Credentials } from './registry-client/credentials.js';
export type { ClientOptions } from './registry-client/client.js';
export { parseReference, formatReference, type Reference } from './registry-client/reference.js';

export const readOciLayout: typeof LayoutModule.readOciLayout = async (...args) =>
  (await import('./resolve/sources/oci-layout.js')).readOciLayout(...args);
export const parseLayoutArg: typeof LayoutModule.parseLayoutArg = async (...args) =>
  (await import('./resolve/sources/oci-layout.js')).parseLayoutArg(...args);
export const loadBaseImage: typeof BaseImageModule.loadBaseImage = async (...args) =>
  (await import('./resolve/base-image.js')).loadBaseImage(...args);
export type { BaseImage, BaseImageOptions } from './resolve/base-image.js';

export const loadImage: typeof InspectModule.loadImage = async (...args) => (await import('./inspect/index.js')).loadImage(...args);
export const openImage: typeof InspectModule.openImage = async (...args) => (await import('./inspect/index.js')).openImage(...args);
export const analyzeImage: typeof InspectModule.analyzeImage = async (...args) => (await import('./inspect/index.js')).analyzeImage(...args);
export { diffImages } from './inspect/diff.js';
export { auditImage } from './inspect/audit.js';
