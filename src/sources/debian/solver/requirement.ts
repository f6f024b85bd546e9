/**
 * What the user asks for in the spec's package list: a Debian package name, optionally with a
 * version constraint. Accepted spellings:
 *
 *   curl                  any version (the highest available wins)
 *   curl=7.88.1-10        exactly that version (apt's `name=version` syntax)
 *   curl (>= 7.88)        a Debian relation, operators << <= = >= >> as in Depends
 *   curl (<< 8)
 *
 * Not accepted, on purpose: the legacy operators `<` and `>` (they mean `<=` and `>=`, which nobody
 * guesses right), architecture qualifiers (`curl:amd64`: the image has one architecture, set by the
 * spec) and alternatives (`a | b`: the user should say which one they want).
 */
import { specError } from '../../../errors.js';
import { parseVersion, type VersionOp } from './version.js';

export interface Requirement {
  name: string;
  op?: VersionOp;
  version?: string;
  /** Where the requirement was written, e.g. `pith.yaml:7:5`; becomes the `where` of solver errors. */
  where?: string;
}

/** Policy 5.6.1: lower case letters, digits, `+ - .`; at least two characters, starting alphanumeric. */
const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const OPS: ReadonlySet<string> = new Set(['<<', '<=', '=', '>=', '>>']);

const HINT = 'write "name", "name=version" or "name (op version)" with op one of << <= = >= >>';

/** Parse one requirement; throws a spec error naming `where` on bad syntax. */
export function parseRequirement(text: string, where?: string): Requirement {
  const fail = (why: string) =>
    specError(`bad package requirement "${text}": ${why}`, { ...(where === undefined ? {} : { where }), hint: HINT });
  const t = text.trim();
  if (t === '') throw fail('it is empty');

  let name: string;
  let op: string | undefined;
  let version: string | undefined;
  const paren = /^([^\s(=]+)\s*\(\s*([<>=]+)\s*([^\s()]+)\s*\)$/.exec(t);
  const exact = /^([^\s(=]+)\s*=\s*([^\s()=]+)$/.exec(t);
  if (paren) {
    [, name, op, version] = paren as unknown as [string, string, string, string];
  } else if (exact) {
    [, name, version] = exact as unknown as [string, string, string];
    op = '=';
  } else if (/^[^\s(=]+$/.test(t)) {
    name = t;
  } else {
    throw fail('expected a package name, optionally followed by "=version" or "(op version)"');
  }

  if (name.includes(':')) throw fail('architecture qualifiers are not supported (the image has one architecture)');
  if (name.includes('|')) throw fail('alternatives are not supported: name the package you want');
  if (!NAME.test(name)) {
    throw fail(
      name.toLowerCase() !== name && NAME.test(name.toLowerCase())
        ? 'Debian package names are lower case'
        : `"${name}" is not a Debian package name (lower case letters, digits, + - . ; at least two characters)`,
    );
  }
  const req: Requirement = { name };
  if (op !== undefined && version !== undefined) {
    if (!OPS.has(op)) {
      throw fail(
        op === '<' || op === '>'
          ? `use "${op}${op}" or "${op}=" instead of the ambiguous "${op}"`
          : `unknown operator "${op}"`,
      );
    }
    try {
      parseVersion(version);
    } catch (err) {
      throw fail((err as Error).message);
    }
    req.op = op as VersionOp;
    req.version = version;
  }
  if (where !== undefined) req.where = where;
  return req;
}

/** Back to text in relation syntax, e.g. `curl (>= 7.88)`. */
export function formatRequirement(req: Requirement): string {
  return req.op ? `${req.name} (${req.op} ${req.version})` : req.name;
}
