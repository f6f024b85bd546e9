/**
 * What trim: closure takes and gives (closure-image.ts builds it, closure-cache.ts keeps it), in a
 * file of its own so the two import it one way instead of each other.
 */
import type { Compression } from '../layers/compression/codecs.js';
import type { SbomFile } from '../sbom/model.js';
import type { ImageBelow, PartFacts } from '../sources/source.js';
import type { BlobStore } from '../store/blob-store.js';
import type { NamedPath } from '../tree/trim/closure.js';
import type { Layer } from '../image/layer.js';

export interface ClosureImageOptions {
  cacheDir: string;
  store: BlobStore;
  mtime: number;
  compression: Compression;
  /** The command (closure-roots.ts), the image's PATH to find a bare one, the other paths the config names, and keep:. */
  roots: string[];
  path: string[];
  named: NamedPath[];
  keep: string[];
  libraryPath?: string[];
  log?: (message: string) => void;
  /** The image below: its files join the tree (so the closure finds its loader and libraries) but are never written again. */
  below?: ImageBelow;
}

export interface ClosureImage {
  layers: Layer[];
  /** The parts that still contribute a file (the SBOM lists these, as status.d does). */
  packages: string[];
  /** What the build says about the trim (totals, needs the image lacks), on a cache hit too. */
  notes: string[];
  facts: Map<string, PartFacts>;
  /** The trimmed image's host files, binaries and inline paths, for the SBOM. */
  files: SbomFile[];
  explanation: string;
}
