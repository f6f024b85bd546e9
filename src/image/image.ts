import type { Blobs } from './blobs.js';
import type { Digest } from './digest.js';
import type { Layer } from './layer.js';
import type { Descriptor, ImageConfig, Manifest, Platform } from './types.js';

/**
 * One platform's image: its manifest (parsed, and the exact bytes its digest hashes), its config
 * (and bytes), and its layers bottom first. Built by src/image/mutate.ts, or read from any
 * medium by src/transports. For an image read back, `config` holds the fields pith models (see
 * src/transports/image-config.ts); `rawConfig` is the config exactly as the image holds it.
 */
export interface Image {
  /** The manifest's media type, digest and size. */
  mediaType: string;
  digest: Digest;
  size: number;
  platform: Platform;
  manifest: Manifest;
  config: ImageConfig;
  layers: Layer[];
  rawManifest: Uint8Array;
  rawConfig: Uint8Array;
}

/** The descriptor an index (or an OCI layout's index.json, or a push) names the image by. */
export function imageDescriptor(image: Image): Descriptor {
  return { mediaType: image.mediaType, digest: image.digest, size: image.size, platform: image.platform };
}

/**
 * What a build produces and what `pith push` sends, independent of where it goes: a root (an
 * image's manifest, or an index over several platforms), the images, and every blob the root
 * reaches, all of them in `store`. Written by the transports' writers (layout, archives, registry).
 */
export interface ImageSet {
  name: string;
  tag: string;
  root: Descriptor;
  images: Image[];
  /** Every blob reachable from root (root included), unique, sorted by digest. */
  blobs: Descriptor[];
  store: Blobs;
}
