/**
 * What `trim: closure` keeps beyond what the ELF headers and `#!` lines of kept files name: the
 * roots pith itself makes (ORIGIN_TRIM, origin-trim.ts) and the files programs open at run time without naming
 * them (dlopen()ed modules, configuration, helper programs run by name, the runtime trees of
 * interpreters and VMs). This table is the single source of truth; add a rule to it rather than
 * special-casing the engine (closure.ts). Its rows live in rules-system.ts, rules-packages.ts and
 * rules-runtimes.ts, in the order below.
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
import { PACKAGE_RULES } from './rules-packages.js';
import { RUNTIME_RULES } from './rules-runtimes.js';
import { SYSTEM_RULES } from './rules-system.js';
import type { Rule } from './rule-types.js';

export { gconvModuleFiles, nssServices } from './rule-inputs.js';
export type { Rule, RuleContext } from './rule-types.js';
export { isBuiltRoot, ORIGIN_TRIM } from './origin-trim.js';

export const DEFAULT_RULES: readonly Rule[] = Object.freeze([...SYSTEM_RULES, ...PACKAGE_RULES, ...RUNTIME_RULES]);
