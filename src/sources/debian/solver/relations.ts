/**
 * Package relationship fields (Debian policy 7.1): Depends, Pre-Depends, Provides, and friends.
 *
 * `a (>= 1.2) | b:any, c [amd64] <!nocheck>` parses to `[[a >= 1.2, b:any], [c]]`: commas separate
 * requirements that must all hold, `|` separates alternatives tried left to right.
 *
 * Restrictions only ever appear in source packages (dpkg-gencontrol evaluates them away before a
 * binary package's Depends is written), but a parser that meets them should not misread them:
 * - architecture restrictions `[amd64 !i386 linux-any]` are evaluated against `options.arch` when
 *   given (a list of positive terms keeps the alternative when one matches; a list of negated
 *   terms keeps it when none matches) and ignored, keeping the alternative, when it is not;
 * - build profiles `<!nocheck> <stage1 cross>` (any group true, each group a conjunction) are
 *   evaluated against `options.profiles`, which is empty by default: no profile is active when
 *   installing binary packages, so `c <!nocheck>` is kept and `c <nocheck>` is dropped.
 * An alternative that does not apply is dropped; a requirement left without alternatives is
 * dropped entirely (as dpkg does).
 *
 * Legacy operators `<` and `>` mean `<=` and `>=` (dpkg still accepts them with a warning).
 */
import { PithError } from '../../../errors.js';
import type { VersionOp } from './version.js';

export type RelationOp = VersionOp;

export interface Relation {
  name: string;
  /** Architecture qualifier after `:`: `any`, `native`, or an architecture name. */
  arch?: string;
  op?: RelationOp;
  version?: string;
}

export interface RelationOptions {
  /** Host architecture used to evaluate `[...]` restrictions. */
  arch?: string;
  /** Active build profiles used to evaluate `<...>` restrictions (none by default). */
  profiles?: readonly string[];
  /** Named in error messages, e.g. `libc6 Depends`. */
  where?: string;
  /**
   * Share identical requirements between calls (see RelationCache). With a cache, results hold
   * frozen inner arrays and relations shared with other results: copy before changing them.
   * Groups with restrictions are never cached (their result depends on arch and profiles).
   */
  cache?: RelationCache;
}

/**
 * Debian architecture name to (os, cpu) for wildcard matching (`linux-any`, `any-arm`).
 * A simplification of dpkg's tupletable/cputable, good for the architectures Debian ships.
 */
const CPU_OF: Readonly<Record<string, string>> = { armel: 'arm', armhf: 'arm', x32: 'amd64' };

function archTuple(arch: string): { os: string; cpu: string } {
  const dash = arch.indexOf('-');
  const os = dash < 0 ? 'linux' : arch.slice(0, dash);
  const cpu = dash < 0 ? arch : arch.slice(dash + 1);
  return { os, cpu: CPU_OF[cpu] ?? cpu };
}

/** Whether architecture `arch` matches a restriction term such as `amd64`, `linux-any`, `any-arm64`, `any`. */
export function archMatches(arch: string, term: string): boolean {
  if (term === 'any' || term === arch) return true;
  const dash = term.indexOf('-');
  if (dash < 0) return false; // a plain architecture name only matches itself (checked above)
  const tOs = term.slice(0, dash);
  const tCpu = term.slice(dash + 1);
  const { os, cpu } = archTuple(arch);
  return (tOs === 'any' || tOs === os) && (tCpu === 'any' || tCpu === cpu);
}

function evalArchRestriction(list: string, arch: string | undefined, fail: (why: string) => Error): boolean {
  const terms = list
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (terms.length === 0) throw fail('empty architecture restriction []');
  const negated = terms.map((t) => t.startsWith('!'));
  if (negated.some((x) => x !== negated[0])) throw fail(`mixed positive and negated architectures in [${list}]`);
  if (arch === undefined) return true;
  const hit = terms.some((t) => archMatches(arch, t.replace(/^!/, '')));
  return negated[0] ? !hit : hit;
}

/** One `<...>` group: a conjunction of profile terms, each possibly negated. */
function evalProfileGroup(group: string, profiles: readonly string[], fail: (why: string) => Error): boolean {
  const terms = group
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '');
  if (terms.length === 0) throw fail('empty build profile restriction <>');
  return terms.every((term) => (term.startsWith('!') ? !profiles.includes(term.slice(1)) : profiles.includes(term)));
}

const C_SPACE = 32;
const C_TAB = 9;
const C_LF = 10;
const C_CR = 13;

function isBlankChar(c: number): boolean {
  return c === C_SPACE || c === C_TAB || c === C_LF || c === C_CR;
}

/** Package name characters (policy 5.6.1: lower-case letters, digits, `+`, `-`, `.`). */
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}

function failer(options: RelationOptions, field: string) {
  return (why: string) => {
    const folded = field.replace(/\s+/g, ' ').trim();
    const shown = folded.length > 120 ? `${folded.slice(0, 117)}...` : folded;
    return new PithError('input', `bad relationship field "${shown}": ${why}`, {
      where: options.where ?? '<relations>',
    });
  };
}

/**
 * Parsed requirements by their text, for RelationOptions.cache. Within one Packages index the same
 * requirement (`libc6 (>= 2.34)`) is spelt identically in thousands of stanzas: bookworm main has
 * 325,000 relations but only 90,000 distinct ones, and sharing them saves memory and garbage
 * collection. Cached groups and their relations are frozen.
 */
export type RelationCache = Map<string, readonly Relation[]>;

/** Whether a group's text has `[arch]` or `<profile>` restrictions (as opposed to `(<< 1)` operators). */
function hasRestrictions(text: string): boolean {
  return text.includes('[') || /<[!a-z]/.test(text);
}

/**
 * Parse a Depends-like field (AND of ORs). An empty or absent field gives `[]`.
 * A hand-written scanner rather than split/regex, because this runs over every stanza of a
 * 63,000-package index.
 */
export function parseRelations(field: string | undefined, options: RelationOptions = {}): Relation[][] {
  if (field === undefined) return [];
  const n = field.length;
  let i = 0;
  while (i < n && isBlankChar(field.charCodeAt(i))) i++;
  if (i === n) return [];
  const out: Relation[][] = [];
  let fail: ((why: string) => Error) | undefined;
  const failLazily = (why: string) => (fail ??= failer(options, field))(why);
  for (;;) {
    let comma = field.indexOf(',', i);
    if (comma < 0) comma = n;
    const text = field.slice(i, comma);
    const cache = options.cache;
    let group = cache?.get(text);
    if (group === undefined) {
      const parsed = parseGroup(text, options, failLazily);
      if (cache && !hasRestrictions(text)) {
        for (const rel of parsed) Object.freeze(rel);
        cache.set(text, Object.freeze(parsed));
      }
      group = parsed;
    }
    if (group.length > 0) out.push(group as Relation[]);
    if (comma >= n) break;
    i = comma + 1;
  }
  return out;
}

/** Where parsing is in a relation's text. */
class Cursor {
  i = 0;
  readonly n: number;

  constructor(readonly s: string) {
    this.n = s.length;
  }

  skip(): void {
    while (this.i < this.n && isBlankChar(this.s.charCodeAt(this.i))) this.i++;
  }
}

/** One requirement: alternatives separated by `|`. Returns those that apply (possibly none). */
function parseGroup(s: string, options: RelationOptions, fail: (why: string) => Error): Relation[] {
  const c = new Cursor(s);
  const alts: Relation[] = [];
  let altCount = 0;
  for (;;) {
    c.skip();
    const nameStart = c.i;
    while (c.i < c.n && isNameChar(s.charCodeAt(c.i))) c.i++;
    if (c.i === nameStart) {
      if (c.i >= c.n || s[c.i] === '|') throw fail(altCount > 0 ? 'empty alternative' : 'empty requirement');
      throw fail(`unexpected "${s[c.i]}" where a package name should be`);
    }
    const rel: Relation = { name: s.slice(nameStart, c.i) };
    if (s.charCodeAt(c.i) === 58 /* : */) {
      const q = ++c.i;
      while (c.i < c.n && isNameChar(s.charCodeAt(c.i))) c.i++;
      if (c.i === q) throw fail(`empty architecture qualifier after "${rel.name}:"`);
      rel.arch = s.slice(q, c.i);
    }
    c.skip();
    if (s.charCodeAt(c.i) === 40 /* ( */) parseVersion(c, rel, fail);
    if (restrictionsHold(c, options, fail)) alts.push(rel);
    altCount++;
    if (c.i >= c.n) return alts;
    const next = s[c.i];
    c.i++;
    if (next !== '|') throw fail(`unexpected "${next}" after "${rel.name}"`);
  }
}

/** `(OP VERSION)` after a name, into `rel`. */
function parseVersion(c: Cursor, rel: Relation, fail: (why: string) => Error): void {
  const { s } = c;
  c.i++;
  c.skip();
  const o = c.i;
  while (c.i < c.n && (s[c.i] === '<' || s[c.i] === '>' || s[c.i] === '=')) c.i++;
  const op = s.slice(o, c.i);
  switch (op) {
    case '<<':
    case '<=':
    case '=':
    case '>=':
    case '>>':
      rel.op = op;
      break;
    case '<':
      rel.op = '<=';
      break;
    case '>':
      rel.op = '>=';
      break;
    default:
      throw fail(`bad version operator "${op}" for "${rel.name}"`);
  }
  c.skip();
  const v = c.i;
  while (c.i < c.n && !isBlankChar(s.charCodeAt(c.i)) && s[c.i] !== ')' && s[c.i] !== '(') c.i++;
  if (c.i === v) throw fail(`missing version for "${rel.name}"`);
  rel.version = s.slice(v, c.i);
  c.skip();
  if (s[c.i] !== ')') throw fail(`missing ")" after "${rel.name} (${op} ${rel.version}"`);
  c.i++;
  c.skip();
}

/** `[ARCH...]` and `<PROFILE...>` restrictions after a name: whether the alternative applies. */
function restrictionsHold(c: Cursor, options: RelationOptions, fail: (why: string) => Error): boolean {
  const { s } = c;
  let keep = true;
  if (s[c.i] === '[') {
    const close = s.indexOf(']', c.i);
    if (close < 0) throw fail('unterminated "["');
    keep = evalArchRestriction(s.slice(c.i + 1, close), options.arch, fail) && keep;
    c.i = close + 1;
    c.skip();
  }
  if (s[c.i] === '<') {
    let any = false;
    while (s[c.i] === '<') {
      const close = s.indexOf('>', c.i);
      if (close < 0) throw fail('unterminated "<"');
      if (evalProfileGroup(s.slice(c.i + 1, close), options.profiles ?? [], fail)) any = true;
      c.i = close + 1;
      c.skip();
    }
    keep = keep && any;
  }
  return keep;
}

/**
 * Parse a Provides field: a comma-separated list without alternatives, where a version may only be
 * given with `=` (policy 7.5). An empty or absent field gives `[]`.
 */
export function parseProvides(field: string | undefined, options: RelationOptions = {}): Relation[] {
  const fail = failer(options, field ?? '');
  const groups = parseRelations(field, options);
  return groups.map((alts) => {
    if (alts.length !== 1) throw fail(`alternatives are not allowed in Provides: "${field?.trim()}"`);
    const rel = alts[0]!;
    if (rel.op !== undefined && rel.op !== '=')
      throw fail(`Provides only takes "=" versions, got "${rel.name} (${rel.op} ${rel.version})"`);
    return rel;
  });
}

/** One relation back to its canonical text, e.g. `libc6:any (>= 2.36)`. */
export function formatRelation(rel: Relation): string {
  const head = rel.arch ? `${rel.name}:${rel.arch}` : rel.name;
  return rel.op ? `${head} (${rel.op} ${rel.version})` : head;
}

/** A parsed field back to text, e.g. `a (>= 1) | b, c`. */
export function formatRelations(groups: Relation[][]): string {
  return groups.map((alts) => alts.map(formatRelation).join(' | ')).join(', ');
}
