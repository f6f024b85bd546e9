/** Why nothing can satisfy a relation: the text of the solver's error after the chain. */
import type { PackageRecord } from '../archive/packages-index.js';
import { archOk, distinct, providedOk, versionOk } from './matching.js';
import type { Relation } from './relations.js';
import type { Constraint } from './solve-types.js';
import type { PackageUniverse, ProvidedBy } from './universe.js';
import { satisfies } from './version.js';

/** What a round knows when it explains a failure. */
export interface ExplainContext {
  u: PackageUniverse;
  selected: ReadonlyMap<string, PackageRecord>;
  forcedOn(name: string): Constraint[];
}

/** Why nothing can satisfy `rel` (the message after the chain). */
export function explain(rel: Relation, explicit: boolean, ctx: ExplainContext): string {
  const { u } = ctx;
  const name = rel.name;
  if (rel.arch !== undefined && rel.arch !== 'any' && rel.arch !== 'native' && rel.arch !== u.arch) {
    return `cross-architecture dependencies are not supported (the image is ${u.arch})`;
  }
  const real = u.candidates(name);
  const provs = u.providers(name);
  if (real.length === 0 && provs.length === 0) {
    const others = u.otherArchitectures(name);
    const elsewhere = others.length > 0 ? `; it exists for ${others.join(', ')} only` : '';
    return explicit ? `no such package in ${u.describe()}${elsewhere}` : `no package provides "${name}"${elsewhere}`;
  }
  const realA = real.filter((r) => archOk(u.arch, r, rel));
  const provsA = provs.filter((p) => archOk(u.arch, p.record, rel));
  if (realA.length === 0 && provsA.length === 0) {
    return `no package named or providing "${name}" is Multi-Arch: allowed or foreign, as ${name}:any requires`;
  }
  if (rel.op !== undefined) {
    const unmet = versionMismatch(rel, realA, provsA, u.arch);
    if (unmet !== undefined) return unmet;
  }
  // Something fits the relation but is unusable: a provider selected at another version, or
  // versions ruled out by constraints learned in an earlier round.
  const blocked = [
    ...realA.filter((r) => versionOk(r.version, rel)),
    ...provsA.filter((p) => providedOk(u.arch, p, rel)).map((p) => p.record),
  ];
  const reasons = distinct(
    blocked.map((r) => {
      const s = ctx.selected.get(r.name);
      if (s && s !== r) return `${r.name} ${s.version} is already selected`;
      const f = ctx.forcedOn(r.name).find((c) => !satisfies(r.version, c.op, c.version));
      return f ? `${r.name} ${r.version} does not meet ${f.label}` : `${r.name} ${r.version} cannot be used`;
    }),
  );
  return reasons.join('; ');
}

/** For a versioned `rel`: the versions on offer when none fits it, else undefined. */
function versionMismatch(
  rel: Relation,
  realA: readonly PackageRecord[],
  provsA: readonly ProvidedBy[],
  arch: string,
): string | undefined {
  const offered = [
    ...distinct(realA.map((r) => r.version)),
    ...provsA
      .filter((p) => p.provided.version !== undefined)
      .map((p) => `${p.provided.version} (provided by ${p.record.name})`),
  ];
  const unversioned = distinct(provsA.filter((p) => p.provided.version === undefined).map((p) => p.record.name));
  const fits = realA.some((r) => versionOk(r.version, rel)) || provsA.some((p) => providedOk(arch, p, rel));
  if (fits) return undefined;
  const parts: string[] = [];
  if (offered.length > 0) parts.push(`only ${distinct(offered).join(', ')} available`);
  if (unversioned.length > 0) {
    parts.push(
      `${offered.length > 0 ? 'also ' : ''}provided without a version by ${unversioned.join(', ')}, which cannot satisfy a versioned dependency`,
    );
  }
  return parts.join('; ');
}
