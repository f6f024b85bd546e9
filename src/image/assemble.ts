import { sha256Digest } from './digest.js';
import { MediaType } from './media-types.js';
import { stableJsonBytes } from './stable-json.js';
import type { ContainerConfig, Descriptor, ImageConfig, ImageIndex, Manifest, Platform } from './types.js';

/** A layer as the image needs to know it: its blob descriptor, diff_id and history line. */
export interface LayerRef {
  descriptor: Descriptor;
  diffId: Descriptor['digest'];
  createdBy: string;
  comment?: string;
}

/** A serialised JSON object and its descriptor: what gets written as a blob. */
export interface JsonBlob<T> {
  value: T;
  bytes: Uint8Array;
  descriptor: Descriptor;
}

function jsonBlob<T>(value: T, mediaType: string, extra: Partial<Descriptor> = {}): JsonBlob<T> {
  const bytes = stableJsonBytes(value);
  return { value, bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength, ...extra } };
}

export function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Pure: config + manifest for one platform. */
export function assembleImage(input: {
  platform: Platform;
  created: number;
  config: ContainerConfig;
  layers: LayerRef[];
  annotations?: Record<string, string>;
}): { config: JsonBlob<ImageConfig>; manifest: JsonBlob<Manifest> } {
  const created = isoTime(input.created);
  const imageConfig: ImageConfig = {
    created,
    architecture: input.platform.architecture,
    os: input.platform.os,
    ...(input.platform.variant ? { variant: input.platform.variant } : {}),
    config: input.config,
    rootfs: { type: 'layers', diff_ids: input.layers.map((l) => l.diffId) },
    history: input.layers.map((l) => ({ created, created_by: l.createdBy, ...(l.comment ? { comment: l.comment } : {}) })),
  };
  const config = jsonBlob(imageConfig, MediaType.ociConfig);
  const annotations = input.annotations && Object.keys(input.annotations).length > 0 ? input.annotations : undefined;
  const manifest = jsonBlob<Manifest>(
    {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: config.descriptor,
      layers: input.layers.map((l) => l.descriptor),
      ...(annotations ? { annotations } : {}),
    },
    MediaType.ociManifest,
    { platform: input.platform },
  );
  return { config, manifest };
}

/** Pure: an image index over per-platform manifests (descriptors carry their platform). */
export function assembleIndex(manifests: Descriptor[], annotations?: Record<string, string>): JsonBlob<ImageIndex> {
  const a = annotations && Object.keys(annotations).length > 0 ? annotations : undefined;
  return jsonBlob<ImageIndex>(
    { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests, ...(a ? { annotations: a } : {}) },
    MediaType.ociIndex,
  );
}
