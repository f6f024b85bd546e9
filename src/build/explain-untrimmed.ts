/**
 * `--explain` for `trim: docs` and `trim: none`: every file of the image with why it is there
 * (the package that installs it, or the spec field / system file that makes it) and every file
 * left out with why (the documentation rule that drops it). Those modes build package layers from
 * the layer cache without reading a .deb, so this reads the verified .debs again: it costs time
 * only when asked for.
 */
import type { LocatedPackage } from '../lock/lockfile.js';
import type { TreeEntry } from '../tree/entry.js';
import { describe, type FsTree } from '../tree/fs-tree.js';
import type { InstallResult } from '../sources/debian/install/install.js';
import { trimReason } from '../sources/debian/install/trim.js';
import type { TrimmedPath } from '../tree/trim/closure.js';
import { explain } from '../tree/trim/explain.js';

export async function explainUntrimmed(
  packages: readonly LocatedPackage[],
  appTree: FsTree,
  options: { cacheDir: string; trimDocs: boolean; log?: (m: string) => void },
): Promise<string> {
  const [{ assembleTree, readPackages }, { withSpool }] = await Promise.all([import('./closure-layers.js'), import('../sources/debian/package-layers.js')]);
  const installs: InstallResult[] = [];
  // Only paths, sizes and origins are read from the tree: the spool can go once it is built.
  const tree = await withSpool(options.cacheDir, async (spool) => {
    const { records, debs } = await readPackages(packages, { ...options, spool });
    return assembleTree(records, debs, appTree, { trimDocs: options.trimDocs, installed: (r) => installs.push(r) });
  });
  const mode = options.trimDocs ? 'trim: docs keeps all but documentation' : 'trim: none keeps every file';
  const keptFiles: TrimmedPath[] = [];
  const reasons = new Map<string, string[]>();
  for (const entry of tree.list()) {
    if (entry.type === 'dir') continue;
    keptFiles.push(item(entry));
    reasons.set(entry.path, [entry.origin.kind === 'package' ? `installed by ${entry.origin.package} (${mode})` : describe(entry.origin)]);
  }
  const dropped: TrimmedPath[] = installs.flatMap((install) =>
    install.trimmed.map((t) => ({
      path: t.path,
      type: t.type,
      size: t.size,
      origin: 'package' as const,
      package: install.package,
      why: trimReason(t.path, { docs: options.trimDocs }) ?? 'trimmed',
    })),
  );
  return explain({ keptFiles, dropped, reasons });
}

function item(entry: TreeEntry): TrimmedPath {
  const out: TrimmedPath = { path: entry.path, type: entry.type, size: entry.type === 'file' ? entry.size : 0, origin: entry.origin.kind };
  if (entry.origin.package) out.package = entry.origin.package;
  return out;
}
