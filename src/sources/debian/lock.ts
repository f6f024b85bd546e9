import { isPithError, specError } from '../../errors.js';
import type { Digest } from '../../image/digest.js';
import type { InstalledPackage } from './solver/installed.js';
import type { LoadedSpec } from '../../spec/load.js';
import { lockMismatch, lockPathFor, readLockfile, writeLockfile, type LockedPackage, type Lockfile, type LockInputs } from '../../lock/lockfile.js';
import type { DebianSelection } from './selection.js';
import { namesCUtf8 } from './effects/locale.js';

export interface LockOptions {
  cacheDir: string;
  /** Never re-resolve: a missing or outdated lock is an error. */
  frozen?: boolean;
  /** Re-resolve even when the lock matches (pith lock). */
  update?: boolean;
  /** Leave writing the new lock to the caller (a build writes it only once the image is built). */
  deferWrite?: boolean;
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

export function lockInputs(selection: DebianSelection, archs: string[], base?: { ref: string; digest: string }): LockInputs {
  return {
    packages: selection.requirements,
    exclude: selection.exclude,
    sources: selection.repos.map((r) => ({ suites: r.suites, components: r.components })),
    archs,
    ...(base ? { base } : {}),
  };
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Why a lock that matches the spec can't be used as it is: its base pin is missing, or the image
 * it pins can no longer be loaded (a layout rebuilt since). Undefined when it can.
 */
async function basePinProblem(lock: Lockfile, archs: string[], base: BaseForLock | undefined): Promise<string | undefined> {
  if (!base) return undefined;
  const pin = lock.inputs.base?.digest;
  if (!pin || !DIGEST.test(pin)) return 'the base image is not pinned';
  try {
    for (const arch of archs) await base.installed(arch, pin as Digest);
  } catch (err) {
    if (!isPithError(err) || err.kind !== 'input') throw err;
    return err.message;
  }
  return undefined;
}

/**
 * The pinned package set: from the lock beside the spec when it matches the spec, else resolved
 * from the signed indexes and written to the lock (unless --frozen, which never re-resolves).
 */
export async function lockedPackages(
  loaded: LoadedSpec,
  selection: DebianSelection,
  archs: string[],
  options: LockOptions,
): Promise<{ lock: Lockfile; path: string; changed: boolean }> {
  const path = lockPathFor(loaded.file);
  const base = options.base;
  const inputs = lockInputs(selection, archs, base ? { ref: base.ref, digest: '' } : undefined);
  const existing = await readLockfile(path);
  if (existing && !options.update) {
    const mismatch = lockMismatch(existing, inputs) ?? localeMismatch(existing, specEnv(loaded, selection)) ?? (await basePinProblem(existing, archs, base));
    if (!mismatch) return { lock: existing, path, changed: false };
    if (options.frozen) throw specError(`${path} does not match ${loaded.file} (${mismatch})`, { hint: 'run pith lock, or build without --frozen' });
    options.log?.(`${path} does not match the spec (${mismatch}): resolving again`);
  } else if (!existing && options.frozen) {
    throw specError(`${path}: no lockfile, and --frozen never resolves`, { hint: 'run pith lock first' });
  }

  // Loaded only when resolving: openpgp and the index parsers cost ~250 ms of startup, and a
  // build from a matching lock needs none of them.
  const [{ loadPackageRecords }, { parseRequirement }, { solve }, { PackageUniverse }, { SCRIPT_ONLY_PACKAGES }, { installNeeds }] = await Promise.all([
    import('./archive/repository.js'),
    import('./solver/requirement.js'),
    import('./solver/solver.js'),
    import('./solver/universe.js'),
    import('./solver/script-only.js'),
    import('./solver/install-needs.js'),
  ]);
  const lock: Lockfile = { lockfileVersion: 2, inputs, archives: [], indexes: [], packages: {} };
  const seen = new Set<string>();
  let pin: Digest | undefined;
  for (const arch of archs) {
    // Every architecture from the one image the reference named first (a tag may move meanwhile).
    const present = base ? await base.installed(arch, pin) : undefined;
    pin ??= present?.rootDigest;
    const loadedRecords = await loadPackageRecords(selection.repos, debArch(arch), { cacheDir: options.cacheDir, log: options.log });
    for (const { suite, path, sha256, size } of loadedRecords.indexes) {
      if (!seen.has(`index ${suite}/${path}`)) lock.indexes.push({ suite, path, sha256, size });
      seen.add(`index ${suite}/${path}`);
    }
    for (const archive of loadedRecords.archives) {
      if (!seen.has(`archive ${archive.suite}`)) lock.archives.push(archive);
      seen.add(`archive ${archive.suite}`);
    }
    const universe = new PackageUniverse(loadedRecords.records, debArch(arch));
    const packageWhere = (i: number) => loaded.where(['packages', i]);
    const requirements = selection.requirements.map((text) => {
      const i = loaded.spec.packages.indexOf(text);
      return parseRequirement(text, i >= 0 ? packageWhere(i) : loaded.where(loaded.spec.preset ? ['preset'] : ['variants']));
    });
    // Solve, then follow the Essential packages the image needs (install-needs.ts), until settled.
    const follow = new Set<string>();
    const extra: string[] = [];
    let resolution;
    let needs;
    const brought: string[] = [];
    for (let round = 0; ; round++) {
      const all = [...requirements, ...extra.map((name) => parseRequirement(name, undefined))];
      resolution = solve(all, universe, { exclude: selection.exclude, followEssential: follow, scriptOnly: SCRIPT_ONLY_PACKAGES, ...(present ? { installed: present.packages } : {}) });
      needs = await installNeeds(resolution, (name) => universe.candidates(name)[0], { cacheDir: options.cacheDir, env: specEnv(loaded, selection), scriptOnly: SCRIPT_ONLY_PACKAGES, exclude: selection.exclude, ...(options.log ? { log: options.log } : {}) });
      const fresh = needs.follow.filter((n) => !follow.has(n)).length + needs.extra.filter((n) => !extra.includes(n)).length;
      if (fresh === 0 || round >= MAX_NEEDS_ROUNDS) break;
      brought.push(...needs.notes.filter((n) => / brought /.test(n) && !brought.includes(n)));
      for (const n of needs.follow) follow.add(n);
      for (const n of needs.extra) if (!extra.includes(n)) extra.push(n);
    }
    for (const note of [...resolution.notes, ...brought, ...needs.notes.filter((n) => !brought.includes(n))]) options.log?.(`${arch}: ${note}`);
    lock.packages[arch] = resolution.packages.map(
      (r): LockedPackage => ({
        name: r.name,
        version: r.version,
        architecture: r.architecture,
        source: r.source,
        suite: r.suite,
        filename: r.filename,
        size: r.size,
        sha256: r.sha256,
      }),
    );
    const onBase = present ? ` not in the base image (which has ${present.packages.length})` : '';
    options.log?.(`${arch}: resolved ${resolution.packages.length} packages${onBase}`);
  }
  if (base && pin) lock.inputs.base = { ref: base.ref, digest: pin };
  if (!options.deferWrite) {
    await writeLockfile(path, lock);
    options.log?.(`wrote ${path}`);
  }
  return { lock, path, changed: true };
}

/** Rounds of solving again to follow what install-needs.ts found (each adds a package). */
const MAX_NEEDS_ROUNDS = 16;

/** The environment the image will have (preset defaults, then the spec), which decides the locale need. */
export function specEnv(loaded: LoadedSpec, selection: DebianSelection): Record<string, string> {
  return { ...selection.defaults.env, ...loaded.spec.env };
}

/**
 * A lock made before the environment named C.UTF-8 lacks libc-bin, which resolving now brings
 * (install-needs.ts): such a lock no longer matches the spec.
 */
function localeMismatch(lock: Lockfile, env: Record<string, string>): string | undefined {
  if (!namesCUtf8(env)) return undefined;
  const stale = Object.values(lock.packages).some((ps) => ps.some((p) => p.name === 'libc6') && !ps.some((p) => p.name === 'libc-bin'));
  return stale ? 'the environment names C.UTF-8, whose locale is in libc-bin, which the lock lacks' : undefined;
}

/** OCI architecture names -> Debian's (they differ for arm, 386 and ppc64le). */
export function debArch(arch: string): string {
  const map: Record<string, string> = { arm: 'armhf', '386': 'i386', ppc64le: 'ppc64el' };
  return map[arch] ?? arch;
}
