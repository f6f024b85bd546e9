/**
 * What one base-image layer says about the image's Debian packages: the dpkg database files it
 * writes (`var/lib/dpkg/status.d/<name>`, `var/lib/dpkg/status`), the top-level links (merged
 * /usr), the licence of each `usr/share/doc/<pkg>/copyright`, and its whiteouts. Read once per
 * layer digest, streaming, with every kept byte bounded, and remembered in the cache as a
 * checksummed entry, so building on the same base again opens no layer.
 */
import { mergeLayerChanges, noteWhiteout } from '../../../layers/layer-changes.js';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type ExtractEvents } from 'tar-stream';
import { PithError } from '../../../errors.js';
import { digestHex, type Digest } from '../../../image/digest.js';
import { layerTarStream, normalizePath } from '../../../layers/layer-reader.js';
import { licenseFromCopyright } from '../../../sbom/license.js';
import type { BlobStore } from '../../../store/blob-store.js';
import { readCheckedJson, writeCheckedJson } from '../../../store/checked-json.js';

export const STATUS_D = 'var/lib/dpkg/status.d';
export const STATUS_FILE = 'var/lib/dpkg/status';
const DOC = 'usr/share/doc';

/** One path of interest as a layer leaves it. */
export interface ScannedEntry {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** A dpkg database file's text. */
  text?: string;
  /** A symlink's target. */
  target?: string;
  /** A copyright file's licence (an SPDX expression), when it is machine-readable. */
  license?: string;
}

export interface ScannedLayer {
  entries: ScannedEntry[];
  /** Paths a `.wh.NAME` deletes, and directories a `.wh..wh..opq` empties. */
  whiteouts: string[];
  opaque: string[];
}

/** Limits: a control file, the classic status file, all kept text of a layer, tar members. */
export const SCAN_LIMITS = {
  control: 1 << 20,
  status: 64 << 20,
  kept: 128 << 20,
  copyright: 1 << 20,
  entries: 2_000_000,
  tarBytes: 16 * 2 ** 30,
};

const FORMAT = 'pith-base-layer-v1';

type Wanted = 'control' | 'status' | 'copyright' | 'top' | 'doc-dir' | undefined;

/** Which paths the scan keeps, and how. */
function wanted(path: string): Wanted {
  if (path === STATUS_FILE) return 'status';
  if (path.startsWith(`${STATUS_D}/`)) {
    const name = path.slice(STATUS_D.length + 1);
    return name.includes('/') || name.endsWith('.md5sums') ? undefined : 'control';
  }
  if (!path.includes('/')) return 'top';
  if (path.startsWith(`${DOC}/`)) {
    const rest = path.slice(DOC.length + 1).split('/');
    if (rest.length === 1) return 'doc-dir';
    if (rest.length === 2 && rest[1] === 'copyright') return 'copyright';
  }
  return undefined;
}

/** The scan of one layer blob of `store`: from the cache when remembered, else read and remembered. */
export async function scanBaseLayer(
  digest: Digest,
  store: BlobStore,
  cacheDir: string,
  where: string,
): Promise<ScannedLayer> {
  const memo = join(cacheDir, 'base-layers', `${digestHex(digest)}.json`);
  const known = await readCheckedJson(memo);
  if (isScan(known)) return known.scan;
  const scan = await readLayer(store.pathOf(digest), `${where}: layer ${digest}`);
  await writeCheckedJson(memo, { format: FORMAT, scan });
  return scan;
}

function isScan(v: unknown): v is { format: string; scan: ScannedLayer } {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { format?: unknown; scan?: Partial<ScannedLayer> };
  return (
    r.format === FORMAT &&
    Array.isArray(r.scan?.entries) &&
    Array.isArray(r.scan?.whiteouts) &&
    Array.isArray(r.scan?.opaque)
  );
}

const TYPES: Record<string, ScannedEntry['type']> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
};

async function readLayer(file: string, where: string): Promise<ScannedLayer> {
  const scan: LayerScan = {
    out: { entries: [], whiteouts: [], opaque: [] },
    members: 0,
    kept: 0,
    fail: (why: string) => new PithError('input', `${where}: ${why}`),
  };
  const { fail } = scan;
  let tarBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      tarBytes += chunk.length;
      cb(tarBytes > SCAN_LIMITS.tarBytes ? fail(`more than ${SCAN_LIMITS.tarBytes} bytes of tar`) : null, chunk);
    },
  });
  const ex = extract();
  ex.on('entry', (header, stream, next) => scanMember(scan, header, stream, next));
  try {
    await pipeline(await layerTarStream(file), counter, ex);
  } catch (err) {
    if (err instanceof PithError) throw err;
    throw fail(`not a readable tar (${(err as Error).message})`);
  }
  return scan.out;
}

/** A layer being read: what it keeps, the counts its limits bound, and how it reports a broken one. */
interface LayerScan {
  out: ScannedLayer;
  members: number;
  kept: number;
  fail: (why: string) => PithError;
}

/** What tar-stream hands over for one member: its header, its data, and the callback for the next. */
type TarMember = ExtractEvents['entry'];

/** One tar member: noted when it is a whiteout, kept (bounded) when the scan wants it. */
function scanMember(scan: LayerScan, header: TarMember[0], stream: TarMember[1], next: TarMember[2]): void {
  const { out, fail } = scan;
  if (++scan.members > SCAN_LIMITS.entries) {
    next(fail(`more than ${SCAN_LIMITS.entries} entries`));
    return;
  }
  const path = normalizePath(header.name);
  const isWhiteout = noteWhiteout(path, out.opaque, out.whiteouts);
  const kind = isWhiteout || path === '' ? undefined : wanted(path);
  const type = TYPES[header.type ?? 'file'] ?? 'other';
  const limit = keepLimit(kind);
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (data: unknown) => {
    const chunk = data as Buffer;
    size += chunk.length;
    if (type === 'file' && size <= limit) chunks.push(chunk);
  });
  stream.on('end', () => {
    if (kind === undefined || (kind === 'doc-dir' && type !== 'symlink')) return next();
    const entry: ScannedEntry = {
      path,
      type,
      ...(type === 'symlink' && header.linkname ? { target: header.linkname } : {}),
    };
    if (type === 'file' && (kind === 'control' || kind === 'status')) {
      if (size > limit) return next(fail(`/${path} is ${size} bytes (at most ${limit} are read)`));
      scan.kept += size;
      if (scan.kept > SCAN_LIMITS.kept) return next(fail(`more than ${SCAN_LIMITS.kept} bytes of dpkg database`));
      entry.text = Buffer.concat(chunks).toString('utf8');
    } else if (kind === 'copyright') {
      const license =
        type === 'file' && size <= limit ? licenseFromCopyright(Buffer.concat(chunks).toString('utf8')) : undefined;
      if (license) entry.license = license;
      else if (type === 'file') return next(); // no machine-readable licence: nothing to remember
    }
    out.entries.push(entry);
    next();
  });
  stream.on('error', (err: Error) => next(err));
}

/** How many bytes of a member of this kind are kept (read at call time: tests lower the limits). */
function keepLimit(kind: Wanted): number {
  return kind === 'status'
    ? SCAN_LIMITS.status
    : kind === 'control'
      ? SCAN_LIMITS.control
      : kind === 'copyright'
        ? SCAN_LIMITS.copyright
        : 0;
}

/**
 * The image's view of the scanned paths, bottom layer first: later layers win, whiteouts delete,
 * opaque directories hide what earlier layers put under them, and an entry that changes between
 * directory and non-directory hides what was below it (as a runtime applies layers).
 */
export function mergeScans(layers: readonly ScannedLayer[]): Map<string, ScannedEntry> {
  return mergeLayerChanges(layers.map((l) => ({ opaqueDirs: l.opaque, whiteouts: l.whiteouts, entries: l.entries })));
}
