/** An OCI image layout in one tar file (skopeo's `oci-archive:`), written and read. */
import type { ImageSet } from '../image/image.js';
import { layoutArchiveEntries, openArchive, writeTarAtomic } from './archive.js';
import type { OpenedImage, OpenImageOptions, Transport } from './types.js';

export async function writeOciArchive(set: ImageSet, dest: string): Promise<void> {
  await writeTarAtomic(layoutArchiveEntries(set), dest, 0);
}

/** `FILE[:TAG]`: one platform's image, from a temporary extraction that close() removes. */
export function openOciArchive(arg: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  return openArchive(arg, 'oci-archive', options);
}

export const ociArchiveTransport: Transport = {
  name: 'oci-archive',
  description: 'an OCI image layout in a tar file',
  open: openOciArchive,
  write: writeOciArchive,
};
