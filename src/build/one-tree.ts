/**
 * The whole image as one tree, for `trim: closure` and for --explain: the image below (origin
 * base), the parts (each source's links first, then its parts in order), then the spec's own
 * entries, then what the parts leave once everything is in (the CA bundle, so certificates a
 * spec adds are in it).
 */
import type { LeftOut, LoadedPart, PartSet } from '../sources/source.js';
import type { Spool } from '../store/spool.js';
import type { TreeEntry } from '../tree/entry.js';
import { FsTree } from '../tree/fs-tree.js';
import { addMergedUsrLinks } from '../tree/merged-usr.js';

export type LoadedParts = ReadonlyMap<PartSet, ReadonlyMap<string, LoadedPart>>;

/** Every part of every set, read (fetched and verified first). */
export async function readAllParts(
  sets: readonly PartSet[],
  spool: Spool,
  log?: (m: string) => void,
): Promise<LoadedParts> {
  const out = new Map<PartSet, Map<string, LoadedPart>>();
  for (const set of sets) {
    const loading = await set.read(set.parts, spool, log);
    const loaded = new Map<string, LoadedPart>();
    for (const [name, part] of loading) loaded.set(name, await part);
    out.set(set, loaded);
  }
  return out;
}

export function oneTree(
  loaded: LoadedParts,
  specTree: FsTree,
  options: { below?: readonly TreeEntry[] } = {},
): { tree: FsTree; leftOut: Array<{ part: string; items: LeftOut[] }> } {
  const tree = new FsTree();
  for (const entry of options.below ?? []) tree.add(entry.path, entry);
  for (const set of loaded.keys()) addMergedUsrLinks(tree, set.links ?? []);
  const leftOut: Array<{ part: string; items: LeftOut[] }> = [];
  for (const [set, parts] of loaded) {
    for (const part of set.parts) leftOut.push({ part: part.name, items: parts.get(part.name)!.addTo(tree) });
  }
  // The spec's own entries on top (the merged-/usr links in it are the parts' already).
  for (const entry of specTree.list()) {
    if (entry.origin.kind === 'package') continue;
    if (entry.type === 'dir' && specTree.isImplicit(entry.path)) continue;
    tree.add(entry.path, entry);
  }
  for (const set of loaded.keys()) set.finish?.(tree, set.parts);
  return { tree, leftOut };
}
