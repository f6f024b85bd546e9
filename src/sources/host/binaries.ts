import { buildError, PithError } from '../../errors.js';
import type { BinarySpec } from '../../spec/types.js';
import { resolveClosure, type ClosureObject, type ElfClosure } from '../../elf/closure.js';
import { hostFsView, type FsView } from '../../elf/fs-view.js';
import { resolvePathChain } from '../../elf/paths.js';
import { isAbsolute, resolve } from 'node:path';
import { lstat } from 'node:fs/promises';
import { normalisedFileMode, type PlannedEntry } from './planned.js';
import { compareBytes } from '../../byte-order.js';

/**
 * `binaries:` entries: each ELF executable goes to `dest`; its interpreter and shared-library
 * closure go to the paths the loader will look in, with every symlink on the way (e.g.
 * /lib64 -> usr/lib64, libfoo.so.1 -> libfoo.so.1.2.3) reproduced as a symlink.
 */
export async function resolveBinaries(
  binaries: readonly BinarySpec[],
  ctx: BinaryContext,
): Promise<{ binaries: PlannedEntry[]; libraries: PlannedEntry[] }> {
  const fs = hostFsView();
  const binaryEntries: PlannedEntry[] = [];
  const libraries = new Map<string, PlannedEntry>();
  for (const [i, binary] of binaries.entries()) {
    const src = isAbsolute(binary.src) ? binary.src : resolve(ctx.specDir, binary.src);
    const closure = await checkedClosure(src, i, fs, ctx);
    const real = (await resolvePathChain(src, fs)).realPath;
    const info = await lstat(real);
    const origin = { kind: 'binary' as const, detail: `binaries[${i}]: ${binary.src}` };
    binaryEntries.push({
      path: binary.dest,
      entry: {
        type: 'file',
        mode: 0o755,
        uid: 0,
        gid: 0,
        size: info.size,
        source: { kind: 'host', path: real },
        origin,
      },
    });
    for (const object of closure.objects) await addLibrary(object, libraries);
  }
  if (binaries.length > 0 && binaryEntries.length === 0) throw buildError('no binaries resolved');
  // Symlinks first, shortest paths first: a directory link (lib64 -> usr/lib64) must exist
  // before the files that are reached through it are placed.
  const libs = [...libraries.values()].sort(
    (a, b) => rank(a) - rank(b) || a.path.length - b.path.length || compareBytes(a.path, b.path),
  );
  return { binaries: binaryEntries, libraries: libs };
}

interface BinaryContext {
  specDir: string;
  arch: string;
  where: (path: (string | number)[]) => string;
}

/** The closure of `binaries[i]` at `src`, with errors naming the entry, checked for the image's arch. */
async function checkedClosure(src: string, i: number, fs: FsView, ctx: BinaryContext): Promise<ElfClosure> {
  const where = ctx.where(['binaries', i, 'src']);
  let closure;
  try {
    closure = await resolveClosure(src, fs);
  } catch (err) {
    if (err instanceof PithError)
      throw new PithError(err.kind, `binaries[${i}]: ${err.message}`, { where, hint: err.hint, cause: err });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw buildError(`binaries[${i}].src: ${src} does not exist`, { where });
    throw buildError(`binaries[${i}].src: ${src}: ${String(err)}`, { where, cause: err });
  }
  if (closure.binary.arch !== ctx.arch) {
    throw buildError(
      `binaries[${i}].src: ${src} is built for ${closure.binary.arch ?? closure.binary.machineName}, but the image is ${ctx.arch}`,
      {
        where,
        hint: 'build the binary for that architecture or change archs',
      },
    );
  }
  return closure;
}

/** Adds a shared object of a closure: every symlink on its chain, then the file it resolves to. */
async function addLibrary(object: ClosureObject, libraries: Map<string, PlannedEntry>): Promise<void> {
  const libOrigin = { kind: 'library' as const, detail: `${object.path} (needed by ${object.neededBy})` };
  for (const link of object.chain.links) {
    libraries.set(link.path, {
      path: link.path,
      entry: { type: 'symlink', target: link.target, mode: 0o777, uid: 0, gid: 0, origin: libOrigin },
    });
  }
  const realPath = object.chain.realPath;
  if (!libraries.has(realPath)) {
    const st = await lstat(realPath);
    libraries.set(realPath, {
      path: realPath,
      entry: {
        type: 'file',
        mode: normalisedFileMode(st.mode),
        uid: 0,
        gid: 0,
        size: st.size,
        source: { kind: 'host', path: realPath },
        origin: libOrigin,
      },
    });
  }
}

const rank = (p: PlannedEntry) => (p.entry.type === 'symlink' ? 0 : 1);
