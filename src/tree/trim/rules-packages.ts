/** DEFAULT_RULES' package rows: what kept packages need beside their code (/etc, state, status, helpers). */
import { parentOf } from '../paths.js';
import { md5sumsPath, statusPath } from './dpkg-database.js';
import { withSameSourceDependencies } from './rule-inputs.js';
import { GIT, PG_JIT_PROVIDER, POSTGRESQL, SERVICE_FILES, SERVICE_MANAGER } from './rule-patterns.js';
import type { Rule } from './rule-types.js';

const always = () => true;

export const PACKAGE_RULES = [
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
] satisfies Rule[];
