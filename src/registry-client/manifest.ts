import { integrityError, PithError } from '../errors.js';
import { type Digest, isDigest, sha256Digest } from '../image/digest.js';
import { MediaType } from '../image/media-types.js';
import type { Descriptor, ImageIndex, Manifest, Platform } from '../image/types.js';

/** Every manifest type pith reads, for the Accept header of a manifest GET. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.ociManifest,
  MediaType.dockerManifestList,
  MediaType.dockerManifest,
];

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

export function isImageConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociConfig || mediaType === MediaType.dockerConfig;
}

export type ParsedManifest =
  { kind: 'index'; mediaType: string; value: ImageIndex } | { kind: 'manifest'; mediaType: string; value: Manifest };

function checkDescriptor(d: unknown, where: string): asserts d is Descriptor {
  const x = d as Partial<Descriptor> | null;
  if (
    !x ||
    typeof x !== 'object' ||
    typeof x.mediaType !== 'string' ||
    typeof x.digest !== 'string' ||
    typeof x.size !== 'number'
  ) {
    throw new PithError('input', `${where}: a descriptor lacks mediaType, digest or size`);
  }
  if (!isDigest(x.digest))
    throw new PithError('input', `${where}: unsupported digest ${x.digest} (pith handles sha256 only)`);
}

/**
 * Parses manifest or index bytes. The media type comes from the JSON's own `mediaType`, else
 * from the one the registry or descriptor gave, else from its shape.
 */
export function parseManifest(bytes: Uint8Array, hintMediaType: string | undefined, where: string): ParsedManifest {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new PithError('input', `${where}: manifest is not valid JSON`);
  }
  if (value === null || typeof value !== 'object')
    throw new PithError('input', `${where}: manifest is not a JSON object`);
  if (value.schemaVersion === 1)
    throw new PithError('input', `${where}: Docker schema 1 manifests are not supported`, {
      hint: 'push the image again with a current client',
    });
  const own = typeof value.mediaType === 'string' ? value.mediaType : undefined;
  const mediaType =
    own ??
    (hintMediaType && (isIndexMediaType(hintMediaType) || isManifestMediaType(hintMediaType))
      ? hintMediaType
      : Array.isArray(value.manifests)
        ? MediaType.ociIndex
        : MediaType.ociManifest);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(value.manifests)) throw new PithError('input', `${where}: index has no manifests list`);
    for (const m of value.manifests) checkDescriptor(m, where);
    return { kind: 'index', mediaType, value: value as unknown as ImageIndex };
  }
  if (isManifestMediaType(mediaType) || (!own && value.config)) {
    checkDescriptor(value.config, where);
    if (!Array.isArray(value.layers)) throw new PithError('input', `${where}: manifest has no layers list`);
    for (const l of value.layers) checkDescriptor(l, where);
    return { kind: 'manifest', mediaType, value: value as unknown as Manifest };
  }
  throw new PithError('input', `${where}: unsupported manifest media type ${mediaType}`);
}

/** Throws unless bytes hash to the digest. */
export function verifyDigest(bytes: Uint8Array, digest: Digest, where: string): void {
  const actual = sha256Digest(bytes);
  if (actual !== digest) throw integrityError(`${where}: content hashes to ${actual}, not ${digest}`);
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** arm64's variant is v8 whether written or not; others compare as written. */
function variantOf(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  return p.architecture === 'arm64' ? 'v8' : undefined;
}

/**
 * The index entry for a platform: same os and architecture, the same variant when one is asked
 * for (arm64 means v8), else the first. Attestation entries (unknown/unknown) never match.
 */
export function selectPlatform(index: ImageIndex, wanted: Platform, where: string): Descriptor {
  const candidates = index.manifests.filter(
    (m) =>
      m.platform &&
      m.platform.os === wanted.os &&
      m.platform.architecture === wanted.architecture &&
      !isIndexMediaType(m.mediaType),
  );
  const want = variantOf(wanted);
  const exact = candidates.find((m) => variantOf(m.platform!) === want);
  const chosen = exact ?? (wanted.variant ? candidates.find((m) => !m.platform!.variant) : candidates[0]);
  if (chosen) return chosen;
  const nested = index.manifests.filter((m) => isIndexMediaType(m.mediaType));
  if (nested.length === 1 && index.manifests.length === 1) return nested[0]!;
  const have = index.manifests
    .filter((m) => m.platform && m.platform.os !== 'unknown')
    .map((m) => formatPlatform(m.platform!));
  throw new PithError('input', `${where} has no image for ${formatPlatform(wanted)}`, {
    hint: have.length ? `it has: ${[...new Set(have)].join(', ')}` : undefined,
  });
}
