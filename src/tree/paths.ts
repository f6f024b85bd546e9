import { posix } from 'node:path';

/**
 * Image paths are stored without a leading slash ("usr/bin/app"); the root is "".
 * Returns null for paths that try to climb above the root.
 */
export function toImagePath(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Every ancestor of an image path, outermost first ("a/b/c" -> ["a", "a/b"]). */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i >= 0) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}

/** Where a symlink at `linkPath` with `target` points, as an image path (null above the root). */
export function resolveLinkTarget(linkPath: string, target: string): string | null {
  return target.startsWith('/') ? toImagePath(target) : toImagePath(posix.join(parentOf(linkPath), target));
}
