/**
 * Install-time effects: what dpkg and the maintainer scripts would have done when the image's
 * packages were installed, done declaratively on the image tree after resolution, without running
 * any package code (so builds stay rootless and cross-architecture). This table is the single
 * source of truth, applied in order; add an effect here rather than special-casing the build.
 *
 *   name                phase     what it does
 *   static-accounts     packages  Debian's static users and groups (base-passwd: www-data 33, adm 4...)
 *                                 that a package's files are owned by or its /etc configuration names
 *   sysusers            packages  usr/lib/sysusers.d: system users and groups (sysusers.ts)
 *   runtime-dirs        packages  /tmp, /run, /run/lock, /var/run -> /run, /var/lock -> /run/lock, as any
 *                                 Debian system has them (base-files and its postinst make them)
 *   maintainer-scripts  packages  each preinst and postinst, interpreted as a fresh install runs them:
 *                                 adduser/useradd, mkdir/install/chown/chmod/ln/cp, dpkg-statoverride,
 *                                 update-alternatives (highest priority wins), ucf, debconf defaults;
 *                                 service management and caches have no effect (commands/table.ts);
 *                                 anything else is reported, one line per package
 *   tmpfiles            packages  usr/lib/tmpfiles.d lines, applied once as at first boot (tmpfiles.ts):
 *                                 /run/postgresql 2775 postgres postgres...
 *   service-units       packages  what systemd prepares when a service starts: RuntimeDirectory= and the
 *                                 other *Directory= settings, ExecStartPre= mkdir/chown/chmod lines
 *   ca-bundle           image     the CA bundle again, with certificates the spec (or another package)
 *                                 adds under /usr/local/share/ca-certificates or /usr/share/ca-certificates
 *   java-trust-store    image     /etc/ssl/certs/java/cacerts (JKS) from the CA bundle's certificates,
 *                                 spec-added ones included, when ca-certificates-java or a JRE is there
 *   locale              image     C.UTF-8 when the environment names it (libc-bin's, or the host libc's)
 *   nss                 image     the NSS modules nsswitch.conf names, for a host libc from binaries:
 *
 * `packages` effects see the packages only and decide the image's accounts (so `user:` and owners
 * in the spec can name them); `image` effects also see the spec's files. Every entry an effect makes
 * has Origin kind 'effect' with the package that caused it, and goes into the `effects` layer after
 * the package layers (those stay byte-identical across images).
 */
import { applyCaBundle } from './ca-bundle.js';
import { configFiles } from './config-files.js';
import { applyJavaTrustStore } from './java-trust-store.js';
import { applyLocale } from './locale.js';
import { runMaintainerScripts, type PackageScripts } from './maintainer-scripts.js';
import { applyNss } from './nss.js';
import { applyRuntimeDirs } from './runtime-dirs.js';
import { applyServiceUnits } from './service-units.js';
import { applyStaticAccounts } from './static-accounts.js';
import { applySysusers, parseSysusers } from './sysusers.js';
import { applyTmpfiles, parseTmpfiles } from './tmpfiles.js';
import type { EffectWorkspace } from './workspace.js';

export interface EffectContext {
  ws: EffectWorkspace;
  packages: readonly PackageScripts[];
  /** The image's environment (config Env). */
  env: Readonly<Record<string, string>>;
  /** The build's `created`, for time stamps effects must write (the Java store's). */
  createdSeconds: number;
}

export interface Effect {
  name: string;
  /** What goes wrong at run time without it. */
  why: string;
  phase: 'packages' | 'image';
  /** Globs (image paths) of package files whose contents it reads: kept in the package facts. */
  reads: readonly string[];
  apply(ctx: EffectContext): void;
}

export const EFFECTS: readonly Effect[] = Object.freeze([
  {
    name: 'static-accounts',
    why: 'programs configured to run as www-data, or files owned by adm, need those accounts in /etc/passwd and /etc/group',
    phase: 'packages',
    reads: ['etc/**'],
    apply: ({ ws }) => applyStaticAccounts(ws),
  },
  {
    name: 'sysusers',
    why: 'services run as the system users their sysusers.d files declare',
    phase: 'packages',
    reads: ['usr/lib/sysusers.d/*', 'lib/sysusers.d/*', 'etc/sysusers.d/*'],
    apply: ({ ws }) => {
      for (const f of configFiles(ws, 'sysusers.d'))
        applySysusers(
          ws,
          f.package,
          f.path,
          parseSysusers(f.text, (line, why) => ws.unsupportedBy(f.package, `${f.path} line ${line}: ${why}`)),
        );
    },
  },
  {
    name: 'runtime-dirs',
    why: 'services write pid files and sockets under /run (nginx: open() "/run/nginx.pid" failed)',
    phase: 'packages',
    reads: [],
    apply: ({ ws }) => applyRuntimeDirs(ws),
  },
  {
    name: 'maintainer-scripts',
    why: 'postinst scripts create the users, directories, links and configuration files programs expect',
    phase: 'packages',
    reads: [],
    apply: ({ ws, packages }) => runMaintainerScripts(ws, packages),
  },
  {
    name: 'tmpfiles',
    why: 'services expect the run-time directories their tmpfiles.d files declare (/run/postgresql)',
    phase: 'packages',
    reads: ['usr/lib/tmpfiles.d/*', 'lib/tmpfiles.d/*', 'etc/tmpfiles.d/*'],
    apply: ({ ws }) => {
      for (const f of configFiles(ws, 'tmpfiles.d'))
        applyTmpfiles(
          ws,
          f.package,
          f.path,
          parseTmpfiles(f.text, (line, why) => ws.unsupportedBy(f.package, `${f.path} line ${line}: ${why}`)),
        );
    },
  },
  {
    name: 'service-units',
    why: "a service's start makes its run-time directories (mosquitto: /run/mosquitto for its pid file); no init system does it in a container",
    phase: 'packages',
    reads: ['lib/systemd/system/*.service', 'usr/lib/systemd/system/*.service'],
    apply: ({ ws }) => applyServiceUnits(ws),
  },
  {
    name: 'ca-bundle',
    why: "TLS clients trust only the bundle's certificates: a CA the spec adds must be in it",
    phase: 'image',
    reads: ['usr/share/ca-certificates/**', 'usr/local/share/ca-certificates/**'],
    apply: ({ ws }) => applyCaBundle(ws),
  },
  {
    name: 'java-trust-store',
    why: "Java reads trusted CAs from /etc/ssl/certs/java/cacerts (the JRE's cacerts links there); without it no TLS server is trusted",
    phase: 'image',
    reads: ['usr/share/ca-certificates/**'],
    apply: ({ ws, createdSeconds }) => applyJavaTrustStore(ws, createdSeconds),
  },
  {
    name: 'locale',
    why: 'setlocale(LC_ALL, "") fails and Java falls back to ASCII when LANG names a locale the image lacks',
    phase: 'image',
    reads: [],
    apply: ({ ws, env }) => applyLocale(ws, env),
  },
  {
    name: 'nss',
    why: 'getpwuid() and getaddrinfo() dlopen() the NSS modules nsswitch.conf names; a host libc arrives without them',
    phase: 'image',
    reads: [],
    apply: ({ ws }) => applyNss(ws),
  },
] satisfies Effect[]);
