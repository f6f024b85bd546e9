/**
 * Merged /usr. From Debian 13 (trixie) on, base-files ships the top-level aliasing links
 * (`bin -> usr/bin`, `lib -> usr/lib`, `lib64 -> usr/lib64`, `sbin -> usr/sbin`, and on some
 * architectures `lib32`, `libx32`, `libo32`, ...), while other packages may still ship files under
 * /bin or /lib. Every tree starts with these links (src/tree/merged-usr.ts), so such files land
 * under /usr.
 *
 * Debian 12 (bookworm) packages ship no such links; its images keep the unmerged layout, as
 * distroless' Debian 12 images do.
 */
import { compareBytes } from '../../../byte-order.js';
import type { MergedUsrLink } from '../../../tree/merged-usr.js';
import { resolveLinkTarget } from '../../../tree/paths.js';
import type { DebFile } from '../deb/deb-reader.js';

/**
 * The aliasing links the given packages ship: top-level symlinks whose target is the same name
 * under usr/ (`bin -> usr/bin`, also written `/usr/bin`). Sorted by path; when several packages
 * ship one (however they spell the target, it means the same), the first package's is kept.
 */
export function mergedUsrLinks(debs: ReadonlyArray<{ name: string; files: readonly DebFile[] }>): MergedUsrLink[] {
  const links = new Map<string, MergedUsrLink>();
  for (const deb of debs) {
    for (const file of deb.files) {
      if (file.type !== 'symlink' || file.path.includes('/') || file.target === undefined) continue;
      if (resolveLinkTarget(file.path, file.target) !== `usr/${file.path}`) continue;
      if (!links.has(file.path)) links.set(file.path, { path: file.path, target: file.target, package: deb.name });
    }
  }
  return [...links.values()].sort((a, b) => compareBytes(a.path, b.path));
}
