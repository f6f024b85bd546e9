/** Applying a closure trim's result: the tree cut down to the kept entries (trimToClosure decides, closure.ts). */
import { FsTree } from '../fs-tree.js';
import type { TrimResult } from './types.js';

/** A new tree with only the kept entries, each with its original metadata and origin. */
export function applyTrim(tree: FsTree, result: TrimResult): FsTree {
  const out = new FsTree();
  for (const entry of tree.list()) {
    if (!result.kept.has(entry.path)) continue;
    // Directories nobody asked for stay implicit: they reappear (0755 root) below kept entries.
    if (entry.type === 'dir' && tree.isImplicit(entry.path)) continue;
    const { path, ...rest } = entry;
    out.add(path, rest);
  }
  return out;
}
