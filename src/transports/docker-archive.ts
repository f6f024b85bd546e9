/**
 * What `docker save` writes since Docker 25: an OCI layout plus manifest.json, in one tar that
 * `docker load` (classic and containerd stores) and `podman load` both accept; read back too,
 * as is the older docker save format (docker-save.ts).
 */
import type { ImageSet } from '../image/image.js';
import { hostArch } from '../image/platform.js';
import { stableJsonBytes } from '../image/stable-json.js';
import { layoutArchiveEntries, openArchive, writeTarAtomic } from './archive.js';
import { blobPath } from './layout-files.js';
import type { OpenedImage, OpenImageOptions, Transport } from './types.js';

/**
 * manifest.json can name only one image per tag, so a multi-platform set lists the host's
 * platform (or the first); the full index stays in index.json.
 */
export async function writeDockerArchive(set: ImageSet, dest: string): Promise<void> {
  const image = set.images.find((i) => i.platform.architecture === hostArch()) ?? set.images[0];
  if (!image) throw new Error('the image set has no images');
  const manifestJson = [
    {
      Config: blobPath(image.manifest.config.digest),
      RepoTags: [`${set.name}:${set.tag}`],
      Layers: image.layers.map((l) => blobPath(l.digest)),
    },
  ];
  await writeTarAtomic(layoutArchiveEntries(set, { 'manifest.json': stableJsonBytes(manifestJson) }), dest, 0);
}

/** `FILE[:TAG]`: one platform's image, from a temporary extraction that close() removes. */
export function openDockerArchive(arg: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  return openArchive(arg, 'docker-archive', options);
}

export const dockerArchiveTransport: Transport = {
  name: 'docker-archive',
  description: 'a tar for docker load / podman load (OCI layout + manifest.json)',
  open: openDockerArchive,
  write: writeDockerArchive,
};
