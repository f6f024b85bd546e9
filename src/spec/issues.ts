/**
 * Runs a zod schema over the parsed YAML and turns its issues into problems: a field path, a one-line
 * message, and whether the position is the key (unknown or invalid keys) or the value.
 */
import type { z } from 'zod';
import { describeValue } from './fields.js';

export type FieldPath = (string | number)[];

export interface Problem {
  path: FieldPath;
  /** Says what is wrong, without the field path. */
  message: string;
  /** Point at the key rather than the value (unknown keys, bad map keys). */
  atKey: boolean;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export function checkAgainst<T>(schema: z.ZodType<T>, data: unknown): Checked<T> {
  // Unknown keys are reported once per object; which keys it did know comes from the schema that
  // raised the issue, remembered here by the object that had them.
  const knownKeys = new Map<unknown, readonly string[]>();
  const result = schema.safeParse(data, {
    reportInput: true,
    error: (iss) => genericMessage(iss, knownKeys),
  });
  if (result.success) return { ok: true, value: result.data };
  const problems: Problem[] = [];
  for (const issue of result.error.issues) expand(issue, [], problems, knownKeys);
  return { ok: false, problems };
}

function expand(
  issue: z.core.$ZodIssue,
  prefix: FieldPath,
  out: Problem[],
  knownKeys: Map<unknown, readonly string[]>,
) {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        out.push({
          path: [...path, key],
          message: `unknown key${suggest(key, knownKeys.get(issue.input) ?? [])}`,
          atKey: true,
        });
      }
      return;
    case 'invalid_key':
      out.push({ path, message: issue.issues[0]?.message ?? issue.message, atKey: true });
      return;
    case 'invalid_union': {
      // When every option rejected the value's type, the union's own message says what was
      // expected. When one option got further (the type was right, something inside was wrong),
      // its issues are the useful ones.
      const further = issue.errors.find((options) => options.length > 0 && !options.every(isTypeMismatch));
      if (further) {
        for (const inner of further) expand(inner, path, out, knownKeys);
        return;
      }
      out.push({ path, message: issue.message, atKey: false });
      return;
    }
    default:
      out.push({ path, message: issue.message, atKey: false });
  }
}

function isTypeMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_union');
}

const EXPECTED: Partial<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** Messages for issues whose schema did not say anything more specific. */
function genericMessage(iss: z.core.$ZodRawIssue, knownKeys: Map<unknown, readonly string[]>): string | undefined {
  switch (iss.code) {
    case 'unrecognized_keys': {
      const def: unknown = iss.inst?._zod.def;
      if (def && typeof def === 'object' && 'shape' in def && def.shape && typeof def.shape === 'object') {
        knownKeys.set(iss.input, Object.keys(def.shape));
      }
      return 'unknown key';
    }
    case 'invalid_type':
      if (iss.input === undefined) return 'required';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'too_small':
      if ((iss.origin === 'array' || iss.origin === 'string') && Number(iss.minimum) === 1) return 'must not be empty';
      return `must be at least ${String(iss.minimum)}`;
    case 'too_big':
      return iss.origin === 'string'
        ? `must be at most ${String(iss.maximum)} characters`
        : `must be at most ${String(iss.maximum)}`;
    case 'invalid_value':
      return `expected ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(iss.input)}`;
    case 'invalid_format':
      return 'has the wrong format';
    default:
      return undefined;
  }
}

/** ` (did you mean "x"?)` for a near miss, or for small objects the keys that are allowed. */
export function suggest(key: string, known: readonly string[]): string {
  const loose = (s: string) => s.toLowerCase().replace(/[-_ ]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = loose(candidate) === loose(key) ? 0 : editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = key.length <= 3 ? 1 : key.length <= 7 ? 2 : 3;
  if (best !== undefined && bestDistance <= limit) return ` (did you mean "${best}"?)`;
  if (known.length > 0 && known.length <= 6) return ` (expected ${known.join(', ')})`;
  return '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const row = rows[i]!;
      const prev = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
  }
  return rows[a.length]![b.length]!;
}
