/** DEFAULT_RULES' system rows: pith's own roots, glibc's run-time files, TLS, time zones, identity files. */
import { parentOf } from '../paths.js';
import { isBuiltRoot } from './origin-trim.js';
import { gconvModuleFiles, nssServices, passwdHomes } from './rule-inputs.js';
import { COMMAND_DIRS, GIT, libDirs, LIBC, LIBSSL } from './rule-patterns.js';
import type { Rule } from './rule-types.js';

const always = () => true;

export const SYSTEM_RULES = [
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
] satisfies Rule[];
