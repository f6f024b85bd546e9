/**
 * Puts one Debian package into the image tree the way distroless does (its data.tar unpacked, no
 * maintainer script run, the control file and md5sums under var/lib/dpkg/status.d), but trimmed
 * (trim.ts) and through FsTree.add, so that on a merged-/usr tree (`bin -> usr/bin`, ...) a file
 * the package ships under /bin lands in /usr/bin instead of replacing the link with a directory.
 */
import { debFilesToTreeEntries, type DebContents, type DebFile } from '../deb/deb-reader.js';
import type { Origin, TreeEntry } from '../../../tree/entry.js';
import type { FsTree, NewEntry } from '../../../tree/fs-tree.js';
import { baseName, parentOf, toImagePath } from '../../../tree/paths.js';
import { checkControlIdentity, filterMd5sums, md5sumsPath, statusPath } from './dpkg-status.js';
import { isTrimmed, type TrimOptions } from './trim.js';

/** The package being installed: a PackageRecord does, so does a lockfile entry. */
export interface InstallPackageInfo {
  name: string;
  version: string;
  /** Checked against the control file when given. */
  architecture?: string;
}

export interface InstallOptions {
  trim: TrimOptions;
}

export interface InstalledPath {
  /** Image path: canonical (after symlinks in the tree) for added entries, the package's own for trimmed ones. */
  path: string;
  type: DebFile['type'];
  /** Bytes of a regular file (a hard link promoted to a file counts its bytes); 0 otherwise. */
  size: number;
}

export interface InstallResult {
  package: string;
  version: string;
  origin: Origin;
  /** In archive order, then the two status.d files. */
  added: InstalledPath[];
  /** Left out by trimming, in archive order. */
  trimmed: InstalledPath[];
  addedBytes: number;
  trimmedBytes: number;
}

const encoder = new TextEncoder();

export function packageOrigin(pkg: InstallPackageInfo): Origin {
  return { kind: 'package', package: pkg.name, detail: `${pkg.name} ${pkg.version}` };
}

export function installPackage(
  tree: FsTree,
  pkg: InstallPackageInfo,
  deb: DebContents,
  options: InstallOptions,
): InstallResult {
  checkControlIdentity(deb.control, pkg);
  const origin = packageOrigin(pkg);
  const { kept, trimmed, trimmedPaths } = trimFiles(deb.files, options.trim);
  const entries = debFilesToTreeEntries(kept, { package: origin.package!, detail: origin.detail });
  /** The package's path -> where FsTree put it, for hard link targets. */
  const canonicalOf = new Map<string, string>();
  const added: InstalledPath[] = [];
  for (const entry of entries) {
    const debPath = entry.path;
    const placed =
      entry.type === 'hardlink'
        ? tree.add(debPath, {
            ...withoutPath(entry),
            target: canonicalOf.get(entry.target) ?? canonicalize(tree, entry.target),
          })
        : tree.add(debPath, withoutPath(entry));
    canonicalOf.set(debPath, placed);
    added.push({ path: placed, type: entry.type, size: entry.type === 'file' ? entry.size : 0 });
  }

  const statusFile = (path: string, text: string) => {
    const data = encoder.encode(text);
    const placed = tree.add(path, {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      origin,
      size: data.byteLength,
      source: { kind: 'bytes', data },
    });
    added.push({ path: placed, type: 'file', size: data.byteLength });
  };
  // The control file is kept byte for byte: scanners parse it, and a rewritten one would no
  // longer match the package (the .deb reader hands it over as UTF-8 text, and Debian control
  // files are UTF-8).
  statusFile(statusPath(pkg.name), deb.control);
  if (deb.md5sums !== undefined) {
    statusFile(
      md5sumsPath(pkg.name),
      filterMd5sums(deb.md5sums, (path) => trimmedPaths.has(path)),
    );
  }

  return {
    package: pkg.name,
    version: pkg.version,
    origin,
    added,
    trimmed,
    addedBytes: added.reduce((sum, item) => sum + item.size, 0),
    trimmedBytes: trimmed.reduce((sum, item) => sum + item.size, 0),
  };
}

/**
 * The package's files without the trimmed ones. A hard link whose target was trimmed becomes a
 * regular file with the target's bytes: the kept name must not lose its content because another
 * name of the same inode was dropped.
 */
function trimFiles(
  files: readonly DebFile[],
  trim: TrimOptions,
): { kept: DebFile[]; trimmed: InstalledPath[]; trimmedPaths: Set<string> } {
  const byPath = new Map<string, DebFile>();
  for (const file of files) byPath.set(file.path, file);
  const trimmedPaths = new Set<string>();
  const trimmed: InstalledPath[] = [];
  const kept: DebFile[] = [];
  for (const file of files) {
    if (isTrimmed(file.path, trim)) {
      trimmedPaths.add(file.path);
      trimmed.push({ path: file.path, type: file.type, size: file.type === 'file' ? sizeOf(file) : 0 });
    } else {
      kept.push(file);
    }
  }
  const promoted = kept.map((file): DebFile => {
    if (file.type !== 'hardlink' || file.target === undefined || !trimmedPaths.has(file.target)) return file;
    const content = hardlinkContent(file, byPath);
    return { path: file.path, type: 'file', mode: file.mode, uid: file.uid, gid: file.gid, ...content };
  });
  return { kept: promoted, trimmed, trimmedPaths };
}

function sizeOf(file: DebFile): number {
  return file.spooled?.size ?? file.data?.byteLength ?? file.size;
}

/** The contents of the regular file a hard link (chain) points at: its bytes or its spool extent. */
function hardlinkContent(
  file: DebFile,
  byPath: ReadonlyMap<string, DebFile>,
): Pick<DebFile, 'size' | 'data' | 'spooled'> {
  let current: DebFile | undefined = file;
  for (let hops = 0; current !== undefined && current.type === 'hardlink' && hops < 64; hops++) {
    current = current.target === undefined ? undefined : byPath.get(current.target);
  }
  if (current?.type === 'file' && current.spooled) return { size: current.spooled.size, spooled: current.spooled };
  const data = current?.type === 'file' ? (current.data ?? new Uint8Array(0)) : new Uint8Array(0);
  return { size: data.byteLength, data };
}

function withoutPath<T extends TreeEntry>(entry: T): Omit<T, 'path'> & NewEntry {
  const { path: _path, ...rest } = entry;
  return rest as Omit<T, 'path'> & NewEntry;
}

/** A path with its parent canonicalised through the tree's symlinks, as FsTree.add does. */
function canonicalize(tree: FsTree, path: string): string {
  const normal = toImagePath(path) ?? path;
  const parent = tree.resolve(parentOf(normal));
  if (parent === null) return normal;
  return parent === '' ? baseName(normal) : `${parent}/${baseName(normal)}`;
}
