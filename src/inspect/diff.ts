/** What changed between two images: packages, files, and size per layer position. */
import type { AnalyzedImage } from './analyze.js';
import { formatSize } from './format-size.js';
import type { LayerEntry } from './walk.js';

export interface PackageChange {
  name: string;
  from: string;
  to: string;
}

export interface FileChange {
  path: string;
  /** What differs: content, size, type, mode, owner, target. */
  what: string[];
}

export interface LayerDelta {
  position: number;
  a: { digest: string; compressedSize: number; uncompressedSize: number } | null;
  b: { digest: string; compressedSize: number; uncompressedSize: number } | null;
  /** b - a (a missing layer counts as 0). */
  compressedDelta: number;
  uncompressedDelta: number;
  same: boolean;
}

export interface ImageDiff {
  a: string;
  b: string;
  packages: {
    added: Array<{ name: string; version: string }>;
    removed: Array<{ name: string; version: string }>;
    changed: PackageChange[];
  };
  files: { added: string[]; removed: string[]; changed: FileChange[] };
  layers: LayerDelta[];
  total: { compressedDelta: number; uncompressedDelta: number; filesSizeDelta: number };
}

function entryChanges(x: LayerEntry, y: LayerEntry): string[] {
  const what: string[] = [];
  if (x.type !== y.type) return ['type'];
  if (x.type === 'file') {
    if (x.sha256 !== y.sha256) what.push('content');
    if (x.size !== y.size) what.push('size');
  }
  if (x.mode !== y.mode) what.push('mode');
  if (x.uid !== y.uid || x.gid !== y.gid) what.push('owner');
  if ((x.linkTarget ?? '') !== (y.linkTarget ?? '')) what.push('target');
  return what;
}

export function diffImages(a: AnalyzedImage, b: AnalyzedImage): ImageDiff {
  const pa = new Map(a.report.packages.map((p) => [p.name, p]));
  const pb = new Map(b.report.packages.map((p) => [p.name, p]));
  const added = [...pb.values()].filter((p) => !pa.has(p.name)).map((p) => ({ name: p.name, version: p.version }));
  const removed = [...pa.values()].filter((p) => !pb.has(p.name)).map((p) => ({ name: p.name, version: p.version }));
  const changed = [...pb.values()]
    .filter((p) => pa.has(p.name) && pa.get(p.name)!.version !== p.version)
    .map((p) => ({ name: p.name, from: pa.get(p.name)!.version, to: p.version }));

  const paths = [...new Set([...a.fs.keys(), ...b.fs.keys()])].sort();
  const files: ImageDiff['files'] = { added: [], removed: [], changed: [] };
  for (const p of paths) {
    const x = a.fs.get(p);
    const y = b.fs.get(p);
    if (!x) files.added.push(`/${p}`);
    else if (!y) files.removed.push(`/${p}`);
    else {
      const what = entryChanges(x, y);
      if (what.length) files.changed.push({ path: `/${p}`, what });
    }
  }

  const n = Math.max(a.report.layers.length, b.report.layers.length);
  const layers: LayerDelta[] = [];
  for (let i = 0; i < n; i++) {
    const la = a.report.layers[i];
    const lb = b.report.layers[i];
    const side = (l: typeof la) =>
      l ? { digest: l.digest, compressedSize: l.compressedSize, uncompressedSize: l.uncompressedSize } : null;
    layers.push({
      position: i + 1,
      a: side(la),
      b: side(lb),
      compressedDelta: (lb?.compressedSize ?? 0) - (la?.compressedSize ?? 0),
      uncompressedDelta: (lb?.uncompressedSize ?? 0) - (la?.uncompressedSize ?? 0),
      same: !!la && !!lb && la.digest === lb.digest,
    });
  }
  return {
    a: a.report.source,
    b: b.report.source,
    packages: { added, removed, changed },
    files,
    layers,
    total: {
      compressedDelta: b.report.totals.compressedSize - a.report.totals.compressedSize,
      uncompressedDelta: b.report.totals.uncompressedSize - a.report.totals.uncompressedSize,
      filesSizeDelta: b.report.totals.size - a.report.totals.size,
    },
  };
}

const signed = (n: number) => (n > 0 ? `+${formatSize(n)}` : n === 0 ? '0 B' : formatSize(n));

export function formatDiff(d: ImageDiff): string {
  const out: string[] = [`--- ${d.a}`, `+++ ${d.b}`];
  const { added, removed, changed } = d.packages;
  out.push(`packages: ${added.length} added, ${removed.length} removed, ${changed.length} changed`);
  for (const p of added) out.push(`  + ${p.name} ${p.version}`);
  for (const p of removed) out.push(`  - ${p.name} ${p.version}`);
  for (const p of changed) out.push(`  ~ ${p.name} ${p.from} -> ${p.to}`);
  out.push(
    `files: ${d.files.added.length} added, ${d.files.removed.length} removed, ${d.files.changed.length} changed`,
  );
  for (const p of d.files.added) out.push(`  + ${p}`);
  for (const p of d.files.removed) out.push(`  - ${p}`);
  for (const c of d.files.changed) out.push(`  ~ ${c.path} (${c.what.join(', ')})`);
  out.push('layers (compressed, uncompressed):');
  for (const l of d.layers) {
    const state = l.same ? 'same' : !l.a ? 'added' : !l.b ? 'removed' : 'differs';
    out.push(`  ${l.position}. ${state.padEnd(8)} ${signed(l.compressedDelta)}, ${signed(l.uncompressedDelta)}`);
  }
  out.push(
    `total: ${signed(d.total.compressedDelta)} compressed, ${signed(d.total.uncompressedDelta)} uncompressed, ${signed(d.total.filesSizeDelta)} of files`,
  );
  return `${out.join('\n')}\n`;
}
