/**
 * An in-memory FsView (the shape an image tree will have), so closure and path code can be tested
 * without the host filesystem. Parent directories are created implicitly.
 */
import type { FsStat, FsView } from '../../src/elf/fs-view.js';

export type MemNode = Uint8Array | string | { symlink: string } | { dir: true };

interface Stored {
  type: 'file' | 'dir' | 'symlink';
  data?: Uint8Array;
  target?: string;
}

export interface MemFsView extends FsView {
  /** Every path read with readFile, in order (to check the code reads real paths only). */
  readonly reads: string[];
}

export function memFsView(tree: Record<string, MemNode>): MemFsView {
  const nodes = new Map<string, Stored>([['/', { type: 'dir' }]]);
  const mkdirs = (path: string) => {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      const existing = nodes.get(dir);
      if (existing && existing.type !== 'dir') throw new Error(`memFsView: ${dir} is not a directory`);
      nodes.set(dir, { type: 'dir' });
    }
  };
  for (const [path, node] of Object.entries(tree)) {
    mkdirs(path);
    if (typeof node === 'string') nodes.set(path, { type: 'file', data: new TextEncoder().encode(node) });
    else if (node instanceof Uint8Array) nodes.set(path, { type: 'file', data: node });
    else if ('symlink' in node) nodes.set(path, { type: 'symlink', target: node.symlink });
    else nodes.set(path, { type: 'dir' });
  }
  const reads: string[] = [];
  const get = (path: string, type: Stored['type']): Stored => {
    const node = nodes.get(path);
    if (!node || node.type !== type) throw new Error(`memFsView: ${path} is not a ${type}`);
    return node;
  };
  return {
    reads,
    async lstat(path): Promise<FsStat | null> {
      const node = nodes.get(path);
      if (!node) return null;
      return { type: node.type, size: node.data?.length ?? 0 };
    },
    async readlink(path) {
      return get(path, 'symlink').target as string;
    },
    async readFile(path) {
      reads.push(path);
      return get(path, 'file').data as Uint8Array;
    },
    async readdir(path) {
      get(path, 'dir');
      const prefix = path === '/' ? '/' : `${path}/`;
      return [...nodes.keys()]
        .filter((p) => p.startsWith(prefix) && p !== prefix && !p.slice(prefix.length).includes('/'))
        .map((p) => p.slice(prefix.length));
    },
  };
}
