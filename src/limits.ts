/**
 * The bounds pith keeps on what it reads from outside (downloads, packages, specs), in one table so
 * that the README can list them and a user can raise one without reading code. Each has a default
 * and an environment variable that overrides it (a positive number; `Ki`/`Mi`/`Gi` suffixes are
 * allowed for sizes). Imports nothing of pith: every stage may read it.
 */

export interface LimitDefinition {
  /** The environment variable that overrides the default. */
  env: string;
  default: number;
  /** Bytes (accepts Ki/Mi/Gi suffixes) or a plain count/factor. */
  unit: 'bytes' | 'count' | 'factor' | 'seconds';
  /** What it bounds, for messages: "the size of an InRelease file". */
  what: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const LIMITS = {
  inReleaseBytes: {
    env: 'PITH_MAX_INRELEASE_BYTES',
    default: 16 * MiB,
    unit: 'bytes',
    what: 'the size of an InRelease file',
  },
  indexBytes: {
    env: 'PITH_MAX_INDEX_BYTES',
    default: 128 * MiB,
    unit: 'bytes',
    what: 'the decompressed size of a Packages index',
  },
  indexEntries: {
    env: 'PITH_MAX_INDEX_ENTRIES',
    default: 250_000,
    unit: 'count',
    what: 'the stanzas of one Packages index',
  },
  debEntries: { env: 'PITH_MAX_DEB_ENTRIES', default: 100_000, unit: 'count', what: 'the entries of one package' },
  debUnpackedBytes: {
    env: 'PITH_MAX_DEB_UNPACKED_BYTES',
    default: 4 * GiB,
    unit: 'bytes',
    what: 'the unpacked bytes of one package',
  },
  debInstalledSizeFactor: {
    env: 'PITH_DEB_INSTALLED_SIZE_FACTOR',
    default: 2,
    unit: 'factor',
    what: 'the unpacked bytes of a package as a multiple of its Installed-Size (plus 1 MiB)',
  },
  debControlBytes: {
    env: 'PITH_MAX_DEB_CONTROL_BYTES',
    default: 64 * MiB,
    unit: 'bytes',
    what: "the unpacked bytes of a package's control.tar",
  },
  specBytes: { env: 'PITH_MAX_SPEC_BYTES', default: 1 * MiB, unit: 'bytes', what: 'the size of a spec file' },
} as const satisfies Record<string, LimitDefinition>;

export type LimitName = keyof typeof LIMITS;

const SUFFIX: Record<string, number> = { '': 1, k: KiB, ki: KiB, m: MiB, mi: MiB, g: GiB, gi: GiB };

/** Parses `512`, `64Mi`, `2G`, `1.5`: undefined when it is not a positive number. */
export function parseLimitValue(text: string, unit: LimitDefinition['unit']): number | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]i?)?b?\s*$/i.exec(text);
  if (!match) return undefined;
  const scale = unit === 'bytes' ? SUFFIX[(match[2] ?? '').toLowerCase()] : match[2] ? undefined : 1;
  if (scale === undefined) return undefined;
  const value = Number(match[1]) * scale;
  if (!Number.isFinite(value) || value <= 0) return undefined;
  return unit === 'factor' ? value : Math.floor(value);
}

/**
 * The limit in force: the environment's value when it is a valid one, else the default. (A bad
 * value is ignored rather than fatal: limits are a safety net, and a typo must not lower one to 0.)
 */
export function limit(name: LimitName, env: NodeJS.ProcessEnv = process.env): number {
  const def: LimitDefinition = LIMITS[name];
  const raw = env[def.env];
  if (raw === undefined || raw === '') return def.default;
  return parseLimitValue(raw, def.unit) ?? def.default;
}

/** `16 MiB` / `100000`: how a limit reads in a message. */
export function formatLimit(name: LimitName, value = limit(name)): string {
  const def: LimitDefinition = LIMITS[name];
  return def.unit === 'bytes' ? formatBytes(value) : String(value);
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB && bytes % (GiB / 4) === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % (MiB / 4) === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} bytes`;
}

/** The clause every refusal ends with: how to raise the limit. */
export function raiseHint(name: LimitName): string {
  return `raise the limit with ${LIMITS[name].env}=... if this is expected`;
}
