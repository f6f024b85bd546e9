/** Where each locked package's .deb is downloaded from. */
import { specError } from '../../errors.js';
import type { LockedPackage } from '../../lock/lockfile.js';

/** A locked package and the archive root to download its .deb from. */
export type LocatedPackage = LockedPackage & { baseUrl: string };

/** A configured repository, as far as finding a locked .deb goes. */
export interface DebSource {
  url: string;
  suites: string[];
}

/**
 * Where to download each locked package from: the first configured repository that serves its
 * suite. Any mirror will do (the .deb is checked against the lock's sha256 and size before use).
 */
export function locateLockedDebs(packages: readonly LockedPackage[], sources: readonly DebSource[]): LocatedPackage[] {
  return packages.map((p) => {
    const source = sources.find((s) => s.suites.includes(p.suite));
    if (!source) {
      throw specError(
        `the lock pins ${p.name} ${p.version} from suite ${p.suite}, which no configured repository serves`,
        {
          hint: `add ${p.suite} to the spec's repositories (or debian:), or run pith lock`,
        },
      );
    }
    return { ...p, baseUrl: source.url };
  });
}
