/**
 * Encoding of one tar member's header block(s): a ustar header, preceded by a PAX extended header
 * only when a value can't be stored faithfully in ustar. Pure functions of their input, so layer
 * digests depend on pith's code alone, never on a tar library's version.
 */

export const BLOCK = 512;

/** ustar typeflags pith emits. */
export const TypeFlag = { file: '0', hardlink: '1', symlink: '2', dir: '5', pax: 'x' } as const;
export type TypeFlagChar = (typeof TypeFlag)[keyof typeof TypeFlag];

export interface MemberHeader {
  /** Archive name: no leading "./", directories end with "/". */
  name: string;
  typeflag: TypeFlagChar;
  /** Permission bits only (0..0o7777), setuid/setgid/sticky included. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
}

const NAME_LEN = 100;
const PREFIX_LEN = 155;
const LINKNAME_LEN = 100;
/** Largest value of an 8-byte octal field (7 digits + NUL). */
const MAX_OCTAL_8 = 0o7777777;
/** Largest value of a 12-byte octal field (11 digits + NUL): 8 GiB - 1. */
const MAX_OCTAL_12 = 0o77777777777;

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** The header block(s) of one member: [PAX header + PAX data,] ustar header. */
export function encodeMember(h: MemberHeader): Buffer[] {
  const pax: [string, string][] = [];
  const nameBytes = Buffer.from(h.name, 'utf8');
  const ascii = ASCII_ONLY.test(h.name);
  let split = ascii ? splitName(nameBytes) : undefined;
  if (!split) {
    // Non-ASCII names go to PAX as UTF-8 (ustar bytes would be read in the reader's locale), as
    // do names no prefix/name split can hold; the ustar field keeps a truncated fallback.
    pax.push(['path', h.name]);
    split = { prefix: Buffer.alloc(0), name: truncateUtf8(nameBytes, NAME_LEN) };
  }
  const linkBytes = Buffer.from(h.linkname, 'utf8');
  let linkField: Buffer = linkBytes;
  if (linkBytes.length > LINKNAME_LEN || !ASCII_ONLY.test(h.linkname)) {
    pax.push(['linkpath', h.linkname]);
    linkField = truncateUtf8(linkBytes, LINKNAME_LEN);
  }
  // Values too large for their octal field: the PAX record wins, the ustar field holds 0.
  const size = h.size > MAX_OCTAL_12 ? (pax.push(['size', String(h.size)]), 0) : h.size;
  const uid = h.uid > MAX_OCTAL_8 ? (pax.push(['uid', String(h.uid)]), 0) : h.uid;
  const gid = h.gid > MAX_OCTAL_8 ? (pax.push(['gid', String(h.gid)]), 0) : h.gid;

  const ustar = ustarBlock({
    name: split.name,
    prefix: split.prefix,
    typeflag: h.typeflag,
    mode: h.mode,
    uid,
    gid,
    size,
    mtime: h.mtime,
    linkname: linkField,
  });
  if (pax.length === 0) return [ustar];

  const data = paxData(pax);
  const paxHeader = ustarBlock({
    name: paxHeaderName(h.name),
    prefix: Buffer.alloc(0),
    typeflag: TypeFlag.pax,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: data.length,
    mtime: h.mtime,
    linkname: Buffer.alloc(0),
  });
  return [paxHeader, padded(data), ustar];
}

/** Zero bytes that pad `size` up to the next 512-byte block (empty when already aligned). */
export function blockPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The end-of-archive marker: two zero blocks. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, blockPadding(data.length)]);
}

/**
 * Split a name into ustar prefix (<= 155 bytes) and name (<= 100 bytes) at a '/' (the first
 * slash that fits, so the name part is as long as possible), or undefined when no split fits.
 */
function splitName(bytes: Buffer): { prefix: Buffer; name: Buffer } | undefined {
  if (bytes.length <= NAME_LEN) return { prefix: Buffer.alloc(0), name: bytes };
  if (bytes.length > PREFIX_LEN + 1 + NAME_LEN) return undefined;
  // A directory's trailing '/' is part of the name, never a split point.
  const last = bytes[bytes.length - 1] === 0x2f ? bytes.length - 2 : bytes.length - 1;
  for (let i = Math.max(0, bytes.length - NAME_LEN - 1); i <= last && i <= PREFIX_LEN; i++) {
    if (bytes[i] === 0x2f && i > 0 && i < last) {
      return { prefix: bytes.subarray(0, i), name: bytes.subarray(i + 1) };
    }
  }
  return undefined;
}

/** At most `max` bytes, never cutting a UTF-8 sequence in half. */
function truncateUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/**
 * The PAX header's own name: a fixed function of the member's basename (like bsdtar's
 * "PaxHeader/" names), printable ASCII so no reader has to decode it.
 */
function paxHeaderName(name: string): Buffer {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  const safe = Buffer.from(base, 'utf8')
    .toString('latin1')
    .replace(/[^\x21-\x7e]/g, '_');
  return Buffer.from(`PaxHeaders/${safe}`.slice(0, NAME_LEN), 'latin1');
}

/** PAX records "<len> <key>=<value>\n" where <len> counts the whole record, itself included. */
function paxData(records: readonly [string, string][]): Buffer {
  const parts = records.map(([key, value]) => {
    const body = Buffer.byteLength(` ${key}=${value}\n`, 'utf8');
    let len = body + String(body).length;
    if (String(len).length !== String(body).length) len = body + String(len).length;
    return `${len} ${key}=${value}\n`;
  });
  return Buffer.from(parts.join(''), 'utf8');
}

interface UstarFields {
  name: Buffer;
  prefix: Buffer;
  typeflag: TypeFlagChar;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: Buffer;
}

function ustarBlock(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  f.name.copy(b, 0);
  octal(b, 100, 8, f.mode);
  octal(b, 108, 8, f.uid);
  octal(b, 116, 8, f.gid);
  octal(b, 124, 12, f.size);
  octal(b, 136, 12, f.mtime);
  b.write(f.typeflag, 156, 'latin1');
  f.linkname.copy(b, 157);
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  // uname/gname stay empty: ownership is numeric only, never the host's user names.
  octal(b, 329, 8, 0);
  octal(b, 337, 8, 0);
  f.prefix.copy(b, 345);
  // Checksum: sum of all bytes with the checksum field counted as spaces; "%06o\0 " like GNU tar.
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** Zero-padded octal digits filling the field but its last byte, which stays NUL. */
function octal(b: Buffer, offset: number, length: number, value: number): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (digits.length > length - 1) throw new Error(`tar header: ${value} does not fit ${length} bytes`);
  b.write(digits, offset, 'latin1');
}
