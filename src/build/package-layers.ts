import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import type { DebContents } from '../resolve/sources/debian/deb/deb-reader.js';
import { LayerCache } from '../layers/layer-cache.js';
import { writeLayer } from '../layers/layer.js';
import { compressionIdentity, type Compression } from '../layers/compression/codecs.js';
import { planLayers } from '../layers/plan.js';
import type { LocatedPackage } from '../resolve/lockfile.js';
import { fetchDebs } from '../resolve/sources/debian/download.js';
import type { BlobStore } from '../store/blob-store.js';
import { Spool } from '../store/spool.js';
import { caBundleEntry } from '../tree/files/ca-bundle.js';
import { FsTree } from '../tree/fs-tree.js';
import { addMergedUsrLinks, type MergedUsrLink } from '../tree/packages/merged-usr.js';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomic.js';
import { builtLayer, type BuiltLayer } from './built-layer.js';
import { packageFacts, recallFacts, rememberFacts, type PackageSbomFacts } from './sbom.js';
import { rememberInstallFacts } from './install-facts.js';

/** Package layers beyond this many share one last layer (runtimes slow down with many layers). */
export const PACKAGE_LAYER_BUDGET = 12;
const FORMAT = 'pith-package-layer-v2';

export interface PackageLayerOptions {
  cacheDir: string;
  store: BlobStore;
  trimDocs: boolean;
  mtime: number;
  compression: Compression;
  log?: (message: string) => void;
  /** The links of the image below (a base image's), used when the packages ship none. */
  mergedUsr?: readonly MergedUsrLink[];
}

export interface PackageLayers {
  layers: BuiltLayer[];
  /** Per package name: licence and present files, for the SBOM. */
  facts: Map<string, PackageSbomFacts>;
  /** The aliasing links (bin -> usr/bin, ...) the packages ship: user files are placed through them. */
  mergedUsr: MergedUsrLink[];
}

/**
 * Groups packages by source package (libgcc-s1, libstdc++6, libgomp1 and gcc-12-base are one
 * layer), the largest groups first, within a budget; each group's layer depends only on its own
 * .debs, so it is byte-identical across images and across builds where only the application
 * changed, and is cached by the hashes of those .debs.
 */
export function groupPackages(packages: readonly LocatedPackage[], budget = PACKAGE_LAYER_BUDGET): Array<{ name: string; packages: LocatedPackage[] }> {
  const bySource = new Map<string, LocatedPackage[]>();
  for (const p of packages) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  const size = (ps: LocatedPackage[]) => ps.reduce((n, p) => n + p.size, 0);
  const groups = [...bySource.entries()]
    .map(([name, ps]) => ({ name, packages: ps.sort((a, b) => (a.name < b.name ? -1 : 1)) }))
    .sort((a, b) => size(b.packages) - size(a.packages) || (a.name < b.name ? -1 : 1));
  if (groups.length <= budget) return groups.sort((a, b) => (a.name < b.name ? -1 : 1));
  const own = groups.slice(0, budget - 1).sort((a, b) => (a.name < b.name ? -1 : 1));
  const rest = groups.slice(budget - 1).flatMap((g) => g.packages).sort((a, b) => (a.name < b.name ? -1 : 1));
  return [...own, { name: 'other-packages', packages: rest }];
}

export async function packageLayers(packages: readonly LocatedPackage[], options: PackageLayerOptions): Promise<PackageLayers> {
  // Unpacked contents wait on disk, not in memory, until their layer is written.
  return withSpool(options.cacheDir, (spool) => packageLayersWith(packages, options, spool));
}

/** Runs `work` with a fresh unpack spool (store/spool.ts), removed afterwards whatever happens. */
export async function withSpool<T>(cacheDir: string, work: (spool: Spool) => Promise<T>): Promise<T> {
  const spool = await Spool.create(cacheDir);
  try {
    return await work(spool);
  } finally {
    await spool.dispose();
  }
}

async function packageLayersWith(packages: readonly LocatedPackage[], options: PackageLayerOptions, spool: Spool): Promise<PackageLayers> {
  const cache = new LayerCache(join(options.cacheDir, 'layers'), options.store);
  const records = packages;
  const debCache = { cacheDir: options.cacheDir, ...(options.log ? { log: options.log } : {}) };

  const baseFiles = records.find((p) => p.name === 'base-files');
  const mergedUsr = baseFiles ? await baseFilesLinks(baseFiles, debCache, spool) : [...(options.mergedUsr ?? [])];

  const groups = groupPackages(packages);
  const keyOf = (g: { packages: LocatedPackage[] }) =>
    LayerCache.key({ format: FORMAT, debs: g.packages.map((p) => p.sha256), trimDocs: options.trimDocs, mergedUsr, mtime: options.mtime, compression: compressionIdentity(options.compression) });
  const cached = await Promise.all(groups.map((g) => cache.get(keyOf(g))));
  const missing = groups.filter((_, i) => cached[i] === undefined);
  const debPaths = missing.length ? await fetchDebs(missing.flatMap((g) => g.packages), debCache) : new Map<string, string>();

  // Read every .deb that a layer to build needs, a few at once (decoding is CPU-bound).
  const contents = new Map<string, Promise<DebContents>>();
  if (missing.length) {
    const { readDeb } = await import('../resolve/sources/debian/deb/deb-reader.js');
    const limit = Math.max(2, availableParallelism());
    let running = 0;
    const waiting: Array<() => void> = [];
    const slot = async () => {
      if (running >= limit) await new Promise<void>((r) => waiting.push(r));
      running++;
    };
    const release = () => {
      running--;
      waiting.shift()?.();
    };
    for (const p of missing.flatMap((g) => g.packages)) {
      const read = (async () => {
        await slot();
        try {
          return await readDeb(debPaths.get(p.sha256)!, { packageName: p.name, spool });
        } finally {
          release();
        }
      })();
      read.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
      contents.set(p.sha256, read);
    }
  }

  const layers: PackageLayers['layers'] = [];
  const facts = new Map<string, PackageSbomFacts>();
  for (const [i, group] of groups.entries()) {
    let blob = cached[i];
    let entries = -1;
    if (!blob) {
      // The .deb reading stack (tar, xz, zstd) loads only when a layer must be built.
      const { installPackage } = await import('../tree/packages/install.js');
      const tree = new FsTree();
      addMergedUsrLinks(tree, mergedUsr);
      for (const p of group.packages) installPackage(tree, p, await contents.get(p.sha256)!, { trim: { docs: options.trimDocs } });
      for (const p of group.packages) {
        const deb = await contents.get(p.sha256)!;
        const f = packageFacts(p.name, deb, tree, options.trimDocs);
        facts.set(p.name, f);
        await rememberFacts(options.cacheDir, p.sha256, options.trimDocs, f);
        // Install effects read these, so a cold build reads each .deb once.
        await rememberInstallFacts(options.cacheDir, p.sha256, deb);
      }
      if (group.packages.some((p) => p.name === 'ca-certificates')) caBundleEntry(tree);
      const names = new Set(group.packages.map((p) => p.name));
      const [plan] = planLayers(tree, [
        { name: group.name, createdBy: '', match: (e) => e.origin.kind === 'package' && names.has(e.origin.package ?? '') },
        { name: 'elsewhere', createdBy: '', match: () => true },
      ]).filter((p) => p.name === group.name);
      blob = await writeLayer(plan?.entries ?? [], options.store, { mtime: options.mtime, compression: options.compression });
      entries = plan?.entries.length ?? 0;
      await cache.put(keyOf(group), blob);
    }
    const list = group.packages.map((p) => `${p.name} ${p.version}`).join(', ');
    layers.push(builtLayer(blob, `packages: ${group.name}`, `pith: debian packages ${list}`, entries, options.store));
    options.log?.(`layer ${group.name}: ${group.packages.length} package(s), ${blob.size} bytes${entries < 0 ? ' (cached)' : ''}`);
  }
  // Packages whose layer came from the cache: their SBOM facts were remembered when it was built.
  for (const p of packages) {
    if (facts.has(p.name)) continue;
    const known = await recallFacts(options.cacheDir, p.sha256, options.trimDocs);
    facts.set(p.name, known ?? (await factsFromDeb(p, records, mergedUsr, options, spool)));
  }
  return { layers, mergedUsr, facts };
}

/** A layer cached by an older pith has no remembered facts: read its .deb once to learn them. */
async function factsFromDeb(
  p: LocatedPackage,
  records: readonly LocatedPackage[],
  mergedUsr: MergedUsrLink[],
  options: PackageLayerOptions,
  spool: Spool,
): Promise<PackageSbomFacts> {
  const [{ readDeb }, { installPackage }] = await Promise.all([
    import('../resolve/sources/debian/deb/deb-reader.js'),
    import('../tree/packages/install.js'),
  ]);
  const record = records.find((r) => r.sha256 === p.sha256)!;
  const paths = await fetchDebs([record], { cacheDir: options.cacheDir, ...(options.log ? { log: options.log } : {}) });
  const deb = await readDeb(paths.get(p.sha256)!, { packageName: p.name, spool });
  const tree = new FsTree();
  addMergedUsrLinks(tree, mergedUsr);
  installPackage(tree, p, deb, { trim: { docs: options.trimDocs } });
  const f = packageFacts(p.name, deb, tree, options.trimDocs);
  await rememberFacts(options.cacheDir, p.sha256, options.trimDocs, f);
  return f;
}

/**
 * Merged /usr: the aliasing links base-files ships (trixie on), read from that one small package
 * and remembered by its sha256, so a warm build reads no .deb at all.
 */
async function baseFilesLinks(
  record: LocatedPackage,
  debCache: { cacheDir: string; log?: (m: string) => void },
  spool?: Spool,
): Promise<MergedUsrLink[]> {
  const memo = join(debCache.cacheDir, 'merged-usr', `${record.sha256}.json`);
  try {
    const links = JSON.parse(await readFile(memo, 'utf8')) as MergedUsrLink[];
    if (Array.isArray(links) && links.every((l) => typeof l.path === 'string' && typeof l.target === 'string')) return links;
  } catch {
    // not remembered yet
  }
  const [{ readDeb }, { mergedUsrLinks }] = await Promise.all([
    import('../resolve/sources/debian/deb/deb-reader.js'),
    import('../tree/packages/merged-usr.js'),
  ]);
  const paths = await fetchDebs([record], debCache);
  const deb = spool
    ? await readDeb(paths.get(record.sha256)!, { packageName: 'base-files', spool })
    : await withSpool(debCache.cacheDir, (own) => readDeb(paths.get(record.sha256)!, { packageName: 'base-files', spool: own }));
  const links = mergedUsrLinks([{ name: 'base-files', files: deb.files }]);
  await writeFileAtomic(memo, JSON.stringify(links));
  return links;
}

/** The merged-/usr links of a package set (from base-files), without building any layer. */
export async function mergedUsrOf(packages: readonly LocatedPackage[], cacheDir: string, log?: (m: string) => void): Promise<MergedUsrLink[]> {
  const baseFiles = packages.find((p) => p.name === 'base-files');
  return baseFiles ? baseFilesLinks(baseFiles, { cacheDir, ...(log ? { log } : {}) }) : [];
}
