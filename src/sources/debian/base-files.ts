/**
 * Merged /usr: the aliasing links base-files ships (trixie on), read from that one small package
 * and remembered by its sha256 (`<cache>/merged-usr/`), so a warm build reads no .deb at all.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocatedPackage } from './located.js';
import { writeFileAtomic } from '../../store/atomic.js';
import { withSpool } from '../../store/spool.js';
import type { MergedUsrLink } from '../../tree/merged-usr.js';
import { fetchDebs } from './archive/download.js';

/** The merged-/usr links of a package set: base-files', or none when the set has no base-files. */
export async function mergedUsrOf(
  packages: readonly LocatedPackage[],
  cacheDir: string,
  log?: (m: string) => void,
): Promise<MergedUsrLink[]> {
  const record = packages.find((p) => p.name === 'base-files');
  if (!record) return [];
  const memo = join(cacheDir, 'merged-usr', `${record.sha256}.json`);
  try {
    const links = JSON.parse(await readFile(memo, 'utf8')) as MergedUsrLink[];
    if (Array.isArray(links) && links.every((l) => typeof l.path === 'string' && typeof l.target === 'string'))
      return links;
  } catch {
    // not remembered yet
  }
  const [{ readDeb }, { mergedUsrLinks }] = await Promise.all([
    import('./deb/deb-reader.js'),
    import('./install/merged-usr.js'),
  ]);
  const paths = await fetchDebs([record], { cacheDir, ...(log ? { log } : {}) });
  const deb = await withSpool(cacheDir, (spool) =>
    readDeb(paths.get(record.sha256)!, { packageName: 'base-files', spool }),
  );
  const links = mergedUsrLinks([{ name: 'base-files', files: deb.files }]);
  await writeFileAtomic(memo, JSON.stringify(links));
  return links;
}
