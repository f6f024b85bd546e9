import { specError } from '../errors.js';
import type { LoadedSpec } from '../spec/load.js';
import { lockMismatch, lockPathFor, readLockfile, writeLockfile, type LockedPackage, type Lockfile, type LockInputs } from '../resolve/lockfile.js';
import type { DebianSelection } from './debian-selection.js';

export interface LockOptions {
  cacheDir: string;
  /** Never re-resolve: a missing or outdated lock is an error. */
  frozen?: boolean;
  /** Re-resolve even when the lock matches (pith lock). */
  update?: boolean;
  /** Leave writing the new lock to the caller (a build writes it only once the image is built). */
  deferWrite?: boolean;
  log?: (message: string) => void;
}

export function lockInputs(selection: DebianSelection, archs: string[]): LockInputs {
  return {
    packages: selection.requirements,
    exclude: selection.exclude,
    sources: selection.repos.map((r) => ({ suites: r.suites, components: r.components })),
    archs,
  };
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
  const inputs = lockInputs(selection, archs);
  const existing = await readLockfile(path);
  if (existing && !options.update) {
    const mismatch = lockMismatch(existing, inputs);
    if (!mismatch) return { lock: existing, path, changed: false };
    if (options.frozen) throw specError(`${path} does not match ${loaded.file} (${mismatch})`, { hint: 'run pith lock, or build without --frozen' });
    options.log?.(`${path} does not match the spec (${mismatch}): resolving again`);
  } else if (!existing && options.frozen) {
    throw specError(`${path}: no lockfile, and --frozen never resolves`, { hint: 'run pith lock first' });
  }

  // Loaded only when resolving: openpgp and the index parsers cost ~250 ms of startup, and a
  // build from a matching lock needs none of them.
  const [{ loadPackageRecords }, { parseRequirement }, { solve }, { PackageUniverse }] = await Promise.all([
    import('../resolve/sources/debian/repository.js'),
    import('../resolve/sources/debian/requirement.js'),
    import('../resolve/sources/debian/solver.js'),
    import('../resolve/sources/debian/universe.js'),
  ]);
  const lock: Lockfile = { lockfileVersion: 2, inputs, archives: [], indexes: [], packages: {} };
  const seen = new Set<string>();
  for (const arch of archs) {
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
    const resolution = solve(requirements, universe, { exclude: selection.exclude });
    for (const note of resolution.notes) options.log?.(`${arch}: ${note}`);
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
    options.log?.(`${arch}: resolved ${resolution.packages.length} packages`);
  }
  if (!options.deferWrite) {
    await writeLockfile(path, lock);
    options.log?.(`wrote ${path}`);
  }
  return { lock, path, changed: true };
}

/** OCI architecture names -> Debian's (they differ for arm, 386 and ppc64le). */
export function debArch(arch: string): string {
  const map: Record<string, string> = { arm: 'armhf', '386': 'i386', ppc64le: 'ppc64el' };
  return map[arch] ?? arch;
}
