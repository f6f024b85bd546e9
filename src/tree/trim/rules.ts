/**
 * What `trim: closure` keeps beyond what the ELF headers and `#!` lines of kept files name: the
 * roots pith itself makes (ORIGIN_TRIM, origin-trim.ts) and the files programs open at run time without naming
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
 *                                                           but not what only service managers read
 *                                                           (init.d, rc?.d, cron.*, logrotate.d,
 *                                                           update-motd.d)
 *   service-scripts    init, systemd, service, cron,        those service files of the same packages
 *                      logrotate or pam_motd is kept
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
 *   postgresql         anything under usr/lib/postgresql/   usr/lib/postgresql/**, usr/share/postgresql/**
 *                      or postgresql-common's pg_wrapper    (initdb runs postgres from its bin dir and reads
 *                      is kept                              share/) but not the JIT provider llvmjit.so and
 *                                                           its bitcode: without it JIT is off, by design
 *   postgresql-jit     llvmjit.so is kept (keep:)           llvmjit_types.bc and bitcode/ beside it
 *   postgresql-common  a package of postgresql-common or    usr/share/postgresql-common/** (pg_wrapper's
 *                      postgresql-client-common contributes and the cluster tools' helpers)
 *   perl               a perl interpreter or libperl is     perl's @INC: etc/perl, usr/lib/<triplet>/perl,
 *                      kept                                 perl5 and perl-base, usr/share/perl and perl5
 *                                                           (their XS .so files then bring their ELF
 *                                                           closure); .pod files and CORE/*.h left out
 *   perl-headers       perl and gcc's cc1 are kept          perl's CORE/*.h (for building XS modules)
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
 *   php                a php interpreter is kept            usr/lib/php/** (extensions), usr/share/php/**,
 *                                                           etc/php/**; not what only maintainer scripts
 *                                                           read (php.ini templates, helpers)
 *   imagemagick        libMagickCore is kept                its coder and filter modules and their
 *                                                           configuration (usr/lib/<triplet>/ImageMagick-*,
 *                                                           usr/share/ImageMagick-*): every format is a
 *                                                           module loaded by path, even xc: and png
 *   java               anything under usr/lib/jvm/<jvm>/    that JVM's directory as its launcher loads it:
 *                      is kept                              lib/ (libjava.so, lib/server/libjvm.so, modules,
 *                                                           jvm.cfg, the security files), conf/, bin/,
 *                                                           release; its man pages and the CDS archive
 *                                                           for heaps over 32 GB left out; and
 *                                                           libfontconfig.so.1, which AWT dlopen()s to
 *                                                           draw text (headless too)
 *   fonts              libfontconfig is kept                the fonts and fontconfig's configuration and
 *                                                           cache: etc/fonts, usr/share/fonts,
 *                                                           usr/share/fontconfig, var/cache/fontconfig
 *
 * `#!` interpreters of kept scripts are not a rule: the engine reads them (closure.ts).
 */
import { md5sumsPath, statusPath } from './dpkg-database.js';
import { ancestorsOf, parentOf } from '../paths.js';
import { gconvModuleFiles, nssServices, passwdHomes, withSameSourceDependencies } from './rule-inputs.js';
import {
  C_COMPILER,
  COMMAND_DIRS,
  FONTCONFIG,
  GIT,
  JS_FILE,
  JVM_FILE,
  libDirs,
  LIBC,
  LIBSSL,
  MAGICK,
  NODE,
  NODE_TREES,
} from './rule-patterns.js';
import {
  PERL,
  PERL_HEADERS,
  PG_JIT_PROVIDER,
  PHP,
  POSTGRESQL,
  PYTHON,
  RUBY,
  SERVICE_FILES,
  SERVICE_MANAGER,
} from './rule-patterns.js';
import { isBuiltRoot } from './origin-trim.js';
import type { Rule } from './rule-types.js';

export { gconvModuleFiles, nssServices } from './rule-inputs.js';
export type { Rule, RuleContext } from './rule-types.js';
export { isBuiltRoot, ORIGIN_TRIM } from './origin-trim.js';

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
    keep: async (ctx) => [
      'tmp',
      'var/tmp',
      'run',
      'var/run',
      'var/lock',
      'root',
      'home',
      ...passwdHomes(await ctx.readText('etc/passwd')).map((h) => h.slice(1)),
    ],
  },
  {
    name: 'effect-links',
    why: 'a program is run by the name its alternatives link or its PATH link gives it (/usr/bin/java, python3)',
    when: always,
    select: async (entry, ctx) =>
      entry.type === 'symlink' &&
      (entry.origin.kind === 'effect' || COMMAND_DIRS.has(parentOf(entry.path))) &&
      (await ctx.resolvesToKept(entry.path)),
  },
  {
    name: 'glibc-nss',
    why: 'getpwnam/getaddrinfo dlopen() the NSS modules /etc/nsswitch.conf names; without them user and host lookups fail',
    when: (ctx) => ctx.keptNamed(LIBC).length > 0,
    keep: async (ctx) =>
      nssServices(await ctx.readText('etc/nsswitch.conf')).flatMap((service) => libDirs(`*/libnss_${service}.so*`)),
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
    keep: [
      ...libDirs('*/ossl-modules/**'),
      ...libDirs('*/engines-3/**'),
      'usr/lib/ssl/openssl.cnf',
      'etc/ssl/openssl.cnf',
    ],
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
    // Read by no program of the image unless it runs a service manager or logins (service-scripts):
    // init scripts, cron jobs, logrotate configuration, motd scripts (their #!/bin/sh was an unmet
    // need too).
    exclude: SERVICE_FILES,
    from: (ctx) => withSameSourceDependencies(ctx.packages, (pkg) => ctx.control(pkg)),
  },
  {
    name: 'service-scripts',
    why: "init, systemd, service, cron and logrotate run the packages' init scripts and cron jobs and read their logrotate configuration; pam_motd runs update-motd.d at login",
    when: (ctx) => ctx.keptMatching(SERVICE_MANAGER).length > 0,
    keep: SERVICE_FILES,
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
    why: "PostgreSQL's programs run each other from their bin directory, load their modules from lib/ and read their share directory (initdb: postgres, postgres.bki)",
    when: (ctx) => ctx.keptMatching(POSTGRESQL).length > 0,
    keep: ['usr/lib/postgresql/**', 'usr/share/postgresql/**'],
    // Absence handled by design: the JIT provider llvmjit.so (and with it libLLVM and libz3, 133 MB)
    // and the bitcode only it reads. The server loads $pkglibdir/llvmjit.so only if the file
    // exists; without it JIT is off for the session and queries run interpreted (jit.c
    // provider_init; the jit_provider documentation). keep: the provider to have JIT (postgresql-jit).
    // Man pages: read by no program.
    exclude: [
      'usr/lib/postgresql/*/lib/llvmjit.so',
      'usr/lib/postgresql/*/lib/llvmjit_types.bc',
      'usr/lib/postgresql/*/lib/bitcode/**',
      'usr/share/postgresql/*/man/**',
    ],
  },
  {
    name: 'postgresql-jit',
    why: 'the JIT provider reads llvmjit_types.bc when it starts and the bitcode of the functions it inlines',
    when: (ctx) => ctx.keptMatching(PG_JIT_PROVIDER).length > 0,
    keep: (ctx) =>
      ctx
        .keptMatching(PG_JIT_PROVIDER)
        .flatMap((path) => [`${parentOf(path)}/llvmjit_types.bc`, `${parentOf(path)}/bitcode/**`]),
  },
  {
    name: 'postgresql-common',
    why: "Debian's cluster tools (pg_wrapper behind psql, pg_createcluster, pg_ctlcluster) run and read helpers from usr/share/postgresql-common",
    // Not for the server alone: postgres, initdb and pg_ctl never read it (and its perl scripts would bring perl).
    when: (ctx) => ctx.packages.has('postgresql-common') || ctx.packages.has('postgresql-client-common'),
    keep: ['usr/share/postgresql-common/**'],
  },
  {
    name: 'perl',
    why: 'perl loads its modules (and their XS libraries) from the @INC directories at run time',
    when: (ctx) => ctx.keptNamed(PERL).length > 0,
    keep: [
      'etc/perl/**',
      'usr/lib/*/perl/**',
      'usr/lib/*/perl5/**',
      'usr/lib/*/perl-base/**',
      'usr/share/perl/**',
      'usr/share/perl5/**',
      'usr/local/lib/site_perl/**',
    ],
    // Read by no program at run time: documentation, and CORE/'s C headers (8 MB), which only a C
    // compiler reads when it builds an XS module or embeds perl (perl-headers keeps them then).
    exclude: ['**/*.pod', 'usr/share/perl/*/pod/**', PERL_HEADERS],
  },
  {
    name: 'perl-headers',
    why: "a C compiler building an XS module (cpan, Inline::C) or a program that embeds perl includes perl's CORE/*.h",
    when: (ctx) => ctx.keptNamed(PERL).length > 0 && ctx.keptMatching(C_COMPILER).length > 0,
    keep: [PERL_HEADERS],
  },
  {
    name: 'python-stdlib',
    why: 'a Python interpreter imports its standard library and dist-packages at run time',
    when: (ctx) => ctx.keptNamed(PYTHON).length > 0,
    keep: (ctx) => {
      const versions = new Set(
        ctx.keptNamed(PYTHON).map((path) => PYTHON.exec(path.slice(path.lastIndexOf('/') + 1))![1]),
      );
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
    keep: [
      'usr/lib/ruby/**',
      'usr/lib/*/ruby/**',
      'var/lib/gems/**',
      'usr/share/rubygems-integration/**',
      'usr/local/lib/site_ruby/**',
    ],
  },
  {
    name: 'php',
    why: 'php loads the extensions its ini files name and reads its include path',
    when: (ctx) => ctx.keptNamed(PHP).length > 0,
    keep: ['usr/lib/php/**', 'usr/share/php/**', 'etc/php/**'],
    // Read by no program at run time, only by Debian's maintainer scripts and timers: the php.ini
    // templates postinst copies to /etc/php, phpenmod's SAPI registry, the helpers of those scripts
    // and the session-cleaning cron job.
    exclude: ['usr/lib/php/*/php.ini-*', 'usr/lib/php/*/sapi/**', 'usr/lib/php/php-*', 'usr/lib/php/sessionclean'],
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
    // Man pages: read by no program. classes_nocoops.jsa, absence handled by design: the class
    // data sharing archive for heaps without compressed oops (-Xmx32g and up); without it that JVM
    // starts without sharing (-Xshare:auto, the default; -Xshare:on is "for testing purposes only",
    // java(1)). ct.sym stays: `java --source N Prog.java` compiles against it.
    exclude: ['usr/lib/jvm/*/man/**', 'usr/lib/jvm/*/lib/*/classes_nocoops.jsa'],
  },
  {
    name: 'fonts',
    why: 'fontconfig finds fonts through /etc/fonts and its cache; text drawn without them fails or has no glyphs',
    when: (ctx) => ctx.keptNamed(FONTCONFIG).length > 0,
    keep: ['etc/fonts/**', 'usr/share/fonts/**', 'usr/share/fontconfig/**', 'var/cache/fontconfig/**'],
  },
] satisfies Rule[]);
