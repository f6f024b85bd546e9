import type { BlobStore } from '../store/blob-store.js';
import type { Descriptor, Platform } from './types.js';

/** One built platform image: the descriptors of its manifest, config and layers. */
export interface BuiltImage {
  platform: Platform;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
}

/**
 * What a build produces, independent of where it goes: a root descriptor (a manifest, or an
 * index for several platforms), every blob it reaches (all present in `store`), and its name.
 */
export interface ImageArtifact {
  name: string;
  tag: string;
  root: Descriptor;
  images: BuiltImage[];
  /** Every blob reachable from root (root included), unique, sorted by digest. */
  blobs: Descriptor[];
  store: BlobStore;
}
