/**
 * Step 7: the OCI image, composed from image/mutate.ts as any library user would (config, layers,
 * time, annotations), and the image set: every platform's image, an index over several, every
 * blob they reach put in the store (transports/store-images.ts), which the outputs then write.
 */
import type { Image, ImageSet } from '../image/image.js';
import type { Layer } from '../image/layer.js';
import { appendLayers, emptyImage, isoTime, setAnnotations, setConfig, setCreated } from '../image/mutate.js';
import type { ContainerConfig, Platform } from '../image/types.js';
import type { BlobStore } from '../store/blob-store.js';
import { storeImageSet } from '../transports/store-images.js';

export interface PlatformImageInput {
  platform: Platform;
  /** Unix seconds: the config's and every history line's time. */
  created: number;
  config: ContainerConfig;
  layers: readonly Layer[];
  annotations: Record<string, string>;
}

export function assembleImage({ platform, created, config, layers, annotations }: PlatformImageInput): Image {
  return setAnnotations(
    setCreated(appendLayers(setConfig(emptyImage(platform), config), layers), isoTime(created)),
    annotations,
  );
}

/** One platform's manifest is the root; several get an index. */
export function assembleArtifact(
  input: { name: string; tag: string; images: readonly Image[]; annotations: Record<string, string> },
  store: BlobStore,
): Promise<ImageSet> {
  return storeImageSet({
    name: input.name,
    tag: input.tag,
    images: [...input.images],
    annotations: input.annotations,
    store,
  });
}
