import type { NewEntry } from '../../tree/fs-tree.js';

/** An entry resolved from some source, to be placed in the image tree at `path` (absolute). */
export interface PlannedEntry {
  path: string;
  entry: NewEntry;
}

/** Owner lookup against the image's accounts; throws a PithError naming `where` when unknown. */
export type OwnerResolver = (owner: string | undefined, where: string) => { uid: number; gid: number };

/**
 * Modes of copied host files are normalised the way git does it (0755 if any execute bit is
 * set, else 0644), so a different umask or checkout on another machine gives the same layer.
 */
export function normalisedFileMode(hostMode: number): number {
  return hostMode & 0o111 ? 0o755 : 0o644;
}
