/** The fixed parts of an OCI image layout: `oci-layout`, index.json's one entry, blob paths. */
import { digestHex, type Digest } from '../image/digest.js';
import type { ImageSet } from '../image/image.js';
import { MediaType } from '../image/media-types.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { Descriptor, ImageIndex } from '../image/types.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

/** index.json for a set: its root, named for containerd (`name:tag`) and by tag. */
export function layoutIndex(set: ImageSet): ImageIndex {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      {
        ...set.root,
        annotations: {
          ...(set.root.annotations ?? {}),
          [CONTAINERD_NAME]: `${set.name}:${set.tag}`,
          [REF_NAME]: set.tag,
        },
      },
    ],
  };
}

export const OCI_LAYOUT_BYTES = stableJsonBytes({ imageLayoutVersion: '1.0.0' });

export function blobPath(digest: Digest): string {
  return `blobs/sha256/${digestHex(digest)}`;
}

/** An index.json entry without the annotations that only mean something inside index.json. */
export function withoutLayoutAnnotations(entry: Descriptor): Descriptor {
  const { annotations, ...rest } = entry;
  const kept = Object.fromEntries(
    Object.entries(annotations ?? {}).filter(([k]) => k !== REF_NAME && k !== CONTAINERD_NAME),
  );
  return { ...rest, ...(Object.keys(kept).length ? { annotations: kept } : {}) };
}
