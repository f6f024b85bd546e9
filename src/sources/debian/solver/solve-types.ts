/** The solver's options, result and learned constraints, shared by solver.ts (rounds) and round.ts (one walk). */
import type { InstalledPackage } from './installed.js';
import type { PackageRecord } from '../archive/packages-index.js';
import type { VersionOp } from './version.js';

export interface SolveOptions {
  /** Packages cut from the closure: dependencies on them count as satisfied. */
  exclude?: string[];
  /** Packages already in the image (a base image's): never added, never replaced. */
  installed?: readonly InstalledPackage[];
  /** Essential packages to follow like any other when something depends on them. */
  followEssential?: ReadonlySet<string>;
  /** Packages only maintainer scripts use: dependencies on them are not followed (name -> why). */
  scriptOnly?: ReadonlyMap<string, string>;
}

export interface Resolution {
  /** Sorted by name (code points); one version per name. */
  packages: PackageRecord[];
  /** Package name -> the chain that pulled it in, from a requested package, e.g. ['curl', 'libcurl4', 'libssl3']. */
  reasons: Map<string, string[]>;
  /** Choices made among alternatives and providers, dependencies not followed, Conflicts/Breaks seen. */
  notes: string[];
  /** Essential packages a selected package depends on that were not followed, with that package's chain. */
  essentialSkipped: Array<{ name: string; chain: string[] }>;
}

export interface Constraint {
  op: VersionOp;
  version: string;
  /** The chain and relation that imposed it, e.g. `curl -> libcurl4 -> libssl3 (>= 3.0.9)`. */
  label: string;
  where: string | undefined;
}

/** Why an alternative failed: `sep` joins it to the relation (`: ` for reasons, ` ` for "conflicts with"). */
export interface Failure {
  sep: ': ' | ' ';
  text: string;
}

/** Thrown inside a round when a learned constraint requires starting again. */
export class Restart {
  constructor(readonly name: string) {}
}
