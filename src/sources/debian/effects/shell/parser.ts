/**
 * A parser for the POSIX sh that maintainer scripts are written in: words with quoting and
 * expansions, pipelines, && and ||, if/case/for/while/until, { } and ( ) groups, function
 * definitions, redirections and here-documents. Lexing (lexer.ts) and parsing share one cursor,
 * so $( ... ) nests naturally. Bash extensions ([[ ]], arrays) are syntax errors: dash has none.
 */
import type { AndOr, Assignment, Command, List, Pipeline, Redirect, Word } from './ast.js';
import { plainText } from './ast.js';
import { describe, Lexer, REDIRECTS, ShellSyntaxError, type Token } from './lexer.js';

export { ShellSyntaxError } from './lexer.js';

/** Scripts larger than this are not read (Debian's largest are ~30 KB). */
export const MAX_SCRIPT_BYTES = 1 << 20;

const STOP_WORDS = new Set(['then', 'else', 'elif', 'fi', 'do', 'done', 'esac', '}']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseScript(source: string): List {
  if (source.length > MAX_SCRIPT_BYTES) throw new ShellSyntaxError(`script larger than ${MAX_SCRIPT_BYTES} bytes`, 1);
  const parser = new Parser(source);
  const list = parser.list(() => false);
  const rest = parser.peek();
  if (rest.t !== 'eof') throw new ShellSyntaxError(`unexpected ${describe(rest)}`, rest.line);
  return list;
}

class Parser extends Lexer {
  protected sub(text: string, lineOffset: number): Parser {
    return new Parser(text, lineOffset);
  }

  // --- grammar -----------------------------------------------------------------------------------

  /** and-or lists separated by ; & or newlines, until `stop` says a token ends the list. */
  list(stop: (token: Token) => boolean): List {
    this.enter();
    const out: List = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (
        token.t === 'eof' ||
        stop(token) ||
        this.isStopWord(token) ||
        (token.t === 'op' && (token.v === ')' || token.v === ';;'))
      )
        break;
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
    if (token.t === 'word' && (STOP_WORDS.has(word ?? '') || word === 'in'))
      throw new ShellSyntaxError(`unexpected "${word}"`, token.line);
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
      if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name))
        throw new ShellSyntaxError('bad function name', line);
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
        if (token.t !== 'word')
          throw new ShellSyntaxError(`expected a case pattern, found ${describe(token)}`, token.line);
        patterns.push(token.word);
        const sep = this.next();
        if (sep.t === 'op' && sep.v === ')') break;
        if (!(sep.t === 'op' && sep.v === '|'))
          throw new ShellSyntaxError(`expected ")" after a case pattern, found ${describe(sep)}`, sep.line);
      }
      const body = this.list(() => false);
      items.push({ patterns, body });
      const end = this.peek();
      if (end.t === 'op' && end.v === ';;') this.next();
      else if (!(end.t === 'word' && plainText(end.word) === 'esac'))
        throw new ShellSyntaxError(`expected ";;" or "esac", found ${describe(end)}`, end.line);
    }
    return { t: 'case', word: subject.word, items, redirs: this.redirects() };
  }

  private forCommand(): Command {
    this.next(); // for
    const nameToken = this.next();
    const name = nameToken.t === 'word' ? plainText(nameToken.word) : undefined;
    if (name === undefined || !NAME.test(name))
      throw new ShellSyntaxError('expected a variable name after "for"', nameToken.line);
    this.skipNewlines();
    let items: Word[] | undefined;
    const maybeIn = this.peek();
    if (maybeIn.t === 'word' && plainText(maybeIn.word) === 'in') {
      this.next();
      items = [];
      for (let token = this.peek(); token.t === 'word'; token = this.peek())
        items.push((this.next() as { word: Word }).word);
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
    for (let token = this.peek(); token.t === 'io' || (token.t === 'op' && REDIRECTS.has(token.v)); token = this.peek())
      out.push(this.redirect());
    return out;
  }

  private redirect(): Redirect {
    let token = this.next();
    let fd: number | undefined;
    if (token.t === 'io') {
      fd = token.fd;
      token = this.next();
    }
    if (token.t !== 'op' || !REDIRECTS.has(token.v))
      throw new ShellSyntaxError(`expected a redirection after a file descriptor`, token.line);
    const op = token.v as Redirect['op'];
    const target = this.next();
    if (target.t !== 'word') throw new ShellSyntaxError(`expected a word after "${op}"`, target.line);
    const redirect: Redirect = { op, target: target.word, ...(fd === undefined ? {} : { fd }) };
    if (op === '<<' || op === '<<-') {
      const quoted = target.word.some((p) => p.k !== 'lit');
      const delimiter = target.word
        .map((p) =>
          p.k === 'lit' || p.k === 'sq'
            ? p.s
            : p.k === 'dq'
              ? p.parts.map((q) => (q.k === 'lit' || q.k === 'sq' ? q.s : '')).join('')
              : '',
        )
        .join('');
      this.pending.push({ redirect, delimiter, quoted, stripTabs: op === '<<-' });
    }
    return redirect;
  }

  private expectWord(text: string): void {
    this.skipNewlines();
    const token = this.next();
    if (token.t !== 'word' || plainText(token.word) !== text)
      throw new ShellSyntaxError(`expected "${text}", found ${describe(token)}`, token.line);
  }

  protected expectOp(op: string): void {
    this.skipNewlines();
    const token = this.next();
    if (token.t !== 'op' || token.v !== op)
      throw new ShellSyntaxError(`expected "${op}", found ${describe(token)}`, token.line);
  }

  private skipNewlines(): void {
    while (this.peek().t === 'nl') this.next();
  }

  private isStopWord(token: Token): boolean {
    return token.t === 'word' && STOP_WORDS.has(plainText(token.word) ?? '');
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
