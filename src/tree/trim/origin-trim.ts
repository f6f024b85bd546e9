import type { Origin, TreeEntry } from '../entry.js';

/**
 * How `trim: closure` treats an entry by where it came from:
 *   root                 always kept (with what it links to): pith made it because the spec or the
 *                        image's system layer asks for it
 *   reached              kept only when something kept reaches it, or a rule keeps it: packages'
 *                        files, and a base image's (in the tree so that the closure finds the
 *                        base's loader and libraries; the base's layers are never written again)
 *   root-unless-symlink  install effects: their files and directories are roots like the system
 *                        layer's; their symlinks (alternatives) are kept only when reached or when
 *                        what they point at is kept (rule effect-links), so /usr/bin/java goes when
 *                        the JVM goes
 * A new Origin kind must be given a row here (the compiler checks).
 */
export const ORIGIN_TRIM = Object.freeze({
  package: 'reached',
  effect: 'root-unless-symlink',
  accounts: 'root',
  system: 'root',
  file: 'root',
  binary: 'root',
  library: 'root',
  path: 'root',
  base: 'reached',
} as const satisfies Record<Origin['kind'], 'root' | 'reached' | 'root-unless-symlink'>);

/** Whether the engine keeps an entry whatever reaches it (ORIGIN_TRIM). */
export function isBuiltRoot(entry: TreeEntry): boolean {
  const how = ORIGIN_TRIM[entry.origin.kind];
  return how === 'root' || (how === 'root-unless-symlink' && entry.type !== 'symlink');
}
