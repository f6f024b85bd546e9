/** What build() takes and gives back. */
import type { ImageSet } from '../image/image.js';
import type { Digest } from '../image/digest.js';
import type { Compression } from '../layers/compression/codecs.js';
import type { ImageSboms } from './sbom.js';
import type { ImageSummary } from './summary.js';

export interface BuildOptions {
  /** Where to write the result; omit to only build into the cache. */
  output?: { format: string; path: string };
  /** Cache root (default: $PITH_CACHE_DIR, $XDG_CACHE_HOME/pith, ~/.cache/pith). */
  cacheDir?: string;
  /** Environment for SOURCE_DATE_EPOCH (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Progress messages, one line each. */
  log?: (message: string) => void;
  /** Use the lockfile as it is; never resolve packages again. */
  frozen?: boolean;
  /** Allow plain HTTP (or unverified TLS) to the base image's registry. */
  insecure?: boolean;
  /** SPDX and CycloneDX SBOMs: computed, and written beside a file output. Default: true. */
  sbom?: boolean;
  /** Overrides the spec's `compression` (the CLI's --compression). */
  compression?: Compression;
  /** Receives why each file is kept and what was dropped and why, per package (any trim mode). */
  explain?: (text: string) => void;
  /** Warnings (what install effects could not emulate), one line each; default: log. */
  warn?: (message: string) => void;
  /** Make those warnings an error. */
  strict?: boolean;
}

export interface BuildResult {
  /** The digest of the manifest (one platform) or of the index (several). */
  digest: Digest;
  mediaType: string;
  artifact: ImageSet;
  /** What --json reports of each image, derived from the artifact's images. */
  images: ImageSummary[];
  created: string;
  output?: { format: string; path: string };
  /** One pair of SBOM documents per platform image (when options.sbom is not false). */
  sboms?: ImageSboms[];
  /** Where the SBOMs were written. */
  sbomFiles?: string[];
}
