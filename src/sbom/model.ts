/**
 * The input both SBOM emitters (SPDX 2.3 and CycloneDX 1.5) work from: a small, plain model the
 * build fills from its tree, lockfile and the packages' copyright files. The emitters are pure
 * functions of it: no clock, no network, no filesystem; the same input (in any order) gives the
 * same document, byte for byte, through stableJson.
 */
import type { Digest } from '../image/digest.js';
import { byKey } from '../byte-order.js';

export interface SbomPackage {
  name: string;
  /** The Debian version exactly as in the lockfile, epoch included ("1:1.2.13.dfsg-1"). */
  version: string;
  architecture: string;
  /** Source package name, when it differs from `name` it becomes the purl's `upstream`. */
  source?: string;
  /** sha256 (hex) of the .deb; unknown for a package that came with a base image. */
  sha256?: string;
  /** The base image the package came with (its dpkg database or SBOM listed it). */
  fromBase?: string;
  /** An SPDX license expression (LicenseRef-* allowed), e.g. from licenseFromCopyright. */
  license?: string;
  /** The package's files present in the image, when the package was trimmed. */
  files?: Array<{ path: string; sha256: string }>;
  /** Defaults to true exactly when `files` is given. */
  filesAnalyzed?: boolean;
}

export interface SbomFile {
  /** Image path without a leading slash ("usr/bin/app"), as in the tree. */
  path: string;
  /** sha256 (hex) of the file's content. */
  sha256: string;
  /** The tree origin kind: 'file' | 'binary' | 'library' | 'path'. */
  origin: string;
}

export interface SbomInput {
  image: {
    name: string;
    tag: string;
    /** The manifest or index digest: the subject the SBOM describes. */
    digest: Digest;
    platform?: { architecture: string; os: string };
    /** RFC 3339, the build's (never the wall clock). */
    created: string;
  };
  distro?: { id: 'debian'; versionId?: string; codename?: string };
  packages: SbomPackage[];
  files: SbomFile[];
  tool: { name: 'pith'; version: string };
}

// ---------------------------------------------------------------------------------------------
// Package URLs (https://github.com/package-url/purl-spec)

/**
 * Percent-encodes a purl component: everything but the unreserved characters A-Z a-z 0-9 . - _ ~
 * and ':' (which the purl spec says is never encoded) becomes %XX (uppercase hex, UTF-8), so a
 * Debian '+' is '%2B' and an epoch's ':' stays ':'. `keep` adds characters left as they are.
 */
export function purlEncode(value: string, keep = ''): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_~:]/.test(ch) || (byte < 0x80 && keep.includes(ch))) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function qualifiers(q: Record<string, string | undefined>): string {
  const parts = Object.keys(q)
    .filter((k) => q[k] !== undefined && q[k] !== '')
    .sort()
    .map((k) => `${k}=${purlEncode(q[k]!, '/')}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The source package name without a "(version)" suffix, as Debian's Source field may carry. */
export function sourceName(source: string | undefined): string | undefined {
  const s = source?.replace(/\s*\(.*\)\s*$/, '').trim();
  return s ? s : undefined;
}

/** "debian-12", "debian-bookworm", or undefined when the distro is unknown. */
export function distroQualifier(distro: SbomInput['distro']): string | undefined {
  if (!distro) return undefined;
  const v = distro.versionId ?? distro.codename;
  return v ? `${distro.id}-${v}` : undefined;
}

/** pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-12[&upstream=SOURCE] */
export function debPurl(
  pkg: Pick<SbomPackage, 'name' | 'version' | 'architecture' | 'source'>,
  distro?: SbomInput['distro'],
): string {
  const source = sourceName(pkg.source);
  return (
    `pkg:deb/debian/${purlEncode(pkg.name)}@${purlEncode(pkg.version)}` +
    qualifiers({
      arch: pkg.architecture,
      distro: distroQualifier(distro),
      upstream: source !== pkg.name ? source : undefined,
    })
  );
}

/**
 * pkg:oci/NAME@sha256:HEX?arch=ARCH&repository_url=...&tag=TAG. NAME is the last path segment of
 * the image name, lowercased; a name with a registry or path keeps it whole as repository_url.
 */
export function ociPurl(image: SbomInput['image']): string {
  const last = image.name.split('/').pop()!.toLowerCase();
  return (
    `pkg:oci/${purlEncode(last)}@${purlEncode(image.digest)}` +
    qualifiers({
      arch: image.platform?.architecture,
      repository_url: image.name.includes('/') ? image.name : undefined,
      tag: image.tag,
    })
  );
}

// ---------------------------------------------------------------------------------------------
// Normalisation shared by both emitters

/** Packages sorted by name, version, architecture; each package's files sorted by path. */
export function sortedPackages(input: SbomInput): SbomPackage[] {
  return [...input.packages]
    .map((p) => (p.files ? { ...p, files: [...p.files].sort(byKey((f) => f.path)) } : p))
    .sort(byKey((p) => `${p.name}\u0000${p.version}\u0000${p.architecture}`));
}

/** Files sorted by path. */
export function sortedFiles(input: SbomInput): SbomFile[] {
  return [...input.files].sort(byKey((f) => `${f.path}\u0000${f.origin}`));
}

export function filesAnalyzed(pkg: SbomPackage): boolean {
  return pkg.filesAnalyzed ?? pkg.files !== undefined;
}
