/**
 * The implicit needs of `trim: closure`: files a program opens at run time that no ELF header or
 * `#!` line names (dlopen()ed modules, configuration, data), kept whenever their trigger is kept.
 * This table is the single source of truth; add a rule here rather than special-casing the engine.
 *
 * A rule fires when `when(ctx)` is true for the files kept so far; then every tree entry matching
 * one of its `keep` globs (glob.ts; image paths, no leading slash) and none of its `exclude` globs
 * is kept, and the engine follows what those need in turn (ELF closure, symlinks, `#!`), rules
 * again, until nothing new is kept. With `ownPackages`, only entries installed by a package that
 * already contributes a kept file (or symlink) are matched.
 *
 *   name               fires when                           keeps
 *   glibc-nss          libc.so.6 is kept                    libnss_<service>* for every service the image's
 *                                                           /etc/nsswitch.conf names, plus files (glibc's
 *                                                           default for unlisted databases); files and dns
 *                                                           when there is no nsswitch.conf
 *   glibc-gconv        libc.so.6 is kept and a kept ELF     gconv/gconv-modules{,.cache,.d/*} and the
 *                      imports iconv_open (or one whose     modules the base gconv-modules file names
 *                      imports cannot be read is kept)      (glibc's own split since 2.34, Fedora's glibc
 *                                                           vs glibc-gconv-extra: UTF-16/32/7, UNICODE,
 *                                                           ISO-8859-1/15, CP1252, ANSI_X3.110; 160 KB
 *                                                           of bookworm's 8 MB); the rest via keep:
 *   glibc-unwind       libc.so.6 is kept                    libgcc_s.so.1 (glibc dlopen()s it for
 *                                                           pthread_cancel/pthread_exit and backtrace)
 *   openssl            libssl.so.* or libcrypto.so.* kept   ossl-modules/**, engines-3/**, openssl.cnf
 *   ca-bundle          always (when present)                etc/ssl/certs/ca-certificates.crt
 *   zoneinfo           always (when tzdata is installed)    usr/share/zoneinfo/**
 *   system-files       always (when present)                passwd, group, nsswitch.conf, os-release,
 *                                                           debian_version, hosts, services, protocols,
 *                                                           mime.types
 *   package-etc        always                               etc/** of packages contributing a kept file
 *   dpkg-status        always                               var/lib/dpkg/status.d/<pkg>{,.md5sums} of
 *                                                           every contributing package (scanners)
 *   package-copyright  always                               usr/share/doc/<pkg> and its copyright (link
 *                                                           chains followed) of contributing packages
 *   python-stdlib      a python3.X binary is kept           usr/lib/python3.X/** minus test/ and
 *                                                           __pycache__/, usr/lib/python3/dist-packages/**
 *                                                           (their .so files then bring their ELF closure)
 *
 * `#!` interpreters of kept scripts are not a rule: the engine reads them (closure.ts).
 */
import { md5sumsPath, statusPath } from '../packages/dpkg-status.js';

export interface RuleContext {
  /** Image paths kept so far (no leading slash). */
  readonly kept: ReadonlySet<string>;
  /** Packages (Origin.package) that contribute a kept non-directory entry. */
  readonly packages: ReadonlySet<string>;
  /** Whether the image has an entry at this path (not following symlinks). */
  has(path: string): boolean;
  /** Kept paths whose last component matches `re`. */
  keptNamed(re: RegExp): string[];
  /** Whether a kept ELF object imports `symbol` (true too when some kept object's imports cannot be read). */
  imports(symbol: string): boolean;
  /** Every image path (kept or not) matching a glob (glob.ts syntax). */
  matching(glob: string): string[];
  /** The text of a regular file in the image (symlinks and hard links followed), or undefined. */
  readText(path: string): Promise<string | undefined>;
}

export interface Rule {
  name: string;
  /** One line for `--explain` and the docs: what breaks without it. */
  why: string;
  when: (ctx: RuleContext) => boolean;
  /** Globs over image paths; a function for rules whose paths depend on what is kept. */
  keep: readonly string[] | ((ctx: RuleContext) => string[] | Promise<string[]>);
  exclude?: readonly string[];
  /** Only match entries of packages that already contribute a kept file. */
  ownPackages?: boolean;
}

/**
 * The NSS services an nsswitch.conf names (`database: service [STATUS=action] service ...`), plus
 * `files`, glibc's default for a database the file leaves out. Without a file glibc uses files
 * and dns (nss/nsswitch.c). Sorted, deduplicated.
 */
export function nssServices(text: string | undefined): string[] {
  if (text === undefined) return ['dns', 'files'];
  const services = new Set<string>(['files']);
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '');
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    for (const word of line.slice(colon + 1).replace(/\[[^\]]*\]/g, ' ').split(/\s+/)) {
      if (/^[A-Za-z0-9_-]+$/.test(word)) services.add(word);
    }
  }
  return [...services].sort();
}

/**
 * The module files a gconv-modules file names: `module FROM TO FILE [COST]` lines, FILE relative to
 * the gconv directory and without `.so` (glibc's gconv_conf.c). Sorted, deduplicated.
 */
export function gconvModuleFiles(text: string): string[] {
  const files = new Set<string>();
  for (const raw of text.split('\n')) {
    const words = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (words[0] !== 'module' || words.length < 4) continue;
    const file = words[3]!;
    if (/^[A-Za-z0-9_.+-]+$/.test(file) && !file.startsWith('.')) files.add(file);
  }
  return [...files].sort();
}

/** Both spellings of a library directory: unmerged bookworm (lib/) and merged /usr (usr/lib/). */
const libDirs = (glob: string): string[] => [`lib/${glob}`, `usr/lib/${glob}`];

const LIBC = /^libc\.so\.6$/;
const LIBSSL = /^lib(ssl|crypto)\.so\.\d/;
const PYTHON = /^python(3\.\d+)$/;

export const DEFAULT_RULES: readonly Rule[] = Object.freeze([
  {
    name: 'glibc-nss',
    why: 'getpwnam/getaddrinfo dlopen() the NSS modules /etc/nsswitch.conf names; without them user and host lookups fail',
    when: (ctx) => ctx.keptNamed(LIBC).length > 0,
    keep: async (ctx) => nssServices(await ctx.readText('etc/nsswitch.conf')).flatMap((service) => libDirs(`*/libnss_${service}.so*`)),
  },
  {
    name: 'glibc-gconv',
    why: 'iconv_open() dlopen()s a gconv module for every character set glibc does not build in (UTF-8, ASCII, UCS-2/4 are built in)',
    when: (ctx) => ctx.keptNamed(LIBC).length > 0 && ctx.imports('iconv_open'),
    keep: async (ctx) => {
      const keep: string[] = [];
      for (const config of libDirs('*/gconv/gconv-modules').flatMap((glob) => ctx.matching(glob))) {
        const dir = config.slice(0, -'/gconv-modules'.length);
        keep.push(config, `${dir}/gconv-modules.cache`, `${dir}/gconv-modules.d/*`);
        for (const module of gconvModuleFiles((await ctx.readText(config)) ?? '')) keep.push(`${dir}/${module}.so`);
      }
      return keep;
    },
  },
  {
    name: 'glibc-unwind',
    why: 'pthread_cancel, pthread_exit and backtrace() dlopen() libgcc_s.so.1 and abort without it',
    when: (ctx) => ctx.keptNamed(LIBC).length > 0,
    keep: libDirs('*/libgcc_s.so.1'),
  },
  {
    name: 'openssl',
    why: 'OpenSSL 3 loads providers (legacy, fips) and engines at run time and reads openssl.cnf',
    when: (ctx) => ctx.keptNamed(LIBSSL).length > 0,
    keep: [...libDirs('*/ossl-modules/**'), ...libDirs('*/engines-3/**'), 'usr/lib/ssl/openssl.cnf', 'etc/ssl/openssl.cnf'],
  },
  {
    name: 'ca-bundle',
    why: 'TLS clients verify servers against the CA bundle',
    when: () => true,
    keep: ['etc/ssl/certs/ca-certificates.crt'],
  },
  {
    name: 'zoneinfo',
    why: 'localtime and TZ= read the time zone database',
    when: (ctx) => ctx.has('usr/share/zoneinfo'),
    keep: ['usr/share/zoneinfo/**'],
  },
  {
    name: 'system-files',
    why: 'libc, resolvers and scanners read these identity and network files',
    when: () => true,
    keep: [
      'etc/passwd',
      'etc/group',
      'etc/nsswitch.conf',
      'etc/os-release',
      'usr/lib/os-release',
      'etc/debian_version',
      'etc/hosts',
      'etc/services',
      'etc/protocols',
      'etc/mime.types',
    ],
  },
  {
    name: 'package-etc',
    why: "a package's configuration is read by the code kept from it",
    when: () => true,
    keep: ['etc/**'],
    ownPackages: true,
  },
  {
    name: 'dpkg-status',
    why: 'vulnerability scanners find installed packages through var/lib/dpkg/status.d',
    when: () => true,
    keep: (ctx) => [...ctx.packages].flatMap((pkg) => [statusPath(pkg), md5sumsPath(pkg)]),
  },
  {
    name: 'package-copyright',
    why: 'the licence of every package that ships a file must ship with it',
    when: () => true,
    keep: (ctx) => [...ctx.packages].flatMap((pkg) => [`usr/share/doc/${pkg}`, `usr/share/doc/${pkg}/copyright`]),
  },
  {
    name: 'python-stdlib',
    why: 'a Python interpreter imports its standard library and dist-packages at run time',
    when: (ctx) => ctx.keptNamed(PYTHON).length > 0,
    keep: (ctx) => {
      const versions = new Set(ctx.keptNamed(PYTHON).map((path) => PYTHON.exec(path.slice(path.lastIndexOf('/') + 1))![1]));
      return [...[...versions].sort().map((v) => `usr/lib/python${v}/**`), 'usr/lib/python3/dist-packages/**'];
    },
    exclude: ['usr/lib/python3*/test/**', 'usr/lib/python3*/**/__pycache__/**'],
  },
] satisfies Rule[]);
