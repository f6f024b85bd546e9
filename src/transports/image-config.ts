/**
 * An image config's JSON (OCI or Docker) as pith models it: ImageConfig with the runtime fields
 * of ContainerConfig, Docker's nulls dropped, history lines completed. What a read image's
 * `config` holds; its exact bytes stay in `rawConfig`.
 */
import { PithError } from '../errors.js';
import { isDigest, type Digest } from '../image/digest.js';
import { EPOCH } from '../image/mutate.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../image/types.js';

interface RawConfig {
  created?: unknown;
  architecture?: unknown;
  os?: unknown;
  variant?: unknown;
  config?: Record<string, unknown> | null;
  rootfs?: { diff_ids?: unknown } | null;
  history?: unknown;
}

const STRING_LISTS = ['Env', 'Entrypoint', 'Cmd'] as const;
const STRINGS = ['User', 'WorkingDir', 'StopSignal'] as const;
const SETS = ['ExposedPorts', 'Volumes'] as const;

/** The ContainerConfig fields of a Docker or OCI config; nulls (Docker writes them) dropped. */
export function containerConfigOf(raw: Record<string, unknown> | null | undefined): ContainerConfig {
  const out: ContainerConfig = {};
  if (!raw) return out;
  for (const k of STRING_LISTS) {
    const v = raw[k];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v as string[];
  }
  for (const k of STRINGS) {
    const v = raw[k];
    if (typeof v === 'string' && v !== '') out[k] = v;
  }
  for (const k of SETS) {
    const v = raw[k];
    if (v && typeof v === 'object' && !Array.isArray(v))
      out[k] = Object.fromEntries(Object.keys(v).map((key) => [key, {}])) as Record<string, Record<string, never>>;
  }
  const labels = raw.Labels;
  if (labels && typeof labels === 'object' && !Array.isArray(labels)) {
    out.Labels = Object.fromEntries(Object.entries(labels).filter(([, v]) => typeof v === 'string')) as Record<
      string,
      string
    >;
  }
  return out;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Parses and checks config bytes: valid JSON, every diff_id a sha256 digest. */
export function imageConfigOf(bytes: Uint8Array, where: string): ImageConfig {
  let raw: RawConfig;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8')) as RawConfig;
  } catch {
    throw new PithError('input', `${where}: config is not valid JSON`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new PithError('input', `${where}: config is not a JSON object`);
  const diffIds = Array.isArray(raw.rootfs?.diff_ids) ? (raw.rootfs.diff_ids as unknown[]) : [];
  for (const d of diffIds)
    if (typeof d !== 'string' || !isDigest(d))
      throw new PithError('input', `${where}: diff_id ${String(d)} is not a sha256 digest`);
  const history = (Array.isArray(raw.history) ? (raw.history as Array<Record<string, unknown> | null>) : []).map(
    (h): HistoryEntry => ({
      created: text(h?.created) ?? EPOCH,
      created_by: text(h?.created_by) ?? '',
      ...(text(h?.comment) ? { comment: text(h?.comment)! } : {}),
      ...(h?.empty_layer ? { empty_layer: true } : {}),
    }),
  );
  const created = text(raw.created);
  const variant = text(raw.variant);
  return {
    ...(created !== undefined ? { created } : {}),
    architecture: text(raw.architecture) ?? '',
    os: text(raw.os) ?? '',
    ...(variant ? { variant } : {}),
    config: containerConfigOf(raw.config),
    rootfs: { type: 'layers', diff_ids: diffIds as Digest[] },
    history,
  };
}
