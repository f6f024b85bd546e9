/**
 * What the resolved packages need at run time that only Essential packages provide. The solver
 * leaves dependencies on Essential packages unfollowed (they are there on any Debian system, mostly
 * for maintainer scripts an image never runs) and reports them; here the packages' facts decide:
 *   - an Essential package is followed when a selected package depends on it and the image needs a
 *     file it ships: the `#!` interpreter of an installed program (postgresql-client-common's
 *     pg_wrapper: `#!/usr/bin/perl`, in perl-base), an ELF interpreter, or a DT_NEEDED library;
 *     never when it is one only maintainer scripts use (script-only.ts: dpkg, init-system-helpers);
 *   - libc-bin is brought when the environment names C.UTF-8 and the image has glibc (libc6): its
 *     C.utf8 locale is the only one Debian ships built;
 *   - dash (/bin/sh) is brought when a program of a package the spec names runs the shell
 *     (imports system() or popen(), or names /bin/sh), unless the spec excludes dash.
 * The notes say which package was brought for which file, and which were left out and why.
 * Only when the solver skipped an Essential package are .debs read (their facts, cached).
 */
import type { PackageRecord } from '../archive/packages-index.js';
import type { Resolution } from './solver.js';
import { namesCUtf8 } from '../effects/locale.js';
import type { InstallFacts } from '../effects/package-facts.js';
import { installFacts } from '../effects/install-facts.js';
import { compareBytes } from '../../../byte-order.js';

export interface InstallNeeds {
  /** Essential packages to follow. */
  follow: string[];
  /** Packages to require in addition to the spec's (libc-bin for the locale). */
  extra: string[];
  notes: string[];
}

const PATH_DIRS = ['usr/local/sbin', 'usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin', 'bin'];

export async function installNeeds(
  resolution: Resolution,
  recordOf: (name: string) => PackageRecord | undefined,
  options: InstallNeedsOptions,
): Promise<InstallNeeds> {
  const out: InstallNeeds = { follow: [], extra: [], notes: [] };
  const selected = new Map(resolution.packages.map((p) => [p.name, p]));
  if (namesCUtf8(options.env) && selected.has('libc6') && !selected.has('libc-bin')) {
    out.extra.push('libc-bin');
    out.notes.push('libc-bin: brought (the environment names C.UTF-8, whose locale /usr/lib/locale/C.utf8 it ships)');
  }
  const candidates = [...new Set(resolution.essentialSkipped.map((e) => e.name))]
    .filter((n) => !selected.has(n))
    .sort();
  for (const name of candidates.filter((n) => options.scriptOnly.has(n)))
    out.notes.push(`${name}: not installed (${name} ${options.scriptOnly.get(name)})`);
  const open = candidates.filter((n) => !options.scriptOnly.has(n) && recordOf(n));
  const requested = resolution.packages.filter((p) => resolution.reasons.get(p.name)?.length === 1);
  const shellProvider =
    selected.has(SHELL_PROVIDER) || options.exclude?.includes(SHELL_PROVIDER) ? undefined : recordOf(SHELL_PROVIDER);
  if (open.length === 0 && (!shellProvider || requested.length === 0)) return out;

  const records = [...resolution.packages, ...open.map((n) => recordOf(n)!), ...(shellProvider ? [shellProvider] : [])];
  const factsOf = await loadFacts(records, options);
  const canonical = mergedUsrCanonical(
    resolution.packages.find((p) => p.name === 'base-files') ? factsOf(selected.get('base-files')!) : undefined,
  );
  const { provided, sonames } = imageContents(resolution.packages, factsOf, canonical);
  const unmet = unmetNeeds(
    byClosenessToSpec(resolution).map((r) => ({ name: r.name, facts: factsOf(r) })),
    provided,
    sonames,
    canonical,
  );
  for (const name of open) followIfNeeded(name, factsOf(recordOf(name)!), unmet, canonical, out);
  // /bin/sh: every Debian system has it, so no package declares it; a program of a package the
  // spec names that runs it (git's local transports, initdb's popen) gets the shell Debian ships.
  const shellUser = requested.flatMap((r) => factsOf(r).needs.shell.map((p) => `/${p}`))[0];
  if (shellProvider && shellUser && !['bin/sh', 'usr/bin/sh'].some((p) => provided.has(canonical(p)))) {
    out.extra.push(SHELL_PROVIDER);
    out.notes.push(
      `${SHELL_PROVIDER}: brought (essential, but ${shellUser} runs /bin/sh, which it ships; exclude: [${SHELL_PROVIDER}] leaves it out)`,
    );
  }
  return out;
}

interface InstallNeedsOptions {
  cacheDir: string;
  env: Readonly<Record<string, string>>;
  scriptOnly: ReadonlyMap<string, string>;
  exclude?: readonly string[];
  log?: (m: string) => void;
}

/** Reads (or takes from the cache) the install facts of `records`; returns a lookup by record. */
async function loadFacts(
  records: readonly PackageRecord[],
  options: InstallNeedsOptions,
): Promise<(r: PackageRecord) => InstallFacts> {
  const facts = await installFacts(
    records.map((r) => ({
      name: r.name,
      version: r.version,
      sha256: r.sha256,
      baseUrl: r.baseUrl,
      filename: r.filename,
      size: r.size,
    })),
    {
      cacheDir: options.cacheDir,
      ...(options.log ? { log: options.log } : {}),
    },
  );
  return (r) => facts.get(r.sha256)!;
}

/** The (canonical) non-directory paths and the sonames the resolved packages ship. */
function imageContents(
  packages: readonly PackageRecord[],
  factsOf: (r: PackageRecord) => InstallFacts,
  canonical: (p: string) => string,
): { provided: Set<string>; sonames: Set<string> } {
  const provided = new Set<string>();
  const sonames = new Set<string>();
  for (const r of packages) {
    for (const f of factsOf(r).files) if (f.type !== 'dir') provided.add(canonical(f.path));
    for (const s of factsOf(r).needs.sonames) sonames.add(s);
  }
  return { provided, sonames };
}

/** The needs of packages closest to what the spec asked for come first, so the notes name them. */
function byClosenessToSpec(resolution: Resolution): PackageRecord[] {
  const depth = (name: string) => resolution.reasons.get(name)?.length ?? Infinity;
  return [...resolution.packages].sort((a, b) => depth(a.name) - depth(b.name) || compareBytes(a.name, b.name));
}

/** Follows the Essential package `name` when it ships something unmet, and notes why either way. */
function followIfNeeded(
  name: string,
  ships: InstallFacts,
  unmet: readonly Unmet[],
  canonical: (p: string) => string,
  out: InstallNeeds,
): void {
  const paths = new Set(ships.files.filter((f) => f.type !== 'dir').map((f) => canonical(f.path)));
  const hit = unmet.find((u) =>
    u.kind === 'path' ? u.candidates.some((c) => paths.has(c)) : ships.needs.sonames.includes(u.what),
  );
  if (hit) {
    out.follow.push(name);
    out.notes.push(`${name}: brought (essential, but ${hit.by} needs ${hit.what}, which it ships)`);
  } else {
    out.notes.push(`${name}: not installed (essential; nothing in the image needs a file it ships)`);
  }
}

/** The Essential package that ships /bin/sh on Debian. */
const SHELL_PROVIDER = 'dash';

interface Unmet {
  kind: 'path' | 'soname';
  what: string;
  /** Image paths that would satisfy it (for `#!/usr/bin/env perl`: perl in each PATH directory). */
  candidates: string[];
  by: string;
}

function unmetNeeds(
  packages: Array<{ name: string; facts: InstallFacts }>,
  provided: ReadonlySet<string>,
  sonames: ReadonlySet<string>,
  canonical: (p: string) => string,
): Unmet[] {
  const out: Unmet[] = [];
  for (const { facts } of packages) {
    for (const [program, interpreter] of facts.needs.interpreters) {
      const candidates = interpreter.startsWith('env:')
        ? PATH_DIRS.map((d) => canonical(`${d}/${interpreter.slice(4)}`))
        : [canonical(interpreter.replace(/^\/+/, ''))];
      if (!candidates.some((c) => provided.has(c)))
        out.push({
          kind: 'path',
          what: interpreter.startsWith('env:') ? interpreter.slice(4) : interpreter,
          candidates,
          by: `/${program}`,
        });
    }
    for (const soname of facts.needs.needed)
      if (!sonames.has(soname))
        out.push({ kind: 'soname', what: soname, candidates: [], by: 'a library of the image' });
  }
  return out;
}

/** With merged /usr (base-files' bin -> usr/bin links), /bin/x and /usr/bin/x are one file. */
function mergedUsrCanonical(baseFiles: InstallFacts | undefined): (path: string) => string {
  const aliases = new Map<string, string>();
  for (const f of baseFiles?.files ?? []) {
    if (f.type === 'symlink' && !f.path.includes('/') && f.target?.replace(/^\//, '') === `usr/${f.path}`)
      aliases.set(f.path, `usr/${f.path}`);
  }
  return (path) => {
    const p = path.replace(/^\/+/, '');
    const top = p.split('/')[0]!;
    const alias = aliases.get(top);
    return alias ? `${alias}${p.slice(top.length)}` : p;
  };
}
