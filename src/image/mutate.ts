/**
 * Images changed through small pure functions, in the manner of go-containerregistry's `mutate`:
 * each takes an image and returns a new one whose config and manifest bytes (and so digest) are
 * computed again. What they write is an OCI image (stable JSON: the same value gives the same
 * bytes); config fields pith does not model (see ImageConfig) are not carried over.
 *
 *   setAnnotations(setCreated(appendLayers(setConfig(emptyImage(platform), config), layers), time), notes)
 */
import { sha256Digest } from './digest.js';
import type { Image } from './image.js';
import { layerDescriptor, type Layer } from './layer.js';
import { MediaType } from './media-types.js';
import { stableJsonBytes } from './stable-json.js';
import type { ContainerConfig, ImageConfig, Manifest, Platform } from './types.js';

export const EPOCH = '1970-01-01T00:00:00Z';

/** Unix seconds as the ISO 8601 time OCI configs and annotations carry (no fraction). */
export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** An image with no layers and an empty runtime config, created at the epoch. */
export function emptyImage(platform: Platform): Image {
  const config: ImageConfig = {
    created: EPOCH,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
    history: [],
  };
  return sealed({ platform, config, layers: [] });
}

/** The layers on top, bottom first, each with its history line (at the image's created time). */
export function appendLayers(image: Image, layers: readonly Layer[]): Image {
  const created = image.config.created ?? EPOCH;
  const config: ImageConfig = {
    ...image.config,
    rootfs: { type: 'layers', diff_ids: [...image.config.rootfs.diff_ids, ...layers.map((l) => l.diffId)] },
    history: [
      ...image.config.history,
      ...layers.map((l) => ({ created, created_by: l.createdBy ?? '', ...(l.comment ? { comment: l.comment } : {}) })),
    ],
  };
  return sealed({ ...parts(image), config, layers: [...image.layers, ...layers] });
}

/** The runtime config (entrypoint, user, env...), replacing the image's. */
export function setConfig(image: Image, container: ContainerConfig): Image {
  return sealed({ ...parts(image), config: { ...image.config, config: container } });
}

/** The image's time: the config's `created` and every history line's, so a rebuild is the same image. */
export function setCreated(image: Image, created: string): Image {
  const history = image.config.history.map((h) => ({ ...h, created }));
  return sealed({ ...parts(image), config: { ...image.config, created, history } });
}

/** The manifest's annotations, replacing the image's (none when empty). */
export function setAnnotations(image: Image, annotations: Record<string, string>): Image {
  return sealed({ ...parts(image), annotations });
}

interface Parts {
  platform: Platform;
  config: ImageConfig;
  layers: Layer[];
  annotations?: Record<string, string>;
}

function parts(image: Image): Parts {
  return {
    platform: image.platform,
    config: image.config,
    layers: image.layers,
    ...(image.manifest.annotations ? { annotations: image.manifest.annotations } : {}),
  };
}

/** Serialises config and manifest and computes their digests. */
function sealed({ platform, config, layers, annotations }: Parts): Image {
  const rawConfig = stableJsonBytes(config);
  const notes = annotations && Object.keys(annotations).length > 0 ? annotations : undefined;
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256Digest(rawConfig), size: rawConfig.byteLength },
    layers: layers.map(layerDescriptor),
    ...(notes ? { annotations: notes } : {}),
  };
  const rawManifest = stableJsonBytes(manifest);
  return {
    mediaType: MediaType.ociManifest,
    digest: sha256Digest(rawManifest),
    size: rawManifest.byteLength,
    platform,
    manifest,
    config,
    layers,
    rawManifest,
    rawConfig,
  };
}
