/**
 * Debian packages as parts (src/sources/source.ts): one part per package, in name order, grouped
 * into layers by source package (libgcc-s1, libstdc++6, libgomp1 and gcc-12-base are one layer),
 * the largest groups first, within a budget. A group's layer depends only on its own .debs, so it
 * is byte-identical across images and across builds where only the application changed, and is
 * cached by the hashes of those .debs.
 */
import { availableParallelism } from 'node:os';
import { compareBytes } from '../../byte-order.js';
import { limiter } from '../../concurrency.js';
import type { Spool } from '../../store/spool.js';
import type { FileEntry } from '../../tree/entry.js';
import { FsTree } from '../../tree/fs-tree.js';
import { addMergedUsrLinks, type MergedUsrLink } from '../../tree/merged-usr.js';
import type { LeftOut, LoadedPart, Part, PartFacts, PartGroup, PartSet } from '../source.js';
import { fetchDebs } from './archive/download.js';
import type { DebContents } from './deb/deb-reader.js';
import { caBundleEntry } from './install/ca-bundle.js';
import { filterMd5sums } from './install/dpkg-status.js';
import { trimReason } from './install/trim.js';
import type { LocatedPackage } from './located.js';
import { packageFacts, recallFacts, rememberFacts } from './sbom-facts.js';

/** Package layers beyond this many share one last layer (runtimes slow down with many layers). */
export const PACKAGE_LAYER_BUDGET = 12;
const FORMAT = 'pith-package-layer-v2';

export interface DebianPartsOptions {
  cacheDir: string;
  /** Documentation left out (trim: docs and trim: closure). */
  trimDocs: boolean;
  /** base-files' links when the set has base-files (maybe none); undefined: the image below's. */
  links?: readonly MergedUsrLink[];
}

/** A group of packages sharing a layer, by source package. */
export interface PackageGroup {
  name: string;
  packages: LocatedPackage[];
}

export function groupPackages(packages: readonly LocatedPackage[], budget = PACKAGE_LAYER_BUDGET): PackageGroup[] {
  const bySource = new Map<string, LocatedPackage[]>();
  for (const p of packages) bySource.set(p.source, [...(bySource.get(p.source) ?? []), p]);
  const size = (ps: LocatedPackage[]) => ps.reduce((n, p) => n + p.size, 0);
  const byName = (a: { name: string }, b: { name: string }) => compareBytes(a.name, b.name);
  const groups = [...bySource.entries()]
    .map(([name, ps]) => ({ name, packages: ps.sort(byName) }))
    .sort((a, b) => size(b.packages) - size(a.packages) || byName(a, b));
  if (groups.length <= budget) return groups.sort(byName);
  const own = groups.slice(0, budget - 1).sort(byName);
  const rest = groups
    .slice(budget - 1)
    .flatMap((g) => g.packages)
    .sort(byName);
  return [...own, { name: 'other-packages', packages: rest }];
}

export function debianParts(packages: readonly LocatedPackage[], options: DebianPartsOptions): PartSet {
  const bySha = new Map(packages.map((p) => [p.sha256, p]));
  const located = (part: Part) => bySha.get(part.key)!;
  const partOf = (p: LocatedPackage): Part => ({ name: p.name, version: p.version, key: p.sha256 });
  const groups: PartGroup[] = groupPackages(packages).map((g) => ({
    name: g.name,
    createdBy: `pith: debian packages ${g.packages.map((p) => `${p.name} ${p.version}`).join(', ')}`,
    parts: g.packages.map(partOf),
  }));
  return {
    groups,
    parts: [...packages].sort((a, b) => compareBytes(a.name, b.name)).map(partOf),
    ...(options.links ? { links: options.links } : {}),
    layerKey: (group, links) => ({
      format: FORMAT,
      debs: group.parts.map((p) => p.key),
      trimDocs: options.trimDocs,
      mergedUsr: links,
    }),
    read: (parts, spool, log) =>
      readParts(parts.map(located), {
        cacheDir: options.cacheDir,
        trimDocs: options.trimDocs,
        spool,
        ...(log ? { log } : {}),
      }),
    finish: (tree, parts) => {
      if (parts.some((p) => p.name === 'ca-certificates')) caBundleEntry(tree);
    },
    afterTrim: filterStatusMd5sums,
    recallFacts: async (part, ctx) =>
      (await recallFacts(options.cacheDir, part.key, options.trimDocs)) ??
      (await factsFromDeb(located(part), ctx, options)),
    rememberFacts: (part, facts) => rememberFacts(options.cacheDir, part.key, options.trimDocs, facts),
  };
}

interface ReadOptions {
  cacheDir: string;
  trimDocs: boolean;
  spool: Spool;
  log?: (m: string) => void;
}

/** The .debs fetched (verified) and then unpacked a few at once (decoding is CPU-bound), all started now. */
async function readParts(
  packages: readonly LocatedPackage[],
  options: ReadOptions,
): Promise<Map<string, Promise<LoadedPart>>> {
  const out = new Map<string, Promise<LoadedPart>>();
  if (packages.length === 0) return out;
  const paths = await fetchDebs(packages, { cacheDir: options.cacheDir, ...(options.log ? { log: options.log } : {}) });
  // The .deb reading stack (tar, xz, zstd) and the facts extractor load only when a part must be read.
  const [{ readDeb }, { installPackage }, { rememberInstallFacts }] = await Promise.all([
    import('./deb/deb-reader.js'),
    import('./install/install.js'),
    import('./effects/install-facts.js'),
  ]);
  const gate = limiter(Math.max(2, availableParallelism()));
  for (const p of packages) {
    const read = gate(async () => {
      const deb = await readDeb(paths.get(p.sha256)!, { packageName: p.name, spool: options.spool });
      // Install effects read these, so a cold build reads each .deb once.
      await rememberInstallFacts(options.cacheDir, p.sha256, deb);
      return loadedPackage(p, deb, options.trimDocs, installPackage);
    });
    read.catch(() => undefined); // awaited by the caller; no unhandled rejection meanwhile
    out.set(p.name, read);
  }
  return out;
}

type Install = typeof import('./install/install.js').installPackage;

function loadedPackage(p: LocatedPackage, deb: DebContents, trimDocs: boolean, installPackage: Install): LoadedPart {
  return {
    addTo: (tree) =>
      installPackage(tree, p, deb, { trim: { docs: trimDocs } }).trimmed.map((t): LeftOut => ({
        path: t.path,
        type: t.type,
        size: t.size,
        why: trimReason(t.path, { docs: trimDocs }) ?? 'trimmed',
      })),
    facts: (tree) => packageFacts(p.name, deb, tree, trimDocs),
  };
}

/** A layer cached by an older pith has no remembered facts: read its .deb once to learn them. */
async function factsFromDeb(
  p: LocatedPackage,
  ctx: { spool: Spool; links: readonly MergedUsrLink[]; log?: (m: string) => void },
  options: DebianPartsOptions,
): Promise<PartFacts> {
  const loaded = await (
    await readParts([p], {
      cacheDir: options.cacheDir,
      trimDocs: options.trimDocs,
      spool: ctx.spool,
      ...(ctx.log ? { log: ctx.log } : {}),
    })
  ).get(p.name)!;
  const tree = new FsTree();
  addMergedUsrLinks(tree, ctx.links);
  loaded.addTo(tree);
  const facts = loaded.facts(tree);
  await rememberFacts(options.cacheDir, p.sha256, options.trimDocs, facts);
  return facts;
}

/** dpkg's status.d md5sums list only what is still there. */
function filterStatusMd5sums(tree: FsTree, dropped: ReadonlySet<string>): void {
  for (const entry of tree.list()) {
    if (
      entry.type !== 'file' ||
      !entry.path.startsWith('var/lib/dpkg/status.d/') ||
      !entry.path.endsWith('.md5sums') ||
      entry.source.kind !== 'bytes'
    )
      continue;
    const text = filterMd5sums(new TextDecoder().decode(entry.source.data), (p) => dropped.has(p));
    const data = new TextEncoder().encode(text);
    tree.add(entry.path, { ...(entry as FileEntry), size: data.byteLength, source: { kind: 'bytes', data } });
  }
}
