/**
 * Debian's section of pith.lock: the lock beside the spec is used when it still matches the spec
 * (its packages, excludes, suites, architectures, base image and locale need) and its base pin
 * can still be loaded; else the packages are resolved again (resolve.ts), never with --frozen.
 */
import { isPithError, specError } from '../../errors.js';
import type { Digest } from '../../image/digest.js';
import type { LoadedSpec } from '../../spec/load.js';
import { lockMismatch, readLockfile, type Lockfile, type LockInputs } from '../../lock/lockfile.js';
import type { DebianSelection } from './selection.js';
import { resolveLock, type BaseForLock, type ResolveOptions } from './resolve.js';
import { specEnv } from './selection.js';
import { namesCUtf8 } from './effects/locale.js';

export interface LockOptions extends ResolveOptions {
  /** Never re-resolve: a missing or outdated lock is an error. */
  frozen?: boolean;
  /** Re-resolve even when the lock matches (pith lock). */
  update?: boolean;
}

export function lockInputs(
  selection: DebianSelection,
  archs: string[],
  base?: { ref: string; digest: string },
): LockInputs {
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
async function basePinProblem(
  lock: Lockfile,
  archs: string[],
  base: BaseForLock | undefined,
): Promise<string | undefined> {
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
 * from the signed indexes (resolve.ts; never with --frozen). The caller writes a new lock: a build
 * only once the image is built.
 */
export async function lockedPackages(
  loaded: LoadedSpec,
  selection: DebianSelection,
  archs: string[],
  options: LockOptions,
): Promise<{ lock: Lockfile; path: string | undefined; changed: boolean }> {
  const path = loaded.lockFile;
  const base = options.base;
  const inputs = lockInputs(selection, archs, base ? { ref: base.ref, digest: '' } : undefined);
  // A spec object given no lockFile has no lock: resolved on every build.
  const existing = path === undefined ? undefined : await readLockfile(path);
  if (existing && !options.update) {
    const mismatch =
      lockMismatch(existing, inputs) ??
      localeMismatch(existing, specEnv(loaded, selection)) ??
      (await basePinProblem(existing, archs, base));
    if (!mismatch) return { lock: existing, path, changed: false };
    if (options.frozen)
      throw specError(`${path} does not match ${loaded.file} (${mismatch})`, {
        hint: 'run pith lock, or build without --frozen',
      });
    options.log?.(`${path} does not match the spec (${mismatch}): resolving again`);
  } else if (!existing && options.frozen) {
    if (path === undefined)
      throw specError(`${loaded.file}: no lockFile given, and frozen never resolves`, {
        hint: 'pass lockFile to specFromObject',
      });
    throw specError(`${path}: no lockfile, and --frozen never resolves`, { hint: 'run pith lock first' });
  }

  const lock = await resolveLock(loaded, selection, archs, inputs, options);
  return { lock, path, changed: true };
}

/**
 * A lock made before the environment named C.UTF-8 lacks libc-bin, which resolving now brings
 * (install-needs.ts): such a lock no longer matches the spec.
 */
function localeMismatch(lock: Lockfile, env: Record<string, string>): string | undefined {
  if (!namesCUtf8(env)) return undefined;
  const stale = Object.values(lock.packages).some(
    (ps) => ps.some((p) => p.name === 'libc6') && !ps.some((p) => p.name === 'libc-bin'),
  );
  return stale ? 'the environment names C.UTF-8, whose locale is in libc-bin, which the lock lacks' : undefined;
}
