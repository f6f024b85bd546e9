/**
 * The in-memory filesystem model every stage after `resolve` works on. Paths are image paths
 * without a leading slash and without `.`/`..` components ("usr/bin/app"); the root is "".
 */

/**
 * Where an entry came from: used by SBOMs, `--explain`, `trim: closure` (src/tree/trim/rules.ts
 * ORIGIN_TRIM) and error messages. 'effect' is an install-time effect of package `package`: what
 * its maintainer scripts would have made (a system account's home, a directory, an alternatives
 * link, a generated file), made by pith instead.
 */
export interface Origin {
  kind: 'accounts' | 'system' | 'file' | 'binary' | 'library' | 'path' | 'package' | 'effect' | 'base';
  /** Human detail: the host path, the package name, the spec field ("paths[2]"). */
  detail: string;
  /** For kinds 'package' and 'effect': the package name (and arch), so layers can group by package. */
  package?: string;
}

/** Where a regular file's bytes come from. Reading is deferred until the layer is written. */
export type FileSource =
  | { kind: 'bytes'; data: Uint8Array }
  | { kind: 'host'; path: string }
  /** Bytes of an unpacked package waiting in a spool file (store/spool.ts), `size` of them at `offset`. */
  | { kind: 'spool'; file: string; offset: number; sha256: string };

interface EntryBase {
  path: string;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  origin: Origin;
}

export interface FileEntry extends EntryBase {
  type: 'file';
  size: number;
  source: FileSource;
}

export interface DirEntry extends EntryBase {
  type: 'dir';
}

export interface SymlinkEntry extends EntryBase {
  type: 'symlink';
  /** The link target exactly as stored (relative or absolute). */
  target: string;
}

/** A hard link to another regular file of the same layer (`target` is that file's image path). */
export interface HardlinkEntry extends EntryBase {
  type: 'hardlink';
  target: string;
}

export type TreeEntry = FileEntry | DirEntry | SymlinkEntry | HardlinkEntry;
