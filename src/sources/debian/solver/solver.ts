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
import { InstalledSet } from './installed.js';
import type { Requirement } from './requirement.js';
import { Round } from './round.js';
import { Restart, type Constraint, type SolveOptions, type Resolution } from './solve-types.js';
import type { PackageUniverse } from './universe.js';

export type { Resolution, SolveOptions } from './solve-types.js';

/** Restarts allowed to settle versions (each adds a learned constraint). */
const MAX_ROUNDS = 100;

export function solve(
  requirements: readonly Requirement[],
  universe: PackageUniverse,
  options: SolveOptions = {},
): Resolution {
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
  throw buildError(
    `could not settle the versions of the dependencies after ${MAX_ROUNDS} attempts (last conflict on ${lastRestart})`,
    {
      hint: 'pin the versions of the packages involved in the requirements',
    },
  );
}
