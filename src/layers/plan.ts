import type { TreeEntry } from '../tree/entry.js';
import type { FsTree } from '../tree/fs-tree.js';

/** A rule that claims entries for one layer. Rules are tried in order; the first match wins. */
export interface LayerRule {
  name: string;
  /** The history line of the layer in the image config. */
  createdBy: string;
  match(entry: TreeEntry): boolean;
}

export interface LayerPlan {
  name: string;
  createdBy: string;
  entries: TreeEntry[];
}

/**
 * Splits a tree into layers. Each entry the tree holds explicitly goes to the first rule that
 * matches; directories created only as parents go, identically, into every layer that has
 * something below them (so no layer silently changes a directory another layer made). Layers
 * with nothing in them are dropped. What changes least comes first, the application last.
 */
export function planLayers(tree: FsTree, rules: readonly LayerRule[]): LayerPlan[] {
  const buckets = rules.map(() => new Map<string, TreeEntry>());
  for (const entry of tree.list()) {
    if (entry.type === 'dir' && tree.isImplicit(entry.path)) continue;
    const index = rules.findIndex((r) => r.match(entry));
    if (index < 0) throw new Error(`no layer rule for /${entry.path} (${entry.origin.kind})`);
    const bucket = buckets[index]!;
    bucket.set(entry.path, entry);
    for (const dir of tree.ancestors(entry.path)) if (!bucket.has(dir.path)) bucket.set(dir.path, dir);
  }
  return rules
    .map((rule, i) => ({ name: rule.name, createdBy: rule.createdBy, entries: [...buckets[i]!.values()] }))
    .filter((plan) => plan.entries.length > 0);
}

/** pith's default grouping after the package layers: install effects, system files, host libraries, the application. */
export const DEFAULT_LAYER_RULES: LayerRule[] = [
  // Install effects (src/sources/debian/effects) come right after the package layers they belong to.
  {
    name: 'effects',
    createdBy: 'pith: install effects (accounts, directories, alternatives, trust store, locale)',
    match: (e) => e.origin.kind === 'effect',
  },
  {
    name: 'system',
    createdBy: 'pith: accounts and system files',
    match: (e) => e.origin.kind === 'accounts' || e.origin.kind === 'system',
  },
  { name: 'libraries', createdBy: 'pith: shared libraries of the binaries', match: (e) => e.origin.kind === 'library' },
  { name: 'app', createdBy: 'pith: application files, binaries and paths', match: () => true },
];
