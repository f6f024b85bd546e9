/**
 * What `trim: closure` keeps beyond what the ELF headers and `#!` lines of kept files name: the
 * roots pith itself makes (ORIGIN_TRIM) and the files programs open at run time without naming
 * them (dlopen()ed modules, configuration, helper programs run by name, the runtime trees of
 * interpreters and VMs). This table is the single source of truth; add a rule here rather than
 * special-casing the engine (closure.ts).
 *
 * A rule fires when `when(ctx)` is true for the files kept so far. Then every tree entry that
 * matches all it gives is kept: one of its `keep` globs (glob.ts; image paths, no leading slash; a
 * plain path is looked up as the kernel would, symlinks followed), none of its `exclude` globs,
 * its `select` test, and, with `from`, installed by one of those packages ('contributing': a
 * package that already contributes a kept file or symlink). The engine follows what those need
 * in turn (symlinks, ELF closure, `#!`), applies the rules again, until nothing new is kept.
 * What a rule keeps is data to the build: a library it keeps whose DT_NEEDED or a script whose
 * `#!` interpreter is not in the image is reported in one summary line, never an error (only the
 * command the image runs must have everything it needs).
 *
 *   name               fires when                           keeps
 *   built-entries      always                               every entry pith makes rather than unpacks, by
 *                                                           ORIGIN_TRIM: the spec's files:, binaries: (and
 *                                                           their libraries), paths:, the system layer
 *                                                           (accounts, /tmp, homes, nsswitch.conf,
 *                                                           os-release, the debug variant's applets) and
 *                                                           install effects (directories, accounts' homes,
 *                                                           generated files such as Java's cacerts); not
 *                                                           effect symlinks (see effect-links)
 *   system-dirs        always                               the directories tmp, var/tmp, run, var/run,
 *                                                           var/lock, root, home and every home directory
 *                                                           /etc/passwd names (the directory entries, not
 *                                                           what packages put in them)
 *   effect-links       always                               a symlink made as an install effect (an
 *                                                           alternative: /usr/bin/java -> /etc/alternatives/
 *                                                           java -> the JVM's bin/java), or one in a PATH
 *                                                           directory (/usr/bin/python3 -> python3.11), when
 *                                                           what it finally points at is kept
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
 *   glibc-locale       libc.so.6 is kept                    usr/lib/locale/** (the built locales the image
 *                                                           has, libc-bin's C.utf8 when the environment names
 *                                                           C.UTF-8: setlocale opens them by the name in LANG)
 *   posix-shell        a kept ELF imports system or popen,  bin/sh (and the shell it links to), when the
 *                      or git is kept (it runs sh -c for    image has one
 *                      aliases and local transports)
 *   openssl            libssl.so.* or libcrypto.so.* kept   ossl-modules/**, engines-3/**, openssl.cnf
 *   ca-bundle          always (when present)                etc/ssl/certs/ca-certificates.crt
 *   zoneinfo           always (when tzdata is installed)    usr/share/zoneinfo/**
 *   system-files       always (when present)                passwd, group, nsswitch.conf, os-release,
 *                                                           debian_version, hosts, services, protocols,
 *                                                           mime.types
 *   package-etc        always                               etc/** of the contributing packages and of the
 *                                                           packages of the same source package they
 *                                                           depend on (nginx -> nginx-common, which holds
 *                                                           /etc/nginx/nginx.conf and mime.types)
 *   package-state-dirs always                               the directories contributing packages ship
 *                                                           under var/ and run/ (nginx-common's
 *                                                           /var/lib/nginx, /var/log/nginx): where programs
 *                                                           write state, logs and caches
 *   dpkg-status        always                               var/lib/dpkg/status.d/<pkg>{,.md5sums} of
 *                                                           every contributing package (scanners)
 *   package-copyright  always                               usr/share/doc/<pkg> and its copyright (link
 *                                                           chains followed) of contributing packages
 *   libexec            always                               usr/libexec/** of contributing packages
 *                                                           (helpers run by path)
 *   git-helpers        git is kept                          usr/lib/git-core/** (subcommands and remote
 *                                                           helpers such as git-remote-https, run by
 *                                                           name from git's exec path) and
 *                                                           usr/share/git-core/** (templates git init copies)
 *   openssh-helpers    ssh is kept                          usr/lib/openssh/** (ssh-keysign,
 *                                                           ssh-pkcs11-helper, ssh-sk-helper)
 *   postgresql         anything under usr/lib/postgresql/   usr/lib/postgresql/**, usr/share/postgresql/**,
 *                      or postgresql-common's pg_wrapper    usr/share/postgresql-common/** (initdb runs
 *                      is kept                              postgres from its bin dir and reads share/)
 *   perl               a perl interpreter or libperl is     perl's @INC: etc/perl, usr/lib/<triplet>/perl,
 *                      kept                                 perl5 and perl-base, usr/share/perl and perl5
 *                                                           (their XS .so files then bring their ELF
 *                                                           closure); .pod files left out
 *   python-stdlib      a python3.X binary is kept           usr/lib/python3.X/** minus test/ and
 *                                                           __pycache__/, usr/lib/python3/dist-packages/**
 *   node-runtime       node or libnode is kept              Debian's module trees: usr/share/nodejs (node's
 *                                                           externalised builtins such as cjs-module-lexer
 *                                                           live there), usr/lib/nodejs, usr/lib/<triplet>/
 *                                                           nodejs, usr/local/lib/node_modules; TypeScript
 *                                                           typings (@types) left out
 *   node-modules       node or libnode is kept              the node_modules/** beside or above any kept
 *                                                           .js/.cjs/.mjs/.json file (node's lookup)
 *   ruby               a ruby interpreter or libruby is     usr/lib/ruby/**, usr/lib/<triplet>/ruby/**,
 *                      kept                                 var/lib/gems/**, usr/share/rubygems-integration/**
 *   php                a php interpreter is kept            usr/lib/php/** (extensions, php.ini templates),
 *                                                           usr/share/php/**, etc/php/**
 *   imagemagick        libMagickCore is kept                its coder and filter modules and their
 *                                                           configuration (usr/lib/<triplet>/ImageMagick-*,
 *                                                           usr/share/ImageMagick-*): every format is a
 *                                                           module loaded by path, even xc: and png
 *   java               anything under usr/lib/jvm/<jvm>/    that JVM's directory as its launcher loads it:
 *                      is kept                              lib/ (libjava.so, lib/server/libjvm.so, modules,
 *                                                           jvm.cfg, the security files), conf/, bin/,
 *                                                           release; its man pages left out; and
 *                                                           libfontconfig.so.1, which AWT dlopen()s to
 *                                                           draw text (headless too)
 *   fonts              libfontconfig is kept                the fonts and fontconfig's configuration and
 *                                                           cache: etc/fonts, usr/share/fonts,
 *                                                           usr/share/fontconfig, var/cache/fontconfig
 *
 * `#!` interpreters of kept scripts are not a rule: the engine reads them (closure.ts).
 */
import type { Origin, TreeEntry } from '../entry.js';
import { md5sumsPath, statusPath } from './dpkg-database.js';
import { ancestorsOf, parentOf } from '../paths.js';
import { gconvModuleFiles, nssServices, passwdHomes, withSameSourceDependencies } from './rule-inputs.js';

export { gconvModuleFiles, nssServices } from './rule-inputs.js';

/**
 * How `trim: closure` treats an entry by where it came from:
 *   root                 always kept (with what it links to): pith made it because the spec or the
 *                        image's system layer asks for it
 *   reached              kept only when something kept reaches it, or a rule keeps it: packages'
 *                        files, and a base image's (in the tree so that the closure finds the
 *                        base's loader and libraries; the base's layers are never written again)
 *   root-unless-symlink  install effects: their files and directories are roots like the system
 *                        layer's; their symlinks (alternatives) are kept only when reached or when
 *                        what they point at is kept (rule effect-links), so /usr/bin/java goes when
 *                        the JVM goes
 * A new Origin kind must be given a row here (the compiler checks).
 */
export const ORIGIN_TRIM = Object.freeze({
  package: 'reached',
  effect: 'root-unless-symlink',
  accounts: 'root',
  system: 'root',
  file: 'root',
  binary: 'root',
  library: 'root',
  path: 'root',
  base: 'reached',
} as const satisfies Record<Origin['kind'], 'root' | 'reached' | 'root-unless-symlink'>);

/** Whether the engine keeps an entry whatever reaches it (ORIGIN_TRIM). */
export function isBuiltRoot(entry: TreeEntry): boolean {
  const how = ORIGIN_TRIM[entry.origin.kind];
  return how === 'root' || (how === 'root-unless-symlink' && entry.type !== 'symlink');
}

export interface RuleContext {
  /** Image paths kept so far (no leading slash). */
  readonly kept: ReadonlySet<string>;
  /** Packages (Origin.package of kind 'package') that contribute a kept non-directory entry. */
  readonly packages: ReadonlySet<string>;
  /** Whether the image has an entry at this path (not following symlinks). */
  has(path: string): boolean;
  /** Kept paths whose last component matches `re`. */
  keptNamed(re: RegExp): string[];
  /** Kept paths (whole image paths) matching `re`. */
  keptMatching(re: RegExp): string[];
  /** Whether a kept ELF object imports `symbol` (true too when some kept object's imports cannot be read). */
  imports(symbol: string): boolean;
  /** Every image path (kept or not) matching a glob (glob.ts syntax). */
  matching(glob: string): string[];
  /** The text of a regular file in the image (symlinks and hard links followed), or undefined. */
  readText(path: string): Promise<string | undefined>;
  /** An installed package's control file (its status.d entry), or undefined. */
  control(pkg: string): Promise<string | undefined>;
  /** Whether `path` resolves (symlinks followed) to a kept entry. */
  resolvesToKept(path: string): Promise<boolean>;
}

export interface Rule {
  name: string;
  /** One line for `--explain` and the docs: what breaks without it. */
  why: string;
  when: (ctx: RuleContext) => boolean;
  /** Globs or plain paths over image paths; a function for rules whose paths depend on what is kept. Omitted: every entry. */
  keep?: readonly string[] | ((ctx: RuleContext) => string[] | Promise<string[]>);
  exclude?: readonly string[];
  /** A test on the entry itself (its type, origin, where its link leads). */
  select?: (entry: TreeEntry, ctx: RuleContext) => boolean | Promise<boolean>;
  /** Only entries installed by these packages; 'contributing': those that already contribute a kept file. */
  from?: 'contributing' | ((ctx: RuleContext) => Promise<ReadonlySet<string>>);
}

/** Both spellings of a library directory: unmerged bookworm (lib/) and merged /usr (usr/lib/). */
const libDirs = (glob: string): string[] => [`lib/${glob}`, `usr/lib/${glob}`];

/** The directories of the default PATH (env's), where a link is how a program is called by name. */
const COMMAND_DIRS = new Set(['usr/local/sbin', 'usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin', 'bin']);

const LIBC = /^libc\.so\.6$/;
const LIBSSL = /^lib(ssl|crypto)\.so\.\d/;
const PYTHON = /^python(3\.\d+)$/;
const PERL = /^(perl|perl5\.\d+\.\d+|libperl\.so\.5\.\d+(\.\d+)*)$/;
const NODE = /^(node|nodejs|libnode\.so\.\d+)$/;
const RUBY = /^(ruby|ruby\d+\.\d+|libruby-\d+\.\d+\.so(\.\d+)*)$/;
const PHP = /^(php\d+(\.\d+)?|libphp\d*(\.\d+)?\.so)$/;
const JVM_FILE = /^usr\/lib\/jvm\/([^/]+)\//;
const FONTCONFIG = /^libfontconfig\.so\.1(\.\d+)*$/;
const MAGICK = /^libMagickCore-\d+\.Q\d+(HDRI)?\.so(\.\d+)*$/;
const GIT = /^usr\/(bin\/git|lib\/git-core\/.+)$/;
const POSTGRESQL = /^usr\/(lib\/postgresql\/.+|share\/postgresql-common\/pg_wrapper)$/;
const JS_FILE = /\.(c|m)?js$|\.json$/;
const NODE_TREES = ['usr/share/nodejs/**', 'usr/lib/nodejs/**', 'usr/lib/*/nodejs/**', 'usr/local/lib/nodejs/**', 'usr/local/share/nodejs/**', 'usr/local/lib/node_modules/**'];

const always = () => true;

export const DEFAULT_RULES: readonly Rule[] = Object.freeze([
  {
    name: 'built-entries',
    why: 'what the spec names and what pith makes (accounts, /tmp, homes, os-release, install effects) is the image by definition',
    when: always,
    select: (entry) => isBuiltRoot(entry),
  },
  {
    name: 'system-dirs',
    why: 'programs write to /tmp, /var/tmp, /run and their home directory (curl -o /tmp/x, tempfile, git init)',
    when: always,
    keep: async (ctx) => ['tmp', 'var/tmp', 'run', 'var/run', 'var/lock', 'root', 'home', ...passwdHomes(await ctx.readText('etc/passwd')).map((h) => h.slice(1))],
  },
  {
    name: 'effect-links',
    why: 'a program is run by the name its alternatives link or its PATH link gives it (/usr/bin/java, python3)',
    when: always,
    select: async (entry, ctx) =>
      entry.type === 'symlink' && (entry.origin.kind === 'effect' || COMMAND_DIRS.has(parentOf(entry.path))) && (await ctx.resolvesToKept(entry.path)),
  },
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
    name: 'glibc-locale',
    why: 'setlocale() opens the locale LANG names at run time (C.UTF-8: /usr/lib/locale/C.utf8); without it Java and Python fall back to ASCII',
    when: (ctx) => ctx.keptNamed(LIBC).length > 0,
    keep: ['usr/lib/locale/**'],
  },
  {
    name: 'posix-shell',
    why: 'system(), popen() and git run /bin/sh -c',
    when: (ctx) => ctx.imports('system') || ctx.imports('popen') || ctx.keptMatching(GIT).length > 0,
    keep: ['bin/sh', 'usr/bin/sh'],
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
    when: always,
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
    when: always,
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
    why: "a package's configuration, and that of the config-only packages of its source it depends on (nginx-common), is read by the code kept from it",
    when: always,
    keep: ['etc/**'],
    from: (ctx) => withSameSourceDependencies(ctx.packages, (pkg) => ctx.control(pkg)),
  },
  {
    name: 'package-state-dirs',
    why: 'programs write state, logs and caches into the directories their package ships under /var and /run',
    when: always,
    keep: ['var/**', 'run/**'],
    select: (entry) => entry.type === 'dir',
    from: 'contributing',
  },
  {
    name: 'dpkg-status',
    why: 'vulnerability scanners find installed packages through var/lib/dpkg/status.d',
    when: always,
    keep: (ctx) => [...ctx.packages].flatMap((pkg) => [statusPath(pkg), md5sumsPath(pkg)]),
  },
  {
    name: 'package-copyright',
    why: 'the licence of every package that ships a file must ship with it',
    when: always,
    keep: (ctx) => [...ctx.packages].flatMap((pkg) => [`usr/share/doc/${pkg}`, `usr/share/doc/${pkg}/copyright`]),
  },
  {
    name: 'libexec',
    why: 'packages run their private helpers by path from /usr/libexec',
    when: always,
    keep: ['usr/libexec/**'],
    from: 'contributing',
  },
  {
    name: 'git-helpers',
    why: "git runs its subcommands and remote helpers (git-remote-https) by name from /usr/lib/git-core; git init copies /usr/share/git-core's templates",
    when: (ctx) => ctx.keptMatching(GIT).length > 0,
    keep: ['usr/lib/git-core/**', 'usr/share/git-core/**'],
  },
  {
    name: 'openssh-helpers',
    why: 'ssh runs ssh-keysign, ssh-pkcs11-helper and ssh-sk-helper by path',
    when: (ctx) => ctx.kept.has('usr/bin/ssh'),
    keep: ['usr/lib/openssh/**'],
  },
  {
    name: 'postgresql',
    why: "PostgreSQL's programs run each other from their bin directory and read their share directory (initdb: postgres, postgres.bki)",
    when: (ctx) => ctx.keptMatching(POSTGRESQL).length > 0,
    keep: ['usr/lib/postgresql/**', 'usr/share/postgresql/**', 'usr/share/postgresql-common/**'],
  },
  {
    name: 'perl',
    why: 'perl loads its modules (and their XS libraries) from the @INC directories at run time',
    when: (ctx) => ctx.keptNamed(PERL).length > 0,
    keep: ['etc/perl/**', 'usr/lib/*/perl/**', 'usr/lib/*/perl5/**', 'usr/lib/*/perl-base/**', 'usr/share/perl/**', 'usr/share/perl5/**', 'usr/local/lib/site_perl/**'],
    exclude: ['**/*.pod', 'usr/share/perl/*/pod/**'],
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
  {
    name: 'node-runtime',
    why: "Debian's node loads externalised builtins (cjs-module-lexer, undici, acorn) and global modules from its module trees",
    when: (ctx) => ctx.keptNamed(NODE).length > 0,
    keep: NODE_TREES,
    exclude: ['usr/share/nodejs/@types/**'],
  },
  {
    name: 'node-modules',
    why: "node's require() looks for node_modules beside and above the requiring file",
    when: (ctx) => ctx.keptNamed(NODE).length > 0,
    keep: (ctx) => {
      const dirs = new Set<string>(['']);
      for (const path of ctx.keptMatching(JS_FILE)) for (const dir of ancestorsOf(path)) dirs.add(dir);
      return [...dirs]
        .map((dir) => (dir === '' ? 'node_modules' : `${dir}/node_modules`))
        .filter((modules) => !modules.includes('/node_modules/node_modules') && ctx.has(modules))
        .sort()
        .map((modules) => `${modules}/**`);
    },
  },
  {
    name: 'ruby',
    why: 'ruby loads its standard library, extensions and gems from its library trees at run time',
    when: (ctx) => ctx.keptNamed(RUBY).length > 0,
    keep: ['usr/lib/ruby/**', 'usr/lib/*/ruby/**', 'var/lib/gems/**', 'usr/share/rubygems-integration/**', 'usr/local/lib/site_ruby/**'],
  },
  {
    name: 'php',
    why: 'php loads the extensions its ini files name and reads its include path',
    when: (ctx) => ctx.keptNamed(PHP).length > 0,
    keep: ['usr/lib/php/**', 'usr/share/php/**', 'etc/php/**'],
  },
  {
    name: 'imagemagick',
    why: 'ImageMagick reads and writes every image format through a coder module it loads by path, configured by its XML files',
    when: (ctx) => ctx.keptNamed(MAGICK).length > 0,
    keep: ['usr/lib/*/ImageMagick-*/**', 'usr/share/ImageMagick-*/**', 'etc/ImageMagick-*/**'],
  },
  {
    name: 'java',
    why: 'the java launcher loads libjava.so, lib/server/libjvm.so, the modules image, jvm.cfg and the security files from its JVM directory by path',
    when: (ctx) => ctx.keptMatching(JVM_FILE).length > 0,
    keep: (ctx) => {
      const jvms = new Set(ctx.keptMatching(JVM_FILE).map((path) => JVM_FILE.exec(path)![1]!));
      return [...[...jvms].sort().map((jvm) => `usr/lib/jvm/${jvm}/**`), ...libDirs('*/libfontconfig.so.1*')];
    },
    exclude: ['usr/lib/jvm/*/man/**'],
  },
  {
    name: 'fonts',
    why: 'fontconfig finds fonts through /etc/fonts and its cache; text drawn without them fails or has no glyphs',
    when: (ctx) => ctx.keptNamed(FONTCONFIG).length > 0,
    keep: ['etc/fonts/**', 'usr/share/fonts/**', 'usr/share/fontconfig/**', 'var/cache/fontconfig/**'],
  },
] satisfies Rule[]);
