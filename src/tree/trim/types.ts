/** The inputs and results of `trim: closure` (closure.ts), shared with explain.ts and the build. */
import type { Origin, TreeEntry } from '../entry.js';
import type { Rule } from './rules.js';

/** A path the spec names besides the command: an argument, the working directory, a volume. */
export interface NamedPath {
  /** Absolute image path. */
  path: string;
  /** Why it is kept, for --explain: `entrypoint argument`, `WorkingDir`... */
  why: string;
  /** Keep what is below a directory too (default true). */
  subtree?: boolean;
}

export interface ClosureTrimOptions {
  /**
   * The programs the image runs (entrypoint[0], else cmd[0]): an absolute path, or a bare name
   * looked up on `path` as execvp() would; globs are allowed. Each must exist, and what it needs
   * must be in the image.
   */
  roots: string[];
  /** The image's PATH, for bare command names (default: env's default PATH). */
  path?: string[];
  /** Other paths the spec names: kept when present (not an error when missing), as data. */
  named?: NamedPath[];
  /** The spec's `keep:` globs; a plain path naming a directory keeps its whole subtree. Matching nothing is fine. */
  keep?: string[];
  /** Defaults to DEFAULT_RULES; pass [] to turn implicit needs off, or DEFAULT_RULES plus your own. */
  rules?: readonly Rule[];
  /** The image's LD_LIBRARY_PATH (config Env), searched as the loader would. */
  libraryPath?: string[];
}

export interface TrimmedPath {
  path: string;
  type: TreeEntry['type'];
  /** Bytes of a regular file; 0 for everything else. */
  size: number;
  origin: Origin['kind'];
  package?: string;
  /** Why it is dropped, when the mode says more than "nothing kept reaches it" (trim: docs). */
  why?: string;
}

/** Something a kept file (not the command) would need at run time that the image does not hold. */
export interface Unmet {
  /** The kept file, absolute. */
  path: string;
  kind: 'interpreter' | 'library';
  /** The missing interpreter path or library name. */
  needs: string;
}

export interface TrimResult {
  /** Image paths (no leading slash) that stay, directories included. */
  kept: Set<string>;
  /** Every entry that goes, sorted by path. */
  dropped: TrimmedPath[];
  /** Why each kept path stays: 'root', 'needed by X (libfoo.so.1)', 'rule: glibc-nss', ... */
  reasons: Map<string, string[]>;
  /** Every kept non-directory entry, sorted by path (for explain()). */
  keptFiles: TrimmedPath[];
  /** Packages that still contribute a kept file or symlink (their status.d entries stay), sorted. */
  packages: string[];
  /** Needs of kept data files the image lacks (e.g. stdlib scripts whose #! names /usr/bin/env). */
  unmet: Unmet[];
}
