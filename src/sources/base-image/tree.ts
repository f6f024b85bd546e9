/**
 * A base image's filesystem as tree entries (origin `base`), for `trim: closure` on a base: the
 * closure of what the spec adds is computed in the whole image, so a program added on top finds
 * the base's loader and libraries; base entries are never written again (they are the base's
 * layers). Layers are applied as a runtime does (whiteouts, opaque directories); device nodes
 * and fifos are left out. Bounded: file contents are held in memory, up to BASE_TREE_LIMITS.
 */
import { pipeline } from 'node:stream/promises';
import { extract, type Header } from 'tar-stream';
import { PithError } from '../../errors.js';
import { applyLayerChanges, noteWhiteout, type LayerChanges } from '../../layers/layer-changes.js';
import { layerTarStream, normalizePath } from '../../layers/layer-reader.js';
import type { BaseImage } from './image.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { Origin, TreeEntry } from '../../tree/entry.js';
import { compareBytes } from '../../byte-order.js';

export const BASE_TREE_LIMITS = { bytes: 2 * 2 ** 30, entries: 1_000_000 };

const TYPES: Record<string, TreeEntry['type']> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
};

/** The base image's entries, sorted by path (parents before children). */
export async function baseTreeEntries(base: BaseImage, store: BlobStore): Promise<TreeEntry[]> {
  const origin: Origin = { kind: 'base', detail: `base image ${base.name}` };
  const fs = new Map<string, TreeEntry>();
  const budget = { bytes: 0, entries: 0 };
  for (const layer of base.layers)
    await applyLayer(fs, store.pathOf(layer.digest), origin, budget, `${origin.detail}: layer ${layer.digest}`);
  return [...fs.values()].sort((a, b) => compareBytes(a.path, b.path));
}

async function applyLayer(
  fs: Map<string, TreeEntry>,
  file: string,
  origin: Origin,
  budget: Budget,
  where: string,
): Promise<void> {
  const fail = (why: string) =>
    new PithError('input', `${where}: ${why}`, {
      hint: 'trim: closure on a base image holds the base in memory; use trim: docs',
    });
  applyLayerChanges(fs, await readLayer(file, origin, budget, fail));
}

/** What the base's layers have used of BASE_TREE_LIMITS so far. */
interface Budget {
  bytes: number;
  entries: number;
}

/** One layer as it reads: its opaque directories, its whiteouts, and its entries in tar order. */
interface LayerContents extends LayerChanges<TreeEntry> {
  opaqueDirs: string[];
  whiteouts: string[];
  entries: TreeEntry[];
}

async function readLayer(
  file: string,
  origin: Origin,
  budget: Budget,
  fail: (why: string) => PithError,
): Promise<LayerContents> {
  const layer: LayerContents = { opaqueDirs: [], whiteouts: [], entries: [] };
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const isFile = TYPES[header.type ?? 'file'] === 'file';
    const chunks: Buffer[] = [];
    stream.on('data', (data: unknown) => {
      if (isFile) chunks.push(data as Buffer);
    });
    stream.on('end', () => {
      if (++budget.entries > BASE_TREE_LIMITS.entries)
        return next(fail(`more than ${BASE_TREE_LIMITS.entries} entries`));
      const err = addMember(layer, header, chunks, { origin, budget, fail });
      if (err) return next(err);
      next();
    });
  });
  try {
    await pipeline(await layerTarStream(file), ex);
  } catch (err) {
    if (err instanceof PithError) throw err;
    throw fail(`not a readable tar (${(err as Error).message})`);
  }
  return layer;
}

/** Records one tar member in `layer` (whiteout, opaque marker or entry); the limit it breaks, if any. */
function addMember(
  layer: LayerContents,
  header: Header,
  chunks: Buffer[],
  ctx: { origin: Origin; budget: Budget; fail: (why: string) => PithError },
): PithError | undefined {
  const path = normalizePath(header.name);
  const type = TYPES[header.type ?? 'file'];
  if (noteWhiteout(path, layer.opaqueDirs, layer.whiteouts)) return undefined;
  if (path !== '' && type) {
    const { origin, budget } = ctx;
    const common = { path, mode: (header.mode ?? 0) & 0o7777, uid: header.uid ?? 0, gid: header.gid ?? 0, origin };
    if (type === 'file') {
      const data = Buffer.concat(chunks);
      budget.bytes += data.byteLength;
      if (budget.bytes > BASE_TREE_LIMITS.bytes) return ctx.fail(`more than ${BASE_TREE_LIMITS.bytes} bytes of files`);
      layer.entries.push({ ...common, type, size: data.byteLength, source: { kind: 'bytes', data } });
    } else if (type === 'dir') layer.entries.push({ ...common, type });
    else if (header.linkname)
      layer.entries.push({
        ...common,
        type,
        target: type === 'hardlink' ? normalizePath(header.linkname) : header.linkname,
      });
  }
  return undefined;
}
