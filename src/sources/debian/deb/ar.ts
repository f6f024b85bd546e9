/**
 * Reader for the Unix `ar` archive format as used by .deb packages.
 *
 * The archive is read through positional reads (a file handle or an in-memory buffer), so memory
 * stays bounded by the chunk size however large the package is: member headers are 60 bytes and
 * member data is streamed in chunks. GNU (`name/`, `//` table, `/123`) and BSD (`#1/len`) name
 * variants are tolerated, although dpkg itself writes short plain names.
 */
import type { FileHandle } from 'node:fs/promises';
import { integrityError } from '../../../errors.js';

/** Random access to the bytes of an archive. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `position` (fewer only at end of data). Returns a fresh buffer. */
  read(position: number, length: number): Promise<Uint8Array>;
}

export function fileByteSource(handle: FileHandle, size: number): ByteSource {
  return {
    size,
    async read(position, length) {
      const want = Math.max(0, Math.min(length, size - position));
      // A fresh buffer per read: downstream decoders may keep views into earlier chunks.
      const buffer = new Uint8Array(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === want ? buffer : buffer.subarray(0, filled);
    },
  };
}

export function bufferByteSource(data: Uint8Array): ByteSource {
  return {
    size: data.byteLength,
    async read(position, length) {
      return data.slice(position, Math.min(data.byteLength, position + length));
    },
  };
}

export interface ArMember {
  /** Member name with GNU/BSD decorations removed ("debian-binary", "data.tar.xz"). */
  name: string;
  /** Offset of the member's data (after any BSD inline name) in the archive. */
  offset: number;
  /** Size of the member's data in bytes. */
  size: number;
  mode: number;
}

const GLOBAL_HEADER = '!<arch>\n';
const HEADER_SIZE = 60;
/** Bounds the GNU long-name table we are willing to hold in memory. */
const MAX_NAME_TABLE = 1 << 20;
const ascii = new TextDecoder('latin1');

function field(header: Uint8Array, start: number, length: number): string {
  return ascii.decode(header.subarray(start, start + length)).replace(/ +$/, '');
}

function decimalField(header: Uint8Array, start: number, length: number, what: string, where: string): number {
  const text = field(header, start, length);
  if (text === '') return 0;
  if (!/^[0-9]+$/.test(text)) {
    throw integrityError(`corrupt ar archive: member ${what} field is ${JSON.stringify(text)}`, { where });
  }
  return Number.parseInt(text, 10);
}

/**
 * Lists the members of an ar archive. Checks every header and that every member lies entirely
 * within the data, so a truncated download fails here, before anything is decompressed.
 * `where` names the package in error messages.
 */
export async function listArMembers(source: ByteSource, where: string): Promise<ArMember[]> {
  const magic = await source.read(0, GLOBAL_HEADER.length);
  if (ascii.decode(magic) !== GLOBAL_HEADER) {
    throw integrityError('not a Debian package: the file does not start with the ar header "!<arch>"', { where });
  }
  const members: ArMember[] = [];
  const names: { table?: string } = {};
  let position = GLOBAL_HEADER.length;
  while (position < source.size) {
    const header = await source.read(position, HEADER_SIZE);
    if (header.byteLength < HEADER_SIZE) {
      // Some writers pad the archive with a trailing newline; anything else is a cut-off header.
      if (header.every((byte) => byte === 0x0a)) break;
      throw integrityError(
        `truncated package: ar member header at offset ${position} has ${header.byteLength} of ${HEADER_SIZE} bytes`,
        { where },
      );
    }
    if (header[58] !== 0x60 || header[59] !== 0x0a) {
      throw integrityError(`corrupt ar archive: bad member header magic at offset ${position}`, { where });
    }
    const rawName = field(header, 0, 16);
    const size = decimalField(header, 48, 10, 'size', where);
    const mode = Number.parseInt(field(header, 40, 8) || '0', 8) || 0;
    const offset = position + HEADER_SIZE;
    const end = offset + size;
    if (end > source.size) {
      throw integrityError(
        `truncated package: ar member ${JSON.stringify(rawName)} declares ${size} bytes but only ${source.size - offset} remain`,
        { where, hint: 'download the package again' },
      );
    }

    const { name, offset: dataOffset, dataSize } = await memberName(source, rawName, offset, size, names, where);
    if (name !== undefined) members.push({ name, offset: dataOffset, size: dataSize, mode });
    position = end + (size % 2); // members are padded to an even offset
  }
  return members;
}

/**
 * A member's name and where its data starts: GNU long names come from the `//` name table (kept
 * in `names`), BSD `#1/N` names precede the data. Symbol tables and the name table itself are no
 * members of a .deb: their name is undefined.
 */
async function memberName(
  source: ByteSource,
  rawName: string,
  offset: number,
  size: number,
  names: { table?: string },
  where: string,
): Promise<{ name?: string; offset: number; dataSize: number }> {
  if (rawName === '/' || rawName === '/SYM64/' || rawName === '__.SYMDEF' || rawName === '__.SYMDEF SORTED')
    return { offset, dataSize: size };
  if (rawName === '//') {
    if (size > MAX_NAME_TABLE) {
      throw integrityError(`corrupt ar archive: GNU name table of ${size} bytes`, { where });
    }
    names.table = ascii.decode(await source.read(offset, size));
    return { offset, dataSize: size };
  }
  if (/^\/[0-9]+$/.test(rawName)) {
    const index = Number.parseInt(rawName.slice(1), 10);
    const nameTable = names.table;
    if (nameTable === undefined || index >= nameTable.length) {
      throw integrityError(`corrupt ar archive: long name reference ${rawName} without a name table`, { where });
    }
    const stop = nameTable.indexOf('/\n', index);
    return {
      name: nameTable.slice(index, stop === -1 ? nameTable.indexOf('\n', index) : stop),
      offset,
      dataSize: size,
    };
  }
  if (/^#1\/[0-9]+$/.test(rawName)) {
    const nameLength = Number.parseInt(rawName.slice(3), 10);
    if (nameLength > size) {
      throw integrityError(`corrupt ar archive: BSD name length ${nameLength} exceeds member size ${size}`, { where });
    }
    const name = ascii.decode(await source.read(offset, nameLength)).replace(/\0+$/, '');
    return { name, offset: offset + nameLength, dataSize: size - nameLength };
  }
  return { name: rawName.endsWith('/') ? rawName.slice(0, -1) : rawName, offset, dataSize: size };
}

/** Streams a member's data in chunks of at most `chunkSize` bytes (each a fresh buffer). */
export async function* readArMember(
  source: ByteSource,
  member: ArMember,
  chunkSize = 1 << 20,
): AsyncGenerator<Uint8Array> {
  const end = member.offset + member.size;
  for (let position = member.offset; position < end;) {
    const chunk = await source.read(position, Math.min(chunkSize, end - position));
    if (chunk.byteLength === 0) break; // listArMembers already checked the bounds
    position += chunk.byteLength;
    yield chunk;
  }
}

export async function readArMemberFully(source: ByteSource, member: ArMember): Promise<Uint8Array> {
  return source.read(member.offset, member.size);
}

/** The three members every .deb has, after checking the layout rules dpkg enforces. */
export interface DebArchive {
  /** The `debian-binary` format version, e.g. "2.0". */
  formatVersion: string;
  control: ArMember;
  data: ArMember;
}

/**
 * Checks the .deb layout: `debian-binary` first with format 2.x, then `control.tar[.ext]`, then
 * `data.tar[.ext]`; members whose name starts with `_` are ignored as dpkg does.
 */
export async function openDebArchive(source: ByteSource, where: string): Promise<DebArchive> {
  const members = await listArMembers(source, where);
  const first = members[0];
  if (first === undefined || first.name !== 'debian-binary') {
    throw integrityError(
      `not a Debian binary package: first ar member is ${first ? JSON.stringify(first.name) : 'missing'}, expected "debian-binary"`,
      { where },
    );
  }
  if (first.size > 4096) {
    throw integrityError(`not a Debian binary package: debian-binary member is ${first.size} bytes`, { where });
  }
  const versionText = new TextDecoder().decode(await readArMemberFully(source, first));
  const formatVersion = versionText.split('\n')[0] ?? '';
  if (!/^2\.[0-9]+$/.test(formatVersion)) {
    throw integrityError(
      `unsupported .deb format version ${JSON.stringify(formatVersion)} in debian-binary (expected 2.x)`,
      { where },
    );
  }
  const rest = members.slice(1).filter((member) => !member.name.startsWith('_'));
  const control = rest[0];
  if (control === undefined || !/^control\.tar(\.|$)/.test(control.name)) {
    throw integrityError(
      `not a Debian binary package: expected control.tar member after debian-binary, found ${control ? JSON.stringify(control.name) : 'nothing'}`,
      { where, hint: control ? undefined : 'the file may be truncated; download it again' },
    );
  }
  const data = rest[1];
  if (data === undefined || !/^data\.tar(\.|$)/.test(data.name)) {
    throw integrityError(
      `not a Debian binary package: expected data.tar member after ${control.name}, found ${data ? JSON.stringify(data.name) : 'nothing'}`,
      { where, hint: data ? undefined : 'the file may be truncated; download it again' },
    );
  }
  return { formatVersion, control, data };
}
