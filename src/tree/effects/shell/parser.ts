/**
 * A parser for the POSIX sh that maintainer scripts are written in: words with quoting and
 * expansions, pipelines, && and ||, if/case/for/while/until, { } and ( ) groups, function
 * definitions, redirections and here-documents. Lexing and parsing share one cursor, so $( ... )
 * nests naturally. Bash extensions ([[ ]], arrays) are syntax errors: dash has none either.
 */
import type { AndOr, Assignment, Command, List, Pipeline, Redirect, Word, WordPart } from './ast.js';
import { plainText } from './ast.js';

export class ShellSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Scripts larger than this are not read (Debian's largest are ~30 KB). */
export const MAX_SCRIPT_BYTES = 1 << 20;
const MAX_DEPTH = 200;

type Token =
  | { t: 'word'; word: Word; line: number }
  | { t: 'op'; v: string; line: number }
  | { t: 'io'; fd: number; line: number }
  | { t: 'nl'; line: number }
  | { t: 'eof'; line: number };

const OPERATORS = ['&&', '||', ';;', '<<-', '<<', '>>', '>&', '<&', '<>', '>|', '&>', ';', '&', '|', '(', ')', '<', '>'];
const REDIRECTS = new Set(['<<-', '<<', '>>', '>&', '<&', '<>', '>|', '&>', '<', '>']);
const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const STOP_WORDS = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', 'esac', '}']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface PendingHeredoc {
  redirect: Redirect;
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

export function parseScript(source: string): List {
  if (source.length > MAX_SCRIPT_BYTES) throw new ShellSyntaxError(`script larger than ${MAX_SCRIPT_BYTES} bytes`, 1);
  const parser = new Parser(source);
  const list = parser.list(() => false);
  const rest = parser.peek();
  if (rest.t !== 'eof') throw new ShellSyntaxError(`unexpected ${describe(rest)}`, rest.line);
  return list;
}

function describe(token: Token): string {
  if (token.t === 'word') return `"${plainText(token.word) ?? 'word'}"`;
  if (token.t === 'op') return `"${token.v}"`;
  return token.t === 'nl' ? 'newline' : token.t === 'eof' ? 'end of script' : 'redirection';
}

class Parser {
  private pos = 0;
  private line = 1;
  private peeked: Token | undefined;
  private pending: PendingHeredoc[] = [];
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly lineOffset = 0,
  ) {
    this.line += lineOffset;
  }

  // --- grammar -----------------------------------------------------------------------------------

  /** and-or lists separated by ; & or newlines, until `stop` says a token ends the list. */
  list(stop: (token: Token) => boolean): List {
    this.enter();
    const out: List = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (token.t === 'eof' || stop(token) || this.isStopWord(token) || (token.t === 'op' && (token.v === ')' || token.v === ';;'))) break;
      out.push(this.andOr());
      const sep = this.peek();
      if (sep.t === 'op' && (sep.v === ';' || sep.v === '&')) this.next();
      else if (sep.t !== 'nl') break;
    }
    this.depth--;
    return out;
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    for (let token = this.peek(); token.t === 'op' && (token.v === '&&' || token.v === '||'); token = this.peek()) {
      this.next();
      this.skipNewlines();
      rest.push({ op: token.v as '&&' | '||', pipeline: this.pipeline() });
    }
    return { first, rest };
  }

  private pipeline(): Pipeline {
    let bang = false;
    const first = this.peek();
    if (first.t === 'word' && plainText(first.word) === '!') {
      this.next();
      bang = true;
    }
    const commands = [this.command()];
    for (let token = this.peek(); token.t === 'op' && token.v === '|'; token = this.peek()) {
      this.next();
      this.skipNewlines();
      commands.push(this.command());
    }
    return { bang, commands };
  }

  private command(): Command {
    const token = this.peek();
    if (token.t === 'op' && token.v === '(') {
      this.next();
      const body = this.list(() => false);
      this.expectOp(')');
      return { t: 'group', subshell: true, body, redirs: this.redirects() };
    }
    const word = token.t === 'word' ? plainText(token.word) : undefined;
    switch (word) {
      case 'if':
        return this.ifCommand();
      case 'case':
        return this.caseCommand();
      case 'for':
        return this.forCommand();
      case 'while':
      case 'until':
        return this.whileCommand(word === 'until');
      case '{': {
        this.next();
        const body = this.list(() => false);
        this.expectWord('}');
        return { t: 'group', subshell: false, body, redirs: this.redirects() };
      }
      case 'function': {
        this.next();
        const name = this.next();
        const text = name.t === 'word' ? plainText(name.word) : undefined;
        if (text === undefined || !NAME.test(text)) throw new ShellSyntaxError('expected a function name', name.line);
        const open = this.peek();
        if (open.t === 'op' && open.v === '(') {
          this.next();
          this.expectOp(')');
        }
        this.skipNewlines();
        return { t: 'func', name: text, body: this.command() };
      }
    }
    if (token.t === 'word' && (STOP_WORDS.has(word ?? '') || word === 'in')) throw new ShellSyntaxError(`unexpected "${word}"`, token.line);
    return this.simple();
  }

  private simple(): Command {
    const line = this.peek().line;
    const assigns: Assignment[] = [];
    const words: Word[] = [];
    const redirs: Redirect[] = [];
    for (;;) {
      const token = this.peek();
      if (token.t === 'io' || (token.t === 'op' && REDIRECTS.has(token.v))) {
        redirs.push(this.redirect());
        continue;
      }
      if (token.t !== 'word') break;
      this.next();
      const assignment = words.length === 0 ? asAssignment(token.word) : undefined;
      if (assignment) assigns.push(assignment);
      else words.push(token.word);
    }
    const open = this.peek();
    if (open.t === 'op' && open.v === '(' && words.length === 1 && assigns.length === 0 && redirs.length === 0) {
      const name = plainText(words[0]!);
      if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new ShellSyntaxError('bad function name', line);
      this.next();
      this.expectOp(')');
      this.skipNewlines();
      return { t: 'func', name, body: this.command() };
    }
    if (words.length === 0 && assigns.length === 0 && redirs.length === 0) {
      throw new ShellSyntaxError(`unexpected ${describe(open)}`, open.line);
    }
    return { t: 'simple', line, assigns, words, redirs };
  }

  private ifCommand(): Command {
    this.next(); // if
    const clauses: Array<{ cond: List; body: List }> = [];
    let otherwise: List | undefined;
    for (;;) {
      const cond = this.list(() => false);
      this.expectWord('then');
      const body = this.list(() => false);
      clauses.push({ cond, body });
      const next = this.next();
      const text = next.t === 'word' ? plainText(next.word) : undefined;
      if (text === 'elif') continue;
      if (text === 'else') {
        otherwise = this.list(() => false);
        this.expectWord('fi');
      } else if (text !== 'fi') {
        throw new ShellSyntaxError(`expected "fi", found ${describe(next)}`, next.line);
      }
      break;
    }
    return { t: 'if', clauses, ...(otherwise ? { otherwise } : {}), redirs: this.redirects() };
  }

  private caseCommand(): Command {
    this.next(); // case
    const subject = this.next();
    if (subject.t !== 'word') throw new ShellSyntaxError('expected a word after "case"', subject.line);
    this.skipNewlines();
    this.expectWord('in');
    const items: Array<{ patterns: Word[]; body: List }> = [];
    for (;;) {
      this.skipNewlines();
      let token = this.peek();
      if (token.t === 'word' && plainText(token.word) === 'esac') {
        this.next();
        break;
      }
      if (token.t === 'op' && token.v === '(') this.next();
      const patterns: Word[] = [];
      for (;;) {
        token = this.next();
        if (token.t !== 'word') throw new ShellSyntaxError(`expected a case pattern, found ${describe(token)}`, token.line);
        patterns.push(token.word);
        const sep = this.next();
        if (sep.t === 'op' && sep.v === ')') break;
        if (!(sep.t === 'op' && sep.v === '|')) throw new ShellSyntaxError(`expected ")" after a case pattern, found ${describe(sep)}`, sep.line);
      }
      const body = this.list(() => false);
      items.push({ patterns, body });
      const end = this.peek();
      if (end.t === 'op' && end.v === ';;') this.next();
      else if (!(end.t === 'word' && plainText(end.word) === 'esac')) throw new ShellSyntaxError(`expected ";;" or "esac", found ${describe(end)}`, end.line);
    }
    return { t: 'case', word: subject.word, items, redirs: this.redirects() };
  }

  private forCommand(): Command {
    this.next(); // for
    const nameToken = this.next();
    const name = nameToken.t === 'word' ? plainText(nameToken.word) : undefined;
    if (name === undefined || !NAME.test(name)) throw new ShellSyntaxError('expected a variable name after "for"', nameToken.line);
    this.skipNewlines();
    let items: Word[] | undefined;
    const maybeIn = this.peek();
    if (maybeIn.t === 'word' && plainText(maybeIn.word) === 'in') {
      this.next();
      items = [];
      for (let token = this.peek(); token.t === 'word'; token = this.peek()) items.push((this.next() as { word: Word }).word);
    }
    const sep = this.peek();
    if (sep.t === 'op' && sep.v === ';') this.next();
    this.skipNewlines();
    this.expectWord('do');
    const body = this.list(() => false);
    this.expectWord('done');
    return { t: 'for', name, ...(items ? { items } : {}), body, redirs: this.redirects() };
  }

  private whileCommand(until: boolean): Command {
    this.next();
    const cond = this.list(() => false);
    this.expectWord('do');
    const body = this.list(() => false);
    this.expectWord('done');
    return { t: 'while', until, cond, body, redirs: this.redirects() };
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (let token = this.peek(); token.t === 'io' || (token.t === 'op' && REDIRECTS.has(token.v)); token = this.peek()) out.push(this.redirect());
    return out;
  }

  private redirect(): Redirect {
    let token = this.next();
    let fd: number | undefined;
    if (token.t === 'io') {
      fd = token.fd;
      token = this.next();
    }
    if (token.t !== 'op' || !REDIRECTS.has(token.v)) throw new ShellSyntaxError(`expected a redirection after a file descriptor`, token.line);
    const op = token.v as Redirect['op'];
    const target = this.next();
    if (target.t !== 'word') throw new ShellSyntaxError(`expected a word after "${op}"`, target.line);
    const redirect: Redirect = { op, target: target.word, ...(fd === undefined ? {} : { fd }) };
    if (op === '<<' || op === '<<-') {
      const quoted = target.word.some((p) => p.k !== 'lit');
      const delimiter = target.word.map((p) => (p.k === 'lit' || p.k === 'sq' ? p.s : p.k === 'dq' ? p.parts.map((q) => (q.k === 'lit' || q.k === 'sq' ? q.s : '')).join('') : '')).join('');
      this.pending.push({ redirect, delimiter, quoted, stripTabs: op === '<<-' });
    }
    return redirect;
  }

  private expectWord(text: string): void {
    this.skipNewlines();
    const token = this.next();
    if (token.t !== 'word' || plainText(token.word) !== text) throw new ShellSyntaxError(`expected "${text}", found ${describe(token)}`, token.line);
  }

  private expectOp(op: string): void {
    this.skipNewlines();
    const token = this.next();
    if (token.t !== 'op' || token.v !== op) throw new ShellSyntaxError(`expected "${op}", found ${describe(token)}`, token.line);
  }

  private skipNewlines(): void {
    while (this.peek().t === 'nl') this.next();
  }

  private isStopWord(token: Token): boolean {
    return token.t === 'word' && STOP_WORDS.has(plainText(token.word) ?? '');
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new ShellSyntaxError('nesting too deep', this.line);
  }

  // --- tokens ------------------------------------------------------------------------------------

  peek(): Token {
    this.peeked ??= this.lex();
    return this.peeked;
  }

  private next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  private lex(): Token {
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

  private skipBlanks(): void {
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
  private word(inBrace: boolean): Word {
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
  private doubleQuoted(end: '"' | ''): WordPart[] {
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
  private expansion(): WordPart | undefined {
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
      const inner = new Parser(this.src.slice(start, this.pos), this.line - 1);
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

  private braceParameter(): WordPart {
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
    const op = ['##', '%%', ':-', ':=', ':+', ':?', '-', '=', '+', '?', '#', '%'].find((o) => this.src.startsWith(o, this.pos));
    if (!op || length) throw new ShellSyntaxError(`bad \${${name}...} substitution`, this.line);
    this.pos += op.length;
    const arg = this.word(true);
    if (this.src[this.pos] !== '}') throw new ShellSyntaxError('unterminated ${', this.line);
    this.pos++;
    return { k: 'param', name, op, arg };
  }

  private backquote(): WordPart {
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
    const inner = new Parser(text, startLine - 1);
    const body = inner.list(() => false);
    const rest = inner.peek();
    if (rest.t !== 'eof') throw new ShellSyntaxError(`unexpected ${describe(rest)} inside \`...\``, rest.line);
    return { k: 'cmd', body };
  }

  private readHeredocs(): void {
    const pending = this.pending;
    this.pending = [];
    for (const doc of pending) {
      const lines: string[] = [];
      for (;;) {
        if (this.pos >= this.src.length) throw new ShellSyntaxError(`here-document ended by "${doc.delimiter}" is not terminated`, this.line);
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
      doc.redirect.heredoc = doc.quoted ? [{ k: 'sq', s: body }] : new Parser(body, this.line).doubleQuoted('');
    }
  }

  private countLines(s: string): void {
    for (const ch of s) if (ch === '\n') this.line++;
  }
}

function asAssignment(word: Word): Assignment | undefined {
  const first = word[0];
  if (first?.k !== 'lit') return undefined;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.s);
  if (!m) return undefined;
  const rest = first.s.slice(m[0].length);
  return { name: m[1]!, value: [...(rest ? [{ k: 'lit' as const, s: rest }] : []), ...word.slice(1)] };
}
