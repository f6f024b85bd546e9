/**
 * Step (trim: closure): the roots come from the image's config (closure-roots.ts); the trim
 * engine and what it reads load only here (closure-image.ts).
 */
import { specError } from '../errors.js';
import type { PlatformContext, SettledImage } from '../sources/source.js';
import type { ClosureImage } from './closure-image.js';
import { closureRoots } from './closure-roots.js';
import type { Contributions } from './contributions.js';
import type { Run } from './run.js';

export async function trimmedImage(
  c: Contributions,
  settled: SettledImage,
  ctx: PlatformContext,
  run: Run,
): Promise<ClosureImage> {
  const { roots, path, named } = closureRoots(settled.config);
  if (roots.length === 0 && run.spec.keep.length === 0) {
    throw specError('trim: closure needs an entrypoint, a cmd or keep: paths to start from', {
      where: run.loaded.where(['trim']),
    });
  }
  const ldPath = settled.config.Env?.find((e) => e.startsWith('LD_LIBRARY_PATH='))?.slice('LD_LIBRARY_PATH='.length);
  const { closureImage } = await import('./closure-image.js');
  return closureImage(
    c.partSets.map((p) => p.set),
    settled.tree,
    {
      cacheDir: run.cacheDir,
      store: run.store,
      mtime: run.created,
      compression: run.compression,
      roots,
      path,
      named,
      keep: run.spec.keep,
      ...(ldPath ? { libraryPath: ldPath.split(':').filter(Boolean) } : {}),
      ...(c.below ? { below: c.below } : {}),
      log: ctx.log,
    },
  );
}
