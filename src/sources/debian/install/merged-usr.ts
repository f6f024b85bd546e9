/**
 * Merged /usr. From Debian 13 (trixie) on, base-files ships the top-level aliasing links
 * (`bin -> usr/bin`, `lib -> usr/lib`, `lib64 -> usr/lib64`, `sbin -> usr/sbin`, and on some
 * architectures `lib32`, `libx32`, `libo32`, ...), while other packages may still ship files under
 * /bin or /lib. The caller creates these links in the tree before any package is installed, so
 * that FsTree.add puts such files under /usr and no real /bin or /lib directory is ever emitted
 * where the image has a link (a runtime would otherwise see the directory shadow the link, or
 * the link replace the directory, depending on layer order).
 *
 * Debian 12 (bookworm) packages ship no such links; its images keep the unmerged layout, as
 * distroless' Debian 12 images do.
 */
import { buildError } from '../../../errors.js';
import type { DebFile } from '../deb/deb-reader.js';
import { describe, type FsTree } from '../../../tree/fs-tree.js';
import { resolveLinkTarget } from '../../../tree/paths.js';
import { compareBytes } from '../../../byte-order.js';

export interface MergedUsrLink {
  /** Top-level name: "bin", "lib", ... */
  path: string;
  /** The target exactly as the package stores it ("usr/bin"). */
  target: string;
  /** The package shipping it (for the entry's origin). */
  package: string;
}

/**
 * The aliasing links the given packages ship: top-level symlinks whose target is the same name
 * under usr/ (`bin -> usr/bin`, also written `/usr/bin`). Sorted by path; when several packages
 * ship one (however they spell the target, it means the same), the first package's is kept.
 */
export function mergedUsrLinks(debs: ReadonlyArray<{ name: string; files: readonly DebFile[] }>): MergedUsrLink[] {
  const links = new Map<string, MergedUsrLink>();
  for (const deb of debs) {
    for (const file of deb.files) {
      if (file.type !== 'symlink' || file.path.includes('/') || file.target === undefined) continue;
      if (resolveLinkTarget(file.path, file.target) !== `usr/${file.path}`) continue;
      if (!links.has(file.path)) links.set(file.path, { path: file.path, target: file.target, package: deb.name });
    }
  }
  return [...links.values()].sort((a, b) => compareBytes(a.path, b.path));
}

/** Creates the aliasing links in the tree (root-owned 0777 symlinks, origin: the shipping package). */
export function addMergedUsrLinks(tree: FsTree, links: readonly MergedUsrLink[], versions?: ReadonlyMap<string, string>): void {
  for (const link of links) {
    const version = versions?.get(link.package);
    tree.add(link.path, {
      type: 'symlink',
      target: link.target,
      mode: 0o777,
      uid: 0,
      gid: 0,
      origin: { kind: 'package', package: link.package, detail: version ? `${link.package} ${version}` : link.package },
    });
  }
}

/**
 * Fails when the tree has something other than the aliasing link at a link's path: a real
 * directory or file at /bin where the image should have `bin -> usr/bin`.
 */
export function assertNoAliasConflicts(tree: FsTree, links: readonly Pick<MergedUsrLink, 'path' | 'target'>[]): void {
  for (const link of links) {
    const entry = tree.get(link.path);
    if (entry === undefined) continue;
    const sameLink =
      entry.type === 'symlink' && resolveLinkTarget(entry.path, entry.target) === resolveLinkTarget(link.path, link.target);
    if (sameLink) continue;
    const what = entry.type === 'dir' ? 'a real directory' : entry.type === 'symlink' ? `a symlink to ${entry.target}` : `a ${entry.type}`;
    throw buildError(
      `/${link.path} is ${what} (from ${describe(entry.origin)}), but the image's merged /usr needs ` +
        `/${link.path} -> ${link.target}`,
      {
        hint: `put files for /${link.path} under /${resolveLinkTarget(link.path, link.target) ?? link.target} instead`,
      },
    );
  }
}
