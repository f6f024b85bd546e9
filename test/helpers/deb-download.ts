/**
 * Real Debian packages for reader tests, fetched with `apt-get download` from the host's
 * configured mirror into a cache under the temp dir (so repeated runs do not download again).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEB_CACHE = join(tmpdir(), 'pith-test-debs');

function cached(name: string): string | undefined {
  const prefix = `${name}_`;
  const hit = readdirSync(DEB_CACHE).find((file) => file.startsWith(prefix) && file.endsWith('.deb'));
  return hit === undefined ? undefined : join(DEB_CACHE, hit);
}

/** Downloads into a private dir first, then renames: the cache never holds a partial .deb. */
function aptDownload(name: string): void {
  const staging = mkdtempSync(join(DEB_CACHE, '.download-'));
  try {
    execFileSync('apt-get', ['download', '-q', name], {
      cwd: staging,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    for (const file of readdirSync(staging)) {
      if (file.endsWith('.deb')) renameSync(join(staging, file), join(DEB_CACHE, file));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The path of `name`'s .deb, or a reason why it cannot be had (for `t.skip`). Runs
 * `apt-get update` once if the first download attempt fails (e.g. empty package lists).
 */
export function downloadDeb(name: string): { path: string } | { skip: string } {
  mkdirSync(DEB_CACHE, { recursive: true });
  const hit = cached(name);
  if (hit) return { path: hit };
  try {
    aptDownload(name);
  } catch {
    try {
      execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
      aptDownload(name);
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return { skip: `cannot download ${name} with apt-get (${detail}); skipping the real-package check` };
    }
  }
  const path = cached(name);
  return path ? { path } : { skip: `apt-get download ${name} produced no .deb; skipping the real-package check` };
}
