/** Whether a package record (or a Provides of one) meets a relation: architecture, version, provider rank. */
import type { MultiArch, PackageRecord } from '../archive/packages-index.js';
import type { Relation } from './relations.js';
import type { Constraint } from './solve-types.js';
import type { ProvidedBy } from './universe.js';
import { satisfies, type VersionOp } from './version.js';

export function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

export function priorityRank(record: PackageRecord): number {
  return record.priority === 'required' ? 0 : record.priority === 'important' ? 1 : 2;
}

export function versionOk(version: string, rel: { op?: VersionOp; version?: string }): boolean {
  return rel.op === undefined || rel.version === undefined || satisfies(version, rel.op, rel.version);
}

export function meets(version: string, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => satisfies(version, c.op, c.version));
}

/** Whether a record (of the universe: image arch `arch` or `all`) meets a relation's architecture qualifier. */
export function archOk(arch: string, record: { multiArch?: MultiArch }, rel: Relation): boolean {
  const q = rel.arch;
  if (q === undefined || q === 'native' || q === arch) return true;
  if (q === 'any') return record.multiArch === 'allowed' || record.multiArch === 'foreign';
  return false;
}

export function realOk(arch: string, record: PackageRecord, rel: Relation): boolean {
  return record.name === rel.name && archOk(arch, record, rel) && versionOk(record.version, rel);
}

/** Policy 7.5: only a versioned Provides can satisfy a versioned relation. */
export function providedOk(arch: string, p: ProvidedBy, rel: Relation): boolean {
  if (!archOk(arch, p.record, rel)) return false;
  if (rel.op === undefined) return true;
  return p.provided.op === '=' && p.provided.version !== undefined && versionOk(p.provided.version, rel);
}
