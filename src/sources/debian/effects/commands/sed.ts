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

function matches(cmd: SedCommand, range: { active: boolean; done: boolean }, line: string, n: number, last: boolean): boolean {
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
    if (!(cmd.global || count === (cmd.nth ?? 1)) || (cmd.global && cmd.nth !== undefined && count < cmd.nth)) return m[0] as string;
    changed = true;
    // \1..\9 groups, & the match, \n a newline, \X any other character X.
    return cmd.replacement!.replace(/\\(.)|&/gs, (t, c: string | undefined) => (c === undefined ? (m[0] as string) : /\d/.test(c) ? ((m[Number(c)] as string | undefined) ?? '') : c === 'n' ? '\n' : c));
  });
  return changed ? result : undefined;
}

function parseSed(script: string, extended: boolean): SedCommand[] {
  const out: SedCommand[] = [];
  let i = 0;
  const skip = () => {
    while (i < script.length && /[\s;]/.test(script[i]!)) i++;
  };
  const address = (): Address | undefined => {
    if (script[i] === '$') {
      i++;
      return { last: true };
    }
    const digits = /^\d+/.exec(script.slice(i));
    if (digits) {
      i += digits[0].length;
      return { line: Number(digits[0]) };
    }
    if (script[i] === '/' || script[i] === '\\') {
      const delim = script[i] === '\\' ? script[++i]! : '/';
      i++;
      return { re: toRegExp(delimited(delim), extended, '') };
    }
    return undefined;
  };
  const delimited = (delim: string): string => {
    let text = '';
    while (i < script.length && script[i] !== delim) {
      if (script[i] === '\\' && script[i + 1] === delim) {
        text += delim;
        i += 2;
        continue;
      }
      if (script[i] === '\\') text += script[i++];
      text += script[i++];
    }
    if (script[i] !== delim) throw new SedSyntax('unterminated');
    i++;
    return text;
  };
  for (skip(); i < script.length; skip()) {
    const cmd: Partial<SedCommand> & { negate: boolean } = { negate: false };
    const from = address();
    if (from) {
      cmd.from = from;
      if (script[i] === ',') {
        i++;
        const to = address();
        if (!to) throw new SedSyntax('bad range');
        cmd.to = to;
      }
    }
    while (script[i] === ' ') i++;
    if (script[i] === '!') {
      cmd.negate = true;
      i++;
    }
    const name = script[i++];
    if (name === 's') {
      const delim = script[i++]!;
      const pattern = delimited(delim);
      const replacement = delimited(delim);
      const flags = /^[gpI0-9]*/.exec(script.slice(i))![0];
      i += flags.length;
      cmd.re = toRegExp(pattern, extended, flags.includes('I') ? 'i' : '');
      cmd.replacement = replacement;
      cmd.global = flags.includes('g');
      cmd.print = flags.includes('p');
      const nth = /\d+/.exec(flags);
      if (nth) cmd.nth = Number(nth[0]);
    } else if (name !== 'd' && name !== 'p' && name !== 'q') {
      throw new SedSyntax(`unsupported command ${name}`);
    }
    out.push({ ...cmd, name } as SedCommand);
  }
  return out;
}

const CLASSES: Record<string, string> = {
  space: '\\s', blank: ' \\t', digit: '0-9', alpha: 'A-Za-z', alnum: 'A-Za-z0-9', upper: 'A-Z', lower: 'a-z',
  punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f', print: ' -~', graph: '!-~', cntrl: '\\x00-\\x1f',
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
