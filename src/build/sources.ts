/**
 * Step 1: the spec's sources, in the order their entries go into the spec's tree: the base
 * image, the system files (not over a base image's unless the spec names accounts:), Debian, the
 * host's files and binaries, inline paths, and install effects last (they see everything).
 */
import { isAbsolute, resolve } from 'node:path';
import type { LoadedSpec } from '../spec/load.js';
import type { BlobStore } from '../store/blob-store.js';
import { baseImage, type BaseImageSource } from '../sources/base-image/source.js';
import { installEffects } from '../sources/debian/effects/source.js';
import { debianSelection } from '../sources/debian/selection.js';
import { debianSource, type DebianSource } from '../sources/debian/source.js';
import { hostFiles } from '../sources/host/source.js';
import { inlinePaths } from '../sources/inline/source.js';
import type { Source } from '../sources/source.js';
import { resolveAccounts, type Accounts } from '../sources/system/accounts.js';
import { systemFiles } from '../sources/system/source.js';

export interface SourcePlan {
  sources: Source[];
  debian?: DebianSource;
  base?: BaseImageSource;
  /** The spec's accounts (with distroless' unless accounts.preset is none), before install effects add theirs. */
  accounts: Accounts;
  /** Whether the image's /etc/passwd and /etc/group are pith's (not a base image's). */
  writesAccounts: boolean;
}

export interface SourcesContext {
  env: NodeJS.ProcessEnv;
  cacheDir: string;
  store: BlobStore;
  log?: (message: string) => void;
  insecure?: boolean;
}

export async function resolveSources(loaded: LoadedSpec, ctx: SourcesContext): Promise<SourcePlan> {
  const { spec } = loaded;
  const accounts = resolveAccounts(spec.accounts);
  const selection = await debianSelection(loaded, ctx.env);
  const base = spec.base
    ? baseImage(spec.base, baseReference(spec.base, loaded.dir), {
        env: ctx.env,
        store: ctx.store,
        cacheDir: ctx.cacheDir,
        ...(ctx.insecure ? { insecure: true } : {}),
        ...(ctx.log ? { log: ctx.log } : {}),
      })
    : undefined;
  // On a base image pith writes no accounts or system files unless the spec asks (they would
  // shadow the base's /etc/passwd).
  const writesAccounts = !spec.base || loaded.written('accounts');
  const debian = selection
    ? debianSource(loaded, selection, { trim: spec.trim, ...(base ? { base } : {}) })
    : undefined;
  const sources: Array<Source | undefined> = [
    base,
    writesAccounts ? systemFiles() : undefined,
    debian,
    hostFiles(loaded),
    inlinePaths(loaded),
    installEffects({ trimDocs: spec.trim !== 'none', ...(debian ? { packages: (c) => debian.located(c) } : {}) }),
  ];
  return {
    sources: sources.filter((s): s is Source => s !== undefined),
    ...(debian ? { debian } : {}),
    ...(base ? { base } : {}),
    accounts,
    writesAccounts,
  };
}

/** `oci:DIR[:TAG]` with DIR relative to the spec file. */
function baseReference(base: string, specDir: string): string {
  if (!base.startsWith('oci:')) return base;
  const arg = base.slice(4);
  return `oci:${isAbsolute(arg) ? arg : resolve(specDir, arg)}`;
}
