/**
 * The tree install effects work on: every package installed from its facts (package-facts.ts),
 * trimmed as the image is, through the merged-/usr links, in name order. Files whose bytes the
 * facts do not hold get an empty body and are listed as deferred, so an effect that needs them
 * can ask for them (apply.ts runs again once they are loaded).
 */
import type { TreeEntry } from '../../../tree/entry.js';
import { FsTree } from '../../../tree/fs-tree.js';
import { installPackage } from '../install/install.js';
import { addMergedUsrLinks, type MergedUsrLink } from '../../../tree/merged-usr.js';
import { isTrimmed } from '../install/trim.js';
import type { InstallFacts } from './package-facts.js';
import type { DeferredContent } from './workspace.js';
import { compareBytes } from '../../../byte-order.js';

export interface ViewPackage {
  name: string;
  version: string;
  architecture?: string;
  facts: InstallFacts;
}

/** Bytes loaded on demand: `${package}\0${debPath}` -> bytes. */
export type LoadedContents = ReadonlyMap<string, Uint8Array>;

export const contentKey = (pkg: string, debPath: string) => `${pkg}\u0000${debPath}`;

export function effectsView(
  packages: readonly ViewPackage[],
  options: {
    mergedUsr: readonly MergedUsrLink[];
    trimDocs: boolean;
    loaded?: LoadedContents;
    base?: readonly TreeEntry[];
  },
): { view: FsTree; deferred: Map<string, DeferredContent> } {
  const view = new FsTree();
  // A base image's files first (origin base: never written again), so scripts see the image they land in.
  for (const { path, ...rest } of options.base ?? []) view.add(path, rest);
  addMergedUsrLinks(view, options.mergedUsr);
  const deferred = new Map<string, DeferredContent>();
  for (const p of [...packages].sort((a, b) => compareBytes(a.name, b.name))) {
    const files = p.facts.files.map((f) => {
      const text = p.facts.texts[f.path];
      const data =
        text !== undefined
          ? new Uint8Array(Buffer.from(text, 'base64'))
          : options.loaded?.get(contentKey(p.name, f.path));
      return { ...f, ...(data ? { data } : {}) };
    });
    const contents = {
      control: p.facts.control,
      files,
      ...(p.facts.md5sums === undefined ? {} : { md5sums: p.facts.md5sums }),
    };
    const installed = installPackage(
      view,
      { name: p.name, version: p.version, ...(p.architecture ? { architecture: p.architecture } : {}) },
      contents,
      { trim: { docs: options.trimDocs } },
    );
    // `added` lists the kept files in archive order (then the two status files).
    const kept = files.filter((f) => !isTrimmed(f.path, { docs: options.trimDocs }));
    kept.forEach((f, i) => {
      if (f.type === 'file' && !f.data && f.size > 0)
        deferred.set(installed.added[i]!.path, { package: p.name, debPath: f.path });
    });
  }
  return { view, deferred };
}
