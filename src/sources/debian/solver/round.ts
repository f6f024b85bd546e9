/** One breadth-first walk of the solver with a fixed set of learned (forced) constraints (see solver.ts). */
import { buildError } from '../../../errors.js';
import type { InstalledPackage, InstalledSet } from './installed.js';
import type { PackageRecord } from '../archive/packages-index.js';
import { conflictNotes } from './conflict-notes.js';
import { explain } from './explain.js';
import { archOk, distinct, meets, priorityRank, providedOk, realOk, versionOk } from './matching.js';
import { formatRelation, type Relation } from './relations.js';
import type { Requirement } from './requirement.js';
import { Restart, type Constraint, type Failure, type Resolution, type SolveOptions } from './solve-types.js';
import type { PackageUniverse, ProvidedBy } from './universe.js';
import { compareVersions, satisfies } from './version.js';
import { compareBytes } from '../../../byte-order.js';

/** One AND-term (`a | b`) being satisfied, with the labels its notes and errors use. */
interface Group {
  alts: readonly Relation[];
  /** The chain of the package that has the dependency (empty for requirements). */
  parent: readonly string[];
  where: string | undefined;
  /** A requirement (one alternative) rather than a dependency. */
  explicit: boolean;
  /** The chain and the whole group, e.g. `curl -> libcurl4 -> libssl3 | libssl1`. */
  label: string;
  /** The chain and one alternative. */
  altLabel(rel: Relation): string;
}

export class Round {
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
      if (!this.u.knows(name))
        this.notes.push(`exclude: no package is named or provides "${name}" in ${this.u.describe()}`);
    }
    for (const req of requirements) {
      const rel: Relation =
        req.op && req.version !== undefined ? { name: req.name, op: req.op, version: req.version } : { name: req.name };
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
    this.notes.push(...conflictNotes(this.selected, this.u));
    const names = [...this.selected.keys()].sort(compareBytes);
    return {
      packages: names.map((n) => this.selected.get(n)!),
      reasons: new Map(names.map((n) => [n, this.chains.get(n)!])),
      notes: [...this.restarts, ...this.notes],
      essentialSkipped: this.essentialSkipped,
    };
  }

  // --- matching ---------------------------------------------------------------------------------

  private forcedOn(name: string): Constraint[] {
    return this.forced.get(name) ?? [];
  }

  /** A selected package satisfying `rel`, real package first. */
  private selectedFor(rel: Relation): { record: PackageRecord; real: boolean } | undefined {
    const s = this.selected.get(rel.name);
    if (s && realOk(this.u.arch, s, rel)) return { record: s, real: true };
    for (const p of this.u.providers(rel.name)) {
      if (this.selected.get(p.record.name) === p.record && providedOk(this.u.arch, p, rel))
        return { record: p.record, real: false };
    }
    return undefined;
  }

  /** The installed (base image) package that satisfies `rel`, by name and version or by Provides. */
  private installedFor(rel: Relation): InstalledPackage | undefined {
    const real = this.installed.get(rel.name);
    if (real && archOk(this.u.arch, real, rel) && versionOk(real.version, rel)) return real;
    for (const { pkg, provided } of this.installed.providers(rel.name)) {
      if (!archOk(this.u.arch, pkg, rel)) continue;
      if (
        rel.op === undefined ||
        (provided.op === '=' && provided.version !== undefined && versionOk(provided.version, rel))
      )
        return pkg;
    }
    return undefined;
  }

  /** The excluded package that satisfies `rel` (by its name whatever the version, or by Provides). */
  private excludedFor(rel: Relation): string | undefined {
    if (this.exclude.has(rel.name)) return rel.name;
    return this.u.providers(rel.name).find((p) => this.exclude.has(p.record.name) && providedOk(this.u.arch, p, rel))
      ?.record.name;
  }

  /** An Essential package, not selected nor to be followed, that satisfies `rel` (by name or by Provides). */
  private essentialFor(rel: Relation): string | undefined {
    const skip = (name: string) => this.selected.has(name) || this.options.followEssential?.has(name) === true;
    const real = this.u.candidates(rel.name).find((r) => r.essential && !skip(r.name) && realOk(this.u.arch, r, rel));
    if (real) return real.name;
    return this.u
      .providers(rel.name)
      .find((p) => p.record.essential && !skip(p.record.name) && providedOk(this.u.arch, p, rel))?.record.name;
  }

  /** A package only maintainer scripts use that satisfies `rel` (by name or by Provides). */
  private scriptOnlyFor(rel: Relation): string | undefined {
    const table = this.options.scriptOnly;
    if (!table || table.size === 0) return undefined;
    if (table.has(rel.name)) return rel.name;
    return this.u.providers(rel.name).find((p) => table.has(p.record.name) && providedOk(this.u.arch, p, rel))?.record
      .name;
  }

  // --- one dependency group -----------------------------------------------------------------------

  /**
   * Satisfy one AND-term (`a | b`) of a package's dependencies, or a requirement (`explicit`, one
   * alternative). `parent` is the chain of the package that has the dependency (empty for requirements).
   */
  private group(
    alts: readonly Relation[],
    parent: readonly string[],
    where: string | undefined,
    explicit: boolean,
  ): void {
    const groupText = alts.map(formatRelation).join(' | ');
    const g: Group = {
      alts,
      parent,
      where,
      explicit,
      label: [...parent, groupText].join(' -> '),
      altLabel: (rel: Relation) => [...parent, formatRelation(rel)].join(' -> '),
    };
    if (this.alreadySatisfied(g)) return;
    // 3. Essential packages are left to the caller, which follows those the image needs (unless
    // requested: those are selected in step 1); packages only maintainer scripts use stay out.
    if (!explicit && this.notFollowed(g)) return;
    if (this.addFirstSatisfiable(g)) return;
    this.fail(g);
  }

  /** Steps 0-2: the group is met by the base image, a selected package, or an excluded one. */
  private alreadySatisfied(g: Group): boolean {
    const { alts, label } = g;
    // 0. Already in the image (a base image's package).
    for (const rel of alts) {
      const hit = this.installedFor(rel);
      if (!hit) continue;
      if (g.explicit) this.notes.push(`${label}: already in the base image (${hit.name} ${hit.version})`);
      return true;
    }

    // 1. Already selected.
    for (const [i, rel] of alts.entries()) {
      const hit = this.selectedFor(rel);
      if (!hit) continue;
      if (hit.real) this.constrain(rel, g.altLabel(rel), g.where);
      if (i > 0) this.notes.push(`${label}: ${hit.record.name} already selected`);
      return true;
    }

    // 2. Excluded, hence treated as present.
    for (const rel of alts) {
      const name = this.excludedFor(rel);
      if (name === undefined) continue;
      this.notes.push(`${label}: satisfied by excluded ${name}`);
      return true;
    }
    return false;
  }

  /** Step 3: an Essential package or one only maintainer scripts use would satisfy it; not followed. */
  private notFollowed(g: Group): boolean {
    const { alts, label, parent } = g;
    for (const rel of alts) {
      const name = this.essentialFor(rel);
      if (name === undefined) continue;
      this.notes.push(
        `${label}: not followed (essential ${name}: installed only when the image needs a file it ships)`,
      );
      if (!this.essentialSkipped.some((e) => e.name === name && e.chain.join() === parent.join()))
        this.essentialSkipped.push({ name, chain: [...parent] });
      return true;
    }
    for (const rel of alts) {
      const name = this.scriptOnlyFor(rel);
      if (name === undefined) continue;
      this.notes.push(`${label}: not followed (${name} ${this.options.scriptOnly!.get(name)})`);
      return true;
    }
    return false;
  }

  /** Step 4: left to right, a real package, then a provider; the first that can be added is selected. */
  private addFirstSatisfiable(g: Group): boolean {
    const { alts, label, parent } = g;
    const skipped: string[] = [];
    for (const [i, rel] of alts.entries()) {
      const usable = (r: PackageRecord) =>
        !this.selected.has(r.name) && !this.installed.has(r.name) && meets(r.version, this.forcedOn(r.name));
      const real = this.u.candidates(rel.name).filter((r) => realOk(this.u.arch, r, rel) && usable(r));
      const provs = this.u.providers(rel.name).filter((p) => providedOk(this.u.arch, p, rel) && usable(p.record));
      let pick: PackageRecord | undefined = real[0];
      if (pick) {
        this.constrain(rel, g.altLabel(rel), g.where);
      } else if (provs.length > 0) {
        pick = this.chooseProvider(rel, provs, label);
      }
      if (pick) {
        if (alts.length > 1) {
          this.notes.push(
            `${label}: chose ${pick.name} (${i === 0 ? 'first alternative' : `${skipped.join(', ')} cannot be satisfied`})`,
          );
        }
        this.select(pick, [...parent, pick.name], g.where);
        return true;
      }
      skipped.push(formatRelation(rel));
    }
    return false;
  }

  /**
   * Step 5: a package of that name is selected (or constrained) at a version that does not fit:
   * restart with the constraints if some version fits them all; otherwise fail.
   */
  private fail(g: Group): never {
    const { alts, label, where } = g;
    const ctx = { u: this.u, selected: this.selected, forcedOn: (name: string) => this.forcedOn(name) };
    const failures = alts.map(
      (rel) =>
        this.installedConflict(rel) ??
        this.tryOtherVersion(rel, g.altLabel(rel), where) ?? { sep: ': ', text: explain(rel, g.explicit, ctx) },
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
      this.notes.push(
        `${label}: ${formatRelation(rel)} is provided by ${best.map((r) => r.name).join(', ')}; chose ${pick.name} (${why})`,
      );
    }
    return pick;
  }

  /** When `rel` names a package the base image has at a version that does not satisfy it. */
  private installedConflict(rel: Relation): Failure | undefined {
    const pkg = this.installed.get(rel.name);
    if (!pkg) return undefined;
    return {
      sep: ': ',
      text: `the base image has ${pkg.name} ${pkg.version}, which does not satisfy it (packages of the base are never replaced)`,
    };
  }

  /**
   * When `rel` names a real package that is selected (or constrained by an earlier round) at a version
   * that does not fit: restart if one version fits every constraint, or describe the conflict.
   * Undefined when there is no such conflict.
   */
  private tryOtherVersion(rel: Relation, label: string, where: string | undefined): Failure | undefined {
    const name = rel.name;
    const fitting = this.u.candidates(name).filter((r) => realOk(this.u.arch, r, rel));
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
        this.restarts.push(
          `${by} does not satisfy ${label}: solved again, keeping ${name} ${learned.map((c) => `(${c.op} ${c.version})`).join(' ')}`,
        );
        this.forced.set(name, learned);
        throw new Restart(name);
      }
      return undefined;
    }
    const available = distinct(this.u.candidates(name).map((r) => r.version)).join(', ');
    // The first constraint that, together with this relation, no version satisfies; else all of them.
    const culprit = others.find((c) => !fitting.some((r) => satisfies(r.version, c.op, c.version)));
    if (culprit) {
      return {
        sep: ' ',
        text: `conflicts with ${culprit.label}: no version of ${name} satisfies both (available: ${available})`,
      };
    }
    return {
      sep: ' ',
      text: `conflicts with ${others.map((c) => c.label).join(' and ')}: no version of ${name} satisfies them all (available: ${available})`,
    };
  }
}
