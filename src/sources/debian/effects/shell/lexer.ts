/**
 * The lexing half of the sh parser: words with their quoting and expansions ($name, ${...},
 * $(...), $((...)), backquotes), operators, newlines (after which pending here-document bodies
 * are read) and comments. The grammar (parser.ts) extends it, so $( ... ) parses its command list
 * on the same cursor.
 */
import type { List, Redirect, Word, WordPart } from './ast.js';
import { plainText } from './ast.js';

export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const MAX_DEPTH = 200;

export type Token =
  | { t: 'word'; word: Word; line: number }
  | { t: 'op'; v: string; line: number }
  | { t: 'io'; fd: number; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

export const OPERATORS = [
  '&&',
  '||',
  ';;',
  '<<-',
  '<<',
  '>>',
  '>&',
  '<&',
  '<>',
  '>|',
  '&>',
  ';',
  '&',
  '|',
  '(',
  ')',
  '<',
  '>',
];
export const REDIRECTS = new Set(['<<-', '<<', '>>', '>&', '<&', '<>', '>|', '&>', '<', '>']);
export const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

export interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

export function describe(token: Token): string {
  if (token.t === 'word') return `"${plainText(token.word) ?? 'word'}"`;
  if (token.t === 'op') return `"${token.v}"`;
  return token.t === 'nl' ? 'newline' : token.t === 'eof' ? 'end of script' : 'redirection';
}

export abstract class Lexer {
  protected pos = 0;
  protected line = 1;
  protected peeked: Token | undefined;
  protected pending: PendingHeredoc[] = [];
  protected depth = 0;

  constructor(
    protected readonly src: string,
    lineOffset = 0,
  ) {
    this.line += lineOffset;
  }

  /** A command list up to a closing `)` (for $( ... )), parsed by the grammar. */
  abstract list(stop: (token: Token) => boolean): List;
  protected abstract expectOp(op: string): void;
  /** A lexer over other text (backquotes, here-documents, arithmetic). */
  protected abstract sub(text: string, lineOffset: number): Lexer;

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ShellSyntaxError('nesting too deep', this.line);
  }

  // --- tokens ------------------------------------------------------------------------------------

  peek(): Token {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  protected next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  protected lex(): Token {
    this.skipBlanks();
    const line = this.line;
    if (this.pos >= this.src.length) return { t: 'eof', line };
    const c = this.src[this.pos]!;
    if (c === '\n') {
      this.pos++;
      this.line++;
      this.readHeredocs();
      return { t: 'nl', line };
    }
    if (META.has(c)) {
      const op = OPERATORS.find((o) => this.src.startsWith(o, this.pos))!;
      this.pos += op.length;
      return { t: 'op', v: op, line };
    }
    const start = this.pos;
    const word = this.word(false);
    if (/^\d+$/.test(this.src.slice(start, this.pos)) && (this.src[this.pos] === '<' || this.src[this.pos] === '>')) {
      return { t: 'io', fd: Number(this.src.slice(start, this.pos)), line };
    }
    return { t: 'word', word, line };
  }

  protected skipBlanks(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') {
        this.pos += 2;
        this.line++;
      } else if (c === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  /** One word, up to an unquoted metacharacter; `inBrace` also stops at an unquoted `}`. */
  protected word(inBrace: boolean): Word {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ k: 'lit', s: lit });
      lit = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (inBrace ? c === '}' : META.has(c)) break;
      if (inBrace && META.has(c)) {
        // Inside ${name-...} blanks and operators are plain text.
        if (c === '\n') this.line++;
        lit += c;
        this.pos++;
        continue;
      }
      if (c === "'") {
        flush();
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShellSyntaxError('unterminated single quote', this.line);
        const s = this.src.slice(this.pos + 1, end);
        this.countLines(s);
        parts.push({ k: 'sq', s });
        this.pos = end + 1;
      } else if (c === '"') {
        flush();
        this.pos++;
        parts.push({ k: 'dq', parts: this.doubleQuoted('"') });
      } else if (c === '\\') {
        const n = this.src[this.pos + 1];
        this.pos += 2;
        if (n === '\n') this.line++;
        else if (n !== undefined) {
          flush();
          parts.push({ k: 'sq', s: n });
        }
      } else if (c === '$' || c === '`') {
        const part = this.expansion();
        if (part) {
          flush();
          parts.push(part);
        } else lit += this.src[this.pos++];
      } else {
        lit += c;
        this.pos++;
      }
    }
    flush();
    return parts;
  }

  /** Inside "...", or a here-document body (end = ''): expansions and \$ \` \" \\ escapes. */
  protected doubleQuoted(end: '"' | ''): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit) parts.push({ k: 'lit', s: lit });
      lit = '';
    };
    for (;;) {
      if (this.pos >= this.src.length) {
        if (end === '') break;
        throw new ShellSyntaxError('unterminated double quote', this.line);
      }
      const c = this.src[this.pos]!;
      if (end !== '' && c === end) {
        this.pos++;
        break;
      }
      if (c === '\\') {
        const n = this.src[this.pos + 1];
        if (n === '\n') {
          this.pos += 2;
          this.line++;
          continue;
        }
        if (n !== undefined && (n === '$' || n === '`' || n === '\\' || (end === '"' && n === '"'))) {
          lit += n;
          this.pos += 2;
          continue;
        }
        lit += c;
        this.pos++;
        continue;
      }
      if (c === '$' || c === '`') {
        const part = this.expansion();
        if (part) {
          flush();
          parts.push(part);
          continue;
        }
      }
      if (c === '\n') this.line++;
      lit += c;
      this.pos++;
    }
    flush();
    // Inside double quotes nothing is split or globbed: literal text is quoted text.
    return parts.map((p) => (p.k === 'lit' ? { k: 'sq', s: p.s } : p));
  }

  /** $name, ${...}, $(...), $((...)) or `...` at the cursor; undefined for a lone `$`. */
  protected expansion(): WordPart | undefined {
    const c = this.src[this.pos]!;
    if (c === '`') return this.backquote();
    const n = this.src[this.pos + 1];
    if (n === '(' && this.src[this.pos + 2] === '(') {
      this.pos += 3;
      const start = this.pos;
      let depth = 0;
      while (this.pos < this.src.length && !(depth === 0 && this.src.startsWith('))', this.pos))) {
        if (this.src[this.pos] === '(') depth++;
        if (this.src[this.pos] === ')') depth--;
        this.pos++;
      }
      if (this.pos >= this.src.length) throw new ShellSyntaxError('unterminated $((', this.line);
      const inner = this.sub(this.src.slice(start, this.pos), this.line - 1);
      this.pos += 2;
      return { k: 'arith', expr: inner.doubleQuoted('') };
    }
    if (n === '(') {
      this.pos += 2;
      this.enter();
      const body = this.list(() => false);
      this.expectOp(')');
      this.depth--;
      return { k: 'cmd', body };
    }
    if (n === '{') return this.braceParameter();
    const special = n !== undefined && /[?#@*$!\-0-9]/.test(n);
    if (special) {
      this.pos += 2;
      return { k: 'param', name: n };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos + 1, this.pos + 256));
    if (!m) return undefined;
    this.pos += 1 + m[0].length;
    return { k: 'param', name: m[0] };
  }

  protected braceParameter(): WordPart {
    this.pos += 2; // ${
    let length = false;
    if (this.src[this.pos] === '#' && this.src[this.pos + 1] !== '}') {
      length = true;
      this.pos++;
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#@*$!-])/.exec(this.src.slice(this.pos, this.pos + 256));
    if (!m) throw new ShellSyntaxError('bad ${} substitution', this.line);
    this.pos += m[0].length;
    const name = m[0];
    if (this.src[this.pos] === '}') {
      this.pos++;
      return { k: 'param', name, ...(length ? { length } : {}) };
    }
    const op = ['##', '%%', ':-', ':=', ':+', ':?', '-', '=', '+', '?', '#', '%'].find((o) =>
      this.src.startsWith(o, this.pos),
    );
    if (!op || length) throw new ShellSyntaxError(`bad \${${name}...} substitution`, this.line);
    this.pos += op.length;
    const arg = this.word(true);
    if (this.src[this.pos] !== '}') throw new ShellSyntaxError('unterminated ${', this.line);
    this.pos++;
    return { k: 'param', name, op, arg };
  }

  protected backquote(): WordPart {
    let text = '';
    this.pos++;
    const startLine = this.line;
    for (;;) {
      if (this.pos >= this.src.length) throw new ShellSyntaxError('unterminated `', this.line);
      const c = this.src[this.pos]!;
      if (c === '`') {
        this.pos++;
        break;
      }
      if (c === '\\' && /[`\\$]/.test(this.src[this.pos + 1] ?? '')) {
        text += this.src[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (c === '\n') this.line++;
      text += c;
      this.pos++;
    }
    const inner = this.sub(text, startLine - 1);
    const body = inner.list(() => false);
    const rest = inner.peek();
    if (rest.t !== 'eof') throw new ShellSyntaxError(`unexpected ${describe(rest)} inside \`...\``, rest.line);
    return { k: 'cmd', body };
  }

  protected readHeredocs(): void {
    const pending = this.pending;
    this.pending = [];
    for (const doc of pending) {
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.src.length)
          throw new ShellSyntaxError(`here-document ended by "${doc.delimiter}" is not terminated`, this.line);
        const eol = this.src.indexOf('\n', this.pos);
        const end = eol < 0 ? this.src.length : eol;
        let text = this.src.slice(this.pos, end);
        this.pos = eol < 0 ? end : end + 1;
        this.line++;
        if (doc.stripTabs) text = text.replace(/^\t+/, '');
        if (text === doc.delimiter) break;
        lines.push(`${text}\n`);
      }
      const body = lines.join('');
      doc.redirect.heredoc = doc.quoted ? [{ k: 'sq', s: body }] : this.sub(body, this.line).doubleQuoted('');
    }
  }

  protected countLines(s: string): void {
    for (const ch of s) if (ch === '\n') this.line++;
  }
}
