/**
 * Reads a .deb: its control metadata and every entry of its data.tar (modes, numeric owners,
 * symlinks, hard links, file contents) in archive order. The package is validated entry by entry
 * (safe-paths.ts) while it is read, so readDeb either returns fully validated contents or throws.
 * It is also bounded (deb-limits.ts): entry count, unpacked bytes against its Installed-Size and
 * an absolute cap, control.tar's size. With a spool, file contents stream to disk as they are
 * decompressed (past the spool's small in-memory budget) and the result holds only where they
 * are, so memory does not follow package size.
 */
import { open } from 'node:fs/promises';
import { PithError, integrityError } from '../../../errors.js';
import { formatBytes, raiseHint } from '../../../limits.js';
import type { Spool, SpooledBytes, SpoolWriter } from '../../../store/spool.js';
import type { TreeEntry } from '../../../tree/entry.js';
import { type ByteSource, bufferByteSource, fileByteSource, openDebArchive, readArMember } from './ar.js';
import { debLimits, installedSizeOf, tooManyEntries, UnpackBudget, type DebLimits } from './deb-limits.js';
import { compressionOf, decompress } from './decompress.js';
import { DebPathGuard, normalizeMemberName, unsafeEntryError } from './safe-paths.js';
import { collect, tarEntries, type TarHeader } from './tar-entries.js';

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
  /** Regular file contents, when the package was read into memory (no spool). */
  data?: Uint8Array;
  /** Where a regular file's contents are, when the package was read with a spool. */
  spooled?: SpooledBytes;
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
   * pith never runs them, install effects (src/sources/debian/effects) read them.
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
  /** Regular files' bytes go here instead of into memory (builds use one; see store/spool.ts). */
  spool?: Spool;
  /** Overrides of the limits in force (PITH_MAX_DEB_* otherwise). */
  limits?: Partial<DebLimits>;
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
    return await readDebSource(fileByteSource(handle, size), where, options);
  } finally {
    await handle.close();
  }
}

/** Reads and validates a .deb already in memory; `where` names it in errors. */
export function readDebBytes(data: Uint8Array, where: string, options: ReadDebOptions = {}): Promise<DebContents> {
  return readDebSource(bufferByteSource(data), where, options);
}

export async function readDebSource(
  source: ByteSource,
  where: string,
  options: ReadDebOptions = {},
): Promise<DebContents> {
  const archive = await openDebArchive(source, where);
  // Both checked before anything is decompressed, so an unsupported data.tar fails fast.
  const controlCompression = compressionOf(archive.control.name, where);
  const dataCompression = compressionOf(archive.data.name, where);
  const limits = debLimits(options.limits);

  const members = await readControlMembers(
    decompress(readArMember(source, archive.control), controlCompression, {
      where,
      member: archive.control.name,
      size: archive.control.size,
    }),
    where,
    archive.control.name,
    limits,
  );
  const control = controlFromMembers(members, where, archive.control.name);
  const budget = new UnpackBudget(where, limits, installedSizeOf(control.control));
  const spool = options.spool;
  const writer = await spool?.writer();
  try {
    const files = await readData(
      decompress(readArMember(source, archive.data), dataCompression, {
        where,
        member: archive.data.name,
        size: archive.data.size,
      }),
      where,
      archive.data.name,
      budget,
      writer && spool ? { writer, spool } : undefined,
    );
    return { ...control, files };
  } finally {
    await writer?.close();
  }
}

const utf8 = new TextDecoder('utf-8');

/**
 * Every regular member of control.tar (control, md5sums, conffiles, maintainer scripts...), by
 * name without "./", bounded in count and total size.
 */
async function readControlMembers(
  tarStream: AsyncIterable<Uint8Array>,
  where: string,
  member: string,
  limits: DebLimits,
): Promise<Map<string, Uint8Array>> {
  const members = new Map<string, Uint8Array>();
  let total = 0;
  let entries = 0;
  for await (const { header, body } of tarEntries(tarStream, where, member)) {
    if (++entries > limits.entries) throw tooManyEntries(where, member, limits.entries);
    if (header.type !== 'file' && header.type !== 'contiguous-file') continue;
    const size = header.size ?? 0;
    total += size;
    if (total > limits.controlBytes) {
      throw new PithError('input', `${member} unpacks to more than ${formatBytes(limits.controlBytes)}; refused`, {
        where,
        hint: raiseHint('debControlBytes'),
      });
    }
    members.set(header.name.replace(/^(\.\/)+/, ''), await collect(body, size));
  }
  return members;
}

function controlFromMembers(
  members: ReadonlyMap<string, Uint8Array>,
  where: string,
  member: string,
): Omit<DebContents, 'files'> {
  const text = (name: string) => {
    const bytes = members.get(name);
    return bytes === undefined ? undefined : utf8.decode(bytes);
  };
  const control = text('control');
  if (control === undefined) {
    throw integrityError(`not a Debian binary package: ${member} has no control file`, { where });
  }
  const result: Omit<DebContents, 'files'> = { control };
  const md5sums = text('md5sums');
  if (md5sums !== undefined) result.md5sums = md5sums;
  const conffiles = text('conffiles');
  if (conffiles !== undefined) {
    result.conffiles = conffiles
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  }
  const scripts: MaintainerScripts = {};
  for (const name of MAINTAINER_MEMBERS) {
    const value = text(name);
    if (value !== undefined) scripts[name] = value;
  }
  if (Object.keys(scripts).length > 0) result.scripts = scripts;
  return result;
}

async function readData(
  tarStream: AsyncIterable<Uint8Array>,
  where: string,
  member: string,
  budget: UnpackBudget,
  spooling: { writer: SpoolWriter; spool: Spool } | undefined,
): Promise<DebFile[]> {
  const guard = new DebPathGuard(where);
  const files: DebFile[] = [];
  for await (const { header, body } of tarEntries(tarStream, where, member)) {
    budget.entry(member);
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
    }
    guard.admit(file, rawName);
    if (type === 'file') {
      // Refused on the header's word, before a byte of it is decompressed.
      budget.bytes(member, file.size);
      if (spooling && !spooling.spool.holdInMemory(file.size)) file.spooled = await spooling.writer.add(body);
      else file.data = await collect(body, file.size);
    }
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
      throw new PithError(
        'input',
        `data.tar entry ${JSON.stringify(rawName)} is a ${header.type}, which pith does not support`,
        {
          where,
          hint: 'device nodes and fifos cannot be shipped in an image layer by pith',
        },
      );
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
        if (file.spooled) {
          const { file: spoolFile, offset, size, sha256 } = file.spooled;
          return { ...base, type: 'file', size, source: { kind: 'spool', file: spoolFile, offset, sha256 } };
        }
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
