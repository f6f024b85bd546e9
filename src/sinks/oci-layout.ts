import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildError } from '../errors.js';
import { stableJsonBytes } from '../image/stable-json.js';
import { tempSibling } from '../store/atomic.js';
import { blobPath, layoutIndex, OCI_LAYOUT_BYTES } from './layout-entries.js';
import type { ImageArtifact, Sink } from './sink.js';

/**
 * An OCI image layout directory. Written beside `dest` and renamed into place, so a failed
 * build leaves nothing there; an existing layout at `dest` is replaced, anything else refused.
 */
export const ociLayoutSink: Sink = {
  name: 'oci',
  description: 'an OCI image layout directory',
  async write(artifact: ImageArtifact, dest: string): Promise<void> {
    await checkReplaceable(dest);
    const tmp = tempSibling(dest);
    try {
      await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(tmp, 'oci-layout'), OCI_LAYOUT_BYTES);
      for (const blob of artifact.blobs) await artifact.store.export(blob.digest, join(tmp, blobPath(blob.digest)));
      await writeFile(join(tmp, 'index.json'), stableJsonBytes(layoutIndex(artifact)));
      await replaceDir(tmp, dest);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  },
};

async function checkReplaceable(dest: string): Promise<void> {
  let info;
  try {
    info = await stat(dest);
  } catch {
    return;
  }
  if (!info.isDirectory()) throw buildError(`output ${dest} exists and is not a directory (remove it or choose another -o)`);
  const names = await readdir(dest);
  if (names.length > 0 && !names.includes('oci-layout')) {
    throw buildError(`output ${dest} is a non-empty directory that is not an OCI layout (remove it or choose another -o)`);
  }
}

async function replaceDir(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  // rename() can't replace a non-empty directory: move the old one aside first.
  const old = tempSibling(dest);
  await rename(dest, old);
  await rename(tmp, dest);
  await rm(old, { recursive: true, force: true });
}
