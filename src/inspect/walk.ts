/**
 * Reads image layers (gzip, zstd or plain tar, told apart by their magic bytes) entry by entry,
 * and merges them the way a runtime does: later layers win, `.wh.NAME` deletes NAME and
 * `.wh..wh..opq` empties its directory of what earlier layers put there.
 */
import { mergeLayerChanges, noteWhiteout } from '../layers/layer-changes.js';
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { PithError } from '../errors.js';
import { layerTarStream, normalizePath } from '../layers/layer-reader.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface LayerEntry {
  /** Relative to the root, no leading `/` or `./`, no trailing `/`. */
  path: string;
  type: EntryType;
  /** Permission bits with setuid/setgid/sticky (07777). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content (regular files; 0 otherwise). */
  size: number;
  /** Symlink target, or the path a hard link points at. */
  linkTarget?: string;
  /** sha256 of the content, for regular files. */
  sha256?: string;
  /** Index of the layer that holds this entry (0 = the base). */
  layer: number;
  /** The content, for the paths the caller asked to keep. */
  data?: Buffer;
}

export interface WalkedLayer {
  index: number;
  /** Every entry, whiteouts excluded, in tar order. */
  entries: LayerEntry[];
  /** Whiteouts: paths deleted, and directories made opaque. */
  whiteouts: string[];
  opaqueDirs: string[];
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
}

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'dir',
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'char',
  'block-device': 'block',
  fifo: 'fifo',
};

export { normalizePath };

/**
 * Reads one layer file. `keep(path)` says which regular files' contents to keep in `data`
 * (package databases, os-release); every regular file is hashed.
 */
export async function walkLayer(
  path: string,
  index: number,
  keep: (path: string) => boolean = () => false,
): Promise<WalkedLayer> {
  const entries: LayerEntry[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  let uncompressedSize = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      uncompressedSize += chunk.length;
      cb(null, chunk);
    },
  });
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const p = normalizePath(header.name);
    const type = TYPES[header.type ?? 'file'] ?? 'other';
    const hash = type === 'file' ? createHash('sha256') : undefined;
    const chunks: Buffer[] | undefined = type === 'file' && keep(p) ? [] : undefined;
    let size = 0;
    stream.on('data', (chunk: unknown) => {
      const c = chunk as Buffer;
      size += c.length;
      hash?.update(c);
      chunks?.push(c);
    });
    stream.on('end', () => {
      // A whiteout marker is no entry: what it deletes is applied by mergeLayers.
      if (!noteWhiteout(p, opaqueDirs, whiteouts) && p !== '') {
        entries.push({
          path: p,
          type,
          mode: (header.mode ?? 0) & 0o7777,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          size: type === 'file' ? size : 0,
          layer: index,
          ...(header.linkname
            ? { linkTarget: type === 'hardlink' ? normalizePath(header.linkname) : header.linkname }
            : {}),
          ...(hash ? { sha256: hash.digest('hex') } : {}),
          ...(chunks ? { data: Buffer.concat(chunks) } : {}),
        });
      }
      next();
    });
  });
  try {
    await pipeline(await layerTarStream(path), counter, ex);
  } catch (err) {
    throw new PithError('input', `layer ${index + 1} is not a readable tar: ${(err as Error).message}`, { cause: err });
  }
  return { index, entries, whiteouts, opaqueDirs, uncompressedSize };
}

/** The image's filesystem: every path the container sees, with the layer it comes from. */
export function mergeLayers(layers: WalkedLayer[]): Map<string, LayerEntry> {
  return mergeLayerChanges(layers);
}
