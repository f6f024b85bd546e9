/**
 * Path resolution the way the kernel does it (namei): one component at a time, following every
 * symlink met on the way, `..` going to the parent of the directory actually reached (not a textual
 * `dirname`). Each symlink met is recorded so the same access path can be rebuilt inside an image.
 */
import { buildError } from '../errors.js';
import type { FsView } from './fs-view.js';

export interface PathLink {
  /** Where the symlink is, as a real path (all its parent directories are real directories). */
  path: string;
  /** Its raw target. */
  target: string;
}

export interface PathChain {
  /** The path with every symlink resolved: what is actually opened. */
  realPath: string;
  /** Every symlink met, in the order met, each once (intermediate directories included). */
  links: PathLink[];
}

/** Linux MAXSYMLINKS: more than this many symlinks in one lookup fails with ELOOP. */
export const MAX_SYMLINKS = 40;

export type PathLookup =
  { ok: true; chain: PathChain } | { ok: false; reason: 'missing' | 'not-a-directory'; at: string; links: PathLink[] };

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
const parent = (dir: string) => (dir === '/' ? '/' : dir.slice(0, dir.lastIndexOf('/')) || '/');
const components = (path: string) => path.split('/').filter((c) => c !== '');

/**
 * Resolve `path` and say why it failed when it does not exist. Symlink loops throw (the kernel's
 * ELOOP), because they are always a broken filesystem rather than an absent file.
 */
export async function lookupPath(path: string, fs: FsView): Promise<PathLookup> {
  if (!path.startsWith('/')) throw buildError(`${path}: expected an absolute path`);
  const links: PathLink[] = [];
  const seen = new Set<string>();
  let followed = 0;
  let current = '/';
  // Remaining components, first one next. A symlink's target components are pushed in front.
  const pending = components(path).reverse();
  while (pending.length > 0) {
    const name = pending.pop() as string;
    // `current` is always a directory here, so `.` and `..` need no lookup.
    if (name === '.') continue;
    if (name === '..') {
      current = parent(current);
      continue;
    }
    const candidate = join(current, name);
    const st = await fs.lstat(candidate);
    if (st === null) return { ok: false, reason: 'missing', at: candidate, links };
    if (st.type === 'symlink') {
      if (++followed > MAX_SYMLINKS) {
        throw buildError(`${path}: too many levels of symbolic links (a symlink loop? last one: ${candidate})`);
      }
      const target = await fs.readlink(candidate);
      if (!seen.has(candidate)) {
        seen.add(candidate);
        links.push({ path: candidate, target });
      }
      if (target.startsWith('/')) current = '/';
      pending.push(...components(target).reverse());
      continue;
    }
    if (st.type !== 'dir' && pending.length > 0) return { ok: false, reason: 'not-a-directory', at: candidate, links };
    current = candidate;
  }
  return { ok: true, chain: { realPath: current, links } };
}

/** Resolve `path` like open(2) would, or throw a PithError saying which component is missing. */
export async function resolvePathChain(path: string, fs: FsView): Promise<PathChain> {
  const found = await lookupPath(path, fs);
  if (found.ok) return found.chain;
  const why = found.reason === 'missing' ? 'does not exist' : 'is not a directory';
  const detail = found.at === path ? `${path} ${why}` : `${path}: ${found.at} ${why}`;
  throw buildError(detail);
}
