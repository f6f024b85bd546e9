/**
 * Word expansion as POSIX sh does it: parameters (with the ${name op word} forms), command
 * substitution, arithmetic, field splitting of unquoted results on IFS, and pathname expansion of
 * unquoted glob characters (against the image, through the context). Patterns for `case`, `${x#p}`
 * and globs keep quoted characters literal.
 */
import type { List, Word, WordPart } from './ast.js';

export interface ExpansionContext {
  /** A variable or special parameter; undefined when unset. */
  param(name: string): string | undefined;
  positional(): string[];
  assign(name: string, value: string): void;
  /** Runs $(...) and returns its output. */
  substitute(body: List): string;
  /** Pathname expansion of a pattern (glob.ts syntax: a backslash quotes the next character). */
  glob(pattern: string): string[];
  /** An error in the script (${x?msg}, bad arithmetic): stops the script. */
  fail(message: string): never;
}

/** A piece of an expanded word: quoted text is never split or globbed. */
interface Piece {
  text: string;
  quoted: boolean;
  /** Text written in the script (not produced by an expansion): globbed, but never split. */
  literal?: boolean;
}

/** A field boundary forced by "$@". */
const BREAK: Piece = { text: '', quoted: true };

/** A pattern: `*`, `?` or a bracket expression with its closing `]` (a lone `[`, as in `[ -f x ]`, is not). */
const GLOB_CHARS = /[*?]|\[.+\]/;

/** Expands a word into fields (split and globbed), as for a command's arguments or `for` items. */
export function expandFields(word: Word, ctx: ExpansionContext): string[] {
  const pieces = expandPieces(word, ctx, false);
  const fields = splitFields(pieces, ctx.param('IFS') ?? ' \t\n');
  const out: string[] = [];
  for (const field of fields) {
    const unquotedGlob =
      field.some((p) => !p.quoted && GLOB_CHARS.test(p.text)) && GLOB_CHARS.test(field.map((p) => p.text).join(''));
    if (unquotedGlob) {
      const matches = ctx.glob(field.map((p) => (p.quoted ? escapeGlob(p.text) : p.text)).join(''));
      if (matches.length > 0) {
        out.push(...matches);
        continue;
      }
    }
    out.push(field.map((p) => p.text).join(''));
  }
  return out;
}

/** Expands a word to one string, unsplit and unglobbed (assignments, redirection targets, case subjects). */
export function expandString(word: Word, ctx: ExpansionContext): string {
  return expandPieces(word, ctx, true)
    .map((p) => p.text)
    .join('');
}

/** A shell pattern (case, ${x#p}) as a RegExp source, with quoted characters literal. */
export function expandPattern(word: Word, ctx: ExpansionContext): string {
  return expandPieces(word, ctx, true)
    .map((p) => (p.quoted ? escapeRegExp(p.text) : patternToRegExp(p.text)))
    .join('');
}

function expandPieces(word: Word, ctx: ExpansionContext, single: boolean, inQuotes = false): Piece[] {
  const out: Piece[] = [];
  for (const part of word) out.push(...expandPart(part, ctx, single, inQuotes));
  return out;
}

function expandPart(part: WordPart, ctx: ExpansionContext, single: boolean, inQuotes: boolean): Piece[] {
  switch (part.k) {
    case 'lit':
      return [{ text: part.s, quoted: inQuotes, literal: true }];
    case 'sq':
      return [{ text: part.s, quoted: true }];
    case 'dq': {
      const inner = expandPieces(part.parts, ctx, single, true);
      // "" is one empty field, not none.
      return inner.length === 0 ? [{ text: '', quoted: true }] : inner;
    }
    case 'cmd':
      return [{ text: ctx.substitute(part.body).replace(/\n+$/, ''), quoted: inQuotes }];
    case 'arith':
      return [{ text: String(evaluateArithmetic(expandString(part.expr, ctx), ctx)), quoted: inQuotes }];
    case 'param':
      return expandParameter(part, ctx, single, inQuotes);
  }
}

function expandParameter(
  part: Extract<WordPart, { k: 'param' }>,
  ctx: ExpansionContext,
  single: boolean,
  inQuotes: boolean,
): Piece[] {
  const { name, op } = part;
  if (name === '@' && inQuotes && !single && op === undefined && !part.length) {
    // "$@": one field per positional parameter.
    const out: Piece[] = [];
    ctx.positional().forEach((value, i) => {
      if (i > 0) out.push(BREAK);
      out.push({ text: value, quoted: true });
    });
    return out;
  }
  const value = name === '@' || name === '*' ? ctx.positional().join(' ') : ctx.param(name);
  if (part.length) return [{ text: String((value ?? '').length), quoted: inQuotes }];
  const word = (w: Word | undefined) => (w ? expandString(w, ctx) : '');
  const piece = (text: string) => [{ text, quoted: inQuotes }];
  const unsetOrEmpty = value === undefined || (op?.startsWith(':') === true && value === '');
  switch (op) {
    case undefined:
      return piece(value ?? '');
    case '-':
    case ':-':
      return unsetOrEmpty ? expandPieces(part.arg ?? [], ctx, single, inQuotes) : piece(value!);
    case '=':
    case ':=':
      if (unsetOrEmpty) ctx.assign(name, word(part.arg));
      return piece(ctx.param(name) ?? '');
    case '+':
    case ':+':
      return unsetOrEmpty ? [] : expandPieces(part.arg ?? [], ctx, single, inQuotes);
    case '?':
    case ':?':
      if (unsetOrEmpty) ctx.fail(`${name}: ${word(part.arg) || 'parameter not set'}`);
      return piece(value!);
    case '#':
    case '##':
    case '%':
    case '%%':
      return piece(trimPattern(value ?? '', expandPattern(part.arg ?? [], ctx), op));
    default:
      return ctx.fail(`unsupported \${${name}${op}...}`);
  }
}

/** ${x#p} (shortest prefix), ${x##p} (longest), ${x%p} (shortest suffix), ${x%%p} (longest). */
function trimPattern(value: string, pattern: string, op: string): string {
  const re = new RegExp(`^(?:${pattern})$`, 's');
  const lengths = [...Array(value.length + 1).keys()];
  if (op === '#' || op === '##') {
    for (const n of op === '#' ? lengths : lengths.reverse()) if (re.test(value.slice(0, n))) return value.slice(n);
  } else {
    for (const n of op === '%' ? lengths : lengths.reverse())
      if (re.test(value.slice(value.length - n))) return value.slice(0, value.length - n);
  }
  return value;
}

/** Splits unquoted text on IFS; "$@" breaks and quoted text join pieces into fields. */
function splitFields(pieces: Piece[], ifs: string): Piece[][] {
  const fields: Piece[][] = [];
  let current: Piece[] = [];
  let started = false;
  const end = () => {
    if (started) fields.push(current);
    current = [];
    started = false;
  };
  for (const piece of pieces) {
    if (piece === BREAK) {
      end();
      started = true;
      continue;
    }
    if (piece.quoted || piece.literal) {
      current.push(piece);
      started = true;
      continue;
    }
    let text = '';
    for (const ch of piece.text) {
      if (ifs.includes(ch)) {
        if (text) current.push({ text, quoted: false });
        if (text) started = true;
        text = '';
        end();
      } else {
        text += ch;
      }
    }
    if (text) {
      current.push({ text, quoted: false });
      started = true;
    }
  }
  end();
  return fields;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** sh pattern characters (* ? [...] and \x) as a RegExp source. */
export function patternToRegExp(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRegExp(pattern[++i]!);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else out += escapeRegExp(c);
  }
  return out;
}

/** $((...)): integers, variables, + - * / % comparisons, && || ! and parentheses. */
export function evaluateArithmetic(text: string, ctx: ExpansionContext): number {
  const tokens = text.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||[<>=!]=|[-+*/%()<>!]/g) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, '')) ctx.fail(`bad arithmetic: ${text}`);
  let i = 0;
  const peek = () => tokens[i];
  const value = (name: string) => {
    const v = ctx.param(name) ?? '0';
    return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : ctx.fail(`bad number in arithmetic: ${name}=${v}`);
  };
  const binary = (level: number): number => {
    if (level === ARITHMETIC_LEVELS.length) return unary();
    let left = binary(level + 1);
    while (ARITHMETIC_LEVELS[level]!.includes(peek() ?? '')) {
      const op = tokens[i++]!;
      left = applyOperator(op, left, binary(level + 1), ctx);
    }
    return left;
  };
  const unary = (): number => {
    const t = tokens[i++];
    if (t === undefined) return ctx.fail(`bad arithmetic: ${text}`);
    if (t === '-') return -unary();
    if (t === '+') return unary();
    if (t === '!') return unary() ? 0 : 1;
    if (t === '(') {
      const v = binary(0);
      if (tokens[i++] !== ')') ctx.fail(`bad arithmetic: ${text}`);
      return v;
    }
    return /^\d+$/.test(t) ? Number(t) : value(t);
  };
  const result = tokens.length === 0 ? 0 : binary(0);
  if (i !== tokens.length) ctx.fail(`bad arithmetic: ${text}`);
  return result;
}

/** Binary operators by precedence, loosest first. */
const ARITHMETIC_LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

/** One binary operator of $((...)); comparisons and logic give 1 or 0, as in sh. */
function applyOperator(op: string, a: number, b: number, ctx: ExpansionContext): number {
  switch (op) {
    case '||':
      return a || b ? 1 : 0;
    case '&&':
      return a && b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      if (b === 0) ctx.fail('division by zero');
      return op === '/' ? Math.trunc(a / b) : a % b;
  }
}
