/** What a rule of the `trim: closure` table (rules.ts) is, and what it may ask about the image. */
import type { TreeEntry } from '../entry.js';

export interface RuleContext {
  /** Image paths kept so far (no leading slash). */
  readonly kept: ReadonlySet<string>;
  /** Packages (Origin.package of kind 'package') that contribute a kept non-directory entry. */
  readonly packages: ReadonlySet<string>;
  /** Whether the image has an entry at this path (not following symlinks). */
  has(path: string): boolean;
  /** Kept paths whose last component matches `re`. */
  keptNamed(re: RegExp): string[];
  /** Kept paths (whole image paths) matching `re`. */
  keptMatching(re: RegExp): string[];
  /** Whether a kept ELF object imports `symbol` (true too when some kept object's imports cannot be read). */
  imports(symbol: string): boolean;
  /** Every image path (kept or not) matching a glob (glob.ts syntax). */
  matching(glob: string): string[];
  /** The text of a regular file in the image (symlinks and hard links followed), or undefined. */
  readText(path: string): Promise<string | undefined>;
  /** An installed package's control file (its status.d entry), or undefined. */
  control(pkg: string): Promise<string | undefined>;
  /** Whether `path` resolves (symlinks followed) to a kept entry. */
  resolvesToKept(path: string): Promise<boolean>;
}

export interface Rule {
  name: string;
  /** One line for `--explain` and the docs: what breaks without it. */
  why: string;
  when: (ctx: RuleContext) => boolean;
  /** Globs or plain paths over image paths; a function for rules whose paths depend on what is kept. Omitted: every entry. */
  keep?: readonly string[] | ((ctx: RuleContext) => string[] | Promise<string[]>);
  exclude?: readonly string[];
  /** A test on the entry itself (its type, origin, where its link leads). */
  select?: (entry: TreeEntry, ctx: RuleContext) => boolean | Promise<boolean>;
  /** Only entries installed by these packages; 'contributing': those that already contribute a kept file. */
  from?: 'contributing' | ((ctx: RuleContext) => Promise<ReadonlySet<string>>);
}
