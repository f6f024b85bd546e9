import { hostArch } from '../image/platform.js';
import { stableJsonBytes } from '../image/stable-json.js';
import { layoutArchiveEntries, writeTarAtomic } from './archive.js';
import { blobPath } from './layout-entries.js';
import type { ImageArtifact, Sink } from './sink.js';

/**
 * What `docker save` writes since Docker 25: an OCI layout plus manifest.json, in one tar that
 * `docker load` (classic and containerd stores) and `podman load` both accept. manifest.json can
 * name only one image per tag, so a multi-platform artifact lists the host's platform (or the
 * first); the full index stays in index.json.
 */
export const dockerArchiveSink: Sink = {
  name: 'docker-archive',
  description: 'a tar for docker load / podman load (OCI layout + manifest.json)',
  async write(artifact: ImageArtifact, dest: string): Promise<void> {
    const image = artifact.images.find((i) => i.platform.architecture === hostArch()) ?? artifact.images[0];
    if (!image) throw new Error('artifact has no images');
    const manifestJson = [
      {
        Config: blobPath(image.config.digest),
        RepoTags: [`${artifact.name}:${artifact.tag}`],
        Layers: image.layers.map((l) => blobPath(l.digest)),
      },
    ];
    await writeTarAtomic(layoutArchiveEntries(artifact, { 'manifest.json': stableJsonBytes(manifestJson) }), dest, 0);
  },
};
