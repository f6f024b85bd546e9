/**
 * Merged /usr: top-level aliasing links (`bin -> usr/bin`, `lib -> usr/lib`, ...). Whoever ships
 * them (Debian's base-files from trixie on, a base image), every tree starts with them, so that
 * FsTree.add puts a file shipped under /bin into /usr/bin and no real /bin directory is ever
 * emitted where the image has a link (a runtime would otherwise see the directory shadow the
 * link, or the link replace the directory, depending on layer order).
 */
import { buildError } from '../errors.js';
import { describe, type FsTree } from './fs-tree.js';
import { resolveLinkTarget } from './paths.js';

export interface MergedUsrLink {
  /** Top-level name: "bin", "lib", ... */
  path: string;
  /** The target exactly as it is stored ("usr/bin"). */
  target: string;
  /** The package shipping it (for the entry's origin). */
  package: string;
}

/** Creates the aliasing links in the tree (root-owned 0777 symlinks, origin: the shipping package). */
export function addMergedUsrLinks(
  tree: FsTree,
  links: readonly MergedUsrLink[],
  versions?: ReadonlyMap<string, string>,
): void {
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
      entry.type === 'symlink' &&
      resolveLinkTarget(entry.path, entry.target) === resolveLinkTarget(link.path, link.target);
    if (sameLink) continue;
    const what =
      entry.type === 'dir'
        ? 'a real directory'
        : entry.type === 'symlink'
          ? `a symlink to ${entry.target}`
          : `a ${entry.type}`;
    throw buildError(
      `/${link.path} is ${what} (from ${describe(entry.origin)}), but the image's merged /usr needs ` +
        `/${link.path} -> ${link.target}`,
      {
        hint: `put files for /${link.path} under /${resolveLinkTarget(link.path, link.target) ?? link.target} instead`,
      },
    );
  }
}
