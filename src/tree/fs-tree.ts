import { compareBytes } from '../byte-order.js';
import { buildError } from '../errors.js';
import type { DirEntry, FileEntry, HardlinkEntry, Origin, SymlinkEntry, TreeEntry } from './entry.js';
import { ancestorsOf, baseName, parentOf, resolveLinkTarget, toImagePath } from './paths.js';

const MAX_LINK_HOPS = 40;

export type NewEntry =
  Omit<FileEntry, 'path'> | Omit<DirEntry, 'path'> | Omit<SymlinkEntry, 'path'> | Omit<HardlinkEntry, 'path'>;

/**
 * The image's filesystem, built in memory. Adding an entry canonicalises its parent through the
 * symlinks already in the tree (so `lib/x` lands in `usr/lib/x` when `lib -> usr/lib`), creates
 * missing parent directories (0755 root, marked implicit) and replaces an earlier entry at the same
 * path: later sources override earlier ones, as later layers would.
 */
export class FsTree {
  private readonly entries = new Map<string, TreeEntry>();
  /** Directories nobody asked for: created only because something lives below them. */
  private readonly implicitDirs = new Set<string>();

  get size(): number {
    return this.entries.size;
  }

  get(path: string): TreeEntry | undefined {
    return this.entries.get(path);
  }

  isImplicit(path: string): boolean {
    return this.implicitDirs.has(path);
  }

  /** All entries in no particular order: for searches whose result does not depend on order. */
  unordered(): IterableIterator<TreeEntry> {
    return this.entries.values();
  }

  /** All entries sorted by path (byte order), so iteration never depends on insertion order. */
  list(): TreeEntry[] {
    return [...this.entries.values()].sort((a, b) => compareBytes(a.path, b.path));
  }

  /** Adds an entry at `path` (absolute or image path) and returns the canonical path used. */
  add(path: string, entry: NewEntry): string {
    const normal = toImagePath(path);
    if (normal === null || normal === '') throw buildError(`invalid image path "${path}"`);
    const parent = this.ensureDir(parentOf(normal), entry.origin);
    const canonical = parent === '' ? baseName(normal) : `${parent}/${baseName(normal)}`;
    const existing = this.entries.get(canonical);
    if (existing?.type === 'symlink' && entry.type === 'dir') {
      // Never put a real directory where the image has an aliasing link (lib -> usr/lib):
      // the directory's content goes through the link, as it would at run time.
      const target = this.resolve(canonical);
      if (target !== null && this.entries.get(target)?.type === 'dir') return target;
      const wanted = resolveLinkTarget(canonical, existing.target);
      if (target === null && wanted !== null) return this.ensureDir(wanted, entry.origin);
    }
    if (existing?.type === 'dir') {
      if (entry.type === 'dir') {
        this.implicitDirs.delete(canonical);
        this.entries.set(canonical, { ...entry, path: canonical } as TreeEntry);
        return canonical;
      }
      if (this.hasChildren(canonical)) {
        throw buildError(
          `/${canonical} is a directory in the image (from ${describe(existing.origin)}); ` +
            `${describe(entry.origin)} cannot replace it with a ${entry.type}`,
        );
      }
    }
    this.implicitDirs.delete(canonical);
    this.entries.set(canonical, { ...entry, path: canonical } as TreeEntry);
    return canonical;
  }

  /** Removes the entry at a canonical path and, for a directory, everything below it. */
  remove(path: string): void {
    const prefix = `${path}/`;
    for (const key of [...this.entries.keys()]) {
      if (key === path || key.startsWith(prefix)) {
        this.entries.delete(key);
        this.implicitDirs.delete(key);
      }
    }
  }

  /** Follows symlinks in the tree for every component; returns null if the path does not exist. */
  resolve(path: string): string | null {
    const normal = toImagePath(path);
    if (normal === null) return null;
    return this.walk(normal, true, 0);
  }

  private walk(path: string, followLast: boolean, hops: number): string | null {
    if (path === '') return '';
    const parent = this.walk(parentOf(path), true, hops);
    if (parent === null) return null;
    const here = parent === '' ? baseName(path) : `${parent}/${baseName(path)}`;
    const entry = this.entries.get(here);
    if (!entry) return null;
    if (entry.type !== 'symlink' || !followLast) return here;
    if (hops >= MAX_LINK_HOPS) throw buildError(`too many levels of symbolic links at /${here}`);
    const target = resolveLinkTarget(here, entry.target);
    if (target === null) return null;
    return this.walk(target, true, hops + 1);
  }

  /** Makes sure a directory exists at `dir` (following symlinks), returning its canonical path. */
  private ensureDir(dir: string, origin: Origin): string {
    if (dir === '') return '';
    const parent = this.ensureDir(parentOf(dir), origin);
    const here = parent === '' ? baseName(dir) : `${parent}/${baseName(dir)}`;
    const entry = this.entries.get(here);
    if (!entry) {
      this.entries.set(here, { type: 'dir', path: here, mode: 0o755, uid: 0, gid: 0, origin });
      this.implicitDirs.add(here);
      return here;
    }
    if (entry.type === 'dir') return here;
    if (entry.type === 'symlink') {
      const target = this.resolve(here);
      if (target !== null && this.entries.get(target)?.type === 'dir') return target;
      // A dangling link to a directory-to-be: create the target directory.
      const wanted = resolveLinkTarget(here, entry.target);
      if (wanted !== null && target === null) return this.ensureDir(wanted, origin);
    }
    throw buildError(
      `/${here} is a ${entry.type} in the image (from ${describe(entry.origin)}), ` +
        `but ${describe(origin)} needs it to be a directory`,
    );
  }

  private hasChildren(dir: string): boolean {
    const prefix = `${dir}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** Ancestors of `path` that are in the tree, outermost first. */
  ancestors(path: string): DirEntry[] {
    const out: DirEntry[] = [];
    for (const a of ancestorsOf(path)) {
      const e = this.entries.get(a);
      if (e?.type === 'dir') out.push(e);
    }
    return out;
  }
}

export function describe(origin: Origin): string {
  return origin.kind === 'package' ? `package ${origin.package ?? origin.detail}` : origin.detail;
}
