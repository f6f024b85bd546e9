/**
 * Resolving the spec's packages into a new lock: for each architecture, the signed indexes
 * (archive/repository.ts), then the solver (solver/solver.ts) and the Essential packages the
 * image needs (solver/install-needs.ts), solved again until settled. On a base image, only what
 * it lacks is resolved, every architecture from the one image the reference named first.
 */
import type { Digest } from '../../image/digest.js';
import { lockedPackage, type Lockfile, type LockInputs } from '../../lock/lockfile.js';
import type { LoadedSpec } from '../../spec/load.js';
import type { PackageRecord } from './archive/packages-index.js';
import { debArch } from './arch.js';
import { specEnv } from './selection.js';
import type { DebianSelection } from './selection.js';
import type { InstalledPackage } from './solver/installed.js';
import type { Requirement } from './solver/requirement.js';
import type { Resolution } from './solver/solver.js';
import type { PackageUniverse } from './solver/universe.js';

/** Rounds of solving again to follow what install-needs.ts found (each adds a package). */
const MAX_NEEDS_ROUNDS = 16;

/** The resolver, loaded only when resolving: openpgp and the index parsers cost ~250 ms of startup. */
async function resolver() {
  const [
    { loadPackageRecords },
    { parseRequirement },
    { solve },
    { PackageUniverse },
    { SCRIPT_ONLY_PACKAGES },
    { installNeeds },
  ] = await Promise.all([
    import('./archive/repository.js'),
    import('./solver/requirement.js'),
    import('./solver/solver.js'),
    import('./solver/universe.js'),
    import('./solver/script-only.js'),
    import('./solver/install-needs.js'),
  ]);
  return { loadPackageRecords, parseRequirement, solve, PackageUniverse, SCRIPT_ONLY_PACKAGES, installNeeds };
}

type Resolver = Awaited<ReturnType<typeof resolver>>;

export interface ResolveOptions {
  cacheDir: string;
  log?: (message: string) => void;
  /** The spec's base image: its packages are present, so only what it lacks is resolved. */
  base?: BaseForLock;
}

/** A base image as resolution sees it. */
export interface BaseForLock {
  /** The spec's `base:` as written. */
  ref: string;
  /** Its packages for one architecture; `pin` loads that root digest instead of what the tag names now. */
  installed(arch: string, pin?: Digest): Promise<{ rootDigest: Digest; packages: readonly InstalledPackage[] }>;
}

export async function resolveLock(
  loaded: LoadedSpec,
  selection: DebianSelection,
  archs: readonly string[],
  inputs: LockInputs,
  options: ResolveOptions,
): Promise<Lockfile> {
  const r = await resolver();
  const lock: Lockfile = { lockfileVersion: 2, inputs, archives: [], indexes: [], packages: {} };
  const seen = new Set<string>();
  let pin: Digest | undefined;
  for (const arch of archs) {
    // Every architecture from the one image the reference named first (a tag may move meanwhile).
    const present = options.base ? await options.base.installed(arch, pin) : undefined;
    pin ??= present?.rootDigest;
    const records = await r.loadPackageRecords(selection.repos, debArch(arch), {
      cacheDir: options.cacheDir,
      log: options.log,
    });
    for (const { suite, path, sha256, size } of records.indexes) {
      if (!seen.has(`index ${suite}/${path}`)) lock.indexes.push({ suite, path, sha256, size });
      seen.add(`index ${suite}/${path}`);
    }
    for (const archive of records.archives) {
      if (!seen.has(`archive ${archive.suite}`)) lock.archives.push(archive);
      seen.add(`archive ${archive.suite}`);
    }
    const universe = new r.PackageUniverse(records.records, debArch(arch));
    const resolution = await solveWithNeeds(r, universe, requirementsOf(r, loaded, selection), {
      loaded,
      selection,
      options,
      arch,
      ...(present ? { present: present.packages } : {}),
    });
    lock.packages[arch] = resolution.packages.map(lockedPackage);
    const onBase = present ? ` not in the base image (which has ${present.packages.length})` : '';
    options.log?.(`${arch}: resolved ${resolution.packages.length} packages${onBase}`);
  }
  if (options.base && pin) lock.inputs.base = { ref: options.base.ref, digest: pin };
  return lock;
}

/** The selection's requirements, each located at the spec field that asked for it. */
function requirementsOf(r: Resolver, loaded: LoadedSpec, selection: DebianSelection): Requirement[] {
  return selection.requirements.map((text) => {
    const i = loaded.spec.packages.indexOf(text);
    return r.parseRequirement(
      text,
      i >= 0 ? loaded.where(['packages', i]) : loaded.where(loaded.spec.preset ? ['preset'] : ['variants']),
    );
  });
}

/** Solve, then follow the Essential packages the image needs (install-needs.ts), until settled. */
async function solveWithNeeds(
  r: Resolver,
  universe: PackageUniverse,
  requirements: Requirement[],
  ctx: {
    loaded: LoadedSpec;
    selection: DebianSelection;
    options: ResolveOptions;
    arch: string;
    present?: readonly InstalledPackage[];
  },
): Promise<Resolution> {
  const { selection, options } = ctx;
  const follow = new Set<string>();
  const extra: string[] = [];
  const brought: string[] = [];
  for (let round = 0; ; round++) {
    const all = [...requirements, ...extra.map((name) => r.parseRequirement(name, undefined))];
    const resolution = r.solve(all, universe, {
      exclude: selection.exclude,
      followEssential: follow,
      scriptOnly: r.SCRIPT_ONLY_PACKAGES,
      ...(ctx.present ? { installed: ctx.present } : {}),
    });
    const needs = await r.installNeeds(resolution, (name): PackageRecord | undefined => universe.candidates(name)[0], {
      cacheDir: options.cacheDir,
      env: specEnv(ctx.loaded, selection),
      scriptOnly: r.SCRIPT_ONLY_PACKAGES,
      exclude: selection.exclude,
      ...(options.log ? { log: options.log } : {}),
    });
    const fresh =
      needs.follow.filter((n) => !follow.has(n)).length + needs.extra.filter((n) => !extra.includes(n)).length;
    if (fresh === 0 || round >= MAX_NEEDS_ROUNDS) {
      for (const note of [...resolution.notes, ...brought, ...needs.notes.filter((n) => !brought.includes(n))])
        options.log?.(`${ctx.arch}: ${note}`);
      return resolution;
    }
    brought.push(...needs.notes.filter((n) => / brought /.test(n) && !brought.includes(n)));
    for (const n of needs.follow) follow.add(n);
    for (const n of needs.extra) if (!extra.includes(n)) extra.push(n);
  }
}
