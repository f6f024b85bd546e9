/**
 * deb822 paragraphs: Packages and Release indexes, .deb control files, apt's .sources files.
 *
 * A paragraph is a run of `Name: value` lines, separated from the next one by blank (empty or
 * whitespace-only) lines. A line starting with a space or tab continues the previous field.
 * Field names are matched case-insensitively but keep their original spelling.
 *
 * Values: a single-line field's value is the text after the colon, trimmed. A multi-line field's
 * value is that first line, then each continuation line without its one leading space or tab, joined
 * by `\n`; a continuation line that is just `.` stands for an empty line (Description, inline keys).
 * So `Description: short\n long\n .\n  verbatim` reads as `short\nlong\n\n verbatim`.
 *
 * Each paragraph also keeps its exact text (`raw`), because images carry a package's control
 * paragraph verbatim (var/lib/dpkg/status.d). Speed matters: a bookworm main Packages index is
 * 50 MB, so the scanner walks the text once with indexOf and allocates only the values.
 */
import { PithError } from '../../../errors.js';

export interface Deb822Options {
  /** Treat lines starting with `#` as comments (apt .sources and debian/control allow them). */
  comments?: boolean;
  /** Named in error messages, e.g. a file path or URL. */
  source?: string;
}

const SPACE = 32;
const TAB = 9;
const CR = 13;
const LF = 10;
const HASH = 35;

/** ASCII lower case of one character code (field names are ASCII). */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * One paragraph. To keep parsing a 50 MB index fast (and the garbage collector idle), fields are
 * stored as offsets into `raw` and values are cut out only when asked for.
 */
export class Deb822Paragraph {
  /** The paragraph exactly as written (comment lines included), ending with one `\n`. */
  readonly raw: string;
  /** 1-based line number of the paragraph's first line in the parsed text. */
  readonly line: number;
  /** Per field: name start, name end, value start, value end; offsets into raw. */
  private readonly spans: readonly number[];
  /** Whether `#` lines inside a multi-line value are comments to skip. */
  private readonly comments: boolean;

  /** @internal Built by parseDeb822. */
  constructor(raw: string, line: number, spans: readonly number[], comments: boolean) {
    this.raw = raw;
    this.line = line;
    this.spans = spans;
    this.comments = comments;
  }

  /** Number of fields. */
  get size(): number {
    return this.spans.length >> 2;
  }

  private find(name: string): number {
    const raw = this.raw;
    const spans = this.spans;
    const len = name.length;
    outer: for (let f = 0; f < spans.length; f += 4) {
      const s = spans[f]!;
      if (spans[f + 1]! - s !== len) continue;
      for (let k = 0; k < len; k++) {
        if (lower(raw.charCodeAt(s + k)) !== lower(name.charCodeAt(k))) continue outer;
      }
      return f;
    }
    return -1;
  }

  /** The value of a field, looked up case-insensitively (see the module comment); undefined when absent. */
  get(name: string): string | undefined {
    const f = this.find(name);
    return f < 0 ? undefined : this.valueAt(f);
  }

  has(name: string): boolean {
    return this.find(name) >= 0;
  }

  /** Field names in their original spelling and order. */
  names(): string[] {
    const out: string[] = [];
    for (let f = 0; f < this.spans.length; f += 4) out.push(this.raw.slice(this.spans[f], this.spans[f + 1]));
    return out;
  }

  /** `[name, value]` pairs in order. */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let f = 0; f < this.spans.length; f += 4) {
      out.push([this.raw.slice(this.spans[f], this.spans[f + 1]), this.valueAt(f)]);
    }
    return out;
  }

  private valueAt(f: number): string {
    const raw = this.raw;
    let a = this.spans[f + 2]!;
    let b = this.spans[f + 3]!;
    const nl = raw.indexOf('\n', a);
    if (nl < 0 || nl >= b) {
      // Single line: trim by index so that only one string is cut out.
      while (a < b && isBlankCode(raw.charCodeAt(a))) a++;
      while (b > a && isBlankCode(raw.charCodeAt(b - 1))) b--;
      return raw.slice(a, b);
    }
    const text = raw.slice(a, b);
    // Multi-line: first line trimmed, then continuation lines without their one leading blank.
    const lines = text.split('\n');
    const out: string[] = [];
    const first = lines[0]!.trim();
    if (first !== '') out.push(first);
    for (let i = 1; i < lines.length; i++) {
      let l = lines[i]!;
      if (l.endsWith('\r')) l = l.slice(0, -1);
      if (this.comments && l.charCodeAt(0) === HASH) continue;
      l = l.slice(1).trimEnd();
      out.push(l === '.' ? '' : l);
    }
    return out.join('\n');
  }
}

function isBlankCode(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/** Whether text[start, end) is only spaces, tabs and carriage returns. */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

/**
 * Parse deb822 paragraphs one at a time. Prefer this to parseDeb822 for big indexes: paragraphs
 * that are not kept die young, which keeps the garbage collector out of the way.
 * Throws PithError('input') naming the line on malformed input.
 */
export function* iterateDeb822(text: string, options: Deb822Options = {}): Generator<Deb822Paragraph, void, undefined> {
  const comments = options.comments === true;
  const fail = (lineNo: number, why: string) =>
    new PithError('input', `malformed deb822 data: ${why}`, {
      where: `${options.source ?? '<deb822>'}:${lineNo}`,
    });

  const n = text.length;
  let pos = 0;
  let lineNo = 0;
  let start = -1; // offset of the current paragraph's first line; -1 between paragraphs
  let startLine = 0;
  let end = 0; // offset just after the current paragraph's last line
  let spans: number[] = [];

  let done = false;
  while (!done) {
    let lineStart = pos;
    let lineEnd = n;
    let c = -1;
    if (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      lineNo++;
      lineEnd = nl;
      pos = nl + 1;
      if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
      c = lineStart < lineEnd ? text.charCodeAt(lineStart) : -1;
    } else {
      done = true; // one last pass as if a blank line ended the text
      lineStart = n;
    }

    if (c === -1 || ((c === SPACE || c === TAB) && isBlank(text, lineStart, lineEnd))) {
      if (start >= 0 && spans.length > 0) {
        let raw = text.slice(start, end);
        if (raw.charCodeAt(raw.length - 1) !== LF) raw += '\n';
        const paragraph = new Deb822Paragraph(raw, startLine, spans, comments);
        spans = [];
        yield paragraph;
      }
      start = -1;
      continue;
    }
    if (start < 0) {
      start = lineStart;
      startLine = lineNo;
    }
    end = pos < n ? pos : n;
    if (comments && c === HASH) continue;

    if (c === SPACE || c === TAB) {
      if (spans.length === 0) throw fail(lineNo, 'continuation line before any field');
      spans[spans.length - 1] = lineEnd - start; // extend the open field's value
      continue;
    }

    addField(text, lineStart, lineEnd, start, spans, (why) => fail(lineNo, why));
  }
}

/**
 * A `Field: value` line of the paragraph at `start`: its name and value as offsets in `spans`
 * (name start, name end, value start, value end, relative to `start`).
 */
function addField(
  text: string,
  lineStart: number,
  lineEnd: number,
  start: number,
  spans: number[],
  fail: (why: string) => Error,
): void {
  let colon = -1;
  for (let i = lineStart; i < lineEnd; i++) {
    if (text.charCodeAt(i) === 58) {
      colon = i;
      break;
    }
  }
  if (colon < 0) {
    throw fail(`expected "Field: value", got "${text.slice(lineStart, Math.min(lineEnd, lineStart + 60))}"`);
  }
  let nameEnd = colon;
  while (nameEnd > lineStart && (text.charCodeAt(nameEnd - 1) === SPACE || text.charCodeAt(nameEnd - 1) === TAB))
    nameEnd--;
  if (nameEnd === lineStart) throw fail('empty field name');
  // Duplicate names are an error (deb822 forbids them and apt would pick one arbitrarily).
  const len = nameEnd - lineStart;
  dup: for (let f = 0; f < spans.length; f += 4) {
    const fs = spans[f]! + start;
    if (spans[f + 1]! - spans[f]! !== len) continue;
    for (let j = 0; j < len; j++) {
      if (lower(text.charCodeAt(fs + j)) !== lower(text.charCodeAt(lineStart + j))) continue dup;
    }
    throw fail(`duplicate field "${text.slice(lineStart, nameEnd)}"`);
  }
  spans.push(lineStart - start, nameEnd - start, colon + 1 - start, lineEnd - start);
}

/** Parse every paragraph of a deb822 text. Throws PithError('input') naming the line on malformed input. */
export function parseDeb822(text: string, options: Deb822Options = {}): Deb822Paragraph[] {
  return [...iterateDeb822(text, options)];
}

/** Parse text that must hold exactly one paragraph (a .deb's control file, a Release file). */
export function parseDeb822Single(text: string, options: Deb822Options = {}): Deb822Paragraph {
  const paragraphs = parseDeb822(text, options);
  if (paragraphs.length !== 1) {
    throw new PithError('input', `expected one deb822 paragraph, found ${paragraphs.length}`, {
      where: options.source ?? '<deb822>',
    });
  }
  return paragraphs[0]!;
}
