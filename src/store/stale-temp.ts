/**
 * Removes what killed runs left in the cache: temporary siblings of atomic writes
 * (`.<name>.tmp-<pid>-<hex>`, store/atomic.ts) and unpack spools (`tmp/spool-<pid>-<hex>`,
 * store/spool.ts). Nothing reads them (readers only trust final names), but they would stay
 * forever. One is stale when the process that made it is gone and it has not changed for
 * STALE_AFTER_MS, or when it is older than ABANDONED_AFTER_MS whoever made it (a pid seen from
 * another pid namespace, such as a container sharing the cache, may look dead while it runs).
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SPOOL_PREFIX } from './spool.js';

const TEMP_NAME = /^\..+\.tmp-([0-9]+)-[0-9a-f]+$/;
const SPOOL_NAME = new RegExp(`^${SPOOL_PREFIX}([0-9]+)-[0-9a-f]+$`);
export const STALE_AFTER_MS = 10 * 60 * 1000;
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;
/** cache/debs/sha256/<file> is the deepest place pith writes temporaries. */
const MAX_DEPTH = 3;

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The newest mtime of a path and, for a directory, of what is directly in it. */
async function lastChange(path: string): Promise<number> {
  const info = await stat(path);
  let newest = info.mtimeMs;
  if (info.isDirectory()) {
    for (const name of await readdir(path))
      newest = Math.max(newest, (await stat(join(path, name)).catch(() => info)).mtimeMs);
  }
  return newest;
}

async function isStale(path: string, pid: number, now: number): Promise<boolean> {
  const age = now - (await lastChange(path));
  return age > ABANDONED_AFTER_MS || (age > STALE_AFTER_MS && !processAlive(pid));
}

/** Sweeps `cacheDir`; returns the paths removed. Never throws: a sweep is housekeeping. */
export async function sweepStaleTemps(cacheDir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const match =
        TEMP_NAME.exec(entry.name) ?? (depth === 1 && basename(dir) === 'tmp' ? SPOOL_NAME.exec(entry.name) : null);
      if (match) {
        try {
          if (await isStale(path, Number(match[1]), now)) {
            await rm(path, { recursive: true, force: true });
            removed.push(path);
          }
        } catch {
          // gone already, or not ours to judge
        }
      } else if (entry.isDirectory() && depth < MAX_DEPTH) {
        await visit(path, depth + 1);
      }
    }
  };
  await visit(cacheDir, 0);
  return removed.sort();
}

const swept = new Set<string>();

/** Sweeps a cache once per process (a server builds many times). */
export async function sweepOnce(cacheDir: string): Promise<void> {
  if (swept.has(cacheDir)) return;
  swept.add(cacheDir);
  await sweepStaleTemps(cacheDir);
}
