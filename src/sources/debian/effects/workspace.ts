/**
 * Where install effects happen: a tree holding every package's entries (so scripts and rules see
 * the installed image), the accounts, the alternatives registered, and what could not be emulated.
 * Every entry an effect creates or changes is re-added with an 'effect' Origin naming the package,
 * so it can be collected into its own layer afterwards; package entries are never changed in place.
 */
import type { DirEntry, FileEntry, Origin, TreeEntry } from '../../../tree/entry.js';
import type { FsTree, NewEntry } from '../../../tree/fs-tree.js';
import { baseName, parentOf, toImagePath } from '../../../tree/paths.js';
import type { AccountsDb } from './accounts-db.js';

/** A package file whose bytes the effects view does not hold yet (read from the .deb on demand). */
export interface DeferredContent {
  package: string;
  /** The path inside the package, as its data.tar names it. */
  debPath: string;
}

export interface Alternative {
  link: string;
  name: string;
  path: string;
  priority: number;
  slaves: Array<{ link: string; name: string; path: string }>;
  package: string;
}

export class EffectWorkspace {
  /** Per package, what its scripts do that pith does not emulate (one warning line each). */
  readonly unsupported = new Map<string, string[]>();
  /** What the effects did, for the build's notes. */
  readonly notes: string[] = [];
  readonly alternatives: Alternative[] = [];
  /** Chosen by `update-alternatives --set`. */
  readonly manualAlternatives = new Map<string, string>();
  /** Package entries a script removed (path -> the package whose script did): reported, since a later layer cannot remove them. */
  readonly removed = new Map<string, string>();
  /** mktemp's counter: temporary names are predictable, so builds are too. */
  temporaries = 0;
  /** Package files whose bytes an effect needed but the view lacks: load them and run again. */
  readonly missing = new Map<string, DeferredContent>();

  constructor(
    readonly tree: FsTree,
    readonly accounts: AccountsDb,
    /** Debian architecture name (dpkg --print-architecture). */
    readonly arch: string,
    /** Image path -> where to read its bytes from, for package files held without content. */
    private readonly deferred: ReadonlyMap<string, DeferredContent> = new Map(),
    /** Whether an image path is trimmed away (trim: docs): effects do not create what trimming drops. */
    readonly trimmed: (path: string) => boolean = () => false,
  ) {}

  /** An effect's Origin; `pkg` '' for one no single package causes (the FHS directories). */
  origin(pkg: string, detail: string): Origin {
    return pkg ? { kind: 'effect', package: pkg, detail: `${pkg}: ${detail}` } : { kind: 'effect', detail };
  }

  unsupportedBy(pkg: string, what: string): void {
    const list = this.unsupported.get(pkg) ?? [];
    if (!list.includes(what) && list.length < 20) list.push(what);
    this.unsupported.set(pkg, list);
  }

  /** The entry at a path, symlinks followed (undefined when missing or dangling). */
  stat(path: string): TreeEntry | undefined {
    const real = this.tree.resolve(path);
    if (real === '') return rootDir;
    return real === null ? undefined : this.tree.get(real);
  }

  /** The entry at a path, the last component not followed. */
  lstat(path: string): TreeEntry | undefined {
    const normal = toImagePath(path);
    if (normal === null || normal === '') return normal === '' ? rootDir : undefined;
    const parent = this.tree.resolve(parentOf(normal));
    if (parent === null) return undefined;
    return this.tree.get(parent === '' ? baseName(normal) : `${parent}/${baseName(normal)}`);
  }

  /** A regular file's bytes (links followed); undefined when there is none or they must be loaded first. */
  bytes(path: string): Uint8Array | undefined {
    const real = this.tree.resolve(path);
    if (real === null) return undefined;
    let entry = this.tree.get(real);
    for (let hops = 0; entry?.type === 'hardlink' && hops < 8; hops++) entry = this.tree.get(entry.target);
    if (entry?.type !== 'file') return undefined;
    const pending = this.deferred.get(entry.path);
    if (pending && entry.origin.kind === 'package') {
      this.missing.set(entry.path, pending);
      return new Uint8Array(0);
    }
    return entry.source.kind === 'bytes' ? entry.source.data : undefined;
  }

  text(path: string): string | undefined {
    const data = this.bytes(path);
    return data === undefined ? undefined : new TextDecoder().decode(data);
  }

  /** Where `name` is found on the default PATH as an executable (command -v, which). */
  lookup(name: string): string | undefined {
    const candidates = name.includes('/') ? [name] : SEARCH_PATH.map((dir) => `${dir}/${name}`);
    return candidates.find((path) => {
      const entry = this.stat(path);
      return (entry?.type === 'file' || entry?.type === 'hardlink') && (entry.mode & 0o111) !== 0;
    });
  }

  /** Adds or replaces an entry as the effect of `pkg`; returns the canonical path. */
  put(path: string, entry: DistributiveOmit<NewEntry, 'origin'>, pkg: string, detail: string): string {
    return this.tree.add(path, { ...entry, origin: this.origin(pkg, detail) } as NewEntry);
  }

  /** Changes an existing entry's owner or mode (the entry is re-added as an effect). */
  change(
    path: string,
    change: { uid?: number; gid?: number; mode?: number },
    pkg: string,
    detail: string,
    follow = true,
  ): boolean {
    const entry = follow ? this.stat(path) : this.lstat(path);
    if (!entry || entry.path === '') return false;
    if (entry.type === 'file') this.bytes(`/${entry.path}`); // a changed file is written again: its bytes are needed
    const next = { ...entry, ...change };
    if (next.uid === entry.uid && next.gid === entry.gid && next.mode === entry.mode) return true;
    const { path: at, origin: _origin, ...rest } = next;
    this.put(at, rest as DistributiveOmit<NewEntry, 'origin'>, pkg, detail);
    return true;
  }

  /** Creates a directory (and missing parents, as mkdir -p does) owned by root, 0755 unless given. */
  mkdir(
    path: string,
    pkg: string,
    detail: string,
    options: { mode?: number; uid?: number; gid?: number; parents?: boolean } = {},
  ): boolean {
    const normal = toImagePath(path);
    if (normal === null || normal === '') return normal === '';
    const parts = normal.split('/');
    for (let i = 1; i < parts.length; i++) {
      const at = parts.slice(0, i).join('/');
      const existing = this.stat(at);
      if (existing?.type === 'dir') continue;
      if (existing || !options.parents) return false;
      this.put(at, { type: 'dir', mode: 0o755, uid: 0, gid: 0 }, pkg, detail);
    }
    const existing = this.stat(normal);
    if (existing) return existing.type === 'dir';
    const dir: Omit<DirEntry, 'path' | 'origin'> = {
      type: 'dir',
      mode: options.mode ?? 0o755,
      uid: options.uid ?? 0,
      gid: options.gid ?? 0,
    };
    this.put(normal, dir, pkg, detail);
    return true;
  }

  writeFile(
    path: string,
    data: Uint8Array,
    pkg: string,
    detail: string,
    options: { mode?: number; uid?: number; gid?: number } = {},
  ): boolean {
    const parent = this.stat(parentOf(toImagePath(path) ?? ''));
    if (parent?.type !== 'dir') return false;
    const existing = this.stat(path);
    if (existing && existing.type !== 'file') return false;
    const file: Omit<FileEntry, 'path' | 'origin'> = {
      type: 'file',
      mode: options.mode ?? existing?.mode ?? 0o644,
      uid: options.uid ?? existing?.uid ?? 0,
      gid: options.gid ?? existing?.gid ?? 0,
      size: data.byteLength,
      source: { kind: 'bytes', data },
    };
    this.put(existing ? existing.path : path, file, pkg, detail);
    return true;
  }

  /** Entries an effect created or changed, sorted by path; implicit parent directories left out. */
  effectEntries(): TreeEntry[] {
    return this.tree
      .list()
      .filter((e) => e.origin.kind === 'effect' && !(e.type === 'dir' && this.tree.isImplicit(e.path)));
  }
}

const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const rootDir: DirEntry = {
  path: '',
  type: 'dir',
  mode: 0o755,
  uid: 0,
  gid: 0,
  origin: { kind: 'system', detail: '/' },
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
