import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

let identity: Promise<string> | undefined;

/**
 * A hash of pith's own compiled code (every .js file under src/). Caches whose results depend
 * on logic rather than on inputs alone (the trim rules, the tree an install builds) key on it, so
 * a changed rule never serves an image the old rule made; the version number alone would not
 * change between development builds. About 1 MB to hash, once per process.
 */
export function codeIdentity(): Promise<string> {
  identity ??= (async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const subdirs: Promise<void>[] = [];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) subdirs.push(walk(path));
        else if (entry.name.endsWith('.js')) files.push(path);
      }
      await Promise.all(subdirs);
    };
    await walk(root);
    const names = files.map((f) => relative(root, f)).sort();
    const contents = await Promise.all(names.map((name) => readFile(join(root, name))));
    const hash = createHash('sha256');
    names.forEach((name, i) => hash.update(`${name}\0`).update(contents[i]!).update('\0'));
    return hash.digest('hex');
  })();
  return identity;
}
