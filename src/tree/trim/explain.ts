/**
 * What a trim did, for people: `--explain` (every kept file with why, every dropped file, a
 * kept/dropped table per package), the one-line summary of needs the image lacks, and the check
 * that none of the spec's own paths was dropped.
 */
import type { Origin } from '../entry.js';
import { compareBytes } from '../../byte-order.js';
import type { FsTree } from '../fs-tree.js';
import { toImagePath } from '../paths.js';
import type { TrimmedPath, Unmet } from './types.js';

/** What explain() needs: a closure TrimResult, or the same facts for `trim: docs` and `none`. */
export interface TrimReport {
  keptFiles: TrimmedPath[];
  dropped: TrimmedPath[];
  reasons: Map<string, string[]>;
  unmet?: Unmet[];
}

/** Reasons listed per kept file by `--explain`; more are counted. */
const MAX_REASONS_SHOWN = 3;

const GROUP_OF_ORIGIN: Record<Origin['kind'], string> = {
  package: '(packages)',
  effect: '(install effects)',
  accounts: '(system layer)',
  system: '(system layer)',
  file: '(spec: files)',
  binary: '(spec: binaries)',
  library: "(spec: binaries' libraries)",
  path: '(spec: paths)',
  base: '(base image)',
};

/**
 * `--explain`: for each package (or origin), every kept file with its size and why it is kept,
 * and every dropped file with its size (and why, when the mode says); then one line per package
 * with kept against dropped files and bytes, the totals, and the needs the image lacks.
 * Directories are left out (they follow what they hold).
 */
export function explain(report: TrimReport): string {
  type Totals = ReturnType<typeof trimTotals>;
  interface Row extends Totals {
    lines: string[];
  }
  const rows = new Map<string, Row>();
  const row = (key: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { keptFiles: 0, keptBytes: 0, droppedFiles: 0, droppedBytes: 0, lines: [] }));
    return r;
  };
  const keyOf = (item: TrimmedPath) => item.package ?? GROUP_OF_ORIGIN[item.origin];
  const size = (item: TrimmedPath) => (item.type === 'file' ? `${item.size} B` : item.type);
  for (const item of report.keptFiles) {
    const r = row(keyOf(item));
    r.keptFiles++;
    r.keptBytes += item.size;
    const why = report.reasons.get(item.path) ?? [];
    const shown =
      why.length > MAX_REASONS_SHOWN
        ? [...why.slice(0, MAX_REASONS_SHOWN), `and ${why.length - MAX_REASONS_SHOWN} more`]
        : why;
    r.lines.push(`  + /${item.path}  ${size(item)}  ${shown.join('; ')}`);
  }
  for (const item of report.dropped) {
    if (item.type === 'dir') continue;
    const r = row(keyOf(item));
    r.droppedFiles++;
    r.droppedBytes += item.size;
    r.lines.push(`  - /${item.path}  ${size(item)}${item.why ? `  ${item.why}` : ''}`);
  }
  const detail: string[] = [];
  const table: string[] = [];
  const fmt = (name: string, r: Totals) =>
    `${name.padEnd(32)} kept ${String(r.keptFiles).padStart(6)} files ${String(r.keptBytes).padStart(12)} B   ` +
    `dropped ${String(r.droppedFiles).padStart(6)} files ${String(r.droppedBytes).padStart(12)} B`;
  for (const name of [...rows.keys()].sort(compareBytes)) {
    const r = rows.get(name)!;
    detail.push(
      `${name}: kept ${r.keptFiles} files (${r.keptBytes} B), dropped ${r.droppedFiles} files (${r.droppedBytes} B)`,
      ...r.lines,
    );
    table.push(fmt(name, r));
  }
  table.push(fmt('total', trimTotals(report)));
  const unmet = (report.unmet ?? []).map((u) => `  ${u.path}: ${u.kind === 'interpreter' ? `#! ${u.needs}` : u.needs}`);
  const needs = unmet.length
    ? `\nneeds not in the image (of files kept as data, not of the command):\n${unmet.join('\n')}\n`
    : '';
  return `${detail.join('\n')}\n\n${table.join('\n')}\n${needs}`;
}

/** Kept and dropped files and bytes, directories left out (the figures `--explain` totals). */
export function trimTotals(report: Pick<TrimReport, 'keptFiles' | 'dropped'>): {
  keptFiles: number;
  keptBytes: number;
  droppedFiles: number;
  droppedBytes: number;
} {
  const dropped = report.dropped.filter((d) => d.type !== 'dir');
  return {
    keptFiles: report.keptFiles.length,
    keptBytes: report.keptFiles.reduce((n, f) => n + f.size, 0),
    droppedFiles: dropped.length,
    droppedBytes: dropped.reduce((n, f) => n + f.size, 0),
  };
}

/** Needs shown by name in the summary line; the rest are counted. */
const MAX_NEEDS_SHOWN = 4;

/**
 * One line for all the needs of kept data files that the image lacks (python's stdlib scripts
 * naming /usr/bin/env), grouped by what is missing; undefined when there are none.
 */
export function unmetSummary(unmet: readonly Unmet[]): string | undefined {
  if (unmet.length === 0) return undefined;
  const byNeed = new Map<string, Unmet[]>();
  for (const u of unmet) {
    const key = `${u.kind === 'interpreter' ? '#! ' : ''}${u.needs}`;
    byNeed.set(key, [...(byNeed.get(key) ?? []), u]);
  }
  const groups = [...byNeed.entries()].sort((a, b) => b[1].length - a[1].length || compareBytes(a[0], b[0]));
  const shown = groups
    .slice(0, MAX_NEEDS_SHOWN)
    .map(
      ([need, list]) =>
        `${need} (${list.length === 1 ? list[0]!.path : `${list.length} files, e.g. ${list[0]!.path}`})`,
    );
  const more = groups.length > MAX_NEEDS_SHOWN ? `, and ${groups.length - MAX_NEEDS_SHOWN} more` : '';
  const files = new Set(unmet.map((u) => u.path)).size;
  return `trim: ${files} kept file${files === 1 ? '' : 's'} would need what the image lacks; kept as data, the command does not run them: ${shown.join(', ')}${more} (--explain lists them)`;
}

/** The Origin kinds of what the spec itself puts into the image. */
const SPEC_ORIGINS: ReadonlySet<Origin['kind']> = new Set(['file', 'binary', 'library', 'path']);

/**
 * The spec's own entries (files, binaries, paths) and the named paths (entrypoint and cmd
 * arguments...) present in `tree` that the trim dropped: none, when the roots are right.
 */
export function droppedSpecPaths(
  tree: FsTree,
  report: Pick<TrimReport, 'dropped'> & { kept: ReadonlySet<string> },
  named: readonly string[],
): string[] {
  const lost = new Set(
    report.dropped
      .filter((d) => SPEC_ORIGINS.has(d.origin) && !(d.type === 'dir' && tree.isImplicit(d.path)))
      .map((d) => `/${d.path}`),
  );
  for (const path of named) {
    const real = tree.resolve(toImagePath(path) ?? '');
    if (real !== null && real !== '' && !report.kept.has(real)) lost.add(path);
  }
  return [...lost].sort(compareBytes);
}
