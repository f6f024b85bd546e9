import { layoutArchiveEntries, writeTarAtomic } from './archive.js';
import type { ImageArtifact, Sink } from './sink.js';

/** An OCI image layout in one tar file (skopeo's `oci-archive:`). */
export const ociArchiveSink: Sink = {
  name: 'oci-archive',
  description: 'an OCI image layout in a tar file',
  async write(artifact: ImageArtifact, dest: string): Promise<void> {
    await writeTarAtomic(layoutArchiveEntries(artifact), dest, 0);
  },
};
