import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeLayer } from '../layers/layer.js';
import type { Compression } from '../layers/compression/codecs.js';
import { DEFAULT_LAYER_RULES, planLayers, type LayerRule } from '../layers/plan.js';
import type { LocatedPackage } from '../resolve/lockfile.js';
import type { DebContents } from '../resolve/sources/debian/deb/deb-reader.js';
import { fetchDebs } from '../resolve/sources/debian/download.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Spool } from '../store/spool.js';
import type { SbomFile } from '../sbom/model.js';
import type { FileEntry, TreeEntry } from '../tree/entry.js';
import { caBundleEntry } from '../tree/files/ca-bundle.js';
import { FsTree } from '../tree/fs-tree.js';
import { filterMd5sums } from '../tree/packages/dpkg-status.js';
import { installPackage, type InstallResult } from '../tree/packages/install.js';
import { addMergedUsrLinks, mergedUsrLinks, type MergedUsrLink } from '../tree/packages/merged-usr.js';
import { applyTrim, trimToClosure, type NamedPath } from '../tree/trim/closure.js';
import { droppedSpecPaths, explain, trimTotals, unmetSummary } from '../tree/trim/explain.js';
import { builtLayer, type BuiltLayer } from './built-layer.js';
import { closureKey, recallClosureImage, rememberClosureImage } from './closure-cache.js';
import { groupPackages, withSpool } from './package-layers.js';
import { packageFacts, treeFiles, type PackageSbomFacts } from './sbom.js';

export interface ClosureImageOptions {
  cacheDir: string;
  store: BlobStore;
  mtime: number;
  compression: Compression;
  /** The command (closure-roots.ts), the image's PATH to find a bare one, the other paths the config names, and keep:. */
  roots: string[];
  path: string[];
  named: NamedPath[];
  keep: string[];
  libraryPath?: string[];
  log?: (message: string) => void;
  /**
   * The base image below: its files join the tree (so the closure finds its loader and
   * libraries) but are never written again. `diffIds` name it in the cache key.
   */
  base?: { diffIds: readonly string[]; entries: () => Promise<TreeEntry[]> };
}

export interface ClosureImage {
  layers: BuiltLayer[];
  /** The packages that still contribute a file (the SBOM lists these, as status.d does). */
  packages: string[];
  /** What the build says about the trim (totals, needs the image lacks), on a cache hit too. */
  notes: string[];
  facts: Map<string, PackageSbomFacts>;
  /** The trimmed image's host files, binaries and inline paths, for the SBOM. */
  files: SbomFile[];
  explanation: string;
}

/**
 * trim: closure. Unlike the default path, whose package layers depend only on their .debs, here
 * the whole image is one tree first (packages, then the spec's system and user files, then the
 * CA bundle, so certificates a spec adds are in it), trimmed to what the roots reach, and only
 * then cut into layers: per source package, then system, libraries, app. Such a package layer
 * depends on the roots, so the whole result is cached under a key of every input (the .debs,
 * the spec's files by content, roots, keep, mtime, gzip, and pith's own code); a hit is used only
 * when every layer blob is in the store and hashes to its digest.
 */
export async function closureImage(packages: readonly LocatedPackage[], appTree: FsTree, options: ClosureImageOptions): Promise<ClosureImage> {
  const cachePath = join(options.cacheDir, 'closure', `${await closureKey(packages, appTree, options)}.json`);
  const hit = await recallClosureImage(cachePath, options.store);
  if (hit) {
    options.log?.(`trim: closure image from the cache (${hit.layers.length} layers)`);
    for (const note of hit.notes) options.log?.(note);
    return hit;
  }
  const image = await buildClosureImage(packages, appTree, options);
  for (const note of image.notes) options.log?.(note);
  await rememberClosureImage(cachePath, image);
  return image;
}

async function buildClosureImage(packages: readonly LocatedPackage[], appTree: FsTree, options: ClosureImageOptions): Promise<ClosureImage> {
  // Unpacked contents wait on disk, not in memory, until the layers are written.
  return withSpool(options.cacheDir, (spool) => buildClosureImageWith(packages, appTree, options, spool));
}

async function buildClosureImageWith(packages: readonly LocatedPackage[], appTree: FsTree, options: ClosureImageOptions, spool: Spool): Promise<ClosureImage> {
  const { records, debs } = await readPackages(packages, { ...options, spool });
  const tree = assembleTree(records, debs, appTree, { trimDocs: true, ...(options.base ? { base: await options.base.entries() } : {}) });
  const result = await trimToClosure(tree, {
    roots: options.roots,
    path: options.path,
    named: options.named,
    keep: options.keep,
    ...(options.libraryPath ? { libraryPath: options.libraryPath } : {}),
  });
  if (options.base) {
    // What the base holds is the base's: this build neither keeps nor drops it.
    const ours = (p: { path: string }) => tree.get(p.path)?.origin.kind !== 'base';
    result.dropped = result.dropped.filter(ours);
    result.keptFiles = result.keptFiles.filter(ours);
  }
  const notes: string[] = [];
  const summary = unmetSummary(result.unmet);
  if (summary) notes.push(summary);
  // The spec's own entries and the paths its config names are roots: this line means a bug.
  const lost = droppedSpecPaths(tree, result, options.named.map((n) => n.path));
  if (lost.length) notes.push(`trim: dropped ${lost.length} of the spec's own paths: ${lost.slice(0, 5).join(', ')}${lost.length > 5 ? ', ...' : ''} (add them to keep:, and report this)`);
  const trimmed = applyTrim(tree, result);
  // status.d's md5sums list only what is still there.
  const dropped = new Set(result.dropped.map((d) => d.path));
  for (const entry of trimmed.list()) {
    if (entry.type !== 'file' || !entry.path.startsWith('var/lib/dpkg/status.d/') || !entry.path.endsWith('.md5sums') || entry.source.kind !== 'bytes') continue;
    const text = filterMd5sums(new TextDecoder().decode(entry.source.data), (p) => dropped.has(p));
    const data = new TextEncoder().encode(text);
    trimmed.add(entry.path, { ...(entry as FileEntry), size: data.byteLength, source: { kind: 'bytes', data } });
  }

  const groups = groupPackages(packages);
  const rules: LayerRule[] = [
    { name: 'from-base', createdBy: '', match: (e) => e.origin.kind === 'base' },
    ...groups.map((g) => {
      const names = new Set(g.packages.map((p) => p.name));
      return {
        name: `packages: ${g.name}`,
        createdBy: `pith: debian packages ${g.packages.map((p) => `${p.name} ${p.version}`).join(', ')} (trimmed to the closure)`,
        match: (e: { origin: { kind: string; package?: string } }) => e.origin.kind === 'package' && names.has(e.origin.package ?? ''),
      };
    }),
    ...DEFAULT_LAYER_RULES,
  ];
  const layers: ClosureImage['layers'] = [];
  for (const plan of planLayers(trimmed, rules).filter((p) => p.name !== 'from-base')) {
    const blob = await writeLayer(plan.entries, options.store, { mtime: options.mtime, compression: options.compression });
    layers.push(builtLayer(blob, plan.name, plan.createdBy, plan.entries.length, options.store));
    options.log?.(`layer ${plan.name}: ${plan.entries.length} entries, ${blob.size} bytes`);
  }
  const contributing = new Set(result.packages);
  const facts = new Map<string, PackageSbomFacts>();
  for (const p of records) if (contributing.has(p.name)) facts.set(p.name, packageFacts(p.name, debs.get(p.sha256)!, trimmed, true));
  const totals = trimTotals(result);
  const gone = records.filter((p) => !contributing.has(p.name)).map((p) => p.name);
  notes.unshift(
    `trim: kept ${totals.keptFiles} files (${totals.keptBytes} bytes), dropped ${totals.droppedFiles} (${totals.droppedBytes} bytes)` +
      (gone.length ? `; ${gone.length} package(s) contribute nothing and are left out of status.d and the SBOM: ${gone.join(', ')}` : ''),
  );
  return {
    layers,
    notes,
    packages: records.map((p) => p.name).filter((name) => contributing.has(name)),
    facts,
    files: await treeFiles(trimmed),
    explanation: explain(result),
  };
}

/** The verified .debs of `packages`, read (a few at once: decoding is CPU-bound). */
export async function readPackages(packages: readonly LocatedPackage[], options: { cacheDir: string; spool: Spool; log?: (m: string) => void }) {
  const records = packages;
  const debCache = { cacheDir: options.cacheDir, ...(options.log ? { log: options.log } : {}) };
  const paths = records.length ? await fetchDebs(records, debCache) : new Map<string, string>();
  const { readDeb } = await import('../resolve/sources/debian/deb/deb-reader.js');
  const debs = new Map<string, DebContents>();
  const queue = [...records];
  await Promise.all(
    Array.from({ length: Math.max(2, availableParallelism()) }, async () => {
      for (let p = queue.shift(); p; p = queue.shift()) debs.set(p.sha256, await readDeb(paths.get(p.sha256)!, { packageName: p.name, spool: options.spool }));
    }),
  );
  return { records, debs };
}

/**
 * The whole image as one tree: a base image's files (origin base), the packages (docs trimmed or
 * not; `installed` receives each package's install result), then the spec's system and user
 * files, then the CA bundle, so certificates a spec adds are in it.
 */
export function assembleTree(
  records: readonly LocatedPackage[],
  debs: ReadonlyMap<string, DebContents>,
  appTree: FsTree,
  options: { trimDocs: boolean; base?: readonly TreeEntry[]; installed?: (result: InstallResult) => void },
): FsTree {
  const tree = new FsTree();
  for (const entry of options.base ?? []) tree.add(entry.path, entry);
  const baseFiles = records.find((p) => p.name === 'base-files');
  const mergedUsr: MergedUsrLink[] = baseFiles ? mergedUsrLinks([{ name: 'base-files', files: debs.get(baseFiles.sha256)!.files }]) : [];
  addMergedUsrLinks(tree, mergedUsr);
  for (const p of [...records].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const result = installPackage(tree, p, debs.get(p.sha256)!, { trim: { docs: options.trimDocs } });
    options.installed?.(result);
  }
  // The spec's own entries on top (the merged-/usr links are the packages' already).
  for (const entry of appTree.list()) {
    if (entry.origin.kind === 'package') continue;
    if (entry.type === 'dir' && appTree.isImplicit(entry.path)) continue;
    tree.add(entry.path, entry);
  }
  if (records.some((p) => p.name === 'ca-certificates')) caBundleEntry(tree);
  return tree;
}
