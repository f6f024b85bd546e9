/**
 * Install effects as a source: what dpkg and the packages' maintainer scripts would have done,
 * and what any image needs once its files are known (the NSS modules and C.UTF-8 of a host libc,
 * the CA bundle with the spec's certificates), made as entries of origin `effect`
 * (installed-image.ts, table.ts). It runs on every image, with or without Debian packages, and
 * also checks that the entrypoint can start. The interpreter loads only when an image is built.
 */
import type { Source } from '../../source.js';
import type { LocatedPackage } from '../located.js';

export interface EffectsOptions {
  /** The packages installed on this platform (none without Debian). */
  packages?: (ctx: Parameters<Source['contribute']>[0]) => LocatedPackage[];
  /** Effects on paths trimming drops are dropped too. */
  trimDocs: boolean;
}

export function installEffects(options: EffectsOptions): Source {
  return {
    name: 'install effects',
    contribute: async (ctx) => {
      const packages = options.packages?.(ctx) ?? [];
      return {
        settle: async (spec, settle) => {
          const { installedImage } = await import('./installed-image.js');
          return installedImage(packages, spec, {
            cacheDir: ctx.cacheDir,
            log: ctx.log,
            trimDocs: options.trimDocs,
            mergedUsr: settle.links,
            accounts: settle.accounts,
            arch: ctx.arch,
            created: ctx.created,
            ...(settle.below ? { base: () => settle.below!.entries() } : {}),
          });
        },
      };
    },
  };
}
