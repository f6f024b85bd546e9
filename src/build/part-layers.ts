/**
 * Layer policy for `trim: docs` and `trim: none`: every group of parts (a source package's .debs)
 * is a layer of its own, cached under a key of what it depends on (the parts' keys, the links
 * they are placed through, mtime, compression): a warm build reads no part, and a layer is the
 * same in every image that has the same group. The spec's own tree is cut into layers after them
 * (spec-layers.ts). SBOM facts come from the groups built, or were remembered when they were.
 */
import { join } from 'node:path';
import { compressionIdentity, type Compression } from '../layers/compression/codecs.js';
import { LayerCache } from '../layers/layer-cache.js';
import { writeLayer, type LayerBlob } from '../layers/layer.js';
import { planLayers } from '../layers/plan.js';
import type { LoadedPart, PartFacts, PartGroup, PartSet } from '../sources/source.js';
import type { BlobStore } from '../store/blob-store.js';
import { withSpool, type Spool } from '../store/spool.js';
import { FsTree } from '../tree/fs-tree.js';
import { addMergedUsrLinks, type MergedUsrLink } from '../tree/merged-usr.js';
import type { Layer } from '../image/layer.js';
import { builtLayer } from './built-layer.js';

export interface PartLayersOptions {
  cacheDir: string;
  store: BlobStore;
  mtime: number;
  compression: Compression;
  log: (message: string) => void;
}

export interface PartLayers {
  layers: Layer[];
  /** Per part name, for the SBOM. */
  facts: Map<string, PartFacts>;
}

/** The layers of every part set, in order: each set's parts are placed through `links`. */
export async function partLayers(
  sets: ReadonlyArray<{ set: PartSet; links: readonly MergedUsrLink[] }>,
  options: PartLayersOptions,
): Promise<PartLayers> {
  const out: PartLayers = { layers: [], facts: new Map() };
  // Unpacked contents wait on disk, not in memory, until their layer is written.
  await withSpool(options.cacheDir, async (spool) => {
    for (const { set, links } of sets) {
      const built = await setLayers(set, links, spool, options);
      out.layers.push(...built.layers);
      for (const [name, facts] of built.facts) out.facts.set(name, facts);
    }
  });
  return out;
}

async function setLayers(
  set: PartSet,
  links: readonly MergedUsrLink[],
  spool: Spool,
  options: PartLayersOptions,
): Promise<PartLayers> {
  const cache = new LayerCache(join(options.cacheDir, 'layers'), options.store);
  const keyOf = (g: PartGroup) =>
    LayerCache.key({
      ...set.layerKey(g, links),
      mtime: options.mtime,
      compression: compressionIdentity(options.compression),
    });
  const cached = await Promise.all(set.groups.map((g) => cache.get(keyOf(g))));
  const missing = set.groups.filter((_, i) => cached[i] === undefined);
  // Every part a layer to build needs is read ahead, a few at once.
  const loading = await set.read(
    missing.flatMap((g) => g.parts),
    spool,
    options.log,
  );
  const out: PartLayers = { layers: [], facts: new Map() };
  for (const [i, group] of set.groups.entries()) {
    let blob = cached[i];
    let entries = -1;
    if (!blob) {
      const layer = await groupLayer(set, group, links, loading, options);
      for (const [name, facts] of layer.facts) out.facts.set(name, facts);
      blob = layer.blob;
      entries = layer.entries;
      await cache.put(keyOf(group), blob);
    }
    out.layers.push(builtLayer(blob, `packages: ${group.name}`, group.createdBy, entries, options.store));
    options.log(
      `layer ${group.name}: ${group.parts.length} package(s), ${blob.size} bytes${entries < 0 ? ' (cached)' : ''}`,
    );
  }
  // Parts whose layer came from the cache: their facts were remembered when it was built.
  for (const part of set.parts) {
    if (!out.facts.has(part.name))
      out.facts.set(part.name, await set.recallFacts(part, { spool, links, log: options.log }));
  }
  return out;
}

/** One group's layer: its parts in a tree of their own (through the links), and only theirs written. */
async function groupLayer(
  set: PartSet,
  group: PartGroup,
  links: readonly MergedUsrLink[],
  loading: ReadonlyMap<string, Promise<LoadedPart>>,
  options: PartLayersOptions,
): Promise<{ blob: LayerBlob; entries: number; facts: Map<string, PartFacts> }> {
  const tree = new FsTree();
  addMergedUsrLinks(tree, links);
  const loaded = new Map<string, LoadedPart>();
  for (const part of group.parts) loaded.set(part.name, await loading.get(part.name)!);
  for (const part of group.parts) loaded.get(part.name)!.addTo(tree);
  const facts = new Map<string, PartFacts>();
  for (const part of group.parts) {
    const f = loaded.get(part.name)!.facts(tree);
    facts.set(part.name, f);
    await set.rememberFacts(part, f);
  }
  set.finish?.(tree, group.parts);
  const names = new Set(group.parts.map((p) => p.name));
  const [plan] = planLayers(tree, [
    { name: group.name, createdBy: '', match: (e) => e.origin.kind === 'package' && names.has(e.origin.package ?? '') },
    { name: 'elsewhere', createdBy: '', match: () => true },
  ]).filter((p) => p.name === group.name);
  const blob = await writeLayer(plan?.entries ?? [], options.store, {
    mtime: options.mtime,
    compression: options.compression,
  });
  return { blob, entries: plan?.entries.length ?? 0, facts };
}
