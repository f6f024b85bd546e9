/**
 * A spec given as a value rather than a file (a library caller, `pith serve`): the same schema,
 * defaults and bounds as pith.yaml, with errors that name the field, `request body: packages[2]: ...`.
 */
import path from 'node:path';
import { specError } from '../errors.js';
import { formatLimit, limit, raiseHint } from '../limits.js';
import { checkSpec, formatFieldPath, loadedSpec, MAX_NESTING, type LoadedSpec } from './check.js';
import type { FieldPath } from './issues.js';

export interface SpecObjectOptions {
  /** What the value is, for error messages: `request body: packages[2]: ...`. Default `spec`. */
  name?: string;
  /** The directory relative `src` and `keyring` paths resolve against. Default: the working directory. */
  baseDir?: string;
  /**
   * Where pith.lock is read (when it still matches) and written after a build. Without one the
   * packages are resolved on every build and no lock is written.
   */
  lockFile?: string;
}

/**
 * Validates a plain value (what `JSON.parse` or a YAML parser gives; a Date is taken as its ISO
 * time) as a spec: the `LoadedSpec` that build() and lockSpec() take, as loadSpec() returns for a file.
 */
export function specFromObject(value: unknown, options: SpecObjectOptions = {}): LoadedSpec {
  const name = options.name ?? 'spec';
  const where = (fieldPath: ReadonlyArray<string | number>) =>
    fieldPath.length ? `${name}: ${formatFieldPath(fieldPath)}` : name;
  if (value === null || value === undefined)
    throw specError('the spec is empty', { where: name, hint: 'start with an object, e.g. { name: "myapp" }' });
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw specError(
      `expected an object with keys like name and entrypoint, got ${Array.isArray(value) ? 'a list' : describe(value)}`,
      { where: name },
    );
  }
  const data = plainCopy(value, where);
  // Problems are reported in the order the schema finds them (a value has no positions).
  const spec = checkSpec(data, () => ({ where: name, order: 0 }));
  return loadedSpec(spec, data, {
    file: name,
    dir: path.resolve(options.baseDir ?? '.'),
    lockFile: options.lockFile,
    where,
  });
}

/**
 * A copy of the value as YAML would have given it: strings, numbers, booleans, null, lists and
 * plain objects; properties set to undefined left out. Refused like a spec file: past the spec
 * size limit (counted as it goes, so a huge value costs no more than the limit), deeper than
 * MAX_NESTING, a cycle, or a value YAML cannot hold (a function, a class instance).
 */
function plainCopy(value: unknown, where: (fieldPath: FieldPath) => string): unknown {
  const maxBytes = limit('specBytes');
  let bytes = 0;
  const open = new Set<object>();
  const copy = (v: unknown, at: FieldPath): unknown => {
    bytes += typeof v === 'string' ? Buffer.byteLength(v) + 2 : 8;
    if (bytes > maxBytes) {
      throw specError(`the spec is larger than ${formatLimit('specBytes', maxBytes)}; refused`, {
        where: where([]),
        hint: raiseHint('specBytes'),
      });
    }
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v instanceof Date) return v.toISOString();
    if (typeof v !== 'object' || (!Array.isArray(v) && !isPlainObject(v))) {
      throw specError(`${describe(v)} is not a spec value`, {
        where: where(at),
        hint: 'use strings, numbers, booleans, lists and plain objects',
      });
    }
    if (open.has(v))
      throw specError('refers back to an object that holds it (a cycle)', {
        where: where(at),
        hint: 'a spec is a tree of values',
      });
    if (at.length >= MAX_NESTING) throw specError(`nested more than ${MAX_NESTING} deep`, { where: where(at) });
    open.add(v);
    const out = Array.isArray(v) ? v.map((item: unknown, i) => copy(item, [...at, i])) : copyEntries(v, at, copy);
    open.delete(v);
    return out;
  };
  return copy(value, []);
}

function copyEntries(v: object, at: FieldPath, copy: (v: unknown, at: FieldPath) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Values are read one at a time, so a refusal past the size limit reads no further.
  for (const key of Object.keys(v)) {
    const item: unknown = (v as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = copy(item, [...at, key]);
  }
  return out;
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `a function`, `a Map instance`, `undefined`: what a value that is no spec value is. */
function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v !== 'object' || v === null) return `a ${typeof v}`;
  return `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'class'} instance`;
}
