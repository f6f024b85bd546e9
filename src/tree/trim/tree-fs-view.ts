/**
 * An FsView (src/elf/fs-view.ts) over an in-memory FsTree, so the ELF closure code
 * resolves libraries inside the image being built rather than on the host. View path `/usr/lib/x`
 * is image path `usr/lib/x`. Like lstat(2), nothing here follows a final symlink; FsTree stores
 * every entry under its canonical parent, so a view path whose directory components are real
 * directories is exactly a tree key. Hard links read as the file they link to.
 *
 * The tree must not change while the view is in use (the directory index is built once).
 */
import { buildError } from '../../errors.js';
import type { FsStat, FsView } from '../../elf/fs-view.js';
import type { FileEntry, TreeEntry } from '../entry.js';
import { fileBytes } from '../file-bytes.js';
import type { FsTree } from '../fs-tree.js';
import { baseName, parentOf, toImagePath } from '../paths.js';

const MAX_HARDLINK_HOPS = 16;

export function treeFsView(tree: FsTree): FsView {
  let children: Map<string, string[]> | undefined;
  const index = (): Map<string, string[]> => {
    if (children) return children;
    children = new Map();
    for (const entry of tree.list()) {
      const parent = parentOf(entry.path);
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(baseName(entry.path));
    }
    return children;
  };

  const imagePath = (path: string): string => {
    if (!path.startsWith('/'))
      throw new Error(`FsView paths must be absolute POSIX paths, got ${JSON.stringify(path)}`);
    return toImagePath(path) ?? '';
  };
  const entryAt = (path: string): TreeEntry | undefined => {
    const p = imagePath(path);
    if (p === '')
      return { type: 'dir', path: '', mode: 0o755, uid: 0, gid: 0, origin: { kind: 'system', detail: 'root' } };
    return tree.get(p);
  };

  return {
    async lstat(path): Promise<FsStat | null> {
      const entry = entryAt(path);
      if (!entry) return null;
      if (entry.type === 'hardlink') {
        const file = fileBehind(tree, entry);
        return file ? { type: 'file', size: file.size } : null;
      }
      return { type: entry.type, size: entry.type === 'file' ? entry.size : 0 };
    },
    async readlink(path) {
      const entry = entryAt(path);
      if (entry?.type !== 'symlink') throw buildError(`${path}: not a symlink in the image`);
      return entry.target;
    },
    async readFile(path) {
      const entry = entryAt(path);
      const file = entry ? fileBehind(tree, entry) : undefined;
      if (!file) throw buildError(`${path}: not a regular file in the image`);
      return readEntryBytes(file);
    },
    async readdir(path) {
      const entry = entryAt(path);
      if (entry?.type !== 'dir') throw buildError(`${path}: not a directory in the image`);
      return [...(index().get(imagePath(path)) ?? [])];
    },
  };
}

/** The regular file a file or hard link entry stands for (undefined for dirs, symlinks, broken links). */
export function fileBehind(tree: FsTree, entry: TreeEntry): FileEntry | undefined {
  let at: TreeEntry | undefined = entry;
  for (let hops = 0; at?.type === 'hardlink' && hops < MAX_HARDLINK_HOPS; hops++) at = tree.get(at.target);
  return at?.type === 'file' ? at : undefined;
}

/** A file entry's bytes: from memory, a spool, or the host path it was taken from. */
export async function readEntryBytes(file: FileEntry): Promise<Uint8Array> {
  try {
    return await fileBytes(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const from =
      file.source.kind === 'host' ? file.source.path : file.source.kind === 'spool' ? file.source.file : 'memory';
    throw buildError(`/${file.path}: cannot read its source ${from} (${code ?? String(error)})`, { cause: error });
  }
}
