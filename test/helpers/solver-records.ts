/**
 * Synthetic PackageRecords for solver tests, from compact one-line descriptions:
 *
 *   'curl 7.88 | Depends: libcurl4 (>= 7.88), libc6'
 *   'libssl3 3.0.2 suite=bookworm-security arch=all ma=allowed prio=required essential | Provides: ssl'
 *
 * The head is `name version` then options `key=value` (suite, arch, ma, prio) or the flag
 * `essential`; after the first ` | ` come fields (`Depends: ...`, `Pre-Depends: ...`,
 * `Provides: ...`, `Conflicts: ...`, `Breaks: ...`) separated by ` ; `. Relations are parsed by the
 * real relation parser, and `control` holds an equivalent stanza.
 */
import { createHash } from 'node:crypto';
import type { PackageRecord, MultiArch } from '../../src/sources/debian/archive/packages-index.js';
import { parseProvides, parseRelations } from '../../src/sources/debian/solver/relations.js';

export interface RecordDefaults {
  suite?: string;
  arch?: string;
}

export function rec(description: string, defaults: RecordDefaults = {}): PackageRecord {
  const bar = description.indexOf(' | ');
  const head = (bar < 0 ? description : description.slice(0, bar)).trim().split(/\s+/);
  const fieldsText = bar < 0 ? '' : description.slice(bar + 3);
  const [name, version, ...opts] = head as [string, string, ...string[]];
  if (!name || !version) throw new Error(`bad record description "${description}"`);
  let suite = defaults.suite ?? 'bookworm';
  let architecture = defaults.arch ?? 'amd64';
  let multiArch: MultiArch | undefined;
  let priority: string | undefined;
  let essential = false;
  for (const o of opts) {
    const [k, v] = o.split('=') as [string, string | undefined];
    if (k === 'essential') essential = true;
    else if (k === 'suite' && v) suite = v;
    else if (k === 'arch' && v) architecture = v;
    else if (k === 'ma' && v) multiArch = v as MultiArch;
    else if (k === 'prio' && v) priority = v;
    else throw new Error(`bad option "${o}" in "${description}"`);
  }
  const fields = new Map<string, string>();
  for (const part of fieldsText.split(' ; ')) {
    if (part.trim() === '') continue;
    const colon = part.indexOf(':');
    fields.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  const control = [
    `Package: ${name}`,
    `Version: ${version}`,
    `Architecture: ${architecture}`,
    ...(essential ? ['Essential: yes'] : []),
    ...(multiArch ? [`Multi-Arch: ${multiArch}`] : []),
    ...(priority ? [`Priority: ${priority}`] : []),
    ...[...fields].map(([k, v]) => `${k}: ${v}`),
    `Filename: pool/main/${name}_${version}_${architecture}.deb`,
  ].join('\n');
  const record: PackageRecord = {
    name,
    version,
    architecture,
    depends: parseRelations(fields.get('Depends'), { arch: architecture === 'all' ? 'amd64' : architecture }),
    preDepends: parseRelations(fields.get('Pre-Depends')),
    provides: parseProvides(fields.get('Provides')),
    essential,
    filename: `pool/main/${name}_${version}_${architecture}.deb`,
    size: 1000,
    sha256: createHash('sha256').update(`${name} ${version} ${architecture} ${suite}`).digest('hex'),
    source: name,
    sourceVersion: version,
    suite,
    component: 'main',
    baseUrl: 'http://mirror.invalid/debian',
    control: `${control}\n`,
  };
  if (multiArch) record.multiArch = multiArch;
  if (priority) record.priority = priority;
  return record;
}

/** Many records, one description per line (blank lines and `#` comments ignored). */
export function recs(text: string, defaults: RecordDefaults = {}): PackageRecord[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => rec(l, defaults));
}

/** A deterministic shuffle (for order-independence tests). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
