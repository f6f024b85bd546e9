/**
 * pith's library: what `pith build`, `pith lock` and `pith inspect`/`diff`/`audit` do. A spec comes
 * from a file (loadSpec) or a value (specFromObject); build() makes the image and writes it where
 * BuildOptions.output says. More in subpath exports: pith/image (the image model and mutate),
 * pith/transports (open, write and push any medium), pith/registry (the distribution client) and
 * pith/server (`pith serve` to embed).
 */
import type * as Inspect from './inspect/index.js';

export {
  build,
  lockSpec,
  type BuildOptions,
  type BuildResult,
  type LayerSummary,
  type ImageSummary,
} from './build/build.js';
export { loadSpec, parseSpec, type LoadedSpec } from './spec/load.js';
export { specFromObject, type SpecObjectOptions } from './spec/from-object.js';
export type { Spec } from './spec/types.js';
export { specJsonSchema } from './spec/json-schema.js';
export type { Lockfile, LockedPackage } from './lock/lockfile.js';
export { PithError, isPithError, type ErrorKind } from './errors.js';
export { defaultCacheDir } from './store/cache-dir.js';
export { sinkNames } from './transports/sinks.js';
export { parseCompression, type Compression } from './image/compression.js';
// Reading images back (the layer walker) loads on first call, so a build does not load it.
export const loadImage: typeof Inspect.loadImage = async (...args) =>
  (await import('./inspect/index.js')).loadImage(...args);
export const openImage: typeof Inspect.openImage = async (...args) =>
  (await import('./inspect/index.js')).openImage(...args);
export const analyzeImage: typeof Inspect.analyzeImage = async (...args) =>
  (await import('./inspect/index.js')).analyzeImage(...args);
export { diffImages } from './inspect/diff.js';
export { auditImage } from './inspect/audit.js';
