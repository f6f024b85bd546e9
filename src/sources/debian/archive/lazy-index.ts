/**
 * A Packages index read lazily. Resolving a few dozen packages out of 63,000 needs, for every
 * stanza, only the fields that place it (Package, Version, Architecture, Provides); everything
 * else (Depends, Filename, SHA256, the raw control text...) is parsed on first access, by the
 * same parser as a full read (packages-index.ts), so the records behave exactly alike. The scan
 * works on a latin1 view of the bytes, where string offsets are byte offsets, and decodes a
 * stanza as UTF-8 only when it is parsed.
 */
import { PithError } from '../../../errors.js';
import { limit, raiseHint } from '../../../limits.js';
import { parsePackagesIndex, type IndexSource, type PackageRecord } from './packages-index.js';
import { parseProvides, type Relation, type RelationCache } from '../solver/relations.js';

/** Offsets of every line that starts with `name` (e.g. "Version:"), in order. */
function lineStarts(buffer: Buffer, name: string): Int32Array {
  const needle = Buffer.from(`\n${name}`, 'latin1');
  let out = new Int32Array(1 << 16);
  let n = 0;
  const push = (at: number) => {
    if (n === out.length) {
      const bigger = new Int32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[n++] = at;
  };
  if (buffer.subarray(0, needle.length - 1).equals(needle.subarray(1))) push(0);
  for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, at + needle.length)) push(at + 1);
  return out.subarray(0, n);
}

function valueAt(buffer: Buffer, at: number, nameLength: number): string {
  let end = buffer.indexOf(10, at);
  if (end < 0) end = buffer.length;
  return buffer.toString('latin1', at + nameLength, end).trim();
}

/**
 * One buffer search per field over the whole index (native, memmem-like), merged by offset: no
 * 50 MB string and no per-stanza slicing. Debian's Packages indexes start every stanza with
 * Package:. Names, versions and architectures are ASCII, so latin1 decoding is exact for them.
 */
export function scanPackagesIndex(bytes: Uint8Array, source: IndexSource): PackageRecord[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const where = `${source.suite}/${source.component}/binary-${source.arch}/Packages`;
  const cache: RelationCache = new Map();
  const starts = lineStarts(buffer, 'Package:');
  checkStanzaCount(starts.length, where);
  const versions = lineStarts(buffer, 'Version:');
  const archs = lineStarts(buffer, 'Architecture:');
  const provides = lineStarts(buffer, 'Provides:');
  const out: PackageRecord[] = new Array(starts.length);
  let v = 0;
  let a = 0;
  let p = 0;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    const end = i + 1 < starts.length ? starts[i + 1]! : buffer.length;
    while (v < versions.length && versions[v]! < start) v++;
    while (a < archs.length && archs[a]! < start) a++;
    while (p < provides.length && provides[p]! < start) p++;
    const name = valueAt(buffer, start, 8);
    const version = v < versions.length && versions[v]! < end ? valueAt(buffer, versions[v]!, 8) : '';
    const architecture = a < archs.length && archs[a]! < end ? valueAt(buffer, archs[a]!, 13) : '';
    if (!name || !version || !architecture) {
      throw new PithError('input', `stanza without Package, Version or Architecture`, {
        where: `${where} (byte ${start})`,
      });
    }
    const providesField = p < provides.length && provides[p]! < end ? valueAt(buffer, provides[p]!, 9) : undefined;
    const provided = providesField
      ? parseProvides(providesField, {
          arch: architecture === 'all' ? source.arch : architecture,
          where: `${where} (${name})`,
          cache,
        })
      : [];
    out[i] = new LazyRecord(
      buffer,
      start,
      stanzaEnd(buffer, start, end),
      source,
      name,
      version,
      architecture,
      provided,
    ) as unknown as PackageRecord;
  }
  if (starts.length === 0 && buffer.toString('latin1').trim() !== '') {
    throw new PithError('input', 'no stanza starts with Package:', { where });
  }
  return out;
}

/** Refuses an index with more stanzas than the indexEntries limit. */
function checkStanzaCount(count: number, where: string): void {
  // Every record costs memory while resolving; bookworm main has ~63,000.
  const maxEntries = limit('indexEntries');
  if (count > maxEntries) {
    throw new PithError('input', `${where} has ${count} stanzas, more than the limit of ${maxEntries}; refused`, {
      hint: raiseHint('indexEntries'),
    });
  }
}

/** The stanza's bytes run to the next stanza, less the blank line between them. */
function stanzaEnd(buffer: Buffer, start: number, next: number): number {
  let end = next;
  while (end > start && buffer[end - 1] === 10) end--;
  return end;
}

/**
 * The placing fields are own properties; the rest are getters on the prototype (cheap to create
 * by the tens of thousands) that parse the stanza once, on first use.
 */
class LazyRecord {
  readonly suite: string;
  readonly component: string;
  readonly baseUrl: string;
  #full: PackageRecord | undefined;

  constructor(
    private readonly buffer: Buffer,
    private readonly start: number,
    private readonly end: number,
    private readonly indexSource: IndexSource,
    readonly name: string,
    readonly version: string,
    readonly architecture: string,
    readonly provides: Relation[],
  ) {
    this.suite = indexSource.suite;
    this.component = indexSource.component;
    this.baseUrl = indexSource.baseUrl;
  }

  private get full(): PackageRecord {
    if (!this.#full) {
      const [record] = parsePackagesIndex(`${this.buffer.toString('utf8', this.start, this.end)}\n`, this.indexSource);
      if (!record) throw new PithError('input', `cannot parse the stanza of ${this.name}`);
      this.#full = record;
    }
    return this.#full;
  }

  get depends() {
    return this.full.depends;
  }
  get preDepends() {
    return this.full.preDepends;
  }
  get essential() {
    return this.full.essential;
  }
  get priority() {
    return this.full.priority;
  }
  get section() {
    return this.full.section;
  }
  get multiArch() {
    return this.full.multiArch;
  }
  get filename() {
    return this.full.filename;
  }
  get size() {
    return this.full.size;
  }
  get sha256() {
    return this.full.sha256;
  }
  get source() {
    return this.full.source;
  }
  get sourceVersion() {
    return this.full.sourceVersion;
  }
  get control() {
    return this.full.control;
  }
}
