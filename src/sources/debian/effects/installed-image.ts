/**
 * Install effects for one platform image (tree/effects): the packages' facts laid out as a view,
 * the `packages` phase (which settles the accounts), then the spec's tree built with those accounts
 * (so `user:` and `owner:` can name www-data or redis), then the `image` phase over both. Effect
 * entries join the spec's tree, where the layer rules put them in the `effects` layer. When an
 * effect needed package bytes the facts do not hold, they are read and everything runs again.
 */
import type { ContainerConfig } from '../../../image/types.js';
import type { SettledImage, SpecImage } from '../../source.js';
import type { LocatedPackage } from '../located.js';
import type { TreeEntry } from '../../../tree/entry.js';
import { InstallEffects, type EffectsResult } from './apply.js';
import type { PackageScripts } from './maintainer-scripts.js';
import type { InstallFacts } from './package-facts.js';
import { contentKey, effectsView, type ViewPackage } from './view.js';
import { rootProblems, type Root } from './roots.js';
import { baseName, parentOf } from '../../../tree/paths.js';
import type { Accounts } from '../../system/accounts.js';
import type { FsTree } from '../../../tree/fs-tree.js';
import { controlField } from '../install/dpkg-status.js';
import type { MergedUsrLink } from '../../../tree/merged-usr.js';
import { isTrimmed } from '../install/trim.js';
import { debArch } from '../arch.js';
import { installFacts, loadContents } from './install-facts.js';

export interface InstallEffectsOptions {
  cacheDir: string;
  log?: (m: string) => void;
  trimDocs: boolean;
  mergedUsr: readonly MergedUsrLink[];
  /** The spec's accounts (distroless' unless accounts.preset is none). */
  accounts: Accounts;
  /** OCI architecture name. */
  arch: string;
  created: number;
  /** A base image's entries (origin base), when the image is built on one. */
  base?: () => Promise<TreeEntry[]>;
}

export type { SpecImage };

/** Runs of the effects, each after reading package files the previous one wanted. */
const MAX_ATTEMPTS = 8;

export async function installedImage(
  packages: readonly LocatedPackage[],
  spec: SpecImage,
  options: InstallEffectsOptions,
): Promise<SettledImage> {
  const facts = packages.length
    ? await installFacts(packages, { cacheDir: options.cacheDir, ...(options.log ? { log: options.log } : {}) })
    : new Map<string, InstallFacts>();
  const viewPackages: ViewPackage[] = packages.map((p) => ({
    name: p.name,
    version: p.version,
    architecture: p.architecture,
    facts: facts.get(p.sha256)!,
  }));
  const scripts = viewPackages.map(scriptsOf);
  let loaded = new Map<string, Uint8Array>();
  // On a base, the effects of the packages added see the base's files (only when packages are added).
  const base = packages.length && options.base ? await options.base() : undefined;
  for (let attempt = 1; ; attempt++) {
    const { effects, image, result } = await runEffects({ viewPackages, scripts, loaded, base, spec, options });
    const fresh = [...result.missing.values()].filter((m) => !loaded.has(contentKey(m.package, m.debPath)));
    if (fresh.length > 0 && attempt < MAX_ATTEMPTS) {
      // Each attempt reads the .debs of the packages whose files were wanted, keeping their small
      // files too: a script that reads one file of its package often reads the next.
      loaded = new Map([...loaded, ...(await loadContents(packages, fresh, { cacheDir: options.cacheDir }))]);
      continue;
    }
    if (!image || result.missing.size > 0)
      throw new Error(
        `install effects: package files still missing after ${attempt} attempts: ${[...result.missing.keys()].slice(0, 3).join(', ')}`,
      );
    return settled(effects, image, result, viewPackages);
  }
}

type SpecTree = { tree: FsTree; config: ContainerConfig };

/** One run of the effects over the package files loaded so far; the image phase runs only when none were missing. */
async function runEffects(run: {
  viewPackages: ViewPackage[];
  scripts: PackageScripts[];
  loaded: Map<string, Uint8Array>;
  base: TreeEntry[] | undefined;
  spec: SpecImage;
  options: InstallEffectsOptions;
}): Promise<{ effects: InstallEffects; image: SpecTree | undefined; result: EffectsResult }> {
  const { options, base } = run;
  const { view, deferred } = effectsView(run.viewPackages, {
    mergedUsr: options.mergedUsr,
    trimDocs: options.trimDocs,
    loaded: run.loaded,
    ...(base ? { base } : {}),
  });
  const effects = new InstallEffects({
    view,
    deferred,
    packages: run.scripts,
    accounts: options.accounts,
    arch: debArch(options.arch),
    createdSeconds: options.created,
    ...(options.trimDocs ? { trimmed: (path: string) => isTrimmed(path, { docs: true }) } : {}),
  });
  effects.packagePhase();
  let image: SpecTree | undefined;
  if (effects.ws.missing.size === 0) {
    image = await run.spec(effects.accounts, effects.addedUsers);
    effects.imagePhase(specEntries(image.tree), envOf(image.config));
  }
  return { effects, image, result: effects.result() };
}

/** The spec's tree with the effects' entries joined, and what the effects settled. */
function settled(
  effects: InstallEffects,
  image: SpecTree,
  result: EffectsResult,
  viewPackages: readonly ViewPackage[],
): SettledImage {
  const problems = rootProblems(
    effects.ws,
    rootsOf(image.config),
    (envOf(image.config).PATH ?? '').split(':').filter(Boolean),
    interpreterFromFacts(viewPackages, effects.ws.tree),
  );
  for (const entry of result.entries) {
    const { path, ...rest } = entry;
    image.tree.add(path, rest);
  }
  return {
    ...image,
    rootProblems: problems,
    accounts: effects.accounts,
    effectUsers: effects.addedUsers,
    warnings: result.warnings,
    notes: result.notes,
  };
}

function rootsOf(config: ContainerConfig): Root[] {
  const roots: Root[] = [];
  if (config.Entrypoint?.[0]) roots.push({ field: 'entrypoint', path: config.Entrypoint[0] });
  else if (config.Cmd?.[0]) roots.push({ field: 'cmd', path: config.Cmd[0] });
  return roots;
}

/** A package file's interpreter, from its package's facts (keyed by the package's own paths). */
function interpreterFromFacts(
  packages: readonly ViewPackage[],
  view: FsTree,
): (entry: TreeEntry) => string | undefined {
  const byPath = new Map<string, string>();
  for (const p of packages) {
    for (const [path, interpreter] of p.facts.needs.interpreters) {
      const parent = view.resolve(parentOf(path));
      byPath.set(parent === null ? path : parent === '' ? baseName(path) : `${parent}/${baseName(path)}`, interpreter);
    }
  }
  return (entry) => byPath.get(entry.path);
}

function specEntries(tree: FsTree): TreeEntry[] {
  return tree.list().filter((e) => e.origin.kind !== 'package' && !(e.type === 'dir' && tree.isImplicit(e.path)));
}

function envOf(config: ContainerConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of config.Env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

function scriptsOf(p: ViewPackage): PackageScripts {
  const depends = ['Pre-Depends', 'Depends'].flatMap((field) =>
    (controlField(p.facts.control, field) ?? '')
      .split(/[,|]/)
      .map((alt) => alt.trim().split(/[\s:(]/)[0]!)
      .filter(Boolean),
  );
  return {
    name: p.name,
    version: p.version,
    depends,
    ...(p.facts.scripts.preinst === undefined ? {} : { preinst: p.facts.scripts.preinst }),
    ...(p.facts.scripts.postinst === undefined ? {} : { postinst: p.facts.scripts.postinst }),
    ...(p.facts.scripts.templates === undefined ? {} : { templates: p.facts.scripts.templates }),
  };
}
