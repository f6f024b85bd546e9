/**
 * Debian as a source: the spec's packages (and its preset's and variants'), resolved against the
 * signed archive and pinned in pith.lock (lock.ts), then brought to each platform image as parts,
 * one per package (parts.ts), with base-files' merged-/usr links, os-release's identity, the
 * presets' config defaults, the debug variant's busybox links and the packages for the SBOM.
 */
import { buildError } from '../../errors.js';
import type { LoadedSpec } from '../../spec/load.js';
import type { Spec } from '../../spec/types.js';
import type { FsTree } from '../../tree/fs-tree.js';
import type { Contribution, PlatformContext, Source } from '../source.js';
import { mergedUsrOf } from './base-files.js';
import { locateLockedDebs, type LocatedPackage } from './located.js';
import { lockedPackages } from './lock.js';
import type { BaseForLock } from './resolve.js';
import { debianIdentity } from './os-release.js';
import { debianParts } from './parts.js';
import { BUSYBOX_APPLETS } from './presets.js';
import type { DebianSelection } from './selection.js';

export interface DebianSource extends Source {
  readonly selection: DebianSelection;
  /** The pinned packages of one platform, with the archive to download each from. */
  located(ctx: PlatformContext): LocatedPackage[];
}

export function debianSource(
  loaded: LoadedSpec,
  selection: DebianSelection,
  options: { trim: Spec['trim']; base?: BaseForLock },
): DebianSource {
  const located = (ctx: PlatformContext): LocatedPackage[] => {
    if (!ctx.pins) throw new Error('debian: contribute() before lock()');
    const packages = ctx.pins.lock.packages[ctx.arch];
    if (!packages) throw buildError(`${ctx.pins.path ?? 'the lock'} has no packages for ${ctx.arch} (run pith lock)`);
    // Any configured mirror of the locked suites serves the .debs; their hashes come from the lock.
    return locateLockedDebs(packages, selection.repos);
  };
  return {
    name: 'debian',
    selection,
    located,
    lock: (ctx) =>
      lockedPackages(loaded, selection, [...ctx.archs], {
        cacheDir: ctx.cacheDir,
        ...(ctx.frozen ? { frozen: true } : {}),
        ...(ctx.update ? { update: true } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
        ...(options.base ? { base: options.base } : {}),
      }),
    contribute: async (ctx) => contribution(located(ctx), selection, options.trim, ctx),
  };
}

async function contribution(
  packages: LocatedPackage[],
  selection: DebianSelection,
  trim: Spec['trim'],
  ctx: PlatformContext,
): Promise<Contribution> {
  const links = await mergedUsrOf(packages, ctx.cacheDir, ctx.log);
  // base-files decides the links (trixie's, or bookworm's none); without it, the image below does.
  const baseFiles = packages.some((p) => p.name === 'base-files');
  const identity = debianIdentity(selection.codename);
  return {
    parts: debianParts(packages, {
      cacheDir: ctx.cacheDir,
      trimDocs: trim !== 'none',
      ...(baseFiles ? { links } : {}),
    }),
    links,
    os: baseFiles ? null : identity,
    config: { defaults: selection.defaults },
    sbom: {
      distro: {
        id: 'debian',
        ...(identity.versionId ? { versionId: identity.versionId } : {}),
        codename: selection.codename,
      },
      packages,
    },
    ...(selection.busybox ? { entries: async (tree) => busyboxApplets(tree) } : {}),
  };
}

/** The debug variant: /busybox/<applet> -> /bin/busybox. */
function busyboxApplets(tree: FsTree): void {
  const origin = { kind: 'system' as const, detail: 'debug variant: busybox applets' };
  for (const applet of BUSYBOX_APPLETS)
    tree.add(`/busybox/${applet}`, { type: 'symlink', target: '/bin/busybox', mode: 0o777, uid: 0, gid: 0, origin });
}
