import { specError } from '../../errors.js';
import type { PresetName, VariantName } from '../../spec/types.js';

/**
 * distroless' flavours as package requirements. distroless lists packages by hand with dependency
 * resolution off; pith resolves the Depends closure, so each preset also says which dependencies
 * to cut (`exclude`) to end up with the same set (debconf and openssl are maintainer-script
 * and CLI dependencies an image never runs).
 */
export interface PresetDefinition {
  packages: string[];
  exclude: string[];
  env: Record<string, string>;
  entrypoint?: string[];
}

/** Suite families whose package names differ (t64 renames, gcc versions, JRE and Python versions). */
type Family = 'bookworm' | 'trixie';

/** Per family: the packages, or why the preset does not exist there (a one-line hint). */
type PerFamily = Record<Family, string[] | { unavailable: string }>;

interface PresetRecipe {
  /** The preset this one adds to (its packages, excludes, env come first). */
  on?: PresetName;
  packages: PerFamily;
  exclude?: Record<Family, string[]>;
  env?: Record<string, string>;
  entrypoint?: string[];
}

/**
 * distroless' Java base libraries (java/config.bzl: zlib, image codecs, lcms, freetype,
 * fontconfig with DejaVu, harfbuzz and what it links), for AWT's headless font and image work.
 */
const JAVA_BASE: Record<Family, string[]> = {
  bookworm: [
    'zlib1g',
    'libjpeg62-turbo',
    'libpng16-16',
    'liblcms2-2',
    'libfreetype6',
    'fonts-dejavu-core',
    'fontconfig-config',
    'libexpat1',
    'libfontconfig1',
    'libuuid1',
    'libbrotli1',
    'libcrypt1',
    'libstdc++6',
    'libgcc-s1',
    'gcc-12-base',
    'libharfbuzz0b',
    'libgraphite2-3',
    'libglib2.0-0',
    'libpcre2-8-0',
  ],
  trixie: [
    'zlib1g',
    'libjpeg62-turbo',
    'libpng16-16t64',
    'liblcms2-2',
    'libfreetype6',
    'fonts-dejavu-core',
    'fontconfig-config',
    'libexpat1',
    'libfontconfig1',
    'libuuid1',
    'libbrotli1',
    'libcrypt1',
    'libstdc++6',
    'libgcc-s1',
    'gcc-14-base',
    'libharfbuzz0b',
    'libgraphite2-3',
    'libglib2.0-0t64',
    'libpcre2-8-0',
    'libbz2-1.0',
  ],
};

/**
 * What the JRE's Depends names but only loads on demand for hardware and desktop services a
 * server image has no use for (printing, sound, smart cards, the NSS PKCS#11 provider, which
 * Debian's java.security leaves unconfigured) or for update-java-alternatives: distroless
 * leaves them out too.
 */
const JAVA_EXCLUDE: Record<Family, string[]> = {
  bookworm: ['libcups2', 'libasound2', 'libpcsclite1', 'libnss3', 'java-common'],
  trixie: ['libpcsclite1', 'libnss3', 'java-common'],
};

const RECIPES: Record<PresetName, PresetRecipe> = {
  static: {
    packages: {
      bookworm: ['base-files', 'netbase', 'tzdata', 'media-types', 'ca-certificates'],
      trixie: ['base-files', 'netbase', 'tzdata', 'tzdata-legacy', 'media-types', 'ca-certificates'],
    },
  },
  'base-nossl': { on: 'static', packages: { bookworm: ['libc6'], trixie: ['libc6'] } },
  base: { on: 'base-nossl', packages: { bookworm: ['libssl3'], trixie: ['libssl3t64', 'libzstd1', 'zlib1g'] } },
  cc: {
    on: 'base',
    packages: {
      bookworm: ['libgomp1', 'libstdc++6', 'libgcc-s1', 'gcc-12-base'],
      trixie: ['libgomp1', 'libstdc++6', 'libgcc-s1', 'gcc-14-base'],
    },
  },
  // distroless' python3 has python3-distutils (bookworm); Python 3.12 removed distutils, and
  // trixie has no such package: there, as in distroless' debian13 python3, venv instead.
  python3: {
    on: 'cc',
    packages: { bookworm: ['python3', 'python3-distutils'], trixie: ['python3', 'python3-venv'] },
    env: { LANG: 'C.UTF-8' },
    entrypoint: ['/usr/bin/python3'],
  },
  java17: {
    on: 'base-nossl',
    packages: {
      bookworm: [...JAVA_BASE.bookworm, 'openjdk-17-jre-headless'],
      trixie: { unavailable: 'Debian trixie has no openjdk-17: use preset java21 there, or debian: bookworm' },
    },
    exclude: JAVA_EXCLUDE,
    env: { LANG: 'C.UTF-8' },
    entrypoint: ['/usr/bin/java', '-jar'],
  },
  java21: {
    on: 'base-nossl',
    packages: {
      bookworm: { unavailable: 'Debian bookworm has no openjdk-21: use preset java17 there, or debian: trixie' },
      trixie: [...JAVA_BASE.trixie, 'openjdk-21-jre-headless'],
    },
    exclude: JAVA_EXCLUDE,
    env: { LANG: 'C.UTF-8' },
    entrypoint: ['/usr/bin/java', '-jar'],
  },
  nodejs: { on: 'cc', packages: { bookworm: ['nodejs'], trixie: ['nodejs'] }, entrypoint: ['/usr/bin/node'] },
};

const EXCLUDE = ['awk', 'debconf', 'debconf-2.0', 'mawk', 'openssl', 'readline-common', 'sensible-utils'];
const SSL_ENV = { SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' };

export function familyOf(suite: string): Family {
  return suite.startsWith('bookworm') ? 'bookworm' : 'trixie';
}

/**
 * A preset for a suite: its recipe on top of the ones it builds on. A preset a suite cannot
 * provide (java17 on trixie) is a spec error whose hint names what to use instead.
 */
export function presetDefinition(name: PresetName, suite: string, where?: string): PresetDefinition {
  const f = familyOf(suite);
  const chain: PresetRecipe[] = [];
  for (let r: PresetRecipe | undefined = RECIPES[name]; r; r = r.on ? RECIPES[r.on] : undefined) chain.unshift(r);
  const out: PresetDefinition = { packages: [], exclude: [...EXCLUDE], env: { ...SSL_ENV } };
  for (const recipe of chain) {
    const packages = recipe.packages[f];
    if (!Array.isArray(packages)) {
      throw specError(`preset ${name} is not available for ${suite}`, {
        hint: packages.unavailable,
        ...(where ? { where } : {}),
      });
    }
    for (const p of packages) if (!out.packages.includes(p)) out.packages.push(p);
    for (const e of recipe.exclude?.[f] ?? []) if (!out.exclude.includes(e)) out.exclude.push(e);
    Object.assign(out.env, recipe.env);
    if (recipe.entrypoint) out.entrypoint = recipe.entrypoint;
  }
  return out;
}

/** busybox applets linked under /busybox in the debug variant (a shell and the usual tools). */
export const BUSYBOX_APPLETS = [
  'sh',
  'ash',
  'cat',
  'chmod',
  'chown',
  'cp',
  'cut',
  'date',
  'df',
  'dirname',
  'du',
  'echo',
  'env',
  'expr',
  'false',
  'find',
  'free',
  'grep',
  'head',
  'hostname',
  'id',
  'ifconfig',
  'kill',
  'less',
  'ln',
  'ls',
  'mkdir',
  'mktemp',
  'more',
  'mount',
  'mv',
  'netstat',
  'nslookup',
  'ping',
  'printenv',
  'ps',
  'pwd',
  'readlink',
  'rm',
  'rmdir',
  'sed',
  'sleep',
  'sort',
  'stat',
  'tail',
  'tar',
  'tee',
  'test',
  'top',
  'touch',
  'tr',
  'true',
  'uname',
  'uniq',
  'vi',
  'wc',
  'wget',
  'which',
  'whoami',
  'xargs',
  '[',
];

export interface VariantEffect {
  packages: string[];
  user?: string;
  workdir?: string;
  entrypoint?: string[];
  pathSuffix?: string;
}

export function variantEffect(variant: VariantName): VariantEffect {
  if (variant === 'nonroot') return { packages: [], user: '65532:65532', workdir: '/home/nonroot' };
  return { packages: ['busybox-static'], entrypoint: ['/busybox/sh'], pathSuffix: '/busybox' };
}
