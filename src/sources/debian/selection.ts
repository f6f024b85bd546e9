import { isAbsolute, resolve } from 'node:path';
import { specError } from '../../errors.js';
import type { LoadedSpec } from '../../spec/load.js';
import { presetDefinition, variantEffect } from './presets.js';
import { deriveSecurityUri, readHostAptSources, suiteSet } from './archive/apt-sources.js';
import type { RepositoryConfig } from './archive/repository.js';
import type { ConfigDefaults } from '../source.js';

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
export const DEFAULT_SUITE = 'bookworm';

/** What the spec asks of Debian: where from, which packages, and what the presets add. */
export interface DebianSelection {
  /** The release the image is based on (codename), for presets and os-release. */
  codename: string;
  repos: RepositoryConfig[];
  /** Requirements in order: preset, variants, then the spec's packages. */
  requirements: string[];
  exclude: string[];
  defaults: ConfigDefaults;
  /** The debug variant: link busybox applets under /busybox. */
  busybox: boolean;
}

/**
 * Undefined when the spec uses no Debian packages. The mirror comes from the host's apt sources
 * (or $PITH_DEBIAN_MIRROR), never from a built-in host name; `repositories:` replaces both.
 */
export async function debianSelection(
  loaded: LoadedSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DebianSelection | undefined> {
  const { spec } = loaded;
  const wanted = spec.packages.length > 0 || spec.preset !== undefined || spec.variants.includes('debug');
  if (!wanted) {
    if (spec.debian || spec.repositories.length || spec.variants.length) {
      throw specError(
        'no packages to install: add packages: or preset: (debian:, repositories: and variants: need them)',
        {
          where: loaded.where([spec.debian ? 'debian' : spec.repositories.length ? 'repositories' : 'variants']),
        },
      );
    }
    return undefined;
  }
  const repos =
    spec.repositories.length > 0 ? explicitRepos(loaded) : await hostRepos(spec.debian ?? DEFAULT_SUITE, env, loaded);
  const codename = (spec.debian ?? spec.repositories[0]?.suites[0] ?? DEFAULT_SUITE).replace(
    /-(updates|security|backports)$/,
    '',
  );

  const { requirements, exclude, defaults } = presetAndVariants(loaded, codename);
  addSpecPackages(spec.packages, requirements, exclude);
  return {
    codename,
    repos,
    requirements,
    exclude: [...exclude].sort(),
    defaults,
    busybox: spec.variants.includes('debug'),
  };
}

/** What the preset and the variants require and set, in that order; exclusions start from the spec's. */
function presetAndVariants(
  loaded: LoadedSpec,
  codename: string,
): { requirements: string[]; exclude: Set<string>; defaults: ConfigDefaults } {
  const { spec } = loaded;
  const requirements: string[] = [];
  const exclude = new Set<string>(spec.exclude);
  const defaults: ConfigDefaults = { env: {} };
  if (spec.preset) {
    const preset = presetDefinition(spec.preset, codename, loaded.where(['preset']));
    requirements.push(...preset.packages);
    for (const e of preset.exclude) exclude.add(e);
    Object.assign(defaults.env, preset.env);
    if (preset.entrypoint) defaults.entrypoint = preset.entrypoint;
  }
  for (const variant of spec.variants) {
    const effect = variantEffect(variant);
    requirements.push(...effect.packages);
    if (effect.user) defaults.user = effect.user;
    if (effect.workdir) defaults.workdir = effect.workdir;
    if (effect.entrypoint) defaults.entrypoint = effect.entrypoint;
    if (effect.pathSuffix) defaults.pathSuffix = effect.pathSuffix;
  }
  return { requirements, exclude, defaults };
}

/** Appends the spec's packages to `requirements`; each is no longer excluded. */
function addSpecPackages(packages: readonly string[], requirements: string[], exclude: Set<string>): void {
  const names = new Set(requirements.map((r) => r.split(/[\s(=]/)[0]));
  for (const p of packages) {
    const name = p.split(/[\s(=]/)[0]!;
    // A spec's own requirement (maybe versioned) replaces the preset's plain one.
    if (names.has(name))
      requirements.splice(
        requirements.findIndex((r) => r.split(/[\s(=]/)[0] === name),
        1,
      );
    requirements.push(p);
    exclude.delete(name);
  }
}

function explicitRepos(loaded: LoadedSpec): RepositoryConfig[] {
  return loaded.spec.repositories.map((r) => ({
    url: r.url,
    suites: r.suites,
    components: r.components,
    keyrings: [r.keyring ? (isAbsolute(r.keyring) ? r.keyring : resolve(loaded.dir, r.keyring)) : DEBIAN_KEYRING],
  }));
}

async function hostRepos(codename: string, env: NodeJS.ProcessEnv, loaded: LoadedSpec): Promise<RepositoryConfig[]> {
  const mirror = env.PITH_DEBIAN_MIRROR?.replace(/\/+$/, '');
  if (mirror) {
    const security = env.PITH_DEBIAN_SECURITY_MIRROR?.replace(/\/+$/, '') ?? deriveSecurityUri(mirror);
    return [
      { url: mirror, suites: [codename, `${codename}-updates`], components: ['main'], keyrings: [DEBIAN_KEYRING] },
      { url: security, suites: [`${codename}-security`], components: ['main'], keyrings: [DEBIAN_KEYRING] },
    ];
  }
  let refs;
  try {
    refs = suiteSet(codename, await readHostAptSources());
  } catch (err) {
    throw specError(`debian: ${(err as Error).message}`, {
      where: loaded.where(['debian']),
      hint: 'configure an apt mirror on this host, set PITH_DEBIAN_MIRROR, or list repositories: in the spec',
    });
  }
  const byUri = new Map<string, RepositoryConfig>();
  for (const ref of refs) {
    const repo = byUri.get(ref.uri) ?? {
      url: ref.uri,
      suites: [],
      components: ['main'],
      keyrings: [ref.signedBy ?? DEBIAN_KEYRING],
    };
    repo.suites.push(ref.suite);
    byUri.set(ref.uri, repo);
  }
  return [...byUri.values()];
}

/** The environment the image will have (preset defaults, then the spec), which decides the locale need. */
export function specEnv(loaded: LoadedSpec, selection: DebianSelection): Record<string, string> {
  return { ...selection.defaults.env, ...loaded.spec.env };
}
