/** What build() takes and gives back. */
import type { BuiltImage, ImageArtifact } from '../image/artifact.js';
import type { Digest } from '../image/digest.js';
import type { Compression } from '../layers/compression/codecs.js';
import type { ImageSboms } from './sbom.js';

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

export interface LayerSummary {
  name: string;
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
  entries: number;
}

export interface BuildResult {
  /** The digest of the manifest (one platform) or of the index (several). */
  digest: Digest;
  mediaType: string;
  artifact: ImageArtifact;
  images: Array<{ platform: BuiltImage['platform']; digest: Digest; layers: LayerSummary[] }>;
  created: string;
  output?: { format: string; path: string };
  /** One pair of SBOM documents per platform image (when options.sbom is not false). */
  sboms?: ImageSboms[];
  /** Where the SBOMs were written. */
  sbomFiles?: string[];
}
