/**
 * The read-only filesystem the closure code looks at. The same code runs over the host (binaries
 * from the spec) and over an image's own tree (trimming), so it never touches node:fs directly.
 *
 * Contract: paths are absolute POSIX paths inside the view. None of the methods is expected to follow
 * symlinks on the caller's behalf: callers (see paths.ts) resolve symlinks themselves, component by
 * component, and only hand real paths (every directory component a real directory) to `readFile`
 * and `readdir`. That is what lets absolute symlinks inside a sysroot point inside the sysroot.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { buildError } from '../errors.js';

export type FsEntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface FsStat {
  type: FsEntryType;
  size: number;
}

export interface FsView {
  /** Like lstat(2): does not follow a final symlink. null when nothing is there (ENOENT, ENOTDIR). */
  lstat(path: string): Promise<FsStat | null>;
  /** The raw target of a symlink, exactly as stored. */
  readlink(path: string): Promise<string>;
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Names (not paths) in a directory, in any order. Needed to expand `include` globs in
   * /etc/ld.so.conf (e.g. /etc/ld.so.conf.d/*.conf).
   */
  readdir(path: string): Promise<string[]>;
}

function assertAbsolute(path: string): void {
  // A bug in the caller, not a user mistake: views only ever see absolute paths.
  if (!path.startsWith('/')) throw new Error(`FsView paths must be absolute POSIX paths, got ${JSON.stringify(path)}`);
}

/**
 * A view over the host filesystem, optionally rooted at `root` (a sysroot or a test directory):
 * view path `/lib/x` is host path `<root>/lib/x`. `..` cannot climb above the root.
 */
export function hostFsView(root = '/'): FsView {
  const base = posix.resolve(root);
  const toHost = (path: string): string => {
    assertAbsolute(path);
    const inside = posix.normalize(path);
    return base === '/' ? inside : posix.join(base, inside);
  };
  const describe = (path: string) => (base === '/' ? path : `${path} (under ${base})`);

  return {
    async lstat(path) {
      try {
        const st = await lstat(toHost(path));
        const type: FsEntryType = st.isFile()
          ? 'file'
          : st.isDirectory()
            ? 'dir'
            : st.isSymbolicLink()
              ? 'symlink'
              : 'other';
        return { type, size: st.size };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return null;
        throw buildError(`${describe(path)}: cannot stat (${code ?? String(error)})`, { cause: error });
      }
    },
    async readlink(path) {
      try {
        return await readlink(toHost(path));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw buildError(`${describe(path)}: cannot read symlink (${code ?? String(error)})`, { cause: error });
      }
    },
    async readFile(path) {
      try {
        return await readFile(toHost(path));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw buildError(`${describe(path)}: cannot read (${code ?? String(error)})`, { cause: error });
      }
    },
    async readdir(path) {
      try {
        return await readdir(toHost(path));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw buildError(`${describe(path)}: cannot list directory (${code ?? String(error)})`, { cause: error });
      }
    },
  };
}
