/**
 * The URL naming scheme of `pith serve`: a repository path names Debian packages, one per path
 * segment, mixed with a few meta names; the tag names the Debian suite.
 *
 *   /v2/curl/jq/manifests/bookworm        preset static + curl + jq, from bookworm
 *   /v2/cc/nonroot/libstdc__6/manifests/latest
 *                                         preset cc, runs as 65532, + libstdc++6 (`_` stands for `+`)
 *
 * Everything here is pure: a name and a tag in, a canonical `ImageRequest` (and its key) out, or
 * a DistributionError saying what is wrong with the name.
 */
import { createHash } from 'node:crypto';
import { DistributionError } from './errors.js';

export const PRESETS = ['static', 'base-nossl', 'base', 'cc', 'python3'] as const;
export type ServePreset = (typeof PRESETS)[number];
export type ServeVariant = 'nonroot' | 'debug';

/** Meta names: a path segment that is one of these is not a package. */
export const META_NAMES: Readonly<Record<string, { preset: ServePreset } | { variant: ServeVariant }>> = {
  static: { preset: 'static' },
  'base-nossl': { preset: 'base-nossl' },
  base: { preset: 'base' },
  cc: { preset: 'cc' },
  python3: { preset: 'python3' },
  nonroot: { variant: 'nonroot' },
  debug: { variant: 'debug' },
  shell: { variant: 'debug' },
};

/** The preset when the name names none: distroless' static (base-files, CA bundle, tzdata...). */
export const DEFAULT_PRESET: ServePreset = 'static';
/** What `latest` means. */
export const DEFAULT_SUITE = 'bookworm';
/** Bump when the mapping from names to specs changes, so old keys never serve new meanings. */
const KEY_VERSION = 'pith-serve/1';

/** What to build: canonical (sorted, deduplicated), so equal requests have equal keys. */
export interface ImageRequest {
  /** The repository name as requested (for messages). */
  name: string;
  suite: string;
  archs: string[];
  preset: ServePreset;
  variants: ServeVariant[];
  /** Debian package names, sorted, without the preset's. */
  packages: string[];
  key: ImageKey;
}

export interface ImageKey {
  /** Human-readable canonical form: `pith-serve/1 bookworm amd64 static nonroot curl,jq`. */
  canonical: string;
  /** sha256 hex of `canonical`: safe as a file name or a registry tag (`k-<id>`). */
  id: string;
}

export interface NameLimits {
  /** At most this many package segments (meta names don't count). */
  maxPackages: number;
  /** Suites a tag may name (`latest` is DEFAULT_SUITE, which must be among them). */
  suites: readonly string[];
  archs: readonly string[];
}

/** One path component of an OCI repository name (distribution-spec). */
const OCI_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
/** Debian policy 5.6.1: lowercase letters, digits, + - .; at least two characters, alphanumeric first. */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** distribution's limit on a whole repository name. */
export const MAX_NAME_LENGTH = 255;

/**
 * A path segment as a package name. Docker-style clients refuse `+` in names, and Debian names
 * never contain `_`, so `_` stands for `+` (`libstdc__6` is libstdc++6); a raw `+` is accepted
 * too, for clients that send it.
 */
export function segmentPackage(segment: string): string | undefined {
  if (!OCI_COMPONENT.test(segment) && !DEBIAN_PACKAGE.test(segment)) return undefined;
  const name = segment.replace(/_/g, '+');
  return DEBIAN_PACKAGE.test(name) ? name : undefined;
}

/** The path segment a package is requested with (the inverse of segmentPackage). */
export function packageSegment(pkg: string): string {
  return pkg.replace(/\+/g, '_');
}

/** The path segments sorted into the largest preset named, the variants and the packages. */
function readSegments(name: string): {
  preset: ServePreset | undefined;
  variants: Set<ServeVariant>;
  packages: Set<string>;
} {
  let preset: ServePreset | undefined;
  const variants = new Set<ServeVariant>();
  const packages = new Set<string>();
  for (const segment of name.split('/')) {
    const meta = Object.hasOwn(META_NAMES, segment) ? META_NAMES[segment] : undefined;
    if (meta && 'preset' in meta) {
      // Presets nest (static < base-nossl < base < cc < python3): naming two means the larger.
      if (preset === undefined || PRESETS.indexOf(meta.preset) > PRESETS.indexOf(preset)) preset = meta.preset;
      continue;
    }
    if (meta && 'variant' in meta) {
      variants.add(meta.variant);
      continue;
    }
    const pkg = segmentPackage(segment);
    if (pkg === undefined) throw invalidSegment(name, segment);
    packages.add(pkg);
  }
  return { preset, variants, packages };
}

function invalidSegment(name: string, segment: string): DistributionError {
  const why =
    segment === ''
      ? 'an empty path segment'
      : /[A-Z]/.test(segment)
        ? `"${segment}" has uppercase letters (Debian package names are lowercase)`
        : `"${segment}" is not a Debian package name (lowercase letters, digits, + - . and at least two characters; write + as _)`;
  return new DistributionError('NAME_INVALID', `invalid repository name "${name}": ${why}`, { name, segment });
}

export function parseImageName(name: string, tag: string, limits: NameLimits): ImageRequest {
  if (name.length > MAX_NAME_LENGTH) {
    throw new DistributionError(
      'NAME_INVALID',
      `repository name is ${name.length} characters long, the limit is ${MAX_NAME_LENGTH}`,
      { name },
    );
  }
  const { preset, variants, packages } = readSegments(name);
  if (packages.size > limits.maxPackages) {
    throw new DistributionError(
      'DENIED',
      `"${name}" names ${packages.size} packages; this server builds images of at most ${limits.maxPackages} (--max-packages)`,
      { name, packages: packages.size, maxPackages: limits.maxPackages },
    );
  }
  const suite = suiteForTag(tag, limits.suites, name);
  const sortedPackages = [...packages].sort();
  const sortedVariants = [...variants].sort();
  const archs = [...limits.archs].sort();
  const chosen = preset ?? DEFAULT_PRESET;
  const canonical = [
    KEY_VERSION,
    suite,
    archs.join(','),
    chosen,
    sortedVariants.join(',') || '-',
    sortedPackages.join(',') || '-',
  ].join(' ');
  return {
    name,
    suite,
    archs,
    preset: chosen,
    variants: sortedVariants,
    packages: sortedPackages,
    key: { canonical, id: createHash('sha256').update(canonical).digest('hex') },
  };
}

/** `latest` is the default suite; any other tag must be one of the served suites. */
export function suiteForTag(tag: string, suites: readonly string[], name: string): string {
  if (!TAG.test(tag)) throw new DistributionError('MANIFEST_INVALID', `invalid tag "${tag}"`, { name, tag }, 400);
  const suite = tag === 'latest' ? DEFAULT_SUITE : tag;
  if (!suites.includes(suite)) {
    throw new DistributionError(
      'MANIFEST_UNKNOWN',
      `unknown tag "${tag}": tags name a Debian suite, one of ${['latest', ...suites].join(', ')}`,
      { name, tag },
    );
  }
  return suite;
}

/** Tags every valid name has: the served suites and `latest`, sorted. */
export function tagsFor(suites: readonly string[]): string[] {
  return [...new Set(['latest', ...suites])].sort();
}

/** The canonical path of a request, for logs: `static/nonroot/curl:bookworm`. */
export function describeRequest(r: ImageRequest): string {
  return `${[r.preset, ...r.variants, ...r.packages.map(packageSegment)].join('/')}:${r.suite}`;
}
