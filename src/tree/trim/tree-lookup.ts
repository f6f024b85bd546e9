/** Image paths (no leading slash) looked up in the tree as the kernel would open them, for the closure walk. */
import { isPithError } from '../../errors.js';
import type { FsView } from '../../elf/fs-view.js';
import { lookupPath, type PathLookup } from '../../elf/paths.js';
import type { FsTree } from '../fs-tree.js';
import { toImagePath } from '../paths.js';
import { normalizePattern } from './glob.js';
import { fileBehind, readEntryBytes } from './tree-fs-view.js';

/** lookupPath on an image path; undefined for a symlink loop (no such file, as the kernel says ELOOP). */
export async function lookupImagePath(view: FsView, path: string): Promise<PathLookup | undefined> {
  try {
    return await lookupPath(`/${path}`, view);
  } catch (error) {
    if (!isPithError(error)) throw error;
    return undefined;
  }
}

export async function isRegularFile(view: FsView, path: string): Promise<boolean> {
  const found = await lookupImagePath(view, path);
  return found?.ok === true && (await view.lstat(found.chain.realPath))?.type === 'file';
}

/** The text of the regular file `path` leads to (symlinks and hard links followed), or undefined. */
export async function readImageText(tree: FsTree, view: FsView, path: string): Promise<string | undefined> {
  const found = await lookupImagePath(view, normalizePattern(path));
  const entry = found?.ok ? tree.get(toImagePath(found.chain.realPath) ?? '') : undefined;
  const file = entry ? fileBehind(tree, entry) : undefined;
  return file ? new TextDecoder().decode(await readEntryBytes(file)) : undefined;
}
