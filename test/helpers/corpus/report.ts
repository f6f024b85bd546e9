/** The corpus table: one line per entry and mode, then totals and the closure/docs size ratio. */
import type { EntryResult } from './run.js';
import { MODES, type KnownFailing } from './corpus.js';

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1e6).toFixed(1)} MB`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function formatLine(r: EntryResult): string {
  return [
    r.entry.padEnd(14),
    r.mode.padEnd(8),
    (r.ok ? 'pass' : 'FAIL').padEnd(5),
    mb(r.size).padStart(9),
    secs(r.buildMs + r.smokeMs).padStart(7),
    r.failure ?? '',
  ]
    .join('  ')
    .trimEnd();
}

export const HEADER = [
  'entry'.padEnd(14),
  'mode'.padEnd(8),
  'result',
  'compressed'.padStart(8),
  'time'.padStart(7),
  'first failure',
].join('  ');

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** closure/docs compressed size per entry built in both modes. */
export function sizeRatios(results: EntryResult[]): Map<string, number> {
  const ratios = new Map<string, number>();
  for (const docs of results.filter((r) => r.mode === 'docs' && r.size)) {
    const closure = results.find((r) => r.entry === docs.entry && r.mode === 'closure');
    if (closure?.size) ratios.set(docs.entry, closure.size / docs.size!);
  }
  return ratios;
}

export function formatTotals(results: EntryResult[], elapsedMs: number): string[] {
  const lines = MODES.filter((m) => results.some((r) => r.mode === m)).map((mode) => {
    const of = results.filter((r) => r.mode === mode);
    const total = of.reduce((n, r) => n + (r.size ?? 0), 0);
    return `total ${mode.padEnd(8)} ${of.filter((r) => r.ok).length}/${of.length} pass, ${of.filter((r) => r.size !== undefined).length} built, ${mb(total)} compressed`;
  });
  const ratios = sizeRatios(results);
  const m = median([...ratios.values()]);
  lines.push(
    `median closure/docs compressed size: ${m === undefined ? '-' : m.toFixed(2)} over ${ratios.size} entries built in both modes; ${secs(elapsedMs)} in all`,
  );
  return lines;
}

/**
 * What differs from test/corpus/known-failing.yaml: entries that fail without being listed
 * (regressions) and listed entries that now pass (remove them from the list).
 */
export function compareWithKnown(results: EntryResult[], known: KnownFailing): string[] {
  const problems: string[] = [];
  for (const r of results) {
    const reason = known[r.entry]?.[r.mode];
    if (r.ok && reason !== undefined)
      problems.push(`${r.entry} ${r.mode}: now passes; remove it from test/corpus/known-failing.yaml`);
    if (!r.ok && reason === undefined)
      problems.push(`${r.entry} ${r.mode}: fails and is not in test/corpus/known-failing.yaml: ${r.failure}`);
  }
  return problems;
}
