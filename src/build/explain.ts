/**
 * `--explain` for `trim: docs` and `trim: none`: every file of the image with why it is there
 * (the package that installs it, or the spec field / system file that makes it) and every file
 * left out with why (the documentation rule that drops it). Those modes build part layers from
 * the layer cache without reading a part, so this reads them again: it costs time only when
 * asked for.
 */
import type { PartSet } from '../sources/source.js';
import { withSpool } from '../store/spool.js';
import { describe, type FsTree } from '../tree/fs-tree.js';
import type { TrimmedPath } from '../tree/trim/closure.js';
import { trimmedPath } from '../tree/trim/closure-result.js';
import { oneTree, readAllParts } from './one-tree.js';

export async function explainUntrimmed(
  sets: readonly PartSet[],
  specTree: FsTree,
  options: { cacheDir: string; trimDocs: boolean; log?: (m: string) => void },
): Promise<string> {
  const { explain } = await import('../tree/trim/explain.js');
  // Only paths, sizes and origins are read from the tree: the spool can go once it is built.
  const { tree, leftOut } = await withSpool(options.cacheDir, async (spool) =>
    oneTree(await readAllParts(sets, spool, options.log), specTree),
  );
  const mode = options.trimDocs ? 'trim: docs keeps all but documentation' : 'trim: none keeps every file';
  const keptFiles: TrimmedPath[] = [];
  const reasons = new Map<string, string[]>();
  for (const entry of tree.list()) {
    if (entry.type === 'dir') continue;
    keptFiles.push(trimmedPath(entry));
    reasons.set(entry.path, [
      entry.origin.kind === 'package' ? `installed by ${entry.origin.package} (${mode})` : describe(entry.origin),
    ]);
  }
  const dropped: TrimmedPath[] = leftOut.flatMap(({ part, items }) =>
    items.map((t) => ({
      path: t.path,
      type: t.type,
      size: t.size,
      origin: 'package' as const,
      package: part,
      why: t.why,
    })),
  );
  return explain({ keptFiles, dropped, reasons });
}
