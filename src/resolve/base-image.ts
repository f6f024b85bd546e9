import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { integrityError, PithError } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { MediaType } from '../image/media-types.js';
import type { ContainerConfig, Descriptor, HistoryEntry, ImageConfig, Platform } from '../image/types.js';
import type { ClientOptions } from '../registry-client/client.js';
import { formatPlatform, isManifestMediaType, parseManifest, selectPlatform, verifyDigest } from '../registry-client/manifest.js';
import { pullImage } from '../registry-client/pull.js';
import { formatReference, parseReference, type Reference } from '../registry-client/reference.js';
import { layoutEntry, parseLayoutArg } from './sources/oci-layout.js';
import { BlobStore } from '../store/blob-store.js';

export interface BaseImage {
  /** For org.opencontainers.image.base.name: `docker.io/library/debian:12`, or the layout's image name. */
  name: string;
  /** The platform manifest's digest, for org.opencontainers.image.base.digest. */
  digest: Digest;
  /** What the reference resolved to (an index or that manifest): what a lock pins. */
  rootDigest: Digest;
  /** Where it was read from (its SBOM lives beside a layout, or as a registry referrer). */
  origin: { kind: 'layout'; dir: string } | { kind: 'registry'; reference: Reference };
  /** Bottom first; descriptors with OCI media types (Docker's gzip layer type converted). */
  layers: Array<{ descriptor: Descriptor; diffId: Digest }>;
  /** The base's config, reduced to the OCI fields (Docker-only fields dropped). */
  config: ImageConfig;
  platform: Platform;
}

export interface BaseImageOptions extends ClientOptions {
  /** Where the digest -> repositories map lives (default: the pith cache). */
  cacheDir?: string;
  /**
   * Load this root (index or manifest) digest instead of what the tag names now: a lock's pin.
   * The image keeps the name of `ref`, so a pinned build gives the same bytes as the first one.
   */
  pin?: Digest;
}

const LAYER_TYPES: Record<string, string> = {
  [MediaType.ociLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.ociLayerTar]: MediaType.ociLayerTar,
  [MediaType.ociLayerZstd]: MediaType.ociLayerZstd,
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  'application/vnd.docker.image.rootfs.diff.tar': MediaType.ociLayerTar,
  'application/vnd.docker.image.rootfs.diff.tar.zstd': MediaType.ociLayerZstd,
};

/**
 * Loads a base image for one platform into `store`: its layers (blobs verified by digest) with
 * their diff_ids, and its config. `ref` is a registry reference (`debian:12`,
 * `127.0.0.1:5000/acme/base@sha256:...`) or `oci:DIR[:TAG]` for a local OCI layout.
 */
export async function loadBaseImage(ref: string, platform: Platform, store: BlobStore, options: BaseImageOptions = {}): Promise<BaseImage> {
  if (ref.startsWith('oci:')) return fromLayout(ref.slice('oci:'.length), platform, store, options.pin);
  const named = parseReference(ref);
  const target = options.pin ? { ...named, digest: options.pin } : named;
  const pulled = await pullImage(target, platform, { ...options, store });
  const where = `base image ${formatReference(target)}`;
  const config = await store.readBytes(pulled.config.digest);
  return {
    name: formatReference(named),
    digest: pulled.manifest.digest,
    rootDigest: pulled.root.digest,
    origin: { kind: 'registry', reference: named },
    ...convert(pulled.layers, config, where, platform),
  };
}

async function fromLayout(arg: string, platform: Platform, store: BlobStore, pin: Digest | undefined): Promise<BaseImage> {
  const { dir, tag } = await parseLayoutArg(arg);
  const where = `base image oci:${arg}`;
  const layoutStore = new BlobStore(join(resolve(dir), 'blobs'));
  const entry = await layoutEntry(dir, tag);
  // A pin names the root by digest: its media type comes from the manifest's own JSON.
  let descriptor: Descriptor = pin ? { mediaType: '', digest: pin, size: 0 } : entry;
  if (pin && !(await layoutStore.has(pin))) {
    throw new PithError('input', `${where} no longer holds ${pin}, the image the lock pins`, { hint: 'run pith lock to build on the image it holds now' });
  }
  for (let depth = 0; ; depth++) {
    if (depth > 4) throw new PithError('input', `${where}: indexes nested too deep`);
    const bytes = await readLayoutBlob(layoutStore, descriptor, where);
    verifyDigest(bytes, descriptor.digest, `${where}: manifest ${descriptor.digest}`);
    const m = parseManifest(bytes, descriptor.mediaType || undefined, `${where}: manifest ${descriptor.digest}`);
    if (m.kind === 'index') {
      descriptor = selectPlatform(m.value, platform, where);
      continue;
    }
    await importBlob(layoutStore, store, m.value.config, where);
    for (const layer of m.value.layers) await importBlob(layoutStore, store, layer, where);
    await store.putBytes(bytes);
    const config = await store.readBytes(m.value.config.digest);
    const containerdName = entry.annotations?.['io.containerd.image.name'];
    const refName = entry.annotations?.['org.opencontainers.image.ref.name'];
    // A name that doesn't depend on where the layout sits, so builds stay reproducible.
    const name = containerdName ?? `${basename(resolve(dir))}:${refName ?? tag ?? 'latest'}`;
    if (!isManifestMediaType(m.mediaType)) throw new PithError('input', `${where}: unsupported manifest type ${m.mediaType}`);
    return {
      name,
      digest: descriptor.digest,
      rootDigest: pin ?? entry.digest,
      origin: { kind: 'layout', dir: resolve(dir) },
      ...convert(m.value.layers, config, where, platform),
    };
  }
}

async function readLayoutBlob(layoutStore: BlobStore, d: Descriptor, where: string): Promise<Buffer> {
  try {
    return await layoutStore.readBytes(d.digest);
  } catch {
    throw new PithError('input', `${where}: blob ${d.digest} is missing from the layout`);
  }
}

/** Copies a blob from a layout into the store, hashing on the way; a mismatch stores nothing. */
async function importBlob(from: BlobStore, to: BlobStore, d: Descriptor, where: string): Promise<void> {
  if (await to.has(d.digest)) {
    try {
      await to.verify(d.digest);
      return;
    } catch {
      // removed as corrupt: copy it again
    }
  }
  const writer = await to.createWriter();
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      createReadStream(from.pathOf(d.digest)),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      writer.stream,
    );
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== d.digest || size !== d.size) throw integrityError(`${where}: blob ${d.digest} hashes to ${actual} (${size} bytes, descriptor says ${d.size})`);
    await writer.commit(d.digest);
  } catch (err) {
    await writer.abort();
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PithError('input', `${where}: blob ${d.digest} is missing from the layout`);
    throw err;
  }
}

interface RawConfig {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: Record<string, unknown> | null;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: Array<Partial<HistoryEntry> & { author?: string }>;
}

const STRING_LISTS = ['Env', 'Entrypoint', 'Cmd'] as const;
const STRINGS = ['User', 'WorkingDir', 'StopSignal'] as const;
const SETS = ['ExposedPorts', 'Volumes'] as const;

/** The ContainerConfig fields of a Docker or OCI config; nulls (Docker writes them) dropped. */
export function containerConfigOf(raw: Record<string, unknown> | null | undefined): ContainerConfig {
  const out: ContainerConfig = {};
  if (!raw) return out;
  for (const k of STRING_LISTS) {
    const v = raw[k];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
  }
  for (const k of STRINGS) {
    const v = raw[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  for (const k of SETS) {
    const v = raw[k];
    if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = Object.fromEntries(Object.keys(v).map((key) => [key, {}])) as Record<string, Record<string, never>>;
  }
  const labels = raw.Labels;
  if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
    out.Labels = Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  return out;
}

function convert(layers: Descriptor[], configBytes: Buffer, where: string, wanted: Platform): Omit<BaseImage, 'name' | 'digest' | 'rootDigest' | 'origin'> {
  let raw: RawConfig;
  try {
    raw = JSON.parse(configBytes.toString('utf8')) as RawConfig;
  } catch {
    throw new PithError('input', `${where}: config is not valid JSON`);
  }
  const platform: Platform = { architecture: raw.architecture ?? '', os: raw.os ?? '', ...(raw.variant ? { variant: raw.variant } : {}) };
  if (platform.architecture !== wanted.architecture || platform.os !== wanted.os) {
    throw new PithError('input', `${where} is ${formatPlatform(platform)}, not ${formatPlatform(wanted)}`);
  }
  const diffIds = raw.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) {
    throw new PithError('input', `${where}: ${layers.length} layers but ${diffIds.length} diff_ids in its config`);
  }
  const out = layers.map((layer, i) => {
    const mediaType = LAYER_TYPES[layer.mediaType];
    if (!mediaType) {
      const hint = /foreign|nondistributable/.test(layer.mediaType) ? 'foreign (non-distributable) layers are not supported' : undefined;
      throw new PithError('input', `${where}: layer ${layer.digest} has unsupported media type ${layer.mediaType}`, hint ? { hint } : {});
    }
    const diffId = diffIds[i]!;
    if (!/^sha256:[0-9a-f]{64}$/.test(diffId)) throw new PithError('input', `${where}: diff_id ${diffId} is not a sha256 digest`);
    // Keep only what an OCI descriptor carries; urls (foreign layers) were refused above.
    const descriptor: Descriptor = { mediaType, digest: layer.digest, size: layer.size, ...(layer.annotations ? { annotations: layer.annotations } : {}) };
    return { descriptor, diffId: diffId as Digest };
  });
  const history: HistoryEntry[] = (raw.history ?? []).map((h) => ({
    created: h.created ?? '1970-01-01T00:00:00Z',
    created_by: h.created_by ?? '',
    ...(h.comment ? { comment: h.comment } : {}),
    ...(h.empty_layer ? { empty_layer: true } : {}),
  }));
  const config: ImageConfig = {
    created: raw.created ?? '1970-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: containerConfigOf(raw.config),
    rootfs: { type: 'layers', diff_ids: out.map((l) => l.diffId) },
    history,
  };
  return { layers: out, config, platform };
}
