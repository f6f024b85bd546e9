/** Where the dynamic loader looks for a needed library (glibc's and musl's orders) and what $ORIGIN, $LIB, $PLATFORM expand to. */
import type { FsView } from './fs-view.js';
import { isMuslInterpreter, readLdSoConf, readMuslPath } from './ld-conf.js';
import { machinePlatform, machineTriplet } from './machines.js';
import type { ElfInfo } from './parse.js';
import type { PathLookup } from './paths.js';

/** An object the loader has mapped, as far as the search needs it. */
export interface SearchObject {
  info: ElfInfo;
  /** The object that first needed this one (glibc's l_loader); undefined for the binary and interpreter. */
  loader: SearchObject | undefined;
  /** The directory `$ORIGIN` stands for. */
  origin: string;
}

/** The search directories and token values of one dynamically linked binary. */
export class LoaderSearch {
  private confDirs: string[] | undefined;
  /** The binary's interpreter is musl's: its search order, and the names it maps to itself. */
  readonly musl: boolean;

  private constructor(
    private readonly binary: SearchObject,
    private readonly fs: FsView,
    private readonly extraLibraryDirs: string[],
    private readonly lib: string,
  ) {
    const interpreter = binary.info.interpreter;
    this.musl = interpreter !== undefined && isMuslInterpreter(interpreter);
  }

  /** `lookup` resolves a path in `fs` (the walker's, whose errors name the binary). */
  static async create(
    binary: SearchObject,
    fs: FsView,
    extraLibraryDirs: string[],
    lookup: (path: string) => Promise<PathLookup>,
  ): Promise<LoaderSearch> {
    return new LoaderSearch(binary, fs, extraLibraryDirs, await libValue(binary.info, fs, lookup));
  }

  /** The directories searched for a name `requester` needs, in order, each once. */
  async dirs(requester: SearchObject): Promise<string[]> {
    const dirs: string[] = [];
    const add = (list: string[], origin: SearchObject) => {
      for (const raw of list) {
        const dir = this.expand(raw, origin);
        // Relative entries depend on the working directory: not something an image can promise.
        if (dir !== undefined && dir.startsWith('/')) dirs.push(dir.length > 1 ? dir.replace(/\/+$/, '') : dir);
      }
    };
    const effectiveRpath = (o: SearchObject) => (o.info.runpath.length > 0 ? [] : o.info.rpath);

    if (this.musl) {
      // ldso/dynlink.c load_library: LD_LIBRARY_PATH first, then each loader's DT_RUNPATH or
      // DT_RPATH (musl treats them alike and inherits both), then the path file.
      add(this.extraLibraryDirs, this.binary);
      for (let at: SearchObject | undefined = requester; at; at = at.loader) {
        add(at.info.runpath.length > 0 ? at.info.runpath : at.info.rpath, at);
      }
      dirs.push(...(await readMuslPath(this.fs, this.binary.info.interpreter ?? '')));
      return unique(dirs);
    }

    if (requester.info.runpath.length === 0) {
      for (let at: SearchObject | undefined = requester; at; at = at.loader) add(effectiveRpath(at), at);
      // The executable's DT_RPATH applies to every lookup, even from objects outside its tree.
      if (!isAncestorOrSelf(this.binary, requester)) add(effectiveRpath(this.binary), this.binary);
    }
    add(this.extraLibraryDirs, this.binary);
    add(requester.info.runpath, requester);
    this.confDirs ??= await readLdSoConf(this.fs);
    dirs.push(...this.confDirs);
    dirs.push(...defaultDirs(this.binary.info));
    return unique(dirs);
  }

  /**
   * Substitute $ORIGIN/${ORIGIN}, $LIB/${LIB}, $PLATFORM/${PLATFORM} as ld.so does; other `$` text
   * stays as written. undefined when a token has no value (ld.so then drops the entry).
   */
  expand(text: string, object: SearchObject): string | undefined {
    if (!text.includes('$')) return text;
    let missing = false;
    const out = text.replace(
      /\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g,
      (_m, braced, bare) => {
        const token = (braced ?? bare) as string;
        const value = token === 'ORIGIN' ? object.origin : token === 'LIB' ? this.lib : this.platform();
        if (value === undefined) missing = true;
        return value ?? '';
      },
    );
    return missing ? undefined : out;
  }

  private platform(): string | undefined {
    const { machine, endian } = this.binary.info;
    return machinePlatform(machine, this.binary.info.class, endian);
  }
}

/**
 * glibc's built-in trusted directories. Distributions configure these differently (Debian:
 * multiarch; Fedora: lib64); searching all of them is harmless because a candidate of the wrong
 * class or machine is skipped. lib64 before lib because on lib64 systems lib holds 32-bit objects.
 */
function defaultDirs(binary: ElfInfo): string[] {
  const { machine, endian } = binary;
  const cls = binary.class;
  const triplet = machineTriplet(machine, cls, endian);
  const dirs = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  if (cls === 64) dirs.push('/lib64', '/usr/lib64');
  dirs.push('/lib', '/usr/lib');
  return dirs;
}

/**
 * `$LIB` is a build-time constant of the distribution's ld.so: Debian and derivatives (multiarch)
 * use lib/<triplet> (checked: lib/x86_64-linux-gnu on Debian 12), upstream and Fedora-likes lib64
 * for 64-bit and lib otherwise. Tell them apart by the presence of the multiarch directory.
 */
async function libValue(binary: ElfInfo, fs: FsView, lookup: (path: string) => Promise<PathLookup>): Promise<string> {
  const { machine, endian } = binary;
  const cls = binary.class;
  const triplet = machineTriplet(machine, cls, endian);
  if (triplet) {
    for (const dir of [`/lib/${triplet}`, `/usr/lib/${triplet}`]) {
      const found = await lookup(dir);
      if (found.ok && (await fs.lstat(found.chain.realPath))?.type === 'dir') return `lib/${triplet}`;
    }
  }
  return cls === 64 ? 'lib64' : 'lib';
}

function isAncestorOrSelf(ancestor: SearchObject, object: SearchObject): boolean {
  for (let at: SearchObject | undefined = object; at; at = at.loader) if (at === ancestor) return true;
  return false;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

const MUSL_RESERVED = ['c', 'pthread', 'rt', 'm', 'dl', 'util', 'xnet'];

/** musl maps these names to itself (ldso/dynlink.c load_library): "lib" + reserved + "." + anything. */
export function isMuslReserved(name: string): boolean {
  return name.startsWith('lib') && MUSL_RESERVED.some((r) => name.startsWith(`lib${r}.`));
}
