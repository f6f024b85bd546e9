/**
 * A base image for one platform, loaded into the build's store: any image reference pith can open
 * (a registry reference, `oci:DIR[:TAG]`), its blobs verified by digest, its layers' media types
 * made OCI's (Docker's gzip type converted) and its config reduced to the fields pith models.
 */
import { PithError } from '../../errors.js';
import type { Digest } from '../../image/digest.js';
import type { Image } from '../../image/image.js';
import type { Layer } from '../../image/layer.js';
import { MediaType } from '../../image/media-types.js';
import type { Platform } from '../../image/types.js';
import type { ClientOptions } from '../../registry-client/client.js';
import { formatPlatform } from '../../registry-client/manifest.js';
import { formatReference, parseReference } from '../../registry-client/reference.js';
import type { BlobStore } from '../../store/blob-store.js';
import { copyBlob } from '../../store/copy-blob.js';
import { openImage } from '../../transports/open.js';
import type { ImageOrigin, OpenedImage } from '../../transports/types.js';

export { containerConfigOf } from '../../transports/image-config.js';

/** The image to build on: its layers (blobs in the build's store, OCI media types) and config. */
export interface BaseImage extends Image {
  /** For org.opencontainers.image.base.name: `docker.io/library/debian:12`, or the layout's image name. */
  name: string;
  /** What the reference resolved to (an index or the platform manifest): what a lock pins. */
  rootDigest: Digest;
  /** Where it was read from (its SBOM lives beside a layout, or as a registry referrer). */
  origin: ImageOrigin;
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
 * `ref` is a registry reference (`debian:12`, `127.0.0.1:5000/acme/base@sha256:...`) or
 * `oci:DIR[:TAG]` for a local OCI layout; a reference without a prefix is never a local path.
 */
export async function loadBaseImage(
  ref: string,
  platform: Platform,
  store: BlobStore,
  options: BaseImageOptions = {},
): Promise<BaseImage> {
  const local = /^(oci|oci-archive|docker-archive):/.test(ref);
  const where = `base image ${local ? ref : formatReference(options.pin ? { ...parseReference(ref), digest: options.pin } : parseReference(ref))}`;
  const { pin, ...rest } = options;
  const opened = await openImage(ref, {
    ...rest,
    localPaths: false,
    platform,
    where,
    ...(pin ? { digest: pin } : {}),
    ...(local ? {} : { store }),
  });
  try {
    if (local) await copyInto(opened, store, where);
    return asBase(opened, store, where, platform);
  } finally {
    await opened.close();
  }
}

/** A layout's (or archive's) blobs into the build's store, each hashed on the way. */
async function copyInto(image: OpenedImage, store: BlobStore, where: string): Promise<void> {
  for (const layer of image.layers) await copyBlob(layer.store, store, layer, where);
  // Config and manifest were read and checked against their digests already.
  await store.putBytes(image.rawConfig);
  await store.putBytes(image.rawManifest);
}

function asBase(opened: OpenedImage, store: BlobStore, where: string, wanted: Platform): BaseImage {
  const { platform } = opened;
  if (platform.architecture !== wanted.architecture || platform.os !== wanted.os) {
    throw new PithError('input', `${where} is ${formatPlatform(platform)}, not ${formatPlatform(wanted)}`);
  }
  const layers = opened.layers.map((layer): Layer => {
    const mediaType = LAYER_TYPES[layer.mediaType];
    if (!mediaType) {
      const hint = /foreign|nondistributable/.test(layer.mediaType)
        ? 'foreign (non-distributable) layers are not supported'
        : undefined;
      throw new PithError(
        'input',
        `${where}: layer ${layer.digest} has unsupported media type ${layer.mediaType}`,
        hint ? { hint } : {},
      );
    }
    return { ...layer, mediaType, store };
  });
  const { source: _source, kind: _kind, root, synthesized: _synthesized, close: _close, ...image } = opened;
  return { ...image, layers, rootDigest: root.digest };
}
