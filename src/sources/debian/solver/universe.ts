/**
 * Everything the solver may choose from: the records of one or more Packages indexes (suites) for
 * one image architecture, looked up by package name and by provided (virtual) name.
 *
 * - Only records whose Architecture is the image's `arch` or `all` are kept. The names of records for
 *   other architectures are remembered only so that errors can say "exists for arm64 only":
 *   cross-architecture co-installation (Multi-Arch: same libraries of a second architecture) is out
 *   of scope, the image has one architecture.
 * - Order is independent of the order of records within an index: candidates are sorted by version,
 *   highest first (dpkg order). Equal versions (the same package in bookworm and bookworm-updates
 *   after a point release) are ordered by suite, in the order in which the suites first appear in
 *   `records`: pass the indexes in order of preference (release, updates, security) and the first
 *   suite wins. Remaining ties (an exact duplicate, or `arch` and `all` builds of one version) are
 *   broken by architecture (the image's before `all`), then Filename, then SHA256, so the result
 *   never depends on record order within a suite.
 * - Exact duplicates (same name, version, architecture, suite, Filename and SHA256) are kept once.
 */
import { compareVersions } from './version.js';
import type { PackageRecord } from '../archive/packages-index.js';
import type { Relation } from './relations.js';
import { compareBytes } from '../../../byte-order.js';

export interface ProvidedBy {
  record: PackageRecord;
  /** The Provides entry that names the virtual package (with `=` version when versioned). */
  provided: Relation;
}

/**
 * Remove, in place, entries equal to their predecessor in a sorted list. Records that compare equal
 * have the same name, version, suite, architecture, Filename and SHA256: the same index given twice.
 */
function dropDuplicates<T>(list: T[], same: (a: T, b: T) => boolean): void {
  let w = 0;
  for (let i = 0; i < list.length; i++) {
    if (w > 0 && same(list[w - 1]!, list[i]!)) continue;
    list[w++] = list[i]!;
  }
  list.length = w;
}

export class PackageUniverse {
  readonly arch: string;
  /** Suites in order of first appearance in the records: the tie-break order for equal versions. */
  readonly suites: readonly string[];
  private readonly suiteRank: Map<string, number>;
  private readonly byName = new Map<string, PackageRecord[]>();
  private readonly byProvided = new Map<string, ProvidedBy[]>();
  /** Names found only for other architectures, with those architectures. */
  private readonly foreign = new Map<string, Set<string>>();
  /** Which lists are sorted already (sorting is lazy: a solve looks at a few hundred names out of 60,000). */
  private readonly sortedNames = new Set<string>();
  private readonly sortedProvided = new Set<string>();

  constructor(records: readonly PackageRecord[], arch: string) {
    this.arch = arch;
    const suites: string[] = [];
    this.suiteRank = new Map();
    for (const r of records) {
      if (!this.suiteRank.has(r.suite)) {
        this.suiteRank.set(r.suite, suites.length);
        suites.push(r.suite);
      }
      if (r.architecture !== arch && r.architecture !== 'all') {
        let archs = this.foreign.get(r.name);
        if (!archs) this.foreign.set(r.name, (archs = new Set()));
        archs.add(r.architecture);
        continue;
      }
      let list = this.byName.get(r.name);
      if (!list) this.byName.set(r.name, (list = []));
      list.push(r);
      for (const provided of r.provides) {
        let plist = this.byProvided.get(provided.name);
        if (!plist) this.byProvided.set(provided.name, (plist = []));
        plist.push({ record: r, provided });
      }
    }
    this.suites = suites;
  }

  /** Total order on records of one name: version descending, then suite, architecture, Filename, SHA256. */
  private compareRecords = (a: PackageRecord, b: PackageRecord): number =>
    compareVersions(b.version, a.version) ||
    this.suiteRank.get(a.suite)! - this.suiteRank.get(b.suite)! ||
    (a.architecture === b.architecture
      ? 0
      : a.architecture === this.arch
        ? -1
        : b.architecture === this.arch
          ? 1
          : compareBytes(a.architecture, b.architecture)) ||
    compareBytes(a.filename, b.filename) ||
    compareBytes(a.sha256, b.sha256);

  /** Real packages named `name` (image arch or `all`), highest version first; ties: first suite wins. */
  candidates(name: string): PackageRecord[] {
    const list = this.byName.get(name);
    if (!list) return [];
    if (!this.sortedNames.has(name)) {
      list.sort(this.compareRecords);
      dropDuplicates(list, (a, b) => this.compareRecords(a, b) === 0);
      this.sortedNames.add(name);
    }
    return list.slice();
  }

  /**
   * Packages whose Provides names `name`, ordered by providing package name (code points), then as
   * candidates() orders records of one name, then by provided version.
   */
  providers(name: string): ProvidedBy[] {
    const list = this.byProvided.get(name);
    if (!list) return [];
    if (!this.sortedProvided.has(name)) {
      const order = (a: ProvidedBy, b: ProvidedBy) =>
        compareBytes(a.record.name, b.record.name) ||
        this.compareRecords(a.record, b.record) ||
        compareBytes(a.provided.version ?? '', b.provided.version ?? '') ||
        compareBytes(a.provided.arch ?? '', b.provided.arch ?? '');
      list.sort(order);
      dropDuplicates(list, (a, b) => order(a, b) === 0);
      this.sortedProvided.add(name);
    }
    return list.slice();
  }

  /** Whether any record of the image arch or `all` is named `name` or provides it. */
  knows(name: string): boolean {
    return this.byName.has(name) || this.byProvided.has(name);
  }

  /** Architectures (sorted) that have a package named `name` when the image arch and `all` have none. */
  otherArchitectures(name: string): string[] {
    return [...(this.foreign.get(name) ?? [])].sort(compareBytes);
  }

  /** E.g. `bookworm, bookworm-updates, bookworm-security (amd64)`, for error messages. */
  describe(): string {
    return `${this.suites.length > 0 ? this.suites.join(', ') : 'no suites'} (${this.arch})`;
  }
}
