/**
 * The part of sed maintainer scripts use: -n, -e, -E/-r, -i (editing an image file), addresses
 * (N, $, /re/, first,last with 0,/re/), `!`, and the commands s (with g, p, N, I flags), d, p and q.
 * Regular expressions are POSIX basic (or extended with -E) translated to JavaScript.
 */
import { OK, type CommandHandler, type ScriptCall } from './call.js';

type Address = { line: number } | { last: true } | { re: RegExp };

interface SedCommand {
  from?: Address;
  to?: Address;
  negate: boolean;
  name: 's' | 'd' | 'p' | 'q';
  re?: RegExp;
  replacement?: string;
  global?: boolean;
  print?: boolean;
  nth?: number;
}

class SedSyntax extends Error {}

export const sed: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  const scripts: string[] = [];
  const files: string[] = [];
  let quiet = false;
  let extended = false;
  let inPlace = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-e' || a === '--expression') scripts.push(args[++i] ?? '');
    else if (a.startsWith('--expression=')) scripts.push(a.slice(13));
    else if (a === '-n' || a === '--quiet' || a === '--silent') quiet = true;
    else if (a === '-E' || a === '-r' || a === '--regexp-extended') extended = true;
    else if (a.startsWith('--in-place')) inPlace = true;
    else if (/^-[nErisue]/.test(a) && !a.startsWith('--')) {
      // Grouped letters (-ne SCRIPT, -i.bak): e takes the rest or the next argument, i a suffix.
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (c === 'n') quiet = true;
        else if (c === 'E' || c === 'r') extended = true;
        else if (c === 'i') {
          inPlace = true;
          break;
        } else if (c === 'e') {
          scripts.push(j + 1 < a.length ? a.slice(j + 1) : (args[++i] ?? ''));
          break;
        } else if (c !== 's' && c !== 'u') return call.unsupported();
      }
    } else if (a.startsWith('-') && a !== '-') return call.unsupported();
    else if (scripts.length === 0) scripts.push(a);
    else files.push(a);
  }
  let program: SedCommand[];
  try {
    program = scripts.flatMap((s) => parseSed(s, extended));
  } catch {
    return call.unsupported();
  }
  if (inPlace) return editInPlace(call, files, program, quiet);
  let input = '';
  if (files.length === 0) input = call.stdin();
  for (const f of files) {
    const path = call.path(f);
    const text = path === null ? undefined : call.ws.text(path);
    if (text === undefined) return { status: 2, stdout: runSed(program, input, quiet) };
    input += text;
  }
  return { status: 0, stdout: runSed(program, input, quiet) };
};

function editInPlace(call: ScriptCall, files: string[], program: SedCommand[], quiet: boolean) {
  for (const f of files) {
    const path = call.path(f);
    const text = path === null ? undefined : call.ws.text(path);
    if (text === undefined) return { status: 2 };
    const edited = runSed(program, text, quiet);
    if (edited !== text) call.ws.writeFile(path!, new TextEncoder().encode(edited), call.pkg, call.detail);
  }
  return OK;
}

export function runSed(program: SedCommand[], input: string, quiet: boolean): string {
  const lines = input.split('\n');
  const trailingNewline = lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const ranges = program.map(() => ({ active: false, done: false }));
  let out = '';
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    const last = n === lines.length - 1;
    let deleted = false;
    let quit = false;
    for (const [i, cmd] of program.entries()) {
      if (matches(cmd, ranges[i]!, line, n + 1, last) === cmd.negate) continue;
      if (cmd.name === 'd') {
        deleted = true;
        break;
      }
      if (cmd.name === 'p') out += `${line}\n`;
      if (cmd.name === 'q') {
        quit = true;
        break;
      }
      if (cmd.name === 's') {
        const replaced = substitute(line, cmd);
        if (replaced !== undefined) {
          line = replaced;
          if (cmd.print) out += `${line}\n`;
        }
      }
    }
    if (!deleted && !quiet) out += last && !trailingNewline ? line : `${line}\n`;
    if (quit) break;
  }
  return out;
}

function matches(
  cmd: SedCommand,
  range: { active: boolean; done: boolean },
  line: string,
  n: number,
  last: boolean,
): boolean {
  const hit = (a: Address) => ('line' in a ? a.line === n : 'last' in a ? last : a.re.test(line));
  if (!cmd.from) return true;
  if (!cmd.to) return hit(cmd.from);
  if (range.active) {
    if (hit(cmd.to) || ('line' in cmd.to && n >= cmd.to.line)) range.active = false;
    return true;
  }
  // 0,/re/: the range may end on the first line itself.
  const zero = 'line' in cmd.from && cmd.from.line === 0;
  if (range.done && zero) return false;
  if (zero ? !range.done : hit(cmd.from)) {
    range.done = true;
    range.active = !(zero && hit(cmd.to));
    return true;
  }
  return false;
}

function substitute(line: string, cmd: SedCommand): string | undefined {
  const re = cmd.re!;
  let count = 0;
  let changed = false;
  const result = line.replace(new RegExp(re.source, `${re.flags}g`), (...m) => {
    count++;
    if (!(cmd.global || count === (cmd.nth ?? 1)) || (cmd.global && cmd.nth !== undefined && count < cmd.nth))
      return m[0] as string;
    changed = true;
    // \1..\9 groups, & the match, \n a newline, \X any other character X.
    return cmd.replacement!.replace(/\\(.)|&/gs, (t, c: string | undefined) =>
      c === undefined
        ? (m[0] as string)
        : /\d/.test(c)
          ? ((m[Number(c)] as string | undefined) ?? '')
          : c === 'n'
            ? '\n'
            : c,
    );
  });
  return changed ? result : undefined;
}

function parseSed(script: string, extended: boolean): SedCommand[] {
  const parser = new SedParser(script, extended);
  const out: SedCommand[] = [];
  for (parser.skip(); !parser.done(); parser.skip()) out.push(parser.command());
  return out;
}

class SedParser {
  private i = 0;

  constructor(
    private readonly script: string,
    private readonly extended: boolean,
  ) {}

  done(): boolean {
    return this.i >= this.script.length;
  }

  skip(): void {
    while (this.i < this.script.length && /[\s;]/.test(this.script[this.i]!)) this.i++;
  }

  /** [address[,address]][!]NAME[arguments] */
  command(): SedCommand {
    const { script } = this;
    const cmd: Partial<SedCommand> & { negate: boolean } = { negate: false };
    const from = this.address();
    if (from) {
      cmd.from = from;
      if (script[this.i] === ',') {
        this.i++;
        const to = this.address();
        if (!to) throw new SedSyntax('bad range');
        cmd.to = to;
      }
    }
    while (script[this.i] === ' ') this.i++;
    if (script[this.i] === '!') {
      cmd.negate = true;
      this.i++;
    }
    const name = script[this.i++];
    if (name === 's') this.substitution(cmd);
    else if (name !== 'd' && name !== 'p' && name !== 'q') throw new SedSyntax(`unsupported command ${name}`);
    return { ...cmd, name } as SedCommand;
  }

  /** s/PATTERN/REPLACEMENT/FLAGS */
  private substitution(cmd: Partial<SedCommand>): void {
    const delim = this.script[this.i++]!;
    const pattern = this.delimited(delim);
    const replacement = this.delimited(delim);
    const flags = /^[gpI0-9]*/.exec(this.script.slice(this.i))![0];
    this.i += flags.length;
    cmd.re = toRegExp(pattern, this.extended, flags.includes('I') ? 'i' : '');
    cmd.replacement = replacement;
    cmd.global = flags.includes('g');
    cmd.print = flags.includes('p');
    const nth = /\d+/.exec(flags);
    if (nth) cmd.nth = Number(nth[0]);
  }

  private address(): Address | undefined {
    const { script } = this;
    if (script[this.i] === '$') {
      this.i++;
      return { last: true };
    }
    const digits = /^\d+/.exec(script.slice(this.i));
    if (digits) {
      this.i += digits[0].length;
      return { line: Number(digits[0]) };
    }
    if (script[this.i] === '/' || script[this.i] === '\\') {
      const delim = script[this.i] === '\\' ? script[++this.i]! : '/';
      this.i++;
      return { re: toRegExp(this.delimited(delim), this.extended, '') };
    }
    return undefined;
  }

  private delimited(delim: string): string {
    const { script } = this;
    let text = '';
    while (this.i < script.length && script[this.i] !== delim) {
      if (script[this.i] === '\\' && script[this.i + 1] === delim) {
        text += delim;
        this.i += 2;
        continue;
      }
      if (script[this.i] === '\\') text += script[this.i++];
      text += script[this.i++];
    }
    if (script[this.i] !== delim) throw new SedSyntax('unterminated');
    this.i++;
    return text;
  }
}

const CLASSES: Record<string, string> = {
  space: '\\s',
  blank: ' \\t',
  digit: '0-9',
  alpha: 'A-Za-z',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1f',
};

/** A POSIX regular expression (basic unless `extended`) as a JavaScript one. */
export function toRegExp(pattern: string, extended: boolean, flags: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '[') {
      const m = /^\[\^?\]?(\[:[a-z]+:\]|[^\]])*\]/.exec(pattern.slice(i));
      if (!m) throw new SedSyntax('bad bracket');
      // A backslash is literal inside brackets; the named classes then become JavaScript ranges.
      out += m[0].replace(/\\/g, '\\\\').replace(/\[:([a-z]+):\]/g, (_t, name: string) => CLASSES[name] ?? '');
      i += m[0].length - 1;
    } else if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[++i]!;
      if (!extended && '(){}|+?'.includes(n)) out += n;
      else if (n === 'n') out += '\\n';
      else if (n === 't') out += '\\t';
      else if ('swSWb<>'.includes(n)) out += n === '<' || n === '>' ? '\\b' : `\\${n}`;
      else out += /[0-9]/.test(n) ? `\\${n}` : n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (!extended && '(){}|+?'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return new RegExp(out, flags);
}
