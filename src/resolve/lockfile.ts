import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { PithError, specError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';

/** One pinned package for one architecture: everything needed to fetch and verify its .deb. */
export interface LockedPackage {
  name: string;
  version: string;
  architecture: string;
  /** Source package name (layers group packages by it). */
  source: string;
  suite: string;
  /** Archive root the filename is relative to. */
  repository: string;
  filename: string;
  size: number;
  sha256: string;
}

/** What the resolution depended on: if any of it changes, the lock no longer matches the spec. */
export interface LockInputs {
  packages: string[];
  exclude: string[];
  sources: Array<{ url: string; suites: string[]; components: string[] }>;
  archs: string[];
  /**
   * The spec's `base:` as written, and the root digest (index or manifest) it resolved to when
   * the lock was made: builds from the lock use that image, whatever the tag names now.
   */
  base?: { ref: string; digest: string };
}

export interface Lockfile {
  lockfileVersion: 1;
  inputs: LockInputs;
  /** The Packages indexes the resolution read, with the sha256 their signed Release gave. */
  indexes: Array<{ url: string; sha256: string; size: number }>;
  packages: Record<string, LockedPackage[]>;
}

/** pith.yaml -> pith.lock, cc.yaml -> cc.lock: beside the spec, named after it. */
export function lockPathFor(specFile: string): string {
  return join(dirname(specFile), `${basename(specFile, extname(specFile))}.lock`);
}

export async function readLockfile(path: string): Promise<Lockfile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PithError('input', `cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw specError(`${path}: not valid JSON (${(err as Error).message}); delete it and run pith lock`);
  }
  if (!isLockfile(value)) throw specError(`${path}: not a pith lockfile of version 1 (delete it and run pith lock)`);
  return value;
}

function isLockfile(v: unknown): v is Lockfile {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Partial<Lockfile>;
  return l.lockfileVersion === 1 && typeof l.inputs === 'object' && typeof l.packages === 'object' && Array.isArray(l.indexes);
}

/** Stable, diff-friendly JSON: keys in a fixed order, one package per line. */
export function serializeLockfile(lock: Lockfile): string {
  const pkgLine = (p: LockedPackage) =>
    JSON.stringify({
      name: p.name, version: p.version, architecture: p.architecture, source: p.source, suite: p.suite,
      repository: p.repository, filename: p.filename, size: p.size, sha256: p.sha256,
    });
  const archs = Object.keys(lock.packages).sort();
  const packages = archs
    .map((a) => `    ${JSON.stringify(a)}: [\n${[...lock.packages[a]!].sort((x, y) => (x.name < y.name ? -1 : 1)).map((p) => `      ${pkgLine(p)}`).join(',\n')}\n    ]`)
    .join(',\n');
  const indexes = [...lock.indexes].sort((a, b) => (a.url < b.url ? -1 : 1)).map((i) => `    ${JSON.stringify({ url: i.url, sha256: i.sha256, size: i.size })}`);
  return `{\n  "lockfileVersion": 1,\n  "inputs": ${JSON.stringify(lock.inputs)},\n  "indexes": [\n${indexes.join(',\n')}\n  ],\n  "packages": {\n${packages}\n  }\n}\n`;
}

export async function writeLockfile(path: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(path, serializeLockfile(lock));
}

/** Why a lock doesn't fit the spec's inputs, in words; undefined when it does. */
export function lockMismatch(lock: Lockfile, inputs: LockInputs): string | undefined {
  const diffs: string[] = [];
  const setDiff = (what: string, had: string[], want: string[]) => {
    const added = want.filter((x) => !had.includes(x));
    const removed = had.filter((x) => !want.includes(x));
    if (added.length || removed.length) diffs.push(`${what} ${[...added.map((a) => `+${a}`), ...removed.map((r) => `-${r}`)].join(' ')}`);
  };
  setDiff('packages', lock.inputs.packages, inputs.packages);
  setDiff('exclude', lock.inputs.exclude, inputs.exclude);
  setDiff('archs', lock.inputs.archs, inputs.archs);
  const src = (s: LockInputs['sources']) => s.map((x) => `${x.url} ${x.suites.join(',')} ${x.components.join(',')}`);
  setDiff('sources', src(lock.inputs.sources), src(inputs.sources));
  setDiff('base', lock.inputs.base ? [lock.inputs.base.ref] : [], inputs.base ? [inputs.base.ref] : []);
  return diffs.length ? diffs.join('; ') : undefined;
}
