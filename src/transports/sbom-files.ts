/**
 * The SBOM files `pith build` writes beside its output (`OUT.spdx.json`, `OUT.cdx.json`, or
 * `OUT.<arch>[-<variant>].spdx.json`... for several images), read back to go along with a push.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { digestHex } from '../image/digest.js';
import { imageDescriptor, type ImageSet } from '../image/image.js';
import { EPOCH } from '../image/mutate.js';
import type { ImageSbomDocuments } from '../registry-client/sbom-referrers.js';

const CREATED = 'org.opencontainers.image.created';

/** The SBOMs found beside `outputPath`, and their files. */
export interface SbomsBeside {
  images: ImageSbomDocuments[];
  files: Array<{ spdx?: string; cyclonedx?: string }>;
}

/**
 * A document that does not name its image's manifest digest (left from another build) is
 * skipped, with a warning.
 */
export async function sbomsBesideLayout(
  outputPath: string,
  set: ImageSet,
  warn: (message: string) => void = () => undefined,
): Promise<SbomsBeside> {
  const base = resolve(outputPath).replace(/\/+$/, '');
  const found: SbomsBeside = { images: [], files: [] };
  const several = set.images.length > 1;
  for (const image of set.images) {
    const p = image.platform;
    const stem = several ? `${base}.${p.architecture}${p.variant ? `-${p.variant}` : ''}` : base;
    const read = async (path: string): Promise<Uint8Array> => {
      if (!existsSync(path)) return new Uint8Array();
      const data = await readFile(path);
      if (!data.toString('utf8').includes(digestHex(image.digest))) {
        warn(`${path} does not describe ${image.digest} (from another build?): not attached`);
        return new Uint8Array();
      }
      return data;
    };
    const spdx = await read(`${stem}.spdx.json`);
    const cyclonedx = await read(`${stem}.cdx.json`);
    if (!spdx.byteLength && !cyclonedx.byteLength) continue;
    found.images.push({ manifest: imageDescriptor(image), platform: p, spdx, cyclonedx });
    found.files.push({
      ...(spdx.byteLength ? { spdx: `${stem}.spdx.json` } : {}),
      ...(cyclonedx.byteLength ? { cyclonedx: `${stem}.cdx.json` } : {}),
    });
  }
  return found;
}

/** The `created` of a set's image, for the referrers' annotation: the manifest's annotation, else its config's. */
export function imageCreated(set: ImageSet): string {
  const image = set.images[0];
  return image?.manifest.annotations?.[CREATED] ?? image?.config.created ?? EPOCH;
}
