/**
 * The dependency solver: from the packages the user asks for to the closed set of Debian packages
 * an image needs, one version per package name.
 *
 * Semantics:
 * - Only Pre-Depends and Depends are followed (Recommends and Suggests never are, as in other image
 *   builders). The walk is breadth-first: the requirements first, in the order given, then each
 *   selected package's Pre-Depends and Depends in selection order. `reasons` keeps, per package, the
 *   chain that first pulled it in (the shortest one, breadth-first). Nothing depends on the order of
 *   records in the indexes (PackageUniverse sorts them), so the result is deterministic.
 * - Versions: the highest version that satisfies the relation (and every constraint learned so far
 *   for that name), across all suites; ties between suites go to the first suite (PackageUniverse).
 *   A requirement's version (`curl=7.88.1-10`, `curl (<< 8)`) pins it. Operators are dpkg's
 *   (version.ts).
 * - Alternatives `a | b`: if an alternative is satisfied by a package already selected (requested
 *   ones are selected first), that one is used; else if one is satisfied by an excluded package, or
 *   by an Essential one (see below), nothing is pulled in; otherwise they are tried left to right,
 *   and the first that can be satisfied wins: by a real package of that name first, then by a
 *   provider. A note records the choice whenever a group had several alternatives.
 * - Virtual packages (Provides, policy 7.5): a versioned Provides (`foo (= 1.2)`) satisfies a
 *   versioned dependency when the provided version does; an unversioned Provides never satisfies a
 *   versioned dependency. Among several providers: one already selected, then Priority required or
 *   important, then the highest version, then name order (code points). A note records the choice.
 * - Multi-Arch: the image has one architecture (the universe's). `foo:any` is satisfied by packages
 *   with Multi-Arch: allowed or foreign; `foo:native`, `foo:<image arch>` and `foo` by any package of
 *   the universe (image arch or `all`). Another explicit architecture can never be satisfied:
 *   cross-architecture co-installation is out of scope.
 * - Essential packages are assumed present by every package's metadata, and an image needs most of
 *   them only for maintainer scripts pith does not run, so a dependency that an Essential package
 *   satisfies (by name and version, or through its Provides) is not followed: the solver reports it
 *   in `essentialSkipped` and a note, and the caller decides whether the image needs a file the
 *   package ships (build/install-needs.ts: perl-base for a `#!/usr/bin/perl` program) and then
 *   solves again with it in `followEssential`, whose members are followed like any package.
 *   This holds even when another alternative is non-essential (`dpkg (>= 1.15.4) | install-info`,
 *   `init-system-helpers | initscripts`, `base-files (>= x) | python3-bpfcc` in bookworm): on any
 *   Debian system the Essential one is what satisfies it, so apt would not install the other either.
 *   Explicitly requested Essential packages are installed normally, their dependencies followed, and
 *   they then satisfy dependencies on them like any selected package.
 * - `scriptOnly`: packages only maintainer scripts use (adduser, debconf, ucf...; a table in
 *   script-only.ts). A dependency one of them satisfies is not followed unless it is requested, and
 *   a note says so.
 * - `exclude`: the named packages are treated as present but are cut from the closure: a dependency
 *   satisfied by an excluded package (by name, whatever the version, or through its Provides) counts
 *   as satisfied, and a note records it. Requesting an excluded package is a spec error.
 * - Cycles are fine (a package is selected before its dependencies are walked).
 * - One version per name: when a later relation is not satisfied by the version already selected,
 *   the solver looks for a version satisfying every constraint seen for that name; if there is one,
 *   it remembers the constraints and starts again from scratch (each restart adds at least one new
 *   constraint, so this ends; at most MAX_ROUNDS). Learned constraints stay even if the chain that
 *   imposed them disappears in a later round: this is a limited backtrack, not a SAT solver.
 *   If no version fits, the error names both chains.
 * - `installed` (a base image's packages): present at their one version and never replaced. A
 *   relation an installed package satisfies (by name and version, or through its Provides) is
 *   satisfied, before anything else is looked at, and nothing is added for it; a requested package
 *   the base has is a note. A relation on an installed name that its version does not satisfy is
 *   never met by adding another version of it on top (two versions of one package's files in one
 *   image): it is an error naming the chain and the base's version, unless another alternative
 *   of the group can be satisfied.
 * - Conflicts and Breaks are not enforced; those among the selected packages are reported in notes.
 * - Errors are PithError('build') naming the chain and the problem, with the `where` of the
 *   requirement at the root of the chain.
 */
import { buildError, specError } from '../../../errors.js';
import { parseDeb822Single } from '../archive/deb822.js';
import { InstalledSet, type InstalledPackage } from './installed.js';
import type { MultiArch, PackageRecord } from '../archive/packages-index.js';
import { formatRelation, parseRelations, type Relation } from './relations.js';
import type { Requirement } from './requirement.js';
import type { PackageUniverse, ProvidedBy } from './universe.js';
import { compareVersions, satisfies, type VersionOp } from './version.js';
import { compareBytes } from '../../../byte-order.js';

export interface SolveOptions {
  /** Packages cut from the closure: dependencies on them count as satisfied. */
  exclude?: string[];
  /** Packages already in the image (a base image's): never added, never replaced. */
  installed?: readonly InstalledPackage[];
  /** Essential packages to follow like any other when something depends on them. */
  followEssential?: ReadonlySet<string>;
  /** Packages only maintainer scripts use: dependencies on them are not followed (name -> why). */
  scriptOnly?: ReadonlyMap<string, string>;
}

export interface Resolution {
  /** Sorted by name (code points); one version per name. */
  packages: PackageRecord[];
  /** Package name -> the chain that pulled it in, from a requested package, e.g. ['curl', 'libcurl4', 'libssl3']. */
  reasons: Map<string, string[]>;
  /** Choices made among alternatives and providers, dependencies not followed, Conflicts/Breaks seen. */
  notes: string[];
  /** Essential packages a selected package depends on that were not followed, with that package's chain. */
  essentialSkipped: Array<{ name: string; chain: string[] }>;
}

/** Restarts allowed to settle versions (each adds a learned constraint). */
const MAX_ROUNDS = 100;

interface Constraint {
  op: VersionOp;
  version: string;
  /** The chain and relation that imposed it, e.g. `curl -> libcurl4 -> libssl3 (>= 3.0.9)`. */
  label: string;
  where: string | undefined;
}

/** Why an alternative failed: `sep` joins it to the relation (`: ` for reasons, ` ` for "conflicts with"). */
interface Failure {
  sep: ': ' | ' ';
  text: string;
}

/** Thrown inside a round when a learned constraint requires starting again. */
class Restart {
  constructor(readonly name: string) {}
}


function distinct<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function priorityRank(record: PackageRecord): number {
  return record.priority === 'required' ? 0 : record.priority === 'important' ? 1 : 2;
}

function versionOk(version: string, rel: { op?: VersionOp; version?: string }): boolean {
  return rel.op === undefined || rel.version === undefined || satisfies(version, rel.op, rel.version);
}

function meets(version: string, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => satisfies(version, c.op, c.version));
}

export function solve(requirements: readonly Requirement[], universe: PackageUniverse, options: SolveOptions = {}): Resolution {
  const exclude = new Set(options.exclude ?? []);
  for (const req of requirements) {
    if (exclude.has(req.name)) {
      throw specError(`${req.name} is both requested and excluded`, {
        ...(req.where === undefined ? {} : { where: req.where }),
        hint: 'remove it from the packages or from the exclusions',
      });
    }
  }
  const installed = new InstalledSet(options.installed ?? [], universe.arch);
  const forced = new Map<string, Constraint[]>();
  /** Why rounds were restarted: kept across rounds, they come first in the final notes. */
  const restarts: string[] = [];
  let lastRestart = '';
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const r = new Round(universe, exclude, installed, forced, restarts, options);
    try {
      return r.run(requirements);
    } catch (err) {
      if (!(err instanceof Restart)) throw err;
      lastRestart = err.name;
    }
  }
  throw buildError(`could not settle the versions of the dependencies after ${MAX_ROUNDS} attempts (last conflict on ${lastRestart})`, {
    hint: 'pin the versions of the packages involved in the requirements',
  });
}

/** One breadth-first walk with a fixed set of learned (forced) constraints. */
class Round {
  private readonly selected = new Map<string, PackageRecord>();
  /** Selection order: the breadth-first queue. */
  private readonly order: string[] = [];
  private readonly chains = new Map<string, string[]>();
  private readonly wheres = new Map<string, string | undefined>();
  /** Version constraints met by the selected version, per real package name. */
  private readonly constraints = new Map<string, Constraint[]>();
  private readonly notes: string[] = [];
  private readonly essentialSkipped: Resolution['essentialSkipped'] = [];

  constructor(
    private readonly u: PackageUniverse,
    private readonly exclude: ReadonlySet<string>,
    private readonly installed: InstalledSet,
    private readonly forced: Map<string, Constraint[]>,
    private readonly restarts: string[],
    private readonly options: SolveOptions,
  ) {}

  run(requirements: readonly Requirement[]): Resolution {
    for (const name of this.exclude) {
      if (!this.u.knows(name)) this.notes.push(`exclude: no package is named or provides "${name}" in ${this.u.describe()}`);
    }
    for (const req of requirements) {
      const rel: Relation = req.op && req.version !== undefined ? { name: req.name, op: req.op, version: req.version } : { name: req.name };
      this.group([rel], [], req.where, true);
    }
    for (let i = 0; i < this.order.length; i++) {
      const name = this.order[i]!;
      const record = this.selected.get(name)!;
      const chain = this.chains.get(name)!;
      const where = this.wheres.get(name);
      for (const g of record.preDepends) this.group(g, chain, where, false);
      for (const g of record.depends) this.group(g, chain, where, false);
    }
    this.conflictNotes();
    const names = [...this.selected.keys()].sort(compareBytes);
    return {
      packages: names.map((n) => this.selected.get(n)!),
      reasons: new Map(names.map((n) => [n, this.chains.get(n)!])),
      notes: [...this.restarts, ...this.notes],
      essentialSkipped: this.essentialSkipped,
    };
  }

  // --- matching ---------------------------------------------------------------------------------

  /** Whether a record (of the universe: image arch or `all`) meets a relation's architecture qualifier. */
  private archOk(record: { multiArch?: MultiArch }, rel: Relation): boolean {
    const q = rel.arch;
    if (q === undefined || q === 'native' || q === this.u.arch) return true;
    if (q === 'any') return record.multiArch === 'allowed' || record.multiArch === 'foreign';
    return false;
  }

  private realOk(record: PackageRecord, rel: Relation): boolean {
    return record.name === rel.name && this.archOk(record, rel) && versionOk(record.version, rel);
  }

  /** Policy 7.5: only a versioned Provides can satisfy a versioned relation. */
  private providedOk(p: ProvidedBy, rel: Relation): boolean {
    if (!this.archOk(p.record, rel)) return false;
    if (rel.op === undefined) return true;
    return p.provided.op === '=' && p.provided.version !== undefined && versionOk(p.provided.version, rel);
  }

  private forcedOn(name: string): Constraint[] {
    return this.forced.get(name) ?? [];
  }

  /** A selected package satisfying `rel`, real package first. */
  private selectedFor(rel: Relation): { record: PackageRecord; real: boolean } | undefined {
    const s = this.selected.get(rel.name);
    if (s && this.realOk(s, rel)) return { record: s, real: true };
    for (const p of this.u.providers(rel.name)) {
      if (this.selected.get(p.record.name) === p.record && this.providedOk(p, rel)) return { record: p.record, real: false };
    }
    return undefined;
  }

  /** The installed (base image) package that satisfies `rel`, by name and version or by Provides. */
  private installedFor(rel: Relation): InstalledPackage | undefined {
    const real = this.installed.get(rel.name);
    if (real && this.archOk(real, rel) && versionOk(real.version, rel)) return real;
    for (const { pkg, provided } of this.installed.providers(rel.name)) {
      if (!this.archOk(pkg, rel)) continue;
      if (rel.op === undefined || (provided.op === '=' && provided.version !== undefined && versionOk(provided.version, rel))) return pkg;
    }
    return undefined;
  }

  /** The excluded package that satisfies `rel` (by its name whatever the version, or by Provides). */
  private excludedFor(rel: Relation): string | undefined {
    if (this.exclude.has(rel.name)) return rel.name;
    return this.u.providers(rel.name).find((p) => this.exclude.has(p.record.name) && this.providedOk(p, rel))?.record.name;
  }

  /** An Essential package, not selected nor to be followed, that satisfies `rel` (by name or by Provides). */
  private essentialFor(rel: Relation): string | undefined {
    const skip = (name: string) => this.selected.has(name) || this.options.followEssential?.has(name) === true;
    const real = this.u.candidates(rel.name).find((r) => r.essential && !skip(r.name) && this.realOk(r, rel));
    if (real) return real.name;
    return this.u.providers(rel.name).find((p) => p.record.essential && !skip(p.record.name) && this.providedOk(p, rel))?.record.name;
  }

  /** A package only maintainer scripts use that satisfies `rel` (by name or by Provides). */
  private scriptOnlyFor(rel: Relation): string | undefined {
    const table = this.options.scriptOnly;
    if (!table || table.size === 0) return undefined;
    if (table.has(rel.name)) return rel.name;
    return this.u.providers(rel.name).find((p) => table.has(p.record.name) && this.providedOk(p, rel))?.record.name;
  }

  // --- one dependency group -----------------------------------------------------------------------

  /**
   * Satisfy one AND-term (`a | b`) of a package's dependencies, or a requirement (`explicit`, one
   * alternative). `parent` is the chain of the package that has the dependency (empty for requirements).
   */
  private group(alts: readonly Relation[], parent: readonly string[], where: string | undefined, explicit: boolean): void {
    const groupText = alts.map(formatRelation).join(' | ');
    const label = [...parent, groupText].join(' -> ');
    const altLabel = (rel: Relation) => [...parent, formatRelation(rel)].join(' -> ');

    // 0. Already in the image (a base image's package).
    for (const rel of alts) {
      const hit = this.installedFor(rel);
      if (!hit) continue;
      if (explicit) this.notes.push(`${label}: already in the base image (${hit.name} ${hit.version})`);
      return;
    }

    // 1. Already selected.
    for (const [i, rel] of alts.entries()) {
      const hit = this.selectedFor(rel);
      if (!hit) continue;
      if (hit.real) this.constrain(rel, altLabel(rel), where);
      if (i > 0) this.notes.push(`${label}: ${hit.record.name} already selected`);
      return;
    }

    // 2. Excluded, hence treated as present.
    for (const rel of alts) {
      const name = this.excludedFor(rel);
      if (name === undefined) continue;
      this.notes.push(`${label}: satisfied by excluded ${name}`);
      return;
    }

    // 3. Essential packages are left to the caller, which follows those the image needs (unless
    // requested: those are selected in step 1); packages only maintainer scripts use stay out.
    if (!explicit) {
      for (const rel of alts) {
        const name = this.essentialFor(rel);
        if (name === undefined) continue;
        this.notes.push(`${label}: not followed (essential ${name}: installed only when the image needs a file it ships)`);
        if (!this.essentialSkipped.some((e) => e.name === name && e.chain.join() === parent.join())) this.essentialSkipped.push({ name, chain: [...parent] });
        return;
      }
      for (const rel of alts) {
        const name = this.scriptOnlyFor(rel);
        if (name === undefined) continue;
        this.notes.push(`${label}: not followed (${name} ${this.options.scriptOnly!.get(name)})`);
        return;
      }
    }

    // 4. Left to right: a real package, then a provider.
    const skipped: string[] = [];
    for (const [i, rel] of alts.entries()) {
      const usable = (r: PackageRecord) => !this.selected.has(r.name) && !this.installed.has(r.name) && meets(r.version, this.forcedOn(r.name));
      const real = this.u.candidates(rel.name).filter((r) => this.realOk(r, rel) && usable(r));
      const provs = this.u.providers(rel.name).filter((p) => this.providedOk(p, rel) && usable(p.record));
      let pick: PackageRecord | undefined = real[0];
      if (pick) {
        this.constrain(rel, altLabel(rel), where);
      } else if (provs.length > 0) {
        pick = this.chooseProvider(rel, provs, label);
      }
      if (pick) {
        if (alts.length > 1) {
          this.notes.push(`${label}: chose ${pick.name} (${i === 0 ? 'first alternative' : `${skipped.join(', ')} cannot be satisfied`})`);
        }
        this.select(pick, [...parent, pick.name], where);
        return;
      }
      skipped.push(formatRelation(rel));
    }

    // 5. A package of that name is selected (or constrained) at a version that does not fit:
    // restart with the constraints if some version fits them all; otherwise fail.
    const failures = alts.map(
      (rel) => this.installedConflict(rel) ?? this.tryOtherVersion(rel, altLabel(rel), where) ?? { sep: ': ', text: this.explain(rel, explicit) },
    );
    const message =
      alts.length === 1
        ? `${label}${failures[0]!.sep}${failures[0]!.text}`
        : `${label}: no alternative can be satisfied (${alts.map((rel, i) => `${formatRelation(rel)}${failures[i]!.sep}${failures[i]!.text}`).join('; ')})`;
    throw buildError(message, where === undefined ? {} : { where });
  }

  private constrain(rel: Relation, label: string, where: string | undefined): void {
    if (rel.op === undefined || rel.version === undefined) return;
    let list = this.constraints.get(rel.name);
    if (!list) this.constraints.set(rel.name, (list = []));
    list.push({ op: rel.op, version: rel.version, label, where });
  }

  private select(record: PackageRecord, chain: string[], where: string | undefined): void {
    this.selected.set(record.name, record);
    this.order.push(record.name);
    this.chains.set(record.name, chain);
    this.wheres.set(record.name, where);
  }

  /** Several providers: Priority required/important, then highest version, then name. */
  private chooseProvider(rel: Relation, provs: readonly ProvidedBy[], label: string): PackageRecord {
    // Best version of each providing package (provs is ordered by name, then best record first).
    const best: PackageRecord[] = [];
    for (const p of provs) if (best[best.length - 1]?.name !== p.record.name) best.push(p.record);
    const rank = (a: PackageRecord, b: PackageRecord) =>
      priorityRank(a) - priorityRank(b) || compareVersions(b.version, a.version) || compareBytes(a.name, b.name);
    const sorted = best.slice().sort(rank);
    const pick = sorted[0]!;
    if (sorted.length > 1) {
      const next = sorted[1]!;
      const why =
        priorityRank(pick) !== priorityRank(next)
          ? `Priority: ${pick.priority}`
          : compareVersions(pick.version, next.version) !== 0
            ? 'highest version'
            : 'first by name';
      this.notes.push(`${label}: ${formatRelation(rel)} is provided by ${best.map((r) => r.name).join(', ')}; chose ${pick.name} (${why})`);
    }
    return pick;
  }

  /** When `rel` names a package the base image has at a version that does not satisfy it. */
  private installedConflict(rel: Relation): Failure | undefined {
    const pkg = this.installed.get(rel.name);
    if (!pkg) return undefined;
    return { sep: ': ', text: `the base image has ${pkg.name} ${pkg.version}, which does not satisfy it (packages of the base are never replaced)` };
  }

  /**
   * When `rel` names a real package that is selected (or constrained by an earlier round) at a version
   * that does not fit: restart if one version fits every constraint, or describe the conflict.
   * Undefined when there is no such conflict.
   */
  private tryOtherVersion(rel: Relation, label: string, where: string | undefined): Failure | undefined {
    const name = rel.name;
    const fitting = this.u.candidates(name).filter((r) => this.realOk(r, rel));
    if (fitting.length === 0 || rel.op === undefined || rel.version === undefined) return undefined;
    const others = [...this.forcedOn(name), ...(this.constraints.get(name) ?? [])];
    if (!this.selected.has(name) && others.length === 0) return undefined;
    if (fitting.some((r) => meets(r.version, others))) {
      const learned = this.forcedOn(name).slice();
      for (const c of [...(this.constraints.get(name) ?? []), { op: rel.op, version: rel.version, label, where }]) {
        if (!learned.some((l) => l.op === c.op && l.version === c.version)) learned.push(c);
      }
      // Restart only when something was learned, so that rounds cannot repeat themselves.
      if (learned.length > this.forcedOn(name).length) {
        const selected = this.selected.get(name);
        const by = selected ? `${name} ${selected.version} (selected by ${this.chains.get(name)!.join(' -> ')})` : name;
        this.restarts.push(`${by} does not satisfy ${label}: solved again, keeping ${name} ${learned.map((c) => `(${c.op} ${c.version})`).join(' ')}`);
        this.forced.set(name, learned);
        throw new Restart(name);
      }
      return undefined;
    }
    const available = distinct(this.u.candidates(name).map((r) => r.version)).join(', ');
    // The first constraint that, together with this relation, no version satisfies; else all of them.
    const culprit = others.find((c) => !fitting.some((r) => satisfies(r.version, c.op, c.version)));
    if (culprit) {
      return { sep: ' ', text: `conflicts with ${culprit.label}: no version of ${name} satisfies both (available: ${available})` };
    }
    return {
      sep: ' ',
      text: `conflicts with ${others.map((c) => c.label).join(' and ')}: no version of ${name} satisfies them all (available: ${available})`,
    };
  }

  /** Why nothing can satisfy `rel` (the message after the chain). */
  private explain(rel: Relation, explicit: boolean): string {
    const name = rel.name;
    if (rel.arch !== undefined && rel.arch !== 'any' && rel.arch !== 'native' && rel.arch !== this.u.arch) {
      return `cross-architecture dependencies are not supported (the image is ${this.u.arch})`;
    }
    const real = this.u.candidates(name);
    const provs = this.u.providers(name);
    if (real.length === 0 && provs.length === 0) {
      const others = this.u.otherArchitectures(name);
      const elsewhere = others.length > 0 ? `; it exists for ${others.join(', ')} only` : '';
      return explicit ? `no such package in ${this.u.describe()}${elsewhere}` : `no package provides "${name}"${elsewhere}`;
    }
    const realA = real.filter((r) => this.archOk(r, rel));
    const provsA = provs.filter((p) => this.archOk(p.record, rel));
    if (realA.length === 0 && provsA.length === 0) {
      return `no package named or providing "${name}" is Multi-Arch: allowed or foreign, as ${name}:any requires`;
    }
    if (rel.op !== undefined) {
      const offered = [
        ...distinct(realA.map((r) => r.version)),
        ...provsA.filter((p) => p.provided.version !== undefined).map((p) => `${p.provided.version} (provided by ${p.record.name})`),
      ];
      const unversioned = distinct(provsA.filter((p) => p.provided.version === undefined).map((p) => p.record.name));
      const fits = realA.some((r) => versionOk(r.version, rel)) || provsA.some((p) => this.providedOk(p, rel));
      if (!fits) {
        const parts: string[] = [];
        if (offered.length > 0) parts.push(`only ${distinct(offered).join(', ')} available`);
        if (unversioned.length > 0) {
          parts.push(`${offered.length > 0 ? 'also ' : ''}provided without a version by ${unversioned.join(', ')}, which cannot satisfy a versioned dependency`);
        }
        return parts.join('; ');
      }
    }
    // Something fits the relation but is unusable: a provider selected at another version, or
    // versions ruled out by constraints learned in an earlier round.
    const blocked = [
      ...realA.filter((r) => versionOk(r.version, rel)),
      ...provsA.filter((p) => this.providedOk(p, rel)).map((p) => p.record),
    ];
    const reasons = distinct(
      blocked.map((r) => {
        const s = this.selected.get(r.name);
        if (s && s !== r) return `${r.name} ${s.version} is already selected`;
        const f = this.forcedOn(r.name).find((c) => !satisfies(r.version, c.op, c.version));
        return f ? `${r.name} ${r.version} does not meet ${f.label}` : `${r.name} ${r.version} cannot be used`;
      }),
    );
    return reasons.join('; ');
  }

  // --- Conflicts and Breaks (reported, not enforced) ----------------------------------------------

  private conflictNotes(): void {
    const names = [...this.selected.keys()].sort(compareBytes);
    for (const name of names) {
      const record = this.selected.get(name)!;
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
          groups = parseRelations(fields.get(field), { arch: this.u.arch });
        } catch {
          continue;
        }
        for (const rel of groups.flat()) {
          const hits: PackageRecord[] = [];
          const s = this.selected.get(rel.name);
          if (s && s !== record && versionOk(s.version, rel)) hits.push(s);
          for (const p of this.u.providers(rel.name)) {
            if (this.selected.get(p.record.name) !== p.record || p.record === record || hits.includes(p.record)) continue;
            if (rel.op === undefined || (p.provided.version !== undefined && versionOk(p.provided.version, rel))) hits.push(p.record);
          }
          for (const hit of hits) {
            this.notes.push(`${name} ${field} ${formatRelation(rel)}, but ${hit.name} ${hit.version} is selected (not enforced)`);
          }
        }
      }
    }
  }
}
