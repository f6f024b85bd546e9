/**
 * The one way an Image is made from what a medium holds: a manifest's bytes, its config's bytes
 * and the store its layer blobs are (or will be) in. Every reader (layout, archives, registry)
 * ends here, so a layer read anywhere has the same facts: diff_id from the config, history line.
 */
import { PithError } from '../errors.js';
import type { Image } from '../image/image.js';
import type { Layer } from '../image/layer.js';
import type { Descriptor, HistoryEntry, ImageConfig, Platform } from '../image/types.js';
import { parseManifest, verifyDigest } from '../registry-client/manifest.js';
import type { BlobStore } from '../store/blob-store.js';
import { imageConfigOf } from './image-config.js';

export interface ImageBlobs {
  /** The manifest's descriptor; an empty media type means the manifest's own. */
  descriptor: Descriptor;
  rawManifest: Uint8Array;
  rawConfig: Uint8Array;
  /** Where the layers' blobs are. */
  store: BlobStore;
}

/** Checks the config against the manifest's digest, and the config's diff_ids against its layers. */
export function imageFromBlobs(blobs: ImageBlobs, where: string): Image {
  const { descriptor, rawManifest, rawConfig, store } = blobs;
  const parsed = parseManifest(
    rawManifest,
    descriptor.mediaType || undefined,
    `${where}: manifest ${descriptor.digest}`,
  );
  if (parsed.kind !== 'manifest')
    throw new PithError('input', `${where}: ${descriptor.digest} is an index, not an image manifest`);
  const manifest = parsed.value;
  verifyDigest(rawConfig, manifest.config.digest, `${where}: config ${manifest.config.digest}`);
  const config = imageConfigOf(rawConfig, where);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new PithError(
      'input',
      `${where}: ${manifest.layers.length} layers but ${diffIds.length} diff_ids in its config`,
    );
  }
  const history = layerHistory(config);
  const layers = manifest.layers.map((d, i): Layer => ({
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    diffId: diffIds[i]!,
    ...(d.annotations ? { annotations: d.annotations } : {}),
    ...(history ? historyFields(history[i]!) : {}),
    store,
  }));
  return {
    mediaType: parsed.mediaType,
    digest: descriptor.digest,
    size: rawManifest.byteLength,
    platform: platformOf(config, descriptor.platform),
    manifest,
    config,
    layers,
    rawManifest,
    rawConfig,
  };
}

/** The config's own platform; the index entry's when the config names none. */
function platformOf(config: ImageConfig, fromIndex: Platform | undefined): Platform {
  if (config.architecture && config.os)
    return { architecture: config.architecture, os: config.os, ...(config.variant ? { variant: config.variant } : {}) };
  return fromIndex ?? { architecture: config.architecture || 'unknown', os: config.os || 'unknown' };
}

/** The history lines of the layers (empty_layer lines skipped), when there is one per layer. */
function layerHistory(config: ImageConfig): HistoryEntry[] | undefined {
  const lines = config.history.filter((h) => !h.empty_layer);
  return lines.length === config.rootfs.diff_ids.length ? lines : undefined;
}

function historyFields(h: HistoryEntry): Pick<Layer, 'createdBy' | 'comment'> {
  return { createdBy: h.created_by, ...(h.comment ? { comment: h.comment } : {}) };
}
