/**
 * Layer policy for `trim: closure`. Unlike the default policy, whose part layers depend only on
 * their parts, here the whole image is one tree first (one-tree.ts: the image below, the parts,
 * the spec's own entries), trimmed to what the roots reach, and only then cut into layers: per
 * group of parts, then system, libraries, app. Such a part layer depends on the roots, so the
 * whole result is cached under a key of every input (the parts, the spec's files by content,
 * roots, keep, mtime, compression, and pith's own code); a hit is used only when every layer
 * blob is in the store and hashes to its digest.
 */
import { join } from 'node:path';
import { writeLayer } from '../layers/layer.js';
import { DEFAULT_LAYER_RULES, planLayers, type LayerRule } from '../layers/plan.js';
import type { PartFacts, PartSet } from '../sources/source.js';
import { withSpool, type Spool } from '../store/spool.js';
import type { FsTree } from '../tree/fs-tree.js';
import { applyTrim, trimToClosure, type TrimResult } from '../tree/trim/closure.js';
import { droppedSpecPaths, explain, trimTotals, unmetSummary } from '../tree/trim/explain.js';
import type { Layer } from '../image/layer.js';
import { builtLayer } from './built-layer.js';
import { closureKey, recallClosureImage, rememberClosureImage } from './closure-cache.js';
import type { ClosureImage, ClosureImageOptions } from './closure-types.js';
export type { ClosureImage, ClosureImageOptions } from './closure-types.js';
import { oneTree, readAllParts, type LoadedParts } from './one-tree.js';
import { treeFiles } from './sbom.js';

export async function closureImage(
  sets: readonly PartSet[],
  specTree: FsTree,
  options: ClosureImageOptions,
): Promise<ClosureImage> {
  const cachePath = join(options.cacheDir, 'closure', `${await closureKey(sets, specTree, options)}.json`);
  const hit = await recallClosureImage(cachePath, options.store);
  if (hit) {
    options.log?.(`trim: closure image from the cache (${hit.layers.length} layers)`);
    for (const note of hit.notes) options.log?.(note);
    return hit;
  }
  // Unpacked contents wait on disk, not in memory, until the layers are written.
  const image = await withSpool(options.cacheDir, (spool) => buildClosureImage(sets, specTree, options, spool));
  for (const note of image.notes) options.log?.(note);
  await rememberClosureImage(cachePath, image);
  return image;
}

async function buildClosureImage(
  sets: readonly PartSet[],
  specTree: FsTree,
  options: ClosureImageOptions,
  spool: Spool,
): Promise<ClosureImage> {
  const loaded = await readAllParts(sets, spool, options.log);
  const { tree } = oneTree(loaded, specTree, options.below ? { below: await options.below.entries() } : {});
  const result = await trimToClosure(tree, {
    roots: options.roots,
    path: options.path,
    named: options.named,
    keep: options.keep,
    ...(options.libraryPath ? { libraryPath: options.libraryPath } : {}),
  });
  if (options.below) {
    // What the image below holds is its own: this build neither keeps nor drops it.
    const ours = (p: { path: string }) => tree.get(p.path)?.origin.kind !== 'base';
    result.dropped = result.dropped.filter(ours);
    result.keptFiles = result.keptFiles.filter(ours);
  }
  const notes = trimNotes(tree, result, options);
  const trimmed = applyTrim(tree, result);
  const dropped = new Set(result.dropped.map((d) => d.path));
  for (const set of sets) set.afterTrim?.(trimmed, dropped);
  const layers = await cutLayers(trimmed, sets, options);
  const contributing = new Set(result.packages);
  const facts = new Map<string, PartFacts>();
  for (const [set, parts] of loaded)
    for (const part of set.parts)
      if (contributing.has(part.name)) facts.set(part.name, parts.get(part.name)!.facts(trimmed));
  const all = sets.flatMap((s) => s.parts.map((p) => p.name));
  const totals = trimTotals(result);
  const gone = all.filter((name) => !contributing.has(name));
  notes.unshift(
    `trim: kept ${totals.keptFiles} files (${totals.keptBytes} bytes), dropped ${totals.droppedFiles} (${totals.droppedBytes} bytes)` +
      (gone.length
        ? `; ${gone.length} package(s) contribute nothing and are left out of status.d and the SBOM: ${gone.join(', ')}`
        : ''),
  );
  return {
    layers,
    notes,
    packages: all.filter((name) => contributing.has(name)),
    facts,
    files: await treeFiles(trimmed),
    explanation: explain(result),
  };
}

function trimNotes(tree: FsTree, result: TrimResult, options: ClosureImageOptions): string[] {
  const notes: string[] = [];
  const summary = unmetSummary(result.unmet);
  if (summary) notes.push(summary);
  // The spec's own entries and the paths its config names are roots: this line means a bug.
  const lost = droppedSpecPaths(
    tree,
    result,
    options.named.map((n) => n.path),
  );
  if (lost.length)
    notes.push(
      `trim: dropped ${lost.length} of the spec's own paths: ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', ...' : ''} (add them to keep:, and report this)`,
    );
  return notes;
}

/** The trimmed tree cut into layers: one per group of parts, then by origin; what lies below is not written again. */
async function cutLayers(trimmed: FsTree, sets: readonly PartSet[], options: ClosureImageOptions): Promise<Layer[]> {
  const rules: LayerRule[] = [
    { name: 'from-base', createdBy: '', match: (e) => e.origin.kind === 'base' },
    ...sets.flatMap((set) =>
      set.groups.map((g) => {
        const names = new Set(g.parts.map((p) => p.name));
        return {
          name: `packages: ${g.name}`,
          createdBy: `${g.createdBy} (trimmed to the closure)`,
          match: (e: { origin: { kind: string; package?: string } }) =>
            e.origin.kind === 'package' && names.has(e.origin.package ?? ''),
        };
      }),
    ),
    ...DEFAULT_LAYER_RULES,
  ];
  const layers: Layer[] = [];
  for (const plan of planLayers(trimmed, rules).filter((p) => p.name !== 'from-base')) {
    const blob = await writeLayer(plan.entries, options.store, {
      mtime: options.mtime,
      compression: options.compression,
    });
    layers.push(builtLayer(blob, plan.name, plan.createdBy, plan.entries.length, options.store));
    options.log?.(`layer ${plan.name}: ${plan.entries.length} entries, ${blob.size} bytes`);
  }
  return layers;
}

export type { LoadedParts };
