/** The end of `trim: closure` (closure.ts): from the final kept set to the TrimResult it reports. */
import type { TreeEntry } from '../entry.js';
import type { FsTree } from '../fs-tree.js';
import { ancestorsOf } from '../paths.js';
import type { TrimmedPath, TrimResult, Unmet } from './types.js';

/** What the walk ends with. `kept` and `reasons` are completed in place (directories above kept entries). */
export interface FinishedWalk {
  tree: FsTree;
  entries: readonly TreeEntry[];
  kept: Set<string>;
  reasons: Map<string, string[]>;
  packages: ReadonlySet<string>;
  unmet: readonly Unmet[];
  /** SONAMEs and file names of the kept ELF objects. */
  keptSonames: ReadonlySet<string>;
}

export function closureResult(walk: FinishedWalk): TrimResult {
  const { tree, kept, reasons } = walk;
  for (const path of [...kept]) {
    for (const dir of ancestorsOf(path)) {
      if (!kept.has(dir) && tree.get(dir)?.type === 'dir') {
        kept.add(dir);
        reasons.set(dir, ['directory above kept entries']);
      }
    }
  }
  const dropped: TrimmedPath[] = [];
  const keptFiles: TrimmedPath[] = [];
  for (const entry of walk.entries) {
    const item = trimmedPath(entry);
    if (!kept.has(entry.path)) dropped.push(item);
    else if (entry.type !== 'dir') keptFiles.push(item);
  }
  // A module's DT_NEEDED that a kept object provides is found among the mapped objects at run time.
  const unmet = walk.unmet.filter((u) => u.kind !== 'library' || !walk.keptSonames.has(u.needs));
  return {
    kept,
    dropped,
    reasons,
    keptFiles,
    packages: [...walk.packages].sort(),
    unmet: dedupe(unmet),
  };
}

function dedupe(list: Unmet[]): Unmet[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const key = `${u.path}\0${u.kind}\0${u.needs}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** An entry as the kept and dropped lists (and --explain) show it. */
export function trimmedPath(entry: TreeEntry): TrimmedPath {
  const out: TrimmedPath = {
    path: entry.path,
    type: entry.type,
    size: entry.type === 'file' ? entry.size : 0,
    origin: entry.origin.kind,
  };
  if (entry.origin.package) out.package = entry.origin.package;
  return out;
}
