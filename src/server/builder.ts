/**
 * What the server needs of a builder: an ImageRequest in, the image's manifests and blobs out.
 * The real one (library-builder.ts) runs pith's build on the request's spec; tests use fakes.
 */
import type { Descriptor } from '../image/types.js';
import type { ImageRequest } from './names.js';
import type { BlobSource, StoredManifest } from './storage.js';

export interface BuiltArtifact {
  /** The root: the manifest (one arch) or the index (several). */
  root: StoredManifest;
  /** Platform manifests of an index (empty for one arch). */
  children: StoredManifest[];
  /** Configs and layers. */
  blobs: Array<{ descriptor: Descriptor; source: BlobSource }>;
  /** Package count per arch, for the build log. */
  packages?: Record<string, number>;
}

/** A build event for the log (`build-progress` lines carry pith's own progress messages). */
export type BuildLog = (message: string) => void;

export interface ImageBuilder {
  /**
   * Build the image. `signal` aborts on the build timeout (or shutdown): the builder stops the
   * work and rejects with BuildAbortedError. What the request itself gets wrong (an unknown
   * package) rejects with UnsatisfiableError; the mirror failing is a PithError of kind network
   * or integrity; anything else is a server-side failure.
   */
  build(request: ImageRequest, options: { signal: AbortSignal; log: BuildLog }): Promise<BuiltArtifact>;
}

/** The build ran past its time and was stopped. */
export class BuildAbortedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BuildAbortedError';
  }
}

/**
 * The request names something that can't be built: a package the solver can't find or whose
 * dependencies can't be satisfied. The message is the solver's reason.
 */
export class UnsatisfiableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsatisfiableError';
  }
}

/** The spec a request stands for: what the worker builds (with specFromObject). */
export interface ServeSpec {
  name: string;
  tag: string;
  created: 0;
  debian: string;
  archs: string[];
  preset: string;
  variants?: string[];
  packages?: string[];
}

/**
 * The spec for a request. `created` is pinned to 0 so SOURCE_DATE_EPOCH in the server's
 * environment never moves a digest.
 */
export function specObject(request: ImageRequest): ServeSpec {
  return {
    name: `pith-serve/${request.key.id.slice(0, 16)}`,
    tag: request.suite,
    created: 0,
    debian: request.suite,
    archs: [...request.archs],
    preset: request.preset,
    ...(request.variants.length > 0 ? { variants: [...request.variants] } : {}),
    ...(request.packages.length > 0 ? { packages: [...request.packages] } : {}),
  };
}

/**
 * The same spec as YAML (values JSON-quoted, which YAML reads as written), kept beside the image's
 * lock as a record: `pith build <work>/<key id>/pith.yaml` rebuilds the image from the same lock.
 */
export function specText(request: ImageRequest): string {
  const lines = Object.entries(specObject(request)).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
  return `# pith serve: ${request.key.canonical}\n${lines.join('\n')}\n`;
}
