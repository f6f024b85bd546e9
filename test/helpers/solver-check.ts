/**
 * Independent checks of a solver result, written without the solver's code paths: is the result
 * closed under Pre-Depends/Depends, and what would apt install.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackageRecord } from '../../src/sources/debian/archive/packages-index.js';
import { formatRelation, type Relation } from '../../src/sources/debian/solver/relations.js';
import type { PackageUniverse } from '../../src/sources/debian/solver/universe.js';
import { satisfies } from '../../src/sources/debian/solver/version.js';

function versionOk(version: string, rel: Relation): boolean {
  return rel.op === undefined || satisfies(version, rel.op, rel.version!);
}

function archOk(r: PackageRecord, rel: Relation, arch: string): boolean {
  if (rel.arch === undefined || rel.arch === 'native' || rel.arch === arch) return true;
  return rel.arch === 'any' && (r.multiArch === 'allowed' || r.multiArch === 'foreign');
}

/** Whether `r` satisfies `rel` by its name or by a Provides (policy 7.5 for versions). */
export function recordSatisfies(r: PackageRecord, rel: Relation, arch: string): boolean {
  if (!archOk(r, rel, arch)) return false;
  if (r.name === rel.name && versionOk(r.version, rel)) return true;
  return r.provides.some(
    (p) => p.name === rel.name && (rel.op === undefined || (p.version !== undefined && versionOk(p.version, rel))),
  );
}

/**
 * Every Pre-Depends/Depends group of every package of `packages` that is satisfied neither by a
 * package of the set, nor by an excluded package, nor by an Essential package of the universe.
 */
export function unsatisfiedDependencies(
  packages: readonly PackageRecord[],
  universe: PackageUniverse,
  exclude: readonly string[] = [],
): string[] {
  const arch = universe.arch;
  const essentials = (rel: Relation) => [
    ...universe.candidates(rel.name).filter((r) => r.essential),
    ...universe
      .providers(rel.name)
      .map((p) => p.record)
      .filter((r) => r.essential),
  ];
  const out: string[] = [];
  for (const pkg of packages) {
    for (const group of [...pkg.preDepends, ...pkg.depends]) {
      const ok = group.some(
        (rel) =>
          packages.some((q) => recordSatisfies(q, rel, arch)) ||
          exclude.includes(rel.name) ||
          universe.providers(rel.name).some((p) => exclude.includes(p.record.name)) ||
          essentials(rel).some((r) => recordSatisfies(r, rel, arch)),
      );
      if (!ok) out.push(`${pkg.name} ${pkg.version}: ${group.map(formatRelation).join(' | ')}`);
    }
  }
  return out;
}

export type AptResult = { installs: Map<string, string> } | { skip: string };

function hostListsPresent(): boolean {
  try {
    return readdirSync('/var/lib/apt/lists').some((f) => /_Packages(\.[a-z0-9]+)?$/.test(f));
  } catch {
    return false;
  }
}

/**
 * What `apt-get install --simulate --no-install-recommends <names>` would install on a system with
 * nothing installed (an empty dpkg status file, so that the host's own packages do not hide any),
 * from the host's apt lists (`apt-get update` first when there are none). Name -> version.
 */
export function aptSimulate(names: readonly string[]): AptResult {
  const dir = mkdtempSync(join(tmpdir(), 'pith-apt-sim-'));
  try {
    const status = join(dir, 'status');
    writeFileSync(status, '');
    if (!hostListsPresent()) {
      execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    }
    const out = execFileSync(
      'apt-get',
      [
        'install',
        '--simulate',
        '-q',
        '--no-install-recommends',
        '-o',
        `Dir::State::status=${status}`,
        '-o',
        'Debug::NoLocking=1',
        ...names,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } },
    );
    const installs = new Map<string, string>();
    for (const m of out.matchAll(/^Inst (\S+) \((\S+) /gm)) installs.set(m[1]!.replace(/:[a-z0-9]+$/, ''), m[2]!);
    return installs.size > 0 ? { installs } : { skip: `apt-get --simulate installed nothing for ${names.join(' ')}` };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { skip: `apt-get --simulate failed (${detail})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The packages of apt's answer that pith should also select: reachable from `roots` through
 * Pre-Depends/Depends edges between packages of apt's set, without going through an Essential
 * package (what only an Essential package pulls in is assumed present, like the Essential package
 * itself). Edges use the universe's record of apt's version (or the highest, if the host's lists
 * differ from the mirror's indexes).
 */
export function expectedFromApt(
  apt: ReadonlyMap<string, string>,
  roots: readonly string[],
  universe: PackageUniverse,
): Set<string> {
  const recordOf = (name: string) => {
    const all = universe.candidates(name);
    return all.find((r) => r.version === apt.get(name)) ?? all[0];
  };
  const aptRecords = [...apt.keys()].map(recordOf).filter((r): r is PackageRecord => r !== undefined);
  const reached = new Set<string>();
  const queue = roots.filter((n) => apt.has(n));
  for (const n of queue) reached.add(n);
  while (queue.length > 0) {
    const name = queue.shift()!;
    const r = recordOf(name);
    if (!r || (r.essential && !roots.includes(name))) continue;
    for (const group of [...r.preDepends, ...r.depends]) {
      for (const q of aptRecords) {
        if (reached.has(q.name) || !group.some((rel) => recordSatisfies(q, rel, universe.arch))) continue;
        reached.add(q.name);
        queue.push(q.name);
      }
    }
  }
  return new Set([...reached].filter((n) => roots.includes(n) || !recordOf(n)?.essential));
}
