import { MediaType } from '../image/media-types.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { ImageIndex } from '../image/types.js';
import { digestHex } from '../image/digest.js';
import type { ImageArtifact } from './sink.js';

/** The content of an OCI image layout for an artifact: index.json's bytes and the file list. */
export function layoutIndex(artifact: ImageArtifact): ImageIndex {
  return {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      {
        ...artifact.root,
        annotations: {
          ...(artifact.root.annotations ?? {}),
          'io.containerd.image.name': `${artifact.name}:${artifact.tag}`,
          'org.opencontainers.image.ref.name': artifact.tag,
        },
      },
    ],
  };
}

export const OCI_LAYOUT_BYTES = stableJsonBytes({ imageLayoutVersion: '1.0.0' });

export function blobPath(digest: ImageArtifact['root']['digest']): string {
  return `blobs/sha256/${digestHex(digest)}`;
}
