/**
 * What oci-archive and docker-archive share: an OCI layout as a tar, written atomically; and a
 * tar read back by extracting it to a temporary directory (regular files only, never outside it).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { buildError, PithError } from '../errors.js';
import type { ImageSet } from '../image/image.js';
import { stableJsonBytes } from '../image/stable-json.js';
import { tarStream } from '../layers/tar-writer.js';
import { tempSibling } from '../store/atomic.js';
import type { TreeEntry } from '../tree/entry.js';
import { openDockerSave } from './docker-save.js';
import { blobPath, layoutIndex, OCI_LAYOUT_BYTES } from './layout-files.js';
import { openLayout, readOciLayout } from './oci-layout.js';
import type { OpenedImage, OpenedImageSet, OpenImageOptions } from './types.js';

const ARCHIVE_ORIGIN = { kind: 'system', detail: 'oci archive' } as const;

function bytesEntry(path: string, data: Uint8Array): TreeEntry {
  return {
    type: 'file',
    path,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.byteLength,
    source: { kind: 'bytes', data },
    origin: ARCHIVE_ORIGIN,
  };
}

/** The entries of an OCI layout as a tar (an "oci-archive"), plus any extra files. */
export function layoutArchiveEntries(set: ImageSet, extra: Record<string, Uint8Array> = {}): TreeEntry[] {
  const entries: TreeEntry[] = [
    { type: 'dir', path: 'blobs', mode: 0o755, uid: 0, gid: 0, origin: ARCHIVE_ORIGIN },
    { type: 'dir', path: 'blobs/sha256', mode: 0o755, uid: 0, gid: 0, origin: ARCHIVE_ORIGIN },
    bytesEntry('oci-layout', OCI_LAYOUT_BYTES),
    bytesEntry('index.json', stableJsonBytes(layoutIndex(set))),
  ];
  for (const blob of set.blobs) {
    entries.push({
      type: 'file',
      path: blobPath(blob.digest),
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: blob.size,
      source: { kind: 'host', path: set.store.pathOf(blob.digest) },
      origin: ARCHIVE_ORIGIN,
    });
  }
  for (const [name, data] of Object.entries(extra)) entries.push(bytesEntry(name, data));
  return entries;
}

/** Streams a tar of `entries` to a temporary file beside `dest`, then renames it into place. */
export async function writeTarAtomic(entries: TreeEntry[], dest: string, mtime: number): Promise<void> {
  const tmp = tempSibling(dest);
  try {
    await pipeline(Readable.from(tarStream(entries, { mtime })), createWriteStream(tmp, { mode: 0o644 }));
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'ENOENT' || code === 'EROFS' || code === 'EISDIR') {
      throw buildError(`cannot write ${dest}: ${code} (check that its directory exists and is writable)`, {
        cause: err,
      });
    }
    throw err;
  }
}

export async function pathKind(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** `PATH` or `PATH:TAG`: the whole when it exists, else split at the last ':'. */
export async function splitTag(arg: string): Promise<{ path: string; tag?: string }> {
  if (await pathKind(arg)) return { path: arg };
  const colon = arg.lastIndexOf(':');
  const tag = arg.slice(colon + 1);
  if (colon > 0 && tag !== '' && !tag.includes('/')) return { path: arg.slice(0, colon), tag };
  return { path: arg };
}

/** Extracts a tar's regular files under `dest`, refusing paths that leave it. */
async function extractTar(file: string, dest: string): Promise<void> {
  const root = resolve(dest);
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^(\.\/|\/)+/, '');
    const target = resolve(root, name);
    if (header.type !== 'file' || name === '' || (target !== root && !target.startsWith(root + sep))) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target)))
      .then(
        () => next(),
        (err: unknown) => next(err as Error),
      );
  });
  await pipeline(createReadStream(file), ex);
}

interface Extracted {
  files: string;
  blobs: string;
  tag: string | undefined;
  path: string;
  close: () => Promise<void>;
}

/** The archive `FILE[:TAG]` extracted to a temporary directory. */
async function extracted(arg: string, said: string): Promise<Extracted> {
  const { path, tag } = await splitTag(arg);
  if ((await pathKind(path)) !== 'file') throw new PithError('input', `${said}no such archive: ${path}`);
  const tmp = await mkdtemp(join(tmpdir(), 'pith-archive-'));
  const close = () => rm(tmp, { recursive: true, force: true });
  const files = join(tmp, 'archive');
  try {
    await extractTar(path, files);
  } catch (err) {
    await close();
    throw new PithError('input', `${said}${path} is not a readable tar: ${(err as Error).message}`);
  }
  return { files, blobs: join(tmp, 'blobs'), tag, path, close };
}

/**
 * One platform's image of an archive, `FILE[:TAG]`: extracted to a temporary directory that
 * close() removes. Either kind of content is read whatever the prefix said: an OCI layout
 * (index.json: oci-archive, docker save since Docker 25), or docker save's older manifest.json.
 */
export async function openArchive(
  arg: string,
  kind: 'oci-archive' | 'docker-archive',
  options: OpenImageOptions = {},
): Promise<OpenedImage> {
  const said = options.command ? `${options.command}: ` : '';
  const { files, blobs, tag, path, close } = await extracted(arg, said);
  try {
    const source = `${kind}:${arg}`;
    const context = { kind, source, origin: { kind: 'archive' as const, file: resolve(path) }, close };
    if (await pathKind(join(files, 'index.json')))
      return await openLayout(tag ? `${files}:${tag}` : files, options, context);
    if (await pathKind(join(files, 'manifest.json')))
      return await openDockerSave(files, blobs, tag, { ...options, where: options.where ?? source }, context);
    throw new PithError(
      'input',
      `${said}${path} is neither an oci-archive nor a docker-archive (no index.json or manifest.json)`,
    );
  } catch (err) {
    await close();
    throw err;
  }
}

/** Every image of an archive holding an OCI layout (oci-archive, docker save since Docker 25). */
export async function openArchiveSet(arg: string, kind: 'oci-archive' | 'docker-archive'): Promise<OpenedImageSet> {
  const { files, tag, path, close } = await extracted(arg, '');
  try {
    if (!(await pathKind(join(files, 'index.json'))))
      throw new PithError('input', `${kind}:${arg} holds no OCI layout (no index.json): only its images can be read`);
    const set = await readOciLayout(files, tag);
    return { ...set, origin: { kind: 'archive', file: resolve(path) }, close };
  } catch (err) {
    await close();
    throw err;
  }
}
