/**
 * Refuses packages whose data.tar could write outside the image root, or through a link it
 * created itself, when unpacked. dpkg protects itself against these; naive tar extraction (and a
 * layer that is later unpacked by a container runtime) does not, so pith checks every entry.
 *
 * Checks are lexical: the image is assembled in memory and no host path is ever touched, so the
 * rules are on the names: no absolute member names, no `..`, relative symlink targets that stay
 * within the root when resolved from the link's directory, hard links to an earlier regular file
 * of the same archive, and no entry below (or replacing) a symlink created earlier in the archive.
 */
import { integrityError, type PithError } from '../../../errors.js';

/** The shape the guard needs; DebFile satisfies it. */
export interface GuardedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  target?: string;
}

const HINT = 'refusing the package: it is malformed or malicious; check where it came from';

export function unsafeEntryError(where: string, entryName: string, reason: string): PithError {
  return integrityError(`unsafe entry ${JSON.stringify(entryName)} in data.tar: ${reason}`, { where, hint: HINT });
}

/**
 * Normalizes a tar member name ("./usr/bin/", "usr//bin") to an image path ("usr/bin"); the
 * root ("./", ".") becomes "". Refuses absolute names and any `..` component.
 * `what` says which name this is in messages ("path", "hard link target").
 */
export function normalizeMemberName(raw: string, where: string, entryName = raw, what = 'path'): string {
  if (raw.includes('\0')) throw unsafeEntryError(where, entryName, `${what} contains a NUL byte`);
  if (raw.startsWith('/')) {
    throw unsafeEntryError(where, entryName, `${what} ${JSON.stringify(raw)} is absolute`);
  }
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      throw unsafeEntryError(where, entryName, `${what} ${JSON.stringify(raw)} has a ".." component`);
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** Whether walking `target` from the directory `fromDir` never climbs above the root (lexically). */
function staysInsideRoot(fromDir: string[], target: string): boolean {
  let depth = target.startsWith('/') ? 0 : fromDir.length;
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      depth -= 1;
      if (depth < 0) return false;
    } else {
      depth += 1;
    }
  }
  return true;
}

/**
 * Validates entries one by one, in archive order, so that a malicious package is refused at the
 * first bad entry. `where` names the package in every error.
 */
export class DebPathGuard {
  private readonly where: string;
  /** Every path seen so far and its type. */
  private readonly seen = new Map<string, GuardedEntry['type']>();

  constructor(where: string) {
    this.where = where;
  }

  /**
   * Checks one normalized entry (`entryName` is the member name as stored, for messages).
   * The path must already come from normalizeMemberName, and a hard link's target too.
   */
  admit(entry: GuardedEntry, entryName: string = entry.path): void {
    const { path } = entry;
    if (path === '') throw unsafeEntryError(this.where, entryName, 'replaces the image root');

    // No entry may sit below a symlink (or a non-directory) placed earlier in this archive: a
    // naive extractor would follow the link and write wherever it points.
    const parts = path.split('/');
    for (let index = 1; index < parts.length; index += 1) {
      const ancestor = parts.slice(0, index).join('/');
      const type = this.seen.get(ancestor);
      if (type === 'symlink') {
        throw unsafeEntryError(
          this.where,
          entryName,
          `its parent ${JSON.stringify(ancestor)} is a symlink of this package`,
        );
      }
      if (type !== undefined && type !== 'dir') {
        throw unsafeEntryError(this.where, entryName, `its parent ${JSON.stringify(ancestor)} is not a directory`);
      }
    }

    // Replacing an earlier entry (a symlink above all) would write through it; only repeated
    // directories are harmless.
    const previous = this.seen.get(path);
    if (previous !== undefined && !(previous === 'dir' && entry.type === 'dir')) {
      throw unsafeEntryError(this.where, entryName, `duplicates an earlier ${previous} entry`);
    }

    if (entry.type === 'symlink') {
      const target = entry.target ?? '';
      if (target === '') throw unsafeEntryError(this.where, entryName, 'symlink has an empty target');
      if (target.includes('\0')) throw unsafeEntryError(this.where, entryName, 'symlink target contains a NUL byte');
      // Absolute targets resolve inside the image root at run time; relative ones must not climb
      // above it from the link's own directory.
      if (!staysInsideRoot(parts.slice(0, -1), target)) {
        throw unsafeEntryError(
          this.where,
          entryName,
          `symlink target ${JSON.stringify(target)} points above the image root`,
        );
      }
    } else if (entry.type === 'hardlink') {
      const target = entry.target ?? '';
      const targetType = this.seen.get(target);
      if (target === '' || (targetType !== 'file' && targetType !== 'hardlink')) {
        throw unsafeEntryError(
          this.where,
          entryName,
          `hard link target ${JSON.stringify(target)} is not a regular file earlier in the package`,
        );
      }
    }

    this.seen.set(path, entry.type);
  }
}

/** Validates a whole list (in archive order); throws the first problem as an integrity error. */
export function validateEntries(entries: readonly GuardedEntry[], where: string): void {
  const guard = new DebPathGuard(where);
  for (const entry of entries) {
    if (normalizeMemberName(entry.path, where, entry.path) !== entry.path) {
      throw unsafeEntryError(where, entry.path, 'path is not normalized');
    }
    if (entry.type === 'hardlink' && entry.target !== undefined) {
      normalizeMemberName(entry.target, where, entry.path, 'hard link target');
    }
    guard.admit(entry);
  }
}
