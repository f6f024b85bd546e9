/**
 * Images in a content-addressed blob directory (a BlobStore: an OCI layout's blobs/, pith's
 * cache): read one platform's image down from a root, read every image and blob a root reaches,
 * and put images (with an index over several) in. The OCI layout and the archives are this plus
 * their index.json; a build's output is this in the cache.
 */
import { byKey } from '../byte-order.js';
import { PithError } from '../errors.js';
import { isDigest } from '../image/digest.js';
import { imageDescriptor, type Image, type ImageSet } from '../image/image.js';
import { indexOf } from '../image/image-index.js';
import { layerDescriptor } from '../image/layer.js';
import { hostArch, platformFor } from '../image/platform.js';
import type { Descriptor, ImageIndex, Platform } from '../image/types.js';
import {
  isImageConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  parseManifest,
  selectPlatform,
  verifyDigest,
} from '../registry-client/manifest.js';
import type { BlobStore } from '../store/blob-store.js';
import { copyBlob } from '../store/copy-blob.js';
import { imageFromBlobs } from './image-blobs.js';

const MAX_DEPTH = 4;

/** Throws unless the blob is in the store at its descriptor's size. */
export async function checkBlob(store: BlobStore, d: Descriptor, where: string): Promise<void> {
  if (!isDigest(d.digest))
    throw new PithError('input', `${where}: unsupported digest ${d.digest} (pith handles sha256 only)`);
  let size: number;
  try {
    size = await store.size(d.digest);
  } catch {
    throw new PithError('input', `${where}: blob ${d.digest} is missing`, {
      hint: 'the layout is incomplete (a sparse copy?)',
    });
  }
  if (size !== d.size)
    throw new PithError('integrity', `${where}: blob ${d.digest} is ${size} bytes, its descriptor says ${d.size}`);
}

async function readManifestBlob(store: BlobStore, d: Descriptor, where: string): Promise<Buffer> {
  await checkBlob(store, d, where);
  const bytes = await store.readBytes(d.digest);
  verifyDigest(bytes, d.digest, `${where}: manifest ${d.digest}`);
  return bytes;
}

async function imageAt(store: BlobStore, d: Descriptor, rawManifest: Buffer, where: string): Promise<Image> {
  const manifest = parseManifest(rawManifest, d.mediaType || undefined, `${where}: manifest ${d.digest}`);
  if (manifest.kind !== 'manifest')
    throw new PithError('input', `${where}: ${d.digest} is an index, not an image manifest`);
  for (const blob of [manifest.value.config, ...manifest.value.layers]) await checkBlob(store, blob, where);
  const rawConfig = await store.readBytes(manifest.value.config.digest);
  return imageFromBlobs({ descriptor: { ...d, mediaType: manifest.mediaType }, rawManifest, rawConfig, store }, where);
}

export interface ReadImageOptions {
  /** The platform to take from an index; default the only image there is, else the host's. */
  platform?: Platform;
  /** Added to the hint of "has no image for": how to pick another (`pick one with --platform`). */
  platformHint?: string;
}

/** One platform's image, from `root` down through any indexes. */
export async function readImage(
  store: BlobStore,
  root: Descriptor,
  where: string,
  options: ReadImageOptions = {},
): Promise<Image> {
  let d = root;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const bytes = await readManifestBlob(store, d, where);
    const parsed = parseManifest(bytes, d.mediaType || undefined, `${where}: manifest ${d.digest}`);
    if (parsed.kind === 'manifest') return imageAt(store, d, bytes, where);
    d = choosePlatform(parsed.value, where, options);
  }
  throw new PithError('input', `${where}: indexes nested too deep`);
}

function choosePlatform(index: ImageIndex, where: string, options: ReadImageOptions): Descriptor {
  const images = index.manifests.filter((m) => isManifestMediaType(m.mediaType) && m.platform?.os !== 'unknown');
  if (!options.platform && images.length === 1 && index.manifests.every((m) => !isIndexMediaType(m.mediaType)))
    return images[0]!;
  try {
    return selectPlatform(index, options.platform ?? platformFor(hostArch()), where);
  } catch (err) {
    if (!(err instanceof PithError) || !options.platformHint) throw err;
    throw new PithError(err.kind, err.message, { hint: [err.hint, options.platformHint].filter(Boolean).join('; ') });
  }
}

/** Every image `root` reaches (indexes followed) and every blob, checked; artifacts that are no image are blobs only. */
export async function readImages(
  store: BlobStore,
  root: Descriptor,
  where: string,
): Promise<{ images: Image[]; blobs: Descriptor[] }> {
  const images: Image[] = [];
  const blobs = new Map<string, Descriptor>();
  const blob = async (d: Descriptor) => {
    await checkBlob(store, d, where);
    blobs.set(d.digest, d);
  };
  const visit = async (d: Descriptor, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw new PithError('input', `${where}: indexes nested too deep`);
    const bytes = await readManifestBlob(store, d, where);
    blobs.set(d.digest, d);
    const m = parseManifest(bytes, d.mediaType, `${where}: manifest ${d.digest}`);
    if (m.kind === 'index') {
      for (const child of m.value.manifests) {
        if (isIndexMediaType(child.mediaType) || isManifestMediaType(child.mediaType)) await visit(child, depth + 1);
        else await blob(child);
      }
      return;
    }
    for (const b of [m.value.config, ...m.value.layers]) await blob(b);
    // An attestation or other artifact: pushed with the rest, but no image.
    if (isImageConfigMediaType(m.value.config.mediaType)) images.push(await imageAt(store, d, bytes, where));
  };
  await visit(root, 0);
  return { images, blobs: sortedByDigest(blobs.values()) };
}

export interface StoreImagesInput {
  name: string;
  tag: string;
  images: readonly Image[];
  /** The index's annotations, when there are several images. */
  annotations?: Record<string, string>;
  store: BlobStore;
}

/**
 * Puts images into `store` (configs, manifests, layers from other stores copied and checked) with
 * an index over them when there are several: the set a build hands to a writer.
 */
export async function storeImageSet(input: StoreImagesInput): Promise<ImageSet> {
  const { store } = input;
  if (input.images.length === 0) throw new Error('an image set needs at least one image');
  const blobs = new Map<string, Descriptor>();
  for (const image of input.images) {
    for (const layer of image.layers) {
      if (layer.store.root !== store.root) await copyBlob(layer.store, store, layer, `image ${image.digest}`);
      blobs.set(layer.digest, layerDescriptor(layer));
    }
    await store.putBytes(image.rawConfig);
    await store.putBytes(image.rawManifest);
    blobs.set(image.manifest.config.digest, image.manifest.config);
    blobs.set(image.digest, imageDescriptor(image));
  }
  let root: Descriptor;
  if (input.images.length === 1) {
    root = imageDescriptor(input.images[0]!);
  } else {
    const index = indexOf(input.images, input.annotations);
    await store.putBytes(index.raw);
    root = index.descriptor;
    blobs.set(root.digest, root);
  }
  return {
    name: input.name,
    tag: input.tag,
    root,
    images: [...input.images],
    blobs: sortedByDigest(blobs.values()),
    store,
  };
}

function sortedByDigest(descriptors: Iterable<Descriptor>): Descriptor[] {
  return [...descriptors].sort(byKey((d) => d.digest));
}
