/**
 * pith.lock: the pinned package set of a spec. It pins content, not transport: every .deb is
 * named by suite and archive path and checked against its sha256 and size, and repositories are
 * identified by what they are (suite, codename, component, the key that signed them), never by the
 * mirror that served them. So a lock written against one mirror builds, --frozen, from any other
 * mirror of the same archive, or from a snapshot URL.
 */
import { readFile } from 'node:fs/promises';
import { PithError, specError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { byKey } from '../byte-order.js';

/** One pinned package for one architecture: everything needed to find and verify its .deb. */
export interface LockedPackage {
  name: string;
  version: string;
  architecture: string;
  /** Source package name (layers group packages by it). */
  source: string;
  /** The suite (dists/<suite>) whose index listed it: which configured repository serves it. */
  suite: string;
  /** Path of the .deb below the archive root (the index's Filename). */
  filename: string;
  size: number;
  sha256: string;
}

/** What the resolution depended on: if any of it changes, the lock no longer matches the spec. */
export interface LockInputs {
  packages: string[];
  exclude: string[];
  /** Suites and components read, in order; not the mirror URLs (transport, not content). */
  sources: Array<{ suites: string[]; components: string[] }>;
  archs: string[];
  /**
   * The spec's `base:` as written, and the root digest (index or manifest) it resolved to when
   * the lock was made: builds from the lock use that image, whatever the tag names now.
   */
  base?: { ref: string; digest: string };
}

/** A suite the resolution read, as its verified InRelease described it. */
export interface LockedArchive {
  suite: string;
  codename: string;
  /** Fingerprints of the primary keys whose signatures on the InRelease verified. */
  signedBy: string[];
}

/** A Packages index the resolution read, with the sha256 its signed Release gave. */
export interface LockedIndex {
  suite: string;
  /** Path below dists/<suite>/, e.g. main/binary-amd64/Packages.gz. */
  path: string;
  sha256: string;
  size: number;
}

export interface Lockfile {
  lockfileVersion: 2;
  inputs: LockInputs;
  archives: LockedArchive[];
  indexes: LockedIndex[];
  packages: Record<string, LockedPackage[]>;
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
  const lock = asLockfile(value);
  if (!lock) throw specError(`${path}: not a pith lockfile of version 1 or 2 (delete it and run pith lock)`);
  return lock;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function isLockedPackage(v: unknown): v is LockedPackage {
  if (!isRecord(v)) return false;
  return (
    ['name', 'version', 'architecture', 'source', 'suite', 'filename', 'sha256'].every((k) => isString(v[k])) &&
    typeof v['size'] === 'number'
  );
}

function asSources(list: unknown[]): LockInputs['sources'] | undefined {
  const sources: LockInputs['sources'] = [];
  for (const s of list) {
    if (!isRecord(s) || !isStringArray(s['suites']) || !isStringArray(s['components'])) return undefined;
    sources.push({ suites: s['suites'], components: s['components'] });
  }
  return sources;
}

/** Each architecture's packages with exactly the LockedPackage fields (a version 1 mirror dropped). */
function asPackagesByArch(packages: Record<string, unknown>): Lockfile['packages'] | undefined {
  const byArch: Lockfile['packages'] = {};
  for (const [arch, list] of Object.entries(packages)) {
    if (!Array.isArray(list) || !list.every(isLockedPackage)) return undefined;
    byArch[arch] = list.map(({ name, version, architecture, source, suite, filename, size, sha256 }) => ({
      name,
      version,
      architecture,
      source,
      suite,
      filename,
      size,
      sha256,
    }));
  }
  return byArch;
}

/** Indexes by suite and path; a version 1 entry's URL gives both from what follows /dists/. */
function asIndexes(list: unknown[]): LockedIndex[] | undefined {
  const indexes: LockedIndex[] = [];
  for (const i of list) {
    if (!isRecord(i) || !isString(i['sha256']) || typeof i['size'] !== 'number') return undefined;
    const where = isString(i['url']) ? /\/dists\/([^/]+)\/(.+)$/.exec(i['url']) : null;
    const suite = isString(i['suite']) ? i['suite'] : where?.[1];
    const path = isString(i['path']) ? i['path'] : where?.[2];
    if (suite === undefined || path === undefined) return undefined;
    indexes.push({ suite, path, sha256: i['sha256'], size: i['size'] });
  }
  return indexes;
}

function asArchives(value: unknown): LockedArchive[] | undefined {
  const archives: LockedArchive[] = [];
  for (const a of Array.isArray(value) ? (value as unknown[]) : []) {
    if (!isRecord(a) || !isString(a['suite']) || !isString(a['codename']) || !isStringArray(a['signedBy']))
      return undefined;
    archives.push({ suite: a['suite'], codename: a['codename'], signedBy: a['signedBy'] });
  }
  return archives;
}

/** The inputs' base: undefined when absent, null when malformed. */
function asBase(value: unknown): LockInputs['base'] | null {
  if (value === undefined) return undefined;
  if (!isRecord(value) || !isString(value['ref']) || !isString(value['digest'])) return null;
  return { ref: value['ref'], digest: value['digest'] };
}

/**
 * A version 2 lock, or a version 1 lock read as one: version 1 also named the mirror (per package
 * and in the inputs), which is dropped; its indexes keep only what is under dists/<suite>/.
 */
function asLockfile(v: unknown): Lockfile | undefined {
  if (!isRecord(v) || (v['lockfileVersion'] !== 1 && v['lockfileVersion'] !== 2)) return undefined;
  const inputs = v['inputs'];
  const packages = v['packages'];
  if (!isRecord(inputs) || !isRecord(packages) || !Array.isArray(v['indexes'])) return undefined;
  if (
    !isStringArray(inputs['packages']) ||
    !isStringArray(inputs['exclude']) ||
    !isStringArray(inputs['archs']) ||
    !Array.isArray(inputs['sources'])
  )
    return undefined;
  const sources = asSources(inputs['sources']);
  if (!sources) return undefined;
  const byArch = asPackagesByArch(packages);
  if (!byArch) return undefined;
  const indexes = asIndexes(v['indexes']);
  if (!indexes) return undefined;
  const archives = asArchives(v['archives']);
  if (!archives) return undefined;
  const base = asBase(inputs['base']);
  if (base === null) return undefined;
  return {
    lockfileVersion: 2,
    inputs: {
      packages: inputs['packages'],
      exclude: inputs['exclude'],
      sources,
      archs: inputs['archs'],
      ...(base ? { base } : {}),
    },
    archives,
    indexes,
    packages: byArch,
  };
}

/** What the lock pins of a package (from an index record, or a lock read back), keys in the lock's order. */
export function lockedPackage(p: LockedPackage): LockedPackage {
  return {
    name: p.name,
    version: p.version,
    architecture: p.architecture,
    source: p.source,
    suite: p.suite,
    filename: p.filename,
    size: p.size,
    sha256: p.sha256,
  };
}

/** Stable, diff-friendly JSON: keys in a fixed order, one package per line. */
export function serializeLockfile(lock: Lockfile): string {
  const pkgLine = (p: LockedPackage) => JSON.stringify(lockedPackage(p));
  const archs = Object.keys(lock.packages).sort();
  const packages = archs
    .map(
      (a) =>
        `    ${JSON.stringify(a)}: [\n${[...lock.packages[a]!]
          .sort(byKey((p) => p.name))
          .map((p) => `      ${pkgLine(p)}`)
          .join(',\n')}\n    ]`,
    )
    .join(',\n');
  const inputs = {
    packages: lock.inputs.packages,
    exclude: lock.inputs.exclude,
    sources: lock.inputs.sources.map((s) => ({ suites: s.suites, components: s.components })),
    archs: lock.inputs.archs,
    ...(lock.inputs.base ? { base: { ref: lock.inputs.base.ref, digest: lock.inputs.base.digest } } : {}),
  };
  const archives = [...lock.archives]
    .sort(byKey((a) => a.suite))
    .map((a) => `    ${JSON.stringify({ suite: a.suite, codename: a.codename, signedBy: [...a.signedBy].sort() })}`);
  const indexes = [...lock.indexes]
    .sort(byKey((i) => `${i.suite}/${i.path}`))
    .map((i) => `    ${JSON.stringify({ suite: i.suite, path: i.path, sha256: i.sha256, size: i.size })}`);
  const list = (lines: string[]) => (lines.length ? `[\n${lines.join(',\n')}\n  ]` : '[]');
  return `{\n  "lockfileVersion": 2,\n  "inputs": ${JSON.stringify(inputs)},\n  "archives": ${list(archives)},\n  "indexes": ${list(indexes)},\n  "packages": {\n${packages}\n  }\n}\n`;
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
    if (added.length || removed.length)
      diffs.push(`${what} ${[...added.map((a) => `+${a}`), ...removed.map((r) => `-${r}`)].join(' ')}`);
  };
  setDiff('packages', lock.inputs.packages, inputs.packages);
  setDiff('exclude', lock.inputs.exclude, inputs.exclude);
  setDiff('archs', lock.inputs.archs, inputs.archs);
  const src = (s: LockInputs['sources']) => s.map((x) => `${x.suites.join(',')}/${x.components.join(',')}`);
  setDiff('sources', src(lock.inputs.sources), src(inputs.sources));
  setDiff('base', lock.inputs.base ? [lock.inputs.base.ref] : [], inputs.base ? [inputs.base.ref] : []);
  return diffs.length ? diffs.join('; ') : undefined;
}
