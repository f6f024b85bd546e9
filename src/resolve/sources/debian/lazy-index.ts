/**
 * A Packages index read lazily. Resolving a few dozen packages out of 63,000 needs, for every
 * stanza, only the fields that place it (Package, Version, Architecture, Provides); everything
 * else (Depends, Filename, SHA256, the raw control text...) is parsed on first access, by the
 * same parser as a full read (packages-index.ts), so the records behave exactly alike. The scan
 * works on a latin1 view of the bytes, where string offsets are byte offsets, and decodes a
 * stanza as UTF-8 only when it is parsed.
 */
import { PithError } from '../../../errors.js';
import { parsePackagesIndex, type IndexSource, type PackageRecord } from './packages-index.js';
import { parseProvides, type Relation, type RelationCache } from './relations.js';

/** Reads `<Field>: value` from one stanza; undefined when absent. */
function field(stanza: string, name: string): string | undefined {
  let at = stanza.startsWith(name) ? 0 : stanza.indexOf(`\n${name}`) + 1;
  if (at <= 0 && !stanza.startsWith(name)) return undefined;
  const lineEnd = stanza.indexOf('\n', at);
  return stanza.slice(at + name.length, lineEnd < 0 ? stanza.length : lineEnd).trim();
}

export function scanPackagesIndex(bytes: Uint8Array, source: IndexSource): PackageRecord[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('latin1');
  const where = `${source.suite}/${source.component}/binary-${source.arch}/Packages`;
  const cache: RelationCache = new Map();
  const out: PackageRecord[] = [];
  let start = 0;
  while (start < text.length) {
    // Skip blank lines between stanzas.
    while (start < text.length && text.charCodeAt(start) === 10) start++;
    if (start >= text.length) break;
    let end = text.indexOf('\n\n', start);
    if (end < 0) end = text.length;
    // A sliced string shares the text's memory: searching it stays within the stanza.
    const stanza = text.slice(start, end);
    const name = field(stanza, 'Package:');
    const version = field(stanza, 'Version:');
    const architecture = field(stanza, 'Architecture:');
    if (!name || !version || !architecture) {
      throw new PithError('input', `stanza without Package, Version or Architecture`, { where: `${where} (byte ${start})` });
    }
    const providesField = field(stanza, 'Provides:');
    const provides = providesField
      ? parseProvides(providesField, { arch: architecture === 'all' ? source.arch : architecture, where: `${where} (${name})`, cache })
      : [];
    out.push(new LazyRecord(buffer, start, end, source, name, version, architecture, provides) as unknown as PackageRecord);
    start = end + 2;
  }
  return out;
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

  get depends() { return this.full.depends; }
  get preDepends() { return this.full.preDepends; }
  get essential() { return this.full.essential; }
  get priority() { return this.full.priority; }
  get section() { return this.full.section; }
  get multiArch() { return this.full.multiArch; }
  get filename() { return this.full.filename; }
  get size() { return this.full.size; }
  get sha256() { return this.full.sha256; }
  get source() { return this.full.source; }
  get sourceVersion() { return this.full.sourceVersion; }
  get control() { return this.full.control; }
}
