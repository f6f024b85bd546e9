/**
 * What the server needs of a builder: an ImageRequest in, the image's manifests and blobs out.
 * The real one (library-builder.ts) writes a spec and runs pith's build; tests use fakes.
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

/**
 * The spec for a request, as YAML (scalars JSON-quoted, which YAML reads as written). `created`
 * is pinned to 0 so SOURCE_DATE_EPOCH in the server's environment never moves a digest.
 */
export function specText(request: ImageRequest): string {
  const q = (s: string) => JSON.stringify(s);
  const list = (items: string[]) => `[${items.map(q).join(', ')}]`;
  const lines = [
    `# pith serve: ${request.key.canonical}`,
    `name: ${q(`pith-serve/${request.key.id.slice(0, 16)}`)}`,
    `tag: ${q(request.suite)}`,
    'created: 0',
    `debian: ${q(request.suite)}`,
    `archs: ${list(request.archs)}`,
    `preset: ${q(request.preset)}`,
  ];
  if (request.variants.length > 0) lines.push(`variants: ${list(request.variants)}`);
  if (request.packages.length > 0) lines.push(`packages: ${list(request.packages)}`);
  return `${lines.join('\n')}\n`;
}
