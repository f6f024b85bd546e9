/**
 * Step 2: pith.lock. The sources that pin anything (Debian: its packages and the base image
 * they were resolved against) read the lock beside the spec when it still matches, or resolve
 * again. A build writes a new lock only once the image is built (writeLock); `pith lock` always
 * resolves and writes (lockSpec).
 */
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { hostArch } from '../image/platform.js';
import { writeLockfile, type Lockfile } from '../lock/lockfile.js';
import type { LoadedSpec } from '../spec/load.js';
import type { LockContext, Pins } from '../sources/source.js';
import { BlobStore } from '../store/blob-store.js';
import { defaultCacheDir } from '../store/cache-dir.js';
import { collectGarbageIfLarge } from './collect-garbage.js';
import { resolveSources, type SourcePlan } from './sources.js';

/** The pins of the plan's sources, or undefined when none pins anything. */
export async function lockSources(plan: SourcePlan, ctx: LockContext): Promise<Pins | undefined> {
  const pinning = plan.sources.filter((s) => s.lock);
  // pith.lock has one section per kind of pin, all Debian's today (packages, archives, indexes, base).
  if (pinning.length > 1)
    throw new Error(`several sources pin packages (${pinning.map((s) => s.name).join(', ')}); pith.lock holds one`);
  const source = pinning[0];
  if (!source?.lock) return undefined;
  const pins = await source.lock(ctx);
  // The indexes read to resolve are garbage now: free them before the layers take memory.
  collectGarbageIfLarge();
  return pins;
}

/** Only a build whose packages were all fetched and checked pins them. */
export async function writeLock(pins: Pins | undefined, log: (m: string) => void): Promise<void> {
  if (!pins?.changed || pins.path === undefined) return;
  await writeLockfile(pins.path, pins.lock);
  log(`wrote ${pins.path}`);
}

/** Resolve the spec's packages again and write its lockfile (pith lock). */
export async function lockSpec(
  loaded: LoadedSpec,
  options: { cacheDir?: string; env?: NodeJS.ProcessEnv; log?: (m: string) => void; insecure?: boolean } = {},
): Promise<{ lock: Lockfile; path: string }> {
  if (loaded.lockFile === undefined)
    throw usageError(`${loaded.file} names no lockFile: there is nowhere to write the lock`, {
      hint: 'pass lockFile to specFromObject',
    });
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  const plan = await resolveSources(loaded, {
    env,
    cacheDir,
    store: new BlobStore(join(cacheDir, 'blobs')),
    ...(options.log ? { log: options.log } : {}),
    ...(options.insecure ? { insecure: true } : {}),
  });
  if (!plan.debian) throw usageError(`${loaded.file} uses no Debian packages: there is nothing to lock`);
  const archs = loaded.spec.archs ?? [hostArch()];
  const pins = (await lockSources(plan, {
    archs,
    cacheDir,
    update: true,
    ...(options.log ? { log: options.log } : {}),
  }))!;
  await writeLock(pins, options.log ?? (() => undefined));
  return { lock: pins.lock, path: loaded.lockFile };
}
