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

/** Suite families whose package names differ (t64 renames, gcc versions). */
type Family = 'bookworm' | 'trixie';

const STATIC: Record<Family, string[]> = {
  bookworm: ['base-files', 'netbase', 'tzdata', 'media-types', 'ca-certificates'],
  trixie: ['base-files', 'netbase', 'tzdata', 'tzdata-legacy', 'media-types', 'ca-certificates'],
};
const BASE_NOSSL: Record<Family, string[]> = { bookworm: ['libc6'], trixie: ['libc6'] };
const BASE: Record<Family, string[]> = { bookworm: ['libssl3'], trixie: ['libssl3t64', 'libzstd1', 'zlib1g'] };
const CC: Record<Family, string[]> = {
  bookworm: ['libgomp1', 'libstdc++6', 'libgcc-s1', 'gcc-12-base'],
  trixie: ['libgomp1', 'libstdc++6', 'libgcc-s1', 'gcc-14-base'],
};
const PYTHON3: Record<Family, string[]> = { bookworm: ['python3'], trixie: ['python3'] };

const EXCLUDE = ['awk', 'debconf', 'debconf-2.0', 'mawk', 'openssl', 'readline-common', 'sensible-utils'];
const SSL_ENV = { SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt' };

export function familyOf(suite: string): Family {
  return suite.startsWith('bookworm') ? 'bookworm' : 'trixie';
}

export function presetDefinition(name: PresetName, suite: string): PresetDefinition {
  const f = familyOf(suite);
  const layers: Record<PresetName, string[][]> = {
    static: [STATIC[f]],
    'base-nossl': [STATIC[f], BASE_NOSSL[f]],
    base: [STATIC[f], BASE_NOSSL[f], BASE[f]],
    cc: [STATIC[f], BASE_NOSSL[f], BASE[f], CC[f]],
    python3: [STATIC[f], BASE_NOSSL[f], BASE[f], CC[f], PYTHON3[f]],
  };
  return {
    packages: layers[name].flat(),
    exclude: EXCLUDE,
    env: name === 'python3' ? { ...SSL_ENV, LANG: 'C.UTF-8' } : SSL_ENV,
    ...(name === 'python3' ? { entrypoint: ['/usr/bin/python3'] } : {}),
  };
}

/** busybox applets linked under /busybox in the debug variant (a shell and the usual tools). */
export const BUSYBOX_APPLETS = [
  'sh', 'ash', 'cat', 'chmod', 'chown', 'cp', 'cut', 'date', 'df', 'dirname', 'du', 'echo', 'env', 'expr', 'false',
  'find', 'free', 'grep', 'head', 'hostname', 'id', 'ifconfig', 'kill', 'less', 'ln', 'ls', 'mkdir', 'mktemp', 'more',
  'mount', 'mv', 'netstat', 'nslookup', 'ping', 'printenv', 'ps', 'pwd', 'readlink', 'rm', 'rmdir', 'sed', 'sleep',
  'sort', 'stat', 'tail', 'tar', 'tee', 'test', 'top', 'touch', 'tr', 'true', 'uname', 'uniq', 'vi', 'wc', 'wget',
  'which', 'whoami', 'xargs', '[',
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
