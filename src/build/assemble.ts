/**
 * Step 7: the OCI image: a config and manifest per platform, an index over several, every blob
 * they reach in the store, and the artifact sinks write (image/assemble.ts does the bytes).
 */
import { assembleImage, assembleIndex } from '../image/assemble.js';
import type { BuiltImage, ImageArtifact } from '../image/artifact.js';
import type { Digest } from '../image/digest.js';
import type { ContainerConfig, Descriptor, Platform } from '../image/types.js';
import type { BlobStore } from '../store/blob-store.js';
import { compareBytes } from '../byte-order.js';
import type { BuiltLayer } from './built-layer.js';

export interface AssembledPlatform {
  built: BuiltImage;
  digest: Digest;
  /** Its layers, config and manifest. */
  blobs: Descriptor[];
}

export async function assemblePlatform(
  input: { platform: Platform; created: number; config: ContainerConfig; layers: readonly BuiltLayer[]; annotations: Record<string, string> },
  store: BlobStore,
): Promise<AssembledPlatform> {
  const { platform, created, config, annotations } = input;
  const layers = input.layers.map((l) => l.ref);
  const image = assembleImage({ platform, created, config, layers, annotations });
  await store.putBytes(image.config.bytes);
  await store.putBytes(image.manifest.bytes);
  return {
    built: { platform, manifest: image.manifest.descriptor, config: image.config.descriptor, layers: layers.map((l) => l.descriptor) },
    digest: image.manifest.descriptor.digest,
    blobs: [...layers.map((l) => l.descriptor), image.config.descriptor, image.manifest.descriptor],
  };
}

/** One platform's manifest is the root; several get an index. */
export async function assembleArtifact(
  input: { name: string; tag: string; platforms: readonly AssembledPlatform[]; annotations: Record<string, string> },
  store: BlobStore,
): Promise<ImageArtifact> {
  const blobs = new Map<string, Descriptor>();
  for (const p of input.platforms) for (const d of p.blobs) blobs.set(d.digest, d);
  let root: Descriptor;
  if (input.platforms.length === 1) {
    root = input.platforms[0]!.built.manifest;
  } else {
    const index = assembleIndex(input.platforms.map((p) => p.built.manifest), input.annotations);
    await store.putBytes(index.bytes);
    root = index.descriptor;
    blobs.set(root.digest, root);
  }
  return {
    name: input.name,
    tag: input.tag,
    root,
    images: input.platforms.map((p) => p.built),
    blobs: [...blobs.values()].sort((a, b) => compareBytes(a.digest, b.digest)),
    store,
  };
}
