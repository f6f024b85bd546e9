import { homedir } from 'node:os';
import { join } from 'node:path';

/** pith's cache root: $PITH_CACHE_DIR, else $XDG_CACHE_HOME/pith, else ~/.cache/pith. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PITH_CACHE_DIR) return env.PITH_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'pith');
  return join(homedir(), '.cache', 'pith');
}
