import { lstat, readdir, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { buildError, PithError } from '../../errors.js';
import type { FileSpec } from '../../spec/types.js';
import type { Origin } from '../../tree/entry.js';
import { normalisedFileMode, type OwnerResolver, type PlannedEntry } from './planned.js';

/**
 * `files:` entries: a host file or directory tree copied to `dest`. Directory trees are walked
 * in sorted order; symlinks are kept as symlinks; modes are normalised unless the spec gives one
 * (which then applies to every regular file copied); owners come from the spec, never the host.
 */
export async function resolveHostFiles(
  files: readonly FileSpec[],
  ctx: { specDir: string; where: (path: (string | number)[]) => string; owner: OwnerResolver },
): Promise<PlannedEntry[]> {
  const out: PlannedEntry[] = [];
  for (const [i, file] of files.entries()) {
    const where = ctx.where(['files', i, 'src']);
    const src = isAbsolute(file.src) ? file.src : resolve(ctx.specDir, file.src);
    const { uid, gid } = ctx.owner(file.owner, ctx.where(['files', i, 'owner']));
    const origin = { kind: 'file' as const, detail: `files[${i}]: ${file.src}` };
    try {
      await visit({ i, src, where, mode: file.mode, uid, gid, origin, out }, src, file.dest, true);
    } catch (err) {
      if (err instanceof PithError) throw err;
      throw buildError(`files[${i}].src: ${String(err)}`, { where, cause: err });
    }
  }
  return out;
}

/** One `files:` entry being copied: where its errors point, what its entries get, and where they go. */
interface FileCopy {
  i: number;
  src: string;
  where: string;
  mode: number | undefined;
  uid: number;
  gid: number;
  origin: Origin;
  out: PlannedEntry[];
}

/** Plans `hostPath` (and, for a directory, everything under it in sorted order) at `imagePath`. */
async function visit(copy: FileCopy, hostPath: string, imagePath: string, top: boolean): Promise<void> {
  const { i, src, where, uid, gid, origin, out } = copy;
  let info;
  try {
    info = await lstat(hostPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (top && code === 'ENOENT')
      throw buildError(`files[${i}].src: ${src} does not exist`, {
        where,
        hint: 'fix the path; relative paths are relative to the spec file',
      });
    throw buildError(`files[${i}].src: cannot read ${hostPath}: ${code ?? String(err)}`, { where });
  }
  if (info.isFile()) {
    const mode = copy.mode ?? normalisedFileMode(info.mode);
    out.push({
      path: imagePath,
      entry: { type: 'file', mode, uid, gid, size: info.size, source: { kind: 'host', path: hostPath }, origin },
    });
  } else if (info.isSymbolicLink()) {
    out.push({
      path: imagePath,
      entry: { type: 'symlink', target: await readlink(hostPath), mode: 0o777, uid, gid, origin },
    });
  } else if (info.isDirectory()) {
    out.push({ path: imagePath, entry: { type: 'dir', mode: 0o755, uid, gid, origin } });
    let names: string[];
    try {
      names = await readdir(hostPath);
    } catch (err) {
      throw buildError(
        `files[${i}].src: cannot list ${hostPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        { where },
      );
    }
    for (const name of names.sort()) await visit(copy, join(hostPath, name), posix.join(imagePath, name), false);
  } else {
    throw buildError(`files[${i}].src: ${hostPath} is not a regular file, directory or symlink`, {
      where,
      hint: 'sockets, devices and fifos cannot go into an image',
    });
  }
}
