/**
 * Packages indexes (`dists/<suite>/<component>/binary-<arch>/Packages.xz`): one deb822 stanza per
 * package version, turned into PackageRecords that the solver and the lockfile work with. Each
 * record keeps its stanza verbatim in `control`, because the image's dpkg status database
 * (var/lib/dpkg/status.d/<name>) is that paragraph.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
// xz-decompress is CommonJS (webpack bundle): its named exports are only reachable through the default import.
import xzDecompress from 'xz-decompress';
import { integrityError, PithError } from '../../../errors.js';
import { limit, raiseHint } from '../../../limits.js';
import { iterateDeb822, type Deb822Paragraph } from './deb822.js';
import { fetchBytes, type BodyLimit, type FetchOptions } from './fetch.js';
import {
  parseProvides,
  parseRelations,
  type Relation,
  type RelationCache,
  type RelationOptions,
} from '../solver/relations.js';
import type { Release } from './release.js';

export type MultiArch = 'same' | 'foreign' | 'allowed' | 'no';

export interface IndexSource {
  suite: string;
  component: string;
  arch: string;
  /** The archive root URI (a stanza's Filename is relative to it). */
  baseUrl: string;
}

export interface PackageRecord {
  name: string;
  version: string;
  architecture: string;
  multiArch?: MultiArch;
  /**
   * Depends, Pre-Depends and Provides share frozen relation objects (and inner arrays) between the
   * records of one index (see RelationCache): copy before changing them.
   */
  depends: Relation[][];
  preDepends: Relation[][];
  provides: Relation[];
  essential: boolean;
  priority?: string;
  section?: string;
  /** Relative to baseUrl, e.g. `pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb`. */
  filename: string;
  size: number;
  sha256: string;
  /** Source package name (the package's own name when the stanza has no Source field). */
  source: string;
  /** Source version (the package's version unless Source says `name (version)`). */
  sourceVersion: string;
  suite: string;
  component: string;
  baseUrl: string;
  /** The stanza verbatim, ending with a newline. */
  control: string;
}

const MULTI_ARCH = new Set<string>(['same', 'foreign', 'allowed', 'no']);

/** Whether s is 64 lower-case hex digits (a loop: this runs once per stanza). */
function isSha256Hex(s: string): boolean {
  if (s.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parse an uncompressed Packages index. Throws PithError('input') naming the index and package on bad stanzas. */
export function parsePackagesIndex(text: string, source: IndexSource): PackageRecord[] {
  const where = `${source.suite}/${source.component}/binary-${source.arch}/Packages`;
  const out: PackageRecord[] = [];
  // Relations of `all` packages are evaluated for the index's architecture. One cache per index:
  // identical requirements become one frozen object, and nothing outlives the records.
  const cache: RelationCache = new Map();
  const indexRelOptions: RelationOptions = { arch: source.arch, where, cache };
  for (const p of iterateDeb822(text, { source: where })) {
    try {
      out.push(toRecord(p, source, indexRelOptions));
    } catch (err) {
      if (!(err instanceof PithError)) throw err;
      // Name the stanza only on the error path, so the loop builds no strings per package.
      const name = p.get('Package');
      throw new PithError(err.kind, err.message, {
        where: `${where}:${p.line}${name ? ` (${name})` : ''}`,
        ...(err.hint === undefined ? {} : { hint: err.hint }),
        cause: err,
      });
    }
  }
  return out;
}

function toRecord(p: Deb822Paragraph, source: IndexSource, indexRelOptions: RelationOptions): PackageRecord {
  const required = (field: string): string => {
    const v = p.get(field);
    if (v === undefined || v === '') throw new PithError('input', `stanza has no ${field} field`);
    return v;
  };
  const name = required('Package');
  const version = required('Version');
  const architecture = required('Architecture');
  const filename = required('Filename');
  const sizeText = required('Size');
  let sha256 = required('SHA256');
  if (!isDigits(sizeText)) throw new PithError('input', `bad Size "${sizeText}"`);
  if (!isSha256Hex(sha256)) {
    sha256 = sha256.toLowerCase();
    if (!isSha256Hex(sha256)) throw new PithError('input', `bad SHA256 "${sha256}"`);
  }

  const { src, srcVersion } = sourcePackage(p.get('Source'), name, version);

  const relOptions =
    architecture === 'all' || architecture === indexRelOptions.arch
      ? indexRelOptions
      : { ...indexRelOptions, arch: architecture };
  const record: PackageRecord = {
    name,
    version,
    architecture,
    depends: parseRelations(p.get('Depends'), relOptions),
    preDepends: parseRelations(p.get('Pre-Depends'), relOptions),
    provides: parseProvides(p.get('Provides'), relOptions),
    essential: p.get('Essential') === 'yes',
    filename,
    size: Number(sizeText),
    sha256,
    source: src,
    sourceVersion: srcVersion,
    suite: source.suite,
    component: source.component,
    baseUrl: source.baseUrl,
    control: p.raw,
  };
  const multiArch = p.get('Multi-Arch');
  if (multiArch !== undefined) {
    if (!MULTI_ARCH.has(multiArch)) throw new PithError('input', `bad Multi-Arch "${multiArch}"`);
    record.multiArch = multiArch as MultiArch;
  }
  const priority = p.get('Priority');
  if (priority !== undefined) record.priority = priority;
  const section = p.get('Section');
  if (section !== undefined) record.section = section;
  return record;
}

/** The source package and its version: the Source field's (`name` or `name (version)`), else the binary's own. */
function sourcePackage(
  sourceField: string | undefined,
  name: string,
  version: string,
): { src: string; srcVersion: string } {
  let src = name;
  let srcVersion = version;
  if (sourceField !== undefined) {
    const m = /^(\S+)(?:\s*\(\s*([^\s()]+)\s*\))?$/.exec(sourceField);
    if (!m) throw new PithError('input', `bad Source "${sourceField}"`);
    src = m[1]!;
    if (m[2] !== undefined) srcVersion = m[2];
  }
  return { src, srcVersion };
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const GZ_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Collects decoded chunks, refusing once they pass `maxBytes` (a bomb stops there, not in memory). */
class CappedOutput {
  private readonly chunks: Uint8Array[] = [];
  private total = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly name: string,
  ) {}
  push(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    if (this.total > this.maxBytes) throw indexTooLarge(this.name, this.maxBytes);
    this.chunks.push(chunk);
  }
  bytes(): Uint8Array {
    const joined = Buffer.concat(this.chunks);
    return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
  }
}

function indexTooLarge(name: string, maxBytes: number): PithError {
  return new PithError('input', `${name} decompresses to more than ${maxBytes} bytes; stopped`, {
    hint: `the Release lists a smaller file, or the index is unusually large: ${raiseHint('indexBytes')}`,
  });
}

async function unxz(bytes: Uint8Array, out: CappedOutput): Promise<Uint8Array> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const reader = new xzDecompress.XzReadableStream(input).getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out.push(value);
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
  return out.bytes();
}

function unzstd(bytes: Uint8Array, out: CappedOutput): Uint8Array {
  const decoder = new ZstdDecompress((chunk) => out.push(chunk));
  // Small pieces: one push can only expand so far before the cap is checked again.
  const PIECE = 4096;
  for (let at = 0; at < bytes.byteLength; at += PIECE)
    decoder.push(bytes.subarray(at, at + PIECE), at + PIECE >= bytes.byteLength);
  return out.bytes();
}

function gunzipCapped(bytes: Uint8Array, maxBytes: number, name: string): Uint8Array {
  try {
    const out = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw indexTooLarge(name, maxBytes);
    throw err;
  }
}

/**
 * Decompress an index by its name's extension (`.xz`, `.gz`, `.zst`; anything else is taken as
 * uncompressed). Names without a known extension (by-hash paths) are sniffed by magic bytes. The
 * output is refused past `maxBytes` (the Release's size of the plain index when it lists one,
 * else PITH_MAX_INDEX_BYTES), so a compression bomb never reaches memory.
 */
export async function decompressIndex(
  bytes: Uint8Array,
  name: string,
  maxBytes = limit('indexBytes'),
): Promise<Uint8Array> {
  const ext = /\.(xz|gz|zst)$/.exec(name)?.[1];
  const kind =
    ext ??
    (startsWith(bytes, XZ_MAGIC)
      ? 'xz'
      : startsWith(bytes, GZ_MAGIC)
        ? 'gz'
        : startsWith(bytes, ZSTD_MAGIC)
          ? 'zst'
          : undefined);
  const magic = kind === 'xz' ? XZ_MAGIC : kind === 'gz' ? GZ_MAGIC : kind === 'zst' ? ZSTD_MAGIC : undefined;
  if (magic === undefined) {
    if (bytes.byteLength > maxBytes) throw indexTooLarge(name, maxBytes);
    return bytes;
  }
  if (!startsWith(bytes, magic)) throw new PithError('input', `${name} is not ${kind}-compressed data`);
  try {
    if (kind === 'xz') return await unxz(bytes, new CappedOutput(maxBytes, name));
    if (kind === 'gz') return gunzipCapped(bytes, maxBytes, name);
    return unzstd(bytes, new CappedOutput(maxBytes, name));
  } catch (err) {
    if (err instanceof PithError) throw err;
    throw new PithError('input', `cannot decompress ${name}: ${(err as Error).message}`, { cause: err });
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export type IndexCompression = 'xz' | 'gz' | 'zst' | 'none';

/**
 * Default preference: smallest download first, like apt. On a fast mirror and a slow CPU, `gz` first
 * can be quicker overall (xz-decompress runs as WebAssembly: ~1 s for bookworm main vs ~0.2 s gunzip).
 */
const DEFAULT_COMPRESSIONS: readonly IndexCompression[] = ['xz', 'gz', 'zst', 'none'];

export interface FetchIndexOptions extends FetchOptions {
  /** Which index files to try, in order of preference, among those the Release lists. */
  compressions?: readonly IndexCompression[];
}

export interface FetchedIndex {
  records: PackageRecord[];
  /** Path of the index relative to dists/<suite>/, e.g. `main/binary-amd64/Packages.xz`. */
  path: string;
  /** sha256 and size of the downloaded (compressed) file, as listed in the Release file. */
  sha256: string;
  size: number;
  url: string;
}

/**
 * Fetch, check and parse one Packages index of a verified Release: the smallest compression the
 * Release lists, by hash when the archive supports it (falling back to the plain path on 404, as apt
 * does), checked against the Release's size and sha256 before it is decompressed.
 */
export async function fetchPackagesIndex(
  source: IndexSource,
  release: Release,
  options: FetchIndexOptions = {},
): Promise<FetchedIndex> {
  const { compressions = DEFAULT_COMPRESSIONS, ...fetchOptions } = options;
  const dir = `${source.component}/binary-${source.arch}`;
  const path = compressions
    .map((c) => `${dir}/Packages${c === 'none' ? '' : `.${c}`}`)
    .find((p) => release.sha256.has(p));
  if (path === undefined) {
    throw new PithError('input', `${source.suite} has no Packages index for ${source.component}/${source.arch}`, {
      hint: `the Release lists components ${release.components.join(' ')} and architectures ${release.architectures.join(' ')}`,
    });
  }
  const want = release.sha256.get(path)!;
  const base = `${source.baseUrl.replace(/\/+$/, '')}/dists/${source.suite}`;
  const plainUrl = `${base}/${path}`;
  let url = plainUrl;
  let bytes: Uint8Array;
  const bounded = { ...fetchOptions, limit: signedSizeLimit(want.size) };
  if (release.acquireByHash) {
    url = `${base}/${dir}/by-hash/SHA256/${want.sha256}`;
    try {
      bytes = await fetchBytes(url, bounded);
    } catch (err) {
      if (!(err instanceof PithError && /HTTP 404/.test(err.message))) throw err;
      url = plainUrl;
      bytes = await fetchBytes(url, bounded);
    }
  } else {
    bytes = await fetchBytes(url, bounded);
  }
  const got = sha256Hex(bytes);
  if (bytes.length !== want.size || got !== want.sha256) {
    throw integrityError(`${url}: index does not match the Release file`, {
      hint: `expected ${want.size} bytes sha256 ${want.sha256}, got ${bytes.length} bytes sha256 ${got}`,
    });
  }
  const text = new TextDecoder().decode(await decompressIndex(bytes, path, plainIndexLimit(release, dir)));
  return { records: parsePackagesIndex(text, source), path, sha256: want.sha256, size: want.size, url };
}

/** The body limit of a file whose size a signed Release (or an index, or the lock) gives. */
export function signedSizeLimit(size: number, of = 'the signed Release'): BodyLimit {
  return {
    maxBytes: size,
    reason: `the size ${of} gives for it`,
    hint: 'the mirror may be mid-sync or tampered with; try again later or another mirror',
  };
}

/** The most an index of `dir` may decompress to: the plain file's size when the Release lists it. */
export function plainIndexLimit(release: Release, dir: string): number {
  const cap = limit('indexBytes');
  const plain = release.sha256.get(`${dir}/Packages`)?.size;
  return plain === undefined ? cap : Math.min(plain, cap);
}
