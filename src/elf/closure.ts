/**
 * The shared-library closure of an ELF executable: everything the dynamic loader would open to start
 * it, found with the loader's own rules against a filesystem view (the host or an image tree).
 *
 * glibc rules followed (elf/dl-load.c, elf/dl-deps.c, elf/dl-object.c):
 * - The interpreter is PT_INTERP, opened by the kernel as written. Its SONAME counts as loaded, so
 *   libc's `NEEDED ld-linux-x86-64.so.2` is not searched again.
 * - DT_NEEDED is walked breadth-first; a name already matched by a loaded object (the name it was
 *   loaded under, its path, or its SONAME) is not loaded again. A file reached under a second name
 *   that is the same real file is not walked again either (glibc compares dev/inode), but its
 *   access path is still listed, because the loader opens it before it can tell.
 * - A name containing '/' is a path (after `$ORIGIN`-style substitution); otherwise it is searched:
 *   DT_RPATH of the requesting object, then of the object that loaded that one, and so on up to the
 *   executable (all of this only if the requesting object has no DT_RUNPATH; an object that has both
 *   has its DT_RPATH ignored), then `extraLibraryDirs` (where LD_LIBRARY_PATH would be), then
 *   DT_RUNPATH of the requesting object only, then /etc/ld.so.conf (what ld.so.cache holds), then
 *   the built-in directories.
 * - A candidate that exists but is not an ELF object of the same class and machine is skipped and
 *   the search goes on, as ld.so does for "wrong ELF class" files.
 * - `$ORIGIN`: for the executable it is the directory of its real path (glibc asks the kernel,
 *   /proc/self/exe, which has every symlink resolved); for a library it is the directory of the path
 *   it was opened under, symlinks NOT resolved (dl-object.c uses the name it was opened with).
 *   Both were checked against ld.so with LD_DEBUG=libs. Paths are then kept as ld.so builds them
 *   (`/opt/app/bin/../lib/libx.so`), because `..` after a symlinked directory means what the
 *   kernel says, not what the text says; `chain.realPath` is the resolved file.
 * Not modelled: glibc-hwcaps/ and legacy platform subdirectories (their use depends on the CPU at
 * run time), DF_1_NODEFLIB, LD_PRELOAD and dlopen()ed libraries (invisible in the ELF).
 *
 * musl (interpreter ld-musl-*.so.1, ldso/dynlink.c): `extraLibraryDirs` (LD_LIBRARY_PATH) first,
 * then DT_RUNPATH or else DT_RPATH of the requesting object and its loaders, then
 * /etc/ld-musl-<arch>.path or /lib:/usr/local/lib:/usr/lib; names libc.*, libpthread.*, librt.*,
 * libm.*, libdl.*, libutil.*, libxnet.* are the loader itself. ld.so.conf plays no part.
 */
import { posix } from 'node:path';
import { buildError, isPithError } from '../errors.js';
import type { FsView } from './fs-view.js';
import { isElf, parseElf, type ElfInfo } from './parse.js';
import { lookupPath, type PathChain, type PathLookup } from './paths.js';
import { isMuslReserved, LoaderSearch } from './search-path.js';
import { compareBytes } from '../byte-order.js';

export interface ClosureObject {
  /** The path as the loader opens it, e.g. /lib/x86_64-linux-gnu/libc.so.6 or /lib64/ld-linux-x86-64.so.2 */
  path: string;
  soname?: string;
  /** Path of the object whose PT_INTERP or DT_NEEDED brought this one in (the binary's path as given). */
  neededBy: string;
  kind: 'interpreter' | 'library';
  /** How `path` resolves: the real file and every symlink on the way. */
  chain: PathChain;
}

export interface ElfClosure {
  binary: ElfInfo;
  /** Sorted by path. Several entries can share a chain.realPath when the loader opens one file under several paths. */
  objects: ClosureObject[];
  /** With `missing: 'record'`: the DT_NEEDED names that could not be opened, and why. */
  unresolved: UnresolvedNeed[];
}

export interface UnresolvedNeed {
  name: string;
  neededBy: string;
  message: string;
}

export interface ClosureOptions {
  /**
   * Searched where LD_LIBRARY_PATH would be (glibc: after DT_RPATH, before DT_RUNPATH; musl: first).
   * `$ORIGIN` in them is the binary's. For libraries the image sets LD_LIBRARY_PATH for.
   */
  extraLibraryDirs?: string[];
  /**
   * 'error' (the default): a DT_NEEDED that cannot be opened is an error. 'record': it is listed in
   * `unresolved` and the walk goes on, for a module that is dlopen()ed into a process whose
   * loader may already have mapped that name (a JVM's libattach.so needs libjvm.so, which the
   * launcher loaded by path).
   */
  missing?: 'error' | 'record';
}

/** One object the loader has mapped. */
interface Loaded {
  path: string;
  realPath: string;
  info: ElfInfo;
  /** The object that first needed this one (glibc's l_loader); undefined for the binary and interpreter. */
  loader: Loaded | undefined;
  /** The directory `$ORIGIN` stands for. */
  origin: string;
}

interface Candidate {
  path: string;
  chain: PathChain;
  info: ElfInfo;
}

const joinDir = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir.replace(/\/+$/, '')}/${name}`);

export async function resolveClosure(
  binaryPath: string,
  fs: FsView,
  options: ClosureOptions = {},
): Promise<ElfClosure> {
  return new ClosureWalker(binaryPath, fs, options).run();
}

class ClosureWalker {
  private readonly parsed = new Map<string, ElfInfo | string>();
  private readonly objects = new Map<string, ClosureObject>();
  /** Names (NEEDED strings, paths, SONAMEs) that already stand for a loaded object. */
  private readonly byName = new Map<string, Loaded>();
  private readonly byRealPath = new Map<string, Loaded>();
  private readonly unresolved: UnresolvedNeed[] = [];
  private binary!: Loaded;
  private paths!: LoaderSearch;

  constructor(
    private readonly binaryPath: string,
    private readonly fs: FsView,
    private readonly options: ClosureOptions,
  ) {}

  async run(): Promise<ElfClosure> {
    const binary = await this.openBinary();
    this.binary = binary;
    const info = binary.info;
    if (info.isStatic) return { binary: info, objects: [], unresolved: [] };
    this.paths = await LoaderSearch.create(binary, this.fs, this.options.extraLibraryDirs ?? [], (path) =>
      this.lookup(path),
    );
    this.byRealPath.set(binary.realPath, binary);
    if (info.soname !== undefined) this.byName.set(info.soname, binary);

    const queue: Loaded[] = [binary];
    if (info.interpreter !== undefined) {
      const interp = await this.openInterpreter(info.interpreter);
      // The interpreter's own NEEDED (usually none) come after the executable's, like in glibc's list.
      if (interp) queue.push(interp);
    }
    for (let i = 0; i < queue.length; i++) {
      const object = queue[i] as Loaded;
      for (const name of object.info.needed) {
        const loaded = await this.load(name, object);
        if (loaded) queue.push(loaded);
      }
    }
    const objects = [...this.objects.values()].sort((a, b) => compareBytes(a.path, b.path));
    return { binary: info, objects, unresolved: this.unresolved };
  }

  private async openBinary(): Promise<Loaded> {
    const src = this.binaryPath;
    const found = await this.lookup(src);
    if (!found.ok) throw buildError(`${src} does not exist`);
    const { realPath } = found.chain;
    const st = await this.fs.lstat(realPath);
    if (st?.type !== 'file') throw buildError(`${src} is not an ELF executable (not a regular file)`);
    const data = await this.fs.readFile(realPath);
    if (!isElf(data)) throw buildError(`${src} is not an ELF executable`);
    let info: ElfInfo;
    try {
      info = parseElf(data);
    } catch (error) {
      if (isPithError(error)) throw buildError(`${src} is not an ELF executable (${error.message})`, { cause: error });
      throw error;
    }
    if (info.type !== 'exec' && info.type !== 'dyn') {
      throw buildError(`${src} is not an ELF executable (ELF type ${info.type})`);
    }
    // glibc takes the executable's $ORIGIN from /proc/self/exe: the fully resolved path.
    return { path: src, realPath, info, loader: undefined, origin: posix.dirname(realPath) };
  }

  private async openInterpreter(path: string): Promise<Loaded | undefined> {
    const src = this.binaryPath;
    if (!path.startsWith('/')) {
      throw buildError(`${src}: its interpreter ${path} is a relative path, which depends on the working directory`);
    }
    const found = await this.lookup(path);
    if (!found.ok)
      throw buildError(`${src}: interpreter ${path} not found`, {
        hint: 'install the C library the binary was built for',
      });
    const info = await this.inspect(found.chain.realPath);
    if (typeof info === 'string') throw buildError(`${src}: interpreter ${path} is not usable (${info})`);
    const mismatch = this.mismatch(info);
    if (mismatch) throw buildError(`${src}: interpreter ${path} is ${mismatch}`);
    const loaded: Loaded = {
      path,
      realPath: found.chain.realPath,
      info,
      loader: undefined,
      origin: posix.dirname(path),
    };
    this.record(loaded, found.chain, 'interpreter', src);
    this.byName.set(path, loaded);
    if (info.soname !== undefined) this.byName.set(info.soname, loaded);
    this.byRealPath.set(loaded.realPath, loaded);
    // Its DT_NEEDED only matter if it has any; avoid walking it twice when it is also the binary.
    return loaded.realPath === this.binary.realPath ? undefined : loaded;
  }

  /** Map `name` for `requester`; returns the object when it is new (its NEEDED still to walk). */
  private async load(name: string, requester: Loaded): Promise<Loaded | undefined> {
    if (this.byName.has(name)) return undefined;
    // Asked for again by another object: still missing, listed once.
    if (this.unresolved.some((u) => u.name === name)) return undefined;
    if (this.paths.musl && isMuslReserved(name)) return undefined;

    let found: Candidate;
    try {
      found = name.includes('/') ? await this.openByPath(name, requester) : await this.search(name, requester);
    } catch (error) {
      if (this.options.missing !== 'record' || !isPithError(error)) throw error;
      this.unresolved.push({ name, neededBy: requester.path, message: error.message });
      return undefined;
    }
    const same = this.byRealPath.get(found.chain.realPath);
    if (same) {
      // Same file under another name: glibc notices by dev/inode after opening it, so this access
      // path must exist too, but the object is not walked twice.
      this.record({ ...same, path: found.path }, found.chain, 'library', requester.path);
      this.byName.set(name, same);
      return undefined;
    }
    const loaded: Loaded = {
      path: found.path,
      realPath: found.chain.realPath,
      info: found.info,
      loader: requester,
      origin: posix.dirname(found.path),
    };
    this.record(loaded, found.chain, 'library', requester.path);
    this.byName.set(name, loaded);
    this.byName.set(found.path, loaded);
    if (found.info.soname !== undefined && !this.byName.has(found.info.soname))
      this.byName.set(found.info.soname, loaded);
    this.byRealPath.set(loaded.realPath, loaded);
    return loaded;
  }

  private record(loaded: Loaded, chain: PathChain, kind: ClosureObject['kind'], neededBy: string): void {
    if (this.objects.has(loaded.path)) return;
    const object: ClosureObject = { path: loaded.path, neededBy, kind, chain };
    if (loaded.info.soname !== undefined) object.soname = loaded.info.soname;
    this.objects.set(loaded.path, object);
  }

  private async openByPath(name: string, requester: Loaded): Promise<Candidate> {
    const path = this.paths.expand(name, requester);
    if (path === undefined || !path.startsWith('/')) {
      throw buildError(
        `${this.binaryPath}: ${name} (needed by ${this.neededChain(requester)}) is a relative path, which depends on the working directory`,
        { hint: 'give the library a SONAME when linking it (-Wl,-soname,...) so it is searched for by name' },
      );
    }
    const found = await this.lookup(path);
    if (!found.ok) throw buildError(`${this.binaryPath}: ${name} (needed by ${this.neededChain(requester)}) not found`);
    const info = await this.inspect(found.chain.realPath);
    if (typeof info === 'string')
      throw buildError(`${this.binaryPath}: ${path} (needed by ${this.neededChain(requester)}) ${info}`);
    const mismatch = this.mismatch(info);
    if (mismatch)
      throw buildError(`${this.binaryPath}: ${path} (needed by ${this.neededChain(requester)}) is ${mismatch}`);
    return { path, chain: found.chain, info };
  }

  private async search(name: string, requester: Loaded): Promise<Candidate> {
    const dirs = await this.paths.dirs(requester);
    const skipped: string[] = [];
    for (const dir of dirs) {
      const path = joinDir(dir, name);
      const found = await this.lookup(path);
      if (!found.ok) continue;
      const info = await this.inspect(found.chain.realPath);
      if (typeof info === 'string') {
        skipped.push(`${path}: ${info}`);
        continue;
      }
      const mismatch = this.mismatch(info);
      if (mismatch) {
        skipped.push(`${path}: ${mismatch}`);
        continue;
      }
      return { path, chain: found.chain, info };
    }
    const skippedNote = skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : '';
    throw buildError(
      `${this.binaryPath}: ${name} (needed by ${this.neededChain(requester)}) not found in: ${dirs.join(', ')}${skippedNote}`,
      {
        hint: 'install the package that provides it, or add its directory to the RUNPATH of the binary or to /etc/ld.so.conf.d',
      },
    );
  }

  /** "libbar.so <- libbaz.so <- /usr/local/bin/app": who needed whom, nearest first. */
  private neededChain(requester: Loaded): string {
    const parts: string[] = [];
    for (let at: Loaded | undefined = requester; at; at = at.loader) parts.push(at.path);
    return parts.join(' <- ');
  }

  /** Parse a real path once; a string explains why it is not a usable ELF object. */
  private async inspect(realPath: string): Promise<ElfInfo | string> {
    const cached = this.parsed.get(realPath);
    if (cached !== undefined) return cached;
    let result: ElfInfo | string;
    const st = await this.fs.lstat(realPath);
    if (st?.type !== 'file') result = 'not a regular file';
    else {
      const data = await this.fs.readFile(realPath);
      if (!isElf(data)) result = 'not an ELF file';
      else {
        try {
          result = parseElf(data);
        } catch (error) {
          if (!isPithError(error)) throw error;
          result = error.message;
        }
      }
    }
    this.parsed.set(realPath, result);
    return result;
  }

  /** Why `info` cannot be loaded into the binary's process, or undefined when it can. */
  private mismatch(info: ElfInfo): string | undefined {
    const want = this.binary.info;
    if (info.class !== want.class || info.machine !== want.machine || info.endian !== want.endian) {
      return `for ${info.machineName} ELF${info.class} ${info.endian.toUpperCase()}, not ${want.machineName} ELF${want.class} ${want.endian.toUpperCase()}`;
    }
    return undefined;
  }

  /** lookupPath, with symlink-loop errors naming the binary being resolved. */
  private async lookup(path: string): Promise<PathLookup> {
    try {
      return await lookupPath(path, this.fs);
    } catch (error) {
      if (isPithError(error) && !error.message.startsWith(`${this.binaryPath}:`)) {
        throw buildError(`${this.binaryPath}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}
