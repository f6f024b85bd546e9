/** Conflicts and Breaks among the selected packages: reported in the solver's notes, not enforced. */
import { parseDeb822Single } from '../archive/deb822.js';
import type { PackageRecord } from '../archive/packages-index.js';
import { versionOk } from './matching.js';
import { formatRelation, parseRelations, type Relation } from './relations.js';
import type { PackageUniverse } from './universe.js';
import { compareBytes } from '../../../byte-order.js';

/** One note per selected package that a selected package's Conflicts or Breaks names, by package name. */
export function conflictNotes(selected: ReadonlyMap<string, PackageRecord>, u: PackageUniverse): string[] {
  const notes: string[] = [];
  const names = [...selected.keys()].sort(compareBytes);
  for (const name of names) {
    const record = selected.get(name)!;
    if (!/^(Conflicts|Breaks):/im.test(record.control)) continue;
    let fields;
    try {
      fields = parseDeb822Single(record.control);
    } catch {
      continue; // the index parser accepted the stanza; notes are best effort
    }
    for (const field of ['Conflicts', 'Breaks']) {
      let groups: Relation[][];
      try {
        groups = parseRelations(fields.get(field), { arch: u.arch });
      } catch {
        continue;
      }
      for (const rel of groups.flat()) {
        for (const hit of selectedHits(rel, record, selected, u)) {
          notes.push(
            `${name} ${field} ${formatRelation(rel)}, but ${hit.name} ${hit.version} is selected (not enforced)`,
          );
        }
      }
    }
  }
  return notes;
}

/** The selected packages, other than `record`, that `rel` names (by name and version, or by Provides). */
function selectedHits(
  rel: Relation,
  record: PackageRecord,
  selected: ReadonlyMap<string, PackageRecord>,
  u: PackageUniverse,
): PackageRecord[] {
  const hits: PackageRecord[] = [];
  const s = selected.get(rel.name);
  if (s && s !== record && versionOk(s.version, rel)) hits.push(s);
  for (const p of u.providers(rel.name)) {
    if (selected.get(p.record.name) !== p.record || p.record === record || hits.includes(p.record)) continue;
    if (rel.op === undefined || (p.provided.version !== undefined && versionOk(p.provided.version, rel)))
      hits.push(p.record);
  }
  return hits;
}
