/**
 * Reusable zod schemas for the kinds of values a spec holds (image paths, modes, owners, ids, ...),
 * each with the one-line error messages users see. `schema.ts` assembles them into the spec.
 *
 * Messages are phrased to follow `<field path>: `, e.g. `files[0].mode: write modes as ...`.
 */
import { z } from 'zod';
import { PithError } from '../errors.js';
import { shellSplit } from './shell-split.js';

type RawIssue = z.core.$ZodRawIssue;

/** How a value that has the wrong type is described after "got". */
export function describeValue(input: unknown): string {
  if (input === null || input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  if (input instanceof Date) return 'a YAML timestamp';
  if (input instanceof Uint8Array) return 'binary data';
  switch (typeof input) {
    case 'string':
      return 'a string';
    case 'number':
      return `a number (${input})`;
    case 'boolean':
      return `a boolean (${input})`;
    case 'object':
      return 'a mapping';
    default:
      return typeof input;
  }
}

/**
 * An error map for a schema's own type mismatch: `required` when the key is missing, otherwise
 * `expected <what>, got <kind>`; `special` may say something more helpful for a given input
 * (including `undefined`, the missing key).
 * Other issues fall through to the check's own message or the generic map in `issues.ts`.
 */
export function typeError(what: string, special?: (input: unknown) => string | undefined) {
  return (iss: RawIssue): string | undefined => {
    if (iss.code !== 'invalid_type' && iss.code !== 'invalid_union') return undefined;
    const said = special?.(iss.input);
    if (said !== undefined) return said;
    return iss.input === undefined ? 'required' : `expected ${what}, got ${describeValue(iss.input)}`;
  };
}

/** YAML reads unquoted 1.0, 8080, true as numbers and booleans; say how to keep them strings. */
const quoteHint = (input: unknown): string | undefined =>
  typeof input === 'number' || typeof input === 'boolean'
    ? `expected a string, got a ${typeof input} (quote it)`
    : undefined;

/** A plain string, possibly empty. */
export const text = () => z.string({ error: typeError('a string', quoteHint) });

/** A non-empty string without NUL bytes. */
export const nonEmpty = () =>
  text()
    .min(1, { error: 'must not be empty' })
    .regex(/^[^\0]*$/, { error: 'must not contain NUL bytes' });

/** A host path as written (absolute, or relative to the spec's directory); resolving is not ours. */
export const hostPath = () => nonEmpty();

/**
 * Normalizes an absolute image path: collapses `//` and `/./`, strips a trailing `/`. Returns an
 * error message for relative paths and `..` components (which would be ambiguous in an image).
 */
export function normalizeImagePath(p: string): string | { error: string } {
  if (!p.startsWith('/')) return { error: `must be an absolute image path (start with "/"), got "${p}"` };
  if (p.includes('\0')) return { error: 'must not contain NUL bytes' };
  const parts = p.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..'))
    return { error: `must not contain ".." components (write the path it leads to), got "${p}"` };
  return '/' + parts.join('/');
}

/** An absolute path inside the image, normalized. */
export const imagePath = () =>
  z
    .string({ error: typeError('an absolute image path like "/app"') })
    .regex(/^\//, { error: (iss) => `must be an absolute image path (start with "/"), got "${String(iss.input)}"` })
    .transform((p, ctx) => {
      const normalized = normalizeImagePath(p);
      if (typeof normalized === 'string') return normalized;
      ctx.addIssue({ code: 'custom', message: normalized.error, input: p });
      return z.NEVER;
    });

const MODE_AS_NUMBER = 'write modes as quoted octal strings, e.g. "0755" (a bare 0755 is read as decimal by YAML 1.2)';

/** A file mode written as a string of octal digits: "0755", "755", "4755" -> number. */
export const mode = () =>
  z
    .string({
      error: typeError('an octal mode string like "0755"', (input) =>
        typeof input === 'number' ? MODE_AS_NUMBER : undefined,
      ),
    })
    .regex(/^0?[0-7]{1,4}$/, {
      error: (iss) => `expected an octal mode like "0755" (up to 4 digits 0-7), got "${String(iss.input)}"`,
    })
    .transform((s) => parseInt(s, 8));

/** uids and gids: what fits a 32-bit signed integer, as Linux and tar headers expect. */
export const MAX_ID = 2 ** 31 - 1;
export const id = () =>
  z
    .int({ error: typeError('an integer') })
    .min(0, { error: `must be between 0 and ${MAX_ID}` })
    .max(MAX_ID, { error: `must be between 0 and ${MAX_ID}` });

const NAME_OR_ID = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
const USER_REF = new RegExp(`^${NAME_OR_ID}(:${NAME_OR_ID})?$`);

/** `65532`, `65532:65532`, `nonroot`, `nonroot:nonroot`, or an integer uid -> string. */
export const userRef = (example: string) =>
  z
    .union(
      [
        z.string().regex(USER_REF, {
          error: (iss) => `expected a user like ${example}, got "${String(iss.input)}"`,
        }),
        id(),
      ],
      { error: typeError(`a user like ${example}`) },
    )
    .transform((v) => String(v));

/** A user or group name as it appears in /etc/passwd and /etc/group. */
export const accountName = () =>
  z.string({ error: typeError('a user or group name') }).regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, {
    error: (iss) =>
      `expected a user or group name (a letter or "_", then letters, digits, ".", "_" or "-", at most 32), got "${String(iss.input)}"`,
  });

/** A field of /etc/passwd: no ':' (the separator) and no newline. */
export const notInPasswd = [
  (v: string) => !/[:\n]/.test(v),
  { error: 'must not contain ":" or a newline (they delimit /etc/passwd fields)' },
] as const;

/**
 * A command: a list of strings, or one string split like a POSIX shell would (no expansion: there is
 * no shell in the image).
 */
export const command = () =>
  z
    .union([z.array(text()), z.string()], {
      error: typeError('a list of strings (or one string, split like a shell would)'),
    })
    .transform((v, ctx) => {
      if (Array.isArray(v)) return v;
      try {
        return shellSplit(v);
      } catch (err) {
        if (!(err instanceof PithError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message, input: v });
        return z.NEVER;
      }
    });

/** A map of strings to strings; keys must not be empty. */
export const stringMap = () =>
  z.record(z.string().min(1, { error: 'keys must not be empty' }), text(), {
    error: typeError('a mapping of strings to strings'),
  });

const PORT = /^([0-9]{1,5})(?:\/(tcp|udp|sctp))?$/;
const PORT_MESSAGE = 'expected a port 1-65535 with an optional /tcp, /udp or /sctp, like 8080 or "53/udp"';

/** 8080, "8080", "53/udp" -> "8080/tcp", "53/udp". */
export const port = () =>
  z
    .union(
      [
        z
          .int()
          .min(1, { error: (iss) => `${PORT_MESSAGE}, got ${String(iss.input)}` })
          .max(65535, { error: (iss) => `${PORT_MESSAGE}, got ${String(iss.input)}` }),
        z.string().regex(PORT, { error: (iss) => `${PORT_MESSAGE}, got "${String(iss.input)}"` }),
      ],
      { error: typeError('a port like 8080 or "53/udp"') },
    )
    .transform((v, ctx) => {
      const [, num, proto] = PORT.exec(String(v))!;
      const n = Number(num);
      if (n < 1 || n > 65535) {
        ctx.addIssue({ code: 'custom', message: `${PORT_MESSAGE}, got "${String(v)}"`, input: v });
        return z.NEVER;
      }
      return `${n}/${proto ?? 'tcp'}`;
    });

/** Where `created` strings come from: RFC 3339 (a date, "T", a time, "Z" or an offset). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const CREATED_MESSAGE = 'expected an RFC 3339 time like "2024-01-01T00:00:00Z" or unix seconds';

/** Parses an RFC 3339 time to unix seconds (fractions dropped), or undefined if it is not one. */
export function rfc3339ToUnix(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const zone = m[8]!;
  const offset =
    zone === 'Z' || zone === 'z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  // A leap second (:60) is folded into the next second, which is what Unix time does anyway.
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  return Math.floor(ms / 1000);
}

/** `created`: an RFC 3339 string or non-negative integer seconds -> unix seconds. */
export const created = () =>
  z
    .union(
      [
        z.string().regex(RFC3339, { error: (iss) => `${CREATED_MESSAGE}, got "${String(iss.input)}"` }),
        z.int().min(0, { error: 'must not be negative (seconds since 1970-01-01T00:00:00Z)' }),
      ],
      { error: typeError('an RFC 3339 time string like "2024-01-01T00:00:00Z" or unix seconds') },
    )
    .transform((v, ctx) => {
      if (typeof v === 'number') return v;
      const seconds = rfc3339ToUnix(v);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a valid date and time: "${v}"`, input: v });
        return z.NEVER;
      }
      if (seconds < 0) {
        ctx.addIssue({ code: 'custom', message: `must not be before 1970-01-01T00:00:00Z, got "${v}"`, input: v });
        return z.NEVER;
      }
      return seconds;
    });

/** A signal name like SIGTERM (or TERM, normalized to SIGTERM) or a signal number. */
export const signal = () =>
  z
    .union(
      [
        z.string().regex(/^((SIG)?[A-Z][A-Z0-9]*([+-][0-9]+)?|[1-9]|[1-5][0-9]|6[0-4])$/, {
          error: (iss) => `expected a signal name like "SIGTERM" or a number, got "${String(iss.input)}"`,
        }),
        z.int().min(1, { error: 'must be between 1 and 64' }).max(64, { error: 'must be between 1 and 64' }),
      ],
      { error: typeError('a signal name like "SIGTERM" or a number') },
    )
    .transform((v) => {
      const s = String(v);
      return /^[0-9]/.test(s) || s.startsWith('SIG') ? s : `SIG${s}`;
    });

/**
 * Issues for entries whose `key` repeats an earlier one, at `[index, ...at]`. For `.superRefine` on
 * a list.
 */
export function uniqueBy<T>(what: string, key: (item: T) => string, at: (string | number)[] = []) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const k = key(item);
      const first = seen.get(k);
      if (first === undefined) {
        seen.set(k, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        message: `duplicate ${what} "${k}" (already at index ${first})`,
        path: [index, ...at],
        input: item,
      });
    });
  };
}

/** A strict object: unknown keys are errors (reported with a "did you mean" by `issues.ts`). */
export function strict<T extends z.core.$ZodLooseShape>(what: string, shape: T) {
  return z.strictObject(shape, { error: typeError(what) });
}

/** A list of `item`s; `what` describes the whole list in a type error. */
export const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: typeError(what) });
