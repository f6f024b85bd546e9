/**
 * A registry as a medium (`[docker://]host/repo[:tag][@digest]`): one platform's image pulled
 * (blobs verified into a store), and an image set pushed with its SBOMs attached to each platform
 * manifest as OCI referrers. The distribution protocol itself is src/registry-client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageDescriptor, type ImageSet } from '../image/image.js';
import { hostArch, platformFor } from '../image/platform.js';
import type { Platform } from '../image/types.js';
import { type ClientOptions, RegistryClient } from '../registry-client/client.js';
import { formatPlatform } from '../registry-client/manifest.js';
import { pullImage } from '../registry-client/pull.js';
import { pushArtifact, type PushOptions, type PushResult } from '../registry-client/push.js';
import { formatReference, parseReference, type Reference } from '../registry-client/reference.js';
import {
  attachSboms,
  describeAttached,
  type AttachedSbom,
  type ImageSbomDocuments,
} from '../registry-client/sbom-referrers.js';
import { BlobStore } from '../store/blob-store.js';
import { imageFromBlobs } from './image-blobs.js';
import { imageCreated, sbomsBesideLayout } from './sbom-files.js';
import type { OpenedImage, OpenImageOptions, Transport } from './types.js';

/** One platform's image (the host's by default), pulled into `options.store` or a temporary one. */
export async function openRegistry(arg: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  const named = parseReference(arg);
  const target = options.digest ? { ...named, digest: options.digest } : named;
  const tmp = options.store ? undefined : await mkdtemp(join(tmpdir(), 'pith-pull-'));
  const close = async () => (tmp ? rm(tmp, { recursive: true, force: true }) : undefined);
  try {
    const store = options.store ?? new BlobStore(join(tmp!, 'blobs'));
    const cacheDir = options.cacheDir ?? (tmp ? join(tmp, 'cache') : undefined);
    const pulled = await pullImage(target, options.platform ?? platformFor(hostArch()), {
      ...clientOptions(options),
      store,
      ...(cacheDir ? { cacheDir } : {}),
    });
    const source = formatReference(named);
    const image = imageFromBlobs(
      { descriptor: pulled.manifest, rawManifest: pulled.manifestBytes, rawConfig: pulled.configBytes, store },
      options.where ?? source,
    );
    return {
      ...image,
      source,
      kind: 'registry',
      name: source,
      root: pulled.root,
      origin: { kind: 'registry', reference: named },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The registry client's part of the options. */
function clientOptions(options: OpenImageOptions): ClientOptions {
  const { insecure, env, credentials, retry, trace, sleep, timeoutMs } = options;
  return Object.fromEntries(
    Object.entries({ insecure, env, credentials, retry, trace, sleep, timeoutMs }).filter(([, v]) => v !== undefined),
  ) as ClientOptions;
}

/** SBOM documents of one platform image; the image is the set's of the same platform when `manifest` is not given. */
export type SbomDocuments = Omit<ImageSbomDocuments, 'manifest'> & { manifest?: ImageSbomDocuments['manifest'] };

export interface PushImageOptions extends PushOptions {
  /** Attached as OCI referrers of each platform manifest, after the push. */
  sboms?: readonly SbomDocuments[];
  /** Attach the SBOM files `pith build` wrote beside this output path (a layout or archive), instead. */
  sbomsBeside?: string;
  /** Warnings (an SBOM file beside the output that describes another image). */
  warn?: (message: string) => void;
  /** The referrers' `org.opencontainers.image.created` (default: the image's own). */
  created?: string;
  /** Progress: `pushed REF`, then a line per attached document. */
  log?: (line: string) => void;
}

export type PushImageResult = PushResult & { referrers: AttachedSbom[] };

/**
 * Pushes a set (blobs, child manifests, the root by tag), then attaches each image's SBOMs as
 * referrers: what `pith push` and `pith build --push` do, through one client.
 */
export async function pushImage(
  set: ImageSet,
  ref: string | Reference,
  options: PushImageOptions = {},
): Promise<PushImageResult> {
  const target = typeof ref === 'string' ? parseReference(ref) : ref;
  const client = options.client ?? new RegistryClient(target.registry, options);
  try {
    const pushed = await pushArtifact(set, target, { ...options, client });
    options.log?.(`pushed ${pushed.reference}`);
    const beside =
      options.sbomsBeside !== undefined ? await sbomsBesideLayout(options.sbomsBeside, set, options.warn) : undefined;
    const images =
      beside?.images ??
      (options.sboms ?? []).map((s) => ({ ...s, manifest: s.manifest ?? manifestFor(set, s.platform) }));
    const referrers = images.length
      ? await attachSboms(client, target.repository, images, {
          ...(options.insecure ? { insecure: true } : {}),
          created: options.created ?? imageCreated(set),
          ...(beside ? { files: beside.files } : {}),
        })
      : [];
    for (const a of referrers) options.log?.(describeAttached(a));
    return { ...pushed, referrers };
  } finally {
    if (!options.client) client.close();
  }
}

function manifestFor(set: ImageSet, platform: Platform): ImageSbomDocuments['manifest'] {
  const image = set.images.find((i) => formatPlatform(i.platform) === formatPlatform(platform));
  if (!image) throw new Error(`the image set has no image for ${formatPlatform(platform)} to attach its SBOMs to`);
  return imageDescriptor(image);
}

/**
 * A registry as a medium: `dest` is a reference (`127.0.0.1:5000/acme/app:v1`). The registry shows
 * the image only once its manifest is put, after every blob, so a failed push leaves no tag.
 */
export const registryTransport: Transport<PushImageOptions, PushImageResult> = {
  name: 'registry',
  description: 'push to an OCI registry (the destination is an image reference)',
  open: openRegistry,
  write: pushImage,
};
