/**
 * pith's own deterministic tar writer. The archive is a pure function of the entry list and the
 * mtime: members sorted byte-wise by path, ownership and modes from the entries (never the
 * host's), empty uname/gname, one fixed mtime, PAX records only where ustar can't hold a value.
 * Written by hand so a dependency upgrade can never move a layer digest.
 */
import { open } from 'node:fs/promises';
import { buildError } from '../errors.js';
import type { FileEntry, FileSource, TreeEntry } from '../tree/entry.js';
import { blockPadding, encodeMember, endOfArchive, type MemberHeader, TypeFlag } from './tar-header.js';

export interface TarOptions {
  /** Unix seconds, written as the mtime of every member. */
  mtime: number;
}

/** One archive member, ready to encode: its header and, for regular files, where the bytes are. */
interface Member {
  header: MemberHeader;
  content?: { source: FileSource; entry: FileEntry };
}

/** Host files are read in pieces of this size, so huge files never sit in memory whole. */
const READ_CHUNK = 256 * 1024;
/** Small pieces (headers, small files) are batched into buffers of about this size. */
const BATCH = 256 * 1024;
/** The largest mtime a 12-byte octal field holds (year 2242); PAX never carries times. */
const MAX_MTIME = 0o77777777777;

export function tarStream(entries: readonly TreeEntry[], options: TarOptions): AsyncIterable<Buffer> {
  // Everything, validation included, happens on iteration, so errors reach the consumer one way.
  return writeArchive(entries, options);
}

async function* writeArchive(entries: readonly TreeEntry[], options: TarOptions): AsyncGenerator<Buffer> {
  const members = planMembers(entries, options);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = (): Buffer => {
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };

  for (const member of members) {
    for (const block of encodeMember(member.header)) {
      pending.push(block);
      pendingBytes += block.length;
    }
    if (member.content) {
      for await (const piece of fileContent(member.content.entry, member.content.source)) {
        if (piece.length >= BATCH) {
          // Big pieces go out as they are: no copy into a batch buffer.
          if (pendingBytes > 0) yield take();
          yield piece;
        } else {
          pending.push(piece);
          pendingBytes += piece.length;
          if (pendingBytes >= BATCH) yield take();
        }
      }
      const pad = blockPadding(member.header.size);
      if (pad.length > 0) {
        pending.push(pad);
        pendingBytes += pad.length;
      }
    }
    if (pendingBytes >= BATCH) yield take();
  }
  pending.push(endOfArchive());
  pendingBytes += 2 * 512;
  yield take();
}

/** Validate the entries and turn them into sorted archive members (hard links resolved). */
function planMembers(entries: readonly TreeEntry[], options: TarOptions): Member[] {
  const { mtime } = options;
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_MTIME) {
    throw buildError(`layer mtime ${mtime} is not a whole number of seconds between 0 and ${MAX_MTIME}`);
  }
  const byPath = indexEntries(entries);
  const sorted = [...byPath.values()]
    .map((entry) => ({ entry, key: Buffer.from(entry.path, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ entry }) => entry);
  const carrier = linkCarriers(sorted, byPath);
  return sorted.map((entry) => toMember(entry, mtime, byPath, carrier));
}

/** The archive's entries by path, each checked, once, and never under a non-directory. */
function indexEntries(entries: readonly TreeEntry[]): Map<string, TreeEntry> {
  const byPath = new Map<string, TreeEntry>();
  for (const entry of entries) {
    // The root is not an archive member: names never start with "./", and the root directory's
    // metadata belongs to the runtime that creates the rootfs.
    if (entry.path === '' && entry.type === 'dir') continue;
    checkEntry(entry);
    const earlier = byPath.get(entry.path);
    if (earlier) {
      throw buildError(
        `${entry.path} is in the layer twice (from ${earlier.origin.detail} and ${entry.origin.detail})`,
        { where: entry.path, hint: 'keep one of them' },
      );
    }
    byPath.set(entry.path, entry);
  }

  // A member under a non-directory (a file "a" and a file "a/b") would fail to extract.
  for (const entry of byPath.values()) {
    const parentPath = entry.path.slice(0, Math.max(0, entry.path.lastIndexOf('/')));
    const parent = byPath.get(parentPath);
    if (parent && parent.type !== 'dir') {
      throw buildError(
        `layer entry ${entry.path} is inside ${parent.path}, which is a ${parent.type}, not a directory`,
        {
          where: entry.path,
        },
      );
    }
  }
  return byPath;
}

/**
 * Hard links: every group (a file plus the links to it) is one inode. Its first path in sorted
 * order carries the content and the others link to it, so a link never precedes its target
 * even when the entry list names them the other way round. Returns file path -> carrier path.
 */
function linkCarriers(sorted: readonly TreeEntry[], byPath: ReadonlyMap<string, TreeEntry>): Map<string, string> {
  const carrier = new Map<string, string>();
  for (const entry of sorted) {
    if (entry.type !== 'hardlink') continue;
    const target = byPath.get(entry.target);
    if (!target || target.type !== 'file') {
      throw buildError(
        `hard link ${entry.path} points to ${entry.target || '(empty)'}, which is not a regular file of the same layer`,
        { where: entry.path, hint: `add ${entry.target} to the layer as a file, or make ${entry.path} a copy` },
      );
    }
    if (!carrier.has(target.path)) carrier.set(target.path, target.path);
    if (Buffer.compare(Buffer.from(entry.path), Buffer.from(carrier.get(target.path)!)) < 0) {
      carrier.set(target.path, entry.path);
    }
  }
  return carrier;
}

/** One entry's archive member: its header and, for the carrier of a file's content, where the bytes are. */
function toMember(
  entry: TreeEntry,
  mtime: number,
  byPath: ReadonlyMap<string, TreeEntry>,
  carrier: ReadonlyMap<string, string>,
): Member {
  const base = { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime, size: 0, linkname: '' };
  switch (entry.type) {
    case 'dir':
      return { header: { ...base, name: `${entry.path}/`, typeflag: TypeFlag.dir } };
    case 'symlink':
      return { header: { ...base, name: entry.path, typeflag: TypeFlag.symlink, linkname: entry.target } };
    case 'file':
    case 'hardlink': {
      const file = (entry.type === 'file' ? entry : byPath.get(entry.target)) as FileEntry;
      const first = carrier.get(file.path) ?? file.path;
      // All names of one inode share the file's metadata, whichever of them is the link.
      const inode = { ...base, mode: file.mode, uid: file.uid, gid: file.gid };
      if (entry.path === first) {
        return {
          header: { ...inode, name: entry.path, typeflag: TypeFlag.file, size: file.size },
          content: { source: file.source, entry: file },
        };
      }
      return { header: { ...inode, name: entry.path, typeflag: TypeFlag.hardlink, linkname: first } };
    }
  }
}

/** Reject what tar can't represent or what would extract somewhere else than meant. */
function checkEntry(entry: TreeEntry): void {
  const bad = (what: string, hint?: string) =>
    buildError(`layer entry ${JSON.stringify(entry.path)} (from ${entry.origin.detail}) ${what}`, {
      where: entry.path,
      ...(hint ? { hint } : {}),
    });
  const path = entry.path;
  if (path.startsWith('/')) throw bad('starts with "/"', 'image paths are relative to the root');
  if (path.includes('\0')) throw bad('contains a NUL byte');
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw bad('has an empty, "." or ".." component', 'use a normalized path like usr/bin/app');
    }
  }
  if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777) {
    throw bad(`has mode ${entry.mode}, not permission bits between 0 and 0o7777`);
  }
  for (const [name, id] of [
    ['uid', entry.uid],
    ['gid', entry.gid],
  ] as const) {
    if (!Number.isSafeInteger(id) || id < 0) throw bad(`has ${name} ${id}, not a non-negative integer`);
  }
  if (entry.type === 'file' && (!Number.isSafeInteger(entry.size) || entry.size < 0)) {
    throw bad(`has size ${entry.size}, not a non-negative integer`);
  }
  if ((entry.type === 'symlink' || entry.type === 'hardlink') && (entry.target === '' || entry.target.includes('\0'))) {
    throw bad('has an empty link target or one with a NUL byte');
  }
}

/** A regular file's bytes, exactly `entry.size` of them or a build error. */
async function* fileContent(entry: FileEntry, source: FileSource): AsyncGenerator<Buffer> {
  if (source.kind === 'bytes') {
    if (source.data.byteLength !== entry.size) {
      throw buildError(
        `layer entry ${entry.path} has ${source.data.byteLength} bytes but declares size ${entry.size}`,
        {
          where: entry.path,
        },
      );
    }
    if (entry.size > 0) yield Buffer.from(source.data.buffer, source.data.byteOffset, source.data.byteLength);
    return;
  }
  if (source.kind === 'spool') yield* readFileRange(entry, source.file, source.offset, false);
  else yield* readFileRange(entry, source.path, 0, true);
}

/**
 * Stream `entry.size` bytes of a file from `start`, checking the file still has them (and, for a
 * host file, no more: it must still have the size recorded when it was resolved).
 */
async function* readFileRange(
  entry: FileEntry,
  hostPath: string,
  start: number,
  whole: boolean,
): AsyncGenerator<Buffer> {
  const changed = (actual: string) =>
    buildError(`${hostPath} changed while building (${entry.path}: expected ${entry.size} bytes, ${actual})`, {
      where: hostPath,
      hint: 'run the build again once the file is stable',
    });
  let handle;
  try {
    handle = await open(hostPath, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw buildError(`cannot read ${hostPath} for ${entry.path} (${code})`, { where: hostPath, cause: err });
  }
  try {
    let position = 0;
    while (position < entry.size) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, entry.size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start + position);
      if (bytesRead === 0) throw changed(`it now ends after ${position}`);
      position += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
    }
    // One more byte tells a file that grew from one that is complete.
    const probe = Buffer.alloc(1);
    if (whole && (await handle.read(probe, 0, 1, position)).bytesRead > 0) throw changed('it now has more');
  } finally {
    await handle.close();
  }
}
