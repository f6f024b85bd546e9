/**
 * Reads a .deb: its control metadata and every entry of its data.tar (modes, numeric owners,
 * symlinks, hard links, file contents) in archive order. The package is validated entry by entry
 * (safe-paths.ts) while it is read, so readDeb either returns fully validated contents or throws.
 */
import { open } from 'node:fs/promises';
import tar from 'tar-stream';
import { PithError, integrityError } from '../../../../errors.js';
import type { TreeEntry } from '../../../../tree/entry.js';
import { type ByteSource, bufferByteSource, fileByteSource, openDebArchive, readArMember } from './ar.js';
import { compressionOf, decompress } from './decompress.js';

/**
 * tar-stream's declared header, loosened to what it really produces: `type` is null for typeflags
 * it does not know and `linkname` is null when empty.
 */
type TarHeader = Omit<tar.Header, 'type' | 'linkname'> & { type: tar.Header['type'] | null; linkname: string | null };
import { DebPathGuard, normalizeMemberName, unsafeEntryError } from './safe-paths.js';

export interface DebFile {
  /** Normalized image path without leading './' or '/'; never '' (the root entry is dropped). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  /** Permission bits including setuid/setgid/sticky (file type bits removed). */
  mode: number;
  uid: number;
  gid: number;
  /** Size as stored in the tar header (0 for directories, symlinks and hard links). */
  size: number;
  /** Symlink target exactly as stored, or a hard link's target as a normalized image path. */
  target?: string;
  /** Regular file contents. */
  data?: Uint8Array;
}

export interface DebContents {
  /** The control file text verbatim. */
  control: string;
  /** The md5sums file text verbatim, if the package has one. */
  md5sums?: string;
  /** The conffiles lines (trimmed, non-empty), if the package has any; usually absolute paths. */
  conffiles?: string[];
  /**
   * The install-time maintainer scripts and debconf templates, verbatim, when the package has them:
   * pith never runs them, install effects (src/tree/effects) read them.
   */
  scripts?: MaintainerScripts;
  files: DebFile[];
}

/** Control members install effects read (prerm and postrm only matter for removals). */
export const MAINTAINER_MEMBERS = ['preinst', 'postinst', 'templates'] as const;
export type MaintainerScripts = Partial<Record<(typeof MAINTAINER_MEMBERS)[number], string>>;

export interface ReadDebOptions {
  /** The package name, used in error messages alongside the file path. */
  packageName?: string;
}

/** Reads and validates the .deb at `path`. */
export async function readDeb(path: string, options: ReadDebOptions = {}): Promise<DebContents> {
  const where = options.packageName ? `package ${options.packageName} (${path})` : path;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new PithError('input', `cannot open package file: ${(error as Error).message}`, { where, cause: error });
  }
  try {
    const { size } = await handle.stat();
    return await readDebSource(fileByteSource(handle, size), where);
  } finally {
    await handle.close();
  }
}

/** Reads and validates a .deb already in memory; `where` names it in errors. */
export function readDebBytes(data: Uint8Array, where: string): Promise<DebContents> {
  return readDebSource(bufferByteSource(data), where);
}

export async function readDebSource(source: ByteSource, where: string): Promise<DebContents> {
  const archive = await openDebArchive(source, where);
  // Both checked before anything is decompressed, so an unsupported data.tar fails fast.
  const controlCompression = compressionOf(archive.control.name, where);
  const dataCompression = compressionOf(archive.data.name, where);

  const control = await readControl(
    decompress(readArMember(source, archive.control), controlCompression, { where, member: archive.control.name, size: archive.control.size }),
    where,
    archive.control.name,
  );
  const files = await readData(
    decompress(readArMember(source, archive.data), dataCompression, { where, member: archive.data.name, size: archive.data.size }),
    where,
    archive.data.name,
  );
  return { ...control, files };
}

const utf8 = new TextDecoder('utf-8');

async function readControl(
  tarStream: AsyncIterable<Uint8Array>,
  where: string,
  member: string,
): Promise<Omit<DebContents, 'files'>> {
  let control: string | undefined;
  let md5sums: string | undefined;
  let conffiles: string[] | undefined;
  const scripts: MaintainerScripts = {};
  for await (const { header, body } of tarEntries(tarStream, where, member)) {
    if (header.type !== 'file' && header.type !== 'contiguous-file') continue;
    const name = header.name.replace(/^(\.\/)+/, '');
    if ((MAINTAINER_MEMBERS as readonly string[]).includes(name)) scripts[name as keyof MaintainerScripts] = utf8.decode(body);
    else if (name === 'control') control = utf8.decode(body);
    else if (name === 'md5sums') md5sums = utf8.decode(body);
    else if (name === 'conffiles') {
      conffiles = utf8
        .decode(body)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
    }
  }
  if (control === undefined) {
    throw integrityError(`not a Debian binary package: ${member} has no control file`, { where });
  }
  const result: Omit<DebContents, 'files'> = { control };
  if (md5sums !== undefined) result.md5sums = md5sums;
  if (conffiles !== undefined) result.conffiles = conffiles;
  if (Object.keys(scripts).length > 0) result.scripts = scripts;
  return result;
}

async function readData(tarStream: AsyncIterable<Uint8Array>, where: string, member: string): Promise<DebFile[]> {
  const guard = new DebPathGuard(where);
  const files: DebFile[] = [];
  for await (const { header, body } of tarEntries(tarStream, where, member)) {
    const rawName = header.name;
    const path = normalizeMemberName(rawName, where);
    const type = entryType(header, rawName, where);
    if (path === '' && type === 'dir') continue; // "./": the image root itself
    const file: DebFile = {
      path,
      type,
      mode: (header.mode ?? 0) & 0o7777,
      uid: paxNumber(header, 'uid') ?? header.uid ?? 0,
      gid: paxNumber(header, 'gid') ?? header.gid ?? 0,
      size: header.size ?? 0,
    };
    if (type === 'symlink') {
      file.target = header.linkname ?? '';
    } else if (type === 'hardlink') {
      file.target = normalizeMemberName(header.linkname ?? '', where, rawName, 'hard link target');
    } else if (type === 'file') {
      file.data = body;
    }
    guard.admit(file, rawName);
    files.push(file);
  }
  return files;
}

function entryType(header: TarHeader, rawName: string, where: string): DebFile['type'] {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw new PithError('input', `data.tar entry ${JSON.stringify(rawName)} is a ${header.type}, which pith does not support`, {
        where,
        hint: 'device nodes and fifos cannot be shipped in an image layer by pith',
      });
    default:
      throw unsafeEntryError(where, rawName, `unknown tar entry type ${JSON.stringify(header.type ?? 'unknown')}`);
  }
}

/** PAX records can carry owners too large for the octal header fields; they take precedence. */
function paxNumber(header: TarHeader, key: 'uid' | 'gid'): number | undefined {
  const pax = header.pax;
  const text = pax !== null && typeof pax === 'object' ? (pax as Record<string, unknown>)[key] : undefined;
  if (typeof text !== 'string' || !/^[0-9]+$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

interface TarItem {
  header: TarHeader;
  /** The entry's data (empty for anything but regular files). */
  body: Uint8Array;
}

/** Parses a tar stream entry by entry; errors name the package and the member. */
async function* tarEntries(source: AsyncIterable<Uint8Array>, where: string, member: string): AsyncGenerator<TarItem> {
  const extract = tar.extract();
  const feeding = feed(source, extract);
  try {
    for await (const entry of extract) {
      const size = entry.header.size ?? 0;
      // Collected first and copied once at the end: memory follows the bytes that really arrived
      // (not a size a corrupt header claims), and the result holds no views into the larger
      // decompressor buffers.
      const chunks: Uint8Array[] = [];
      let filled = 0;
      for await (const chunk of entry as AsyncIterable<Uint8Array>) {
        chunks.push(chunk);
        filled += chunk.byteLength;
      }
      if (filled !== size) {
        throw integrityError(`${member} is truncated inside entry ${JSON.stringify(entry.header.name)}`, { where });
      }
      const body = new Uint8Array(size);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.byteLength;
      }
      yield { header: entry.header as TarHeader, body };
    }
  } catch (error) {
    if (error instanceof PithError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw integrityError(`${member} is not a valid tar archive: ${detail}`, {
      where,
      hint: 'download the package again',
      cause: error,
    });
  } finally {
    extract.destroy();
    await feeding;
  }
}

/** Writes `source` into the tar parser with backpressure; stops once the parser is destroyed. */
async function feed(source: AsyncIterable<Uint8Array>, extract: tar.Extract): Promise<void> {
  const parser = extract as tar.Extract & { destroyed: boolean };
  try {
    for await (const chunk of source) {
      if (parser.destroyed) return;
      if (!extract.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            extract.off('drain', done);
            extract.off('close', done);
            resolve();
          };
          extract.on('drain', done);
          extract.on('close', done);
        });
        if (parser.destroyed) return;
      }
    }
    extract.end(null);
  } catch (error) {
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Maps a package's files to tree entries with origin kind 'package'. */
export function debFilesToTreeEntries(
  files: readonly DebFile[],
  origin: { package: string; detail: string },
): TreeEntry[] {
  const entryOrigin = { kind: 'package' as const, detail: origin.detail, package: origin.package };
  return files.map((file): TreeEntry => {
    const base = { path: file.path, mode: file.mode, uid: file.uid, gid: file.gid, origin: entryOrigin };
    switch (file.type) {
      case 'file':
        return {
          ...base,
          type: 'file',
          size: file.data?.byteLength ?? file.size,
          source: { kind: 'bytes', data: file.data ?? new Uint8Array(0) },
        };
      case 'dir':
        return { ...base, type: 'dir' };
      case 'symlink':
        return { ...base, type: 'symlink', target: file.target ?? '' };
      case 'hardlink':
        return { ...base, type: 'hardlink', target: file.target ?? '' };
    }
  });
}
