/**
 * What every spec goes through whatever it came from (a YAML file, or an object given to the
 * library): the schema with its defaults, one error naming the first problem's field, and the
 * `LoadedSpec` that build() reads.
 */
import path from 'node:path';
import { specError } from '../errors.js';
import { checkAgainst, type FieldPath, type Problem } from './issues.js';
import { specSchema } from './schema.js';
import type { Spec } from './types.js';

export interface LoadedSpec {
  spec: Spec;
  /** The path as given; for a spec object, its label (`request body`). */
  file: string;
  /** Absolute directory that relative `src` and `keyring` paths resolve against: the file's. */
  dir: string;
  /**
   * Where pith.lock is read and written: beside the file, named after it. Undefined for a spec
   * object given no lockFile: its packages are resolved on every build and no lock is written.
   */
  lockFile: string | undefined;
  /**
   * `pith.yaml:14:7` for a field path like `['files', 0, 'src']` (keys as written in the file),
   * falling back to the nearest existing parent, then to the file name; for a spec object,
   * `request body: files[0].src`.
   */
  where(path: ReadonlyArray<string | number>): string;
  /** Whether a top-level key is written in the file (defaults make every key present in `spec`). */
  written(key: string): boolean;
}

/** Deeper than any spec needs; yaml recurses per level and takes ~0.4 s to overflow at 3,000. */
export const MAX_NESTING = 64;

/** Where a problem is, and its rank among the others (the first one is the error). */
export interface ProblemPlace {
  where: string;
  order: number;
}

/**
 * The spec, with its defaults, from plain data (what YAML parses to); a spec PithError for the
 * first problem (by `order`), `field: what is wrong (and N more)`, at `locate`'s `where`.
 */
export function checkSpec(data: unknown, locate: (problem: Problem) => ProblemPlace): Spec {
  const checked = checkAgainst(specSchema, data);
  if (checked.ok) return checked.value;
  const located = checked.problems
    .map((problem, index) => ({ problem, index, place: locate(problem) }))
    .sort((a, b) => a.place.order - b.place.order || a.index - b.index);
  const first = located[0]!;
  const field = formatFieldPath(first.problem.path);
  const more = located.length > 1 ? ` (and ${located.length - 1} more)` : '';
  throw specError(`${field ? `${field}: ` : ''}${first.problem.message}${more}`, { where: first.place.where });
}

/** The LoadedSpec of checked data: `written` answers from the data as given, before defaults. */
export function loadedSpec(
  spec: Spec,
  data: unknown,
  from: { file: string; dir: string; lockFile: string | undefined; where: LoadedSpec['where'] },
): LoadedSpec {
  return {
    spec,
    file: from.file,
    dir: path.resolve(from.dir),
    lockFile: from.lockFile,
    where: from.where,
    written: (key) => typeof data === 'object' && data !== null && Object.hasOwn(data, key),
  };
}

/** pith.yaml -> pith.lock, cc.yaml -> cc.lock: beside the spec, named after it. */
export function lockPathFor(specFile: string): string {
  return path.join(path.dirname(specFile), `${path.basename(specFile, path.extname(specFile))}.lock`);
}

/** `files[2].mode`, `env.PORT`, `labels["org.opencontainers.image.title"]`. */
export function formatFieldPath(fieldPath: Readonly<FieldPath>): string {
  let out = '';
  for (const segment of fieldPath) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += out === '' ? JSON.stringify(segment) : `[${JSON.stringify(segment)}]`;
  }
  return out;
}
