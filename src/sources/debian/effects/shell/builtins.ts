/**
 * The shell's builtins: what dash does itself (echo, printf, test, set, local, read, getopts, .,
 * eval, command -v, exit, return, break...), acting on the interpreter's state (state.ts).
 */
import { testBuiltin } from './test-builtin.js';
import { echoBuiltin, printfBuiltin } from './text-builtins.js';
import { ExitSignal, LoopSignal, ReturnSignal, type Input, type Result, type ShellState } from './state.js';

export const BUILTINS = new Set([
  ':',
  'true',
  'false',
  'echo',
  'printf',
  'test',
  '[',
  'set',
  'shift',
  'unset',
  'export',
  'readonly',
  'local',
  'exit',
  'return',
  'break',
  'continue',
  '.',
  'source',
  'eval',
  'read',
  'cd',
  'command',
  'type',
  'exec',
  'trap',
  'umask',
  'wait',
  'hash',
  'ulimit',
  'getopts',
]);

export function builtin(sh: ShellState, argv: string[], stdin: Input, line: number): Result | undefined {
  const [name, ...args] = argv as [string, ...string[]];
  const ok = (out = '') => ({ status: 0, out });
  switch (name) {
    case ':':
    case 'true':
    case 'umask':
    case 'wait':
    case 'hash':
    case 'ulimit':
      return ok();
    case 'false':
      return { status: 1, out: '' };
    case 'echo':
      return ok(echoBuiltin(args));
    case 'printf':
      return ok(printfBuiltin(args));
    case 'test':
    case '[':
      return { status: testBuiltin(argv, sh.host.fileTest), out: '' };
    case 'set':
    case 'shift':
    case 'unset':
    case 'export':
    case 'readonly':
    case 'local':
      return variableBuiltin(sh, name, args);
    case 'exit':
    case 'return':
    case 'break':
    case 'continue':
      return leave(sh, name, args);
    case '.':
    case 'source':
      return sourceBuiltin(sh, args, stdin);
    case 'eval':
      return sh.evalText(args.join(' '), stdin);
    case 'read':
      return read(sh, args, stdin);
    case 'cd':
      sh.cwd = args[0]?.startsWith('/') ? args[0] : `${sh.cwd.replace(/\/$/, '')}/${args[0] ?? ''}`;
      return ok();
    case 'command':
    case 'type':
      return commandBuiltin(sh, name, args, stdin, line);
    case 'exec':
      if (args.length === 0) return ok();
      throw new ExitSignal(sh.invoke(args, stdin, line).status);
    case 'trap':
      if (args.length >= 2 && args.slice(1).some((sig) => sig === '0' || sig === 'EXIT'))
        sh.exitTrap = args[0] === '-' || args[0] === '' ? undefined : args[0];
      return ok();
    case 'getopts':
      return getopts(sh, args);
  }
  return undefined;
}

/** exit, return, break, continue: unwind to the script's end, the function's, or the loop's (signals the interpreter catches). */
function leave(sh: ShellState, name: 'exit' | 'return' | 'break' | 'continue', args: string[]): never {
  if (name === 'exit') throw new ExitSignal(args[0] === undefined ? sh.status : Number(args[0]) & 255);
  if (name === 'return') throw new ReturnSignal(args[0] === undefined ? sh.status : Number(args[0]) & 255);
  throw new LoopSignal(name, args[0] === undefined ? 1 : Math.max(1, Number(args[0]) || 1));
}

/** `. FILE` / `source FILE`: the file's text run in this shell; status 1 when there is no such file. */
function sourceBuiltin(sh: ShellState, args: string[], stdin: Input): Result {
  const text = args[0] === undefined ? undefined : sh.host.source(args[0], sh.cwd);
  if (text === undefined) return { status: 1, out: '' };
  return sh.evalText(text, stdin);
}

/** set, shift, unset, export, readonly, local: the positional parameters and variables. */
function variableBuiltin(sh: ShellState, name: string, args: string[]): Result {
  const ok = { status: 0, out: '' };
  if (name === 'set') {
    if (args[0] === '--') sh.positionalArgs = args.slice(1);
    else if (args.length > 0 && !/^[-+]/.test(args[0]!)) sh.positionalArgs = args;
    return ok;
  }
  if (name === 'shift') {
    const n = args[0] === undefined ? 1 : Number(args[0]);
    if (!(n <= sh.positionalArgs.length)) return { status: 1, out: '' };
    sh.positionalArgs = sh.positionalArgs.slice(n);
    return ok;
  }
  if (name === 'unset') {
    for (const a of args) if (!a.startsWith('-')) (args.includes('-f') ? sh.functions : sh.vars).delete(a);
    return ok;
  }
  for (const a of args) {
    if (a.startsWith('-')) continue;
    const eq = a.indexOf('=');
    const key = eq < 0 ? a : a.slice(0, eq);
    const frame = sh.frames[sh.frames.length - 1];
    if (name === 'local' && frame && !frame.saved.has(key)) frame.saved.set(key, sh.vars.get(key));
    // dash: `local x` without a value keeps the value x has (phpenmod declares its locals twice).
    if (eq >= 0) sh.vars.set(key, a.slice(eq + 1));
  }
  return ok;
}

/** `command CMD...` runs it (functions skipped); `command -v`/`type` say what each name would run. */
function commandBuiltin(sh: ShellState, name: string, args: string[], stdin: Input, line: number): Result {
  if (name === 'command' && args[0] !== '-v' && args[0] !== '-V')
    return args.length ? sh.invoke(args, stdin, line, true) : { status: 0, out: '' };
  const names = name === 'command' ? args.slice(1) : args;
  const found = names.map((n) => (sh.functions.has(n) || BUILTINS.has(n) ? n : sh.host.lookup(n)));
  const out = found
    .filter((f): f is string => f !== undefined)
    .map((f) => `${f}\n`)
    .join('');
  return { status: found.every((f) => f !== undefined) ? 0 : 1, out };
}

/** POSIX getopts OPTSTRING NAME [ARG...], with OPTIND, OPTARG and grouped options (-ab). */
function getopts(sh: ShellState, args: string[]): Result {
  const [optstring = '', name = 'OPTOPT', ...given] = args;
  const argv = given.length ? given : sh.positionalArgs;
  let index = Number(sh.vars.get('OPTIND') ?? '1') || 1;
  let pos = Number(sh.vars.get('\u0000optpos') ?? '1');
  const arg = argv[index - 1];
  const finish = () => {
    sh.vars.set(name, '?');
    sh.vars.set('OPTIND', String(index));
    return { status: 1, out: '' };
  };
  if (arg === undefined || !arg.startsWith('-') || arg === '-') return finish();
  if (arg === '--') {
    index++;
    return finish();
  }
  const letter = arg[pos]!;
  const spec = optstring.indexOf(letter);
  const next = () => {
    pos++;
    if (pos >= arg.length) {
      index++;
      pos = 1;
    }
  };
  if (spec < 0 || letter === ':') {
    sh.vars.set(name, '?');
    if (optstring.startsWith(':')) sh.vars.set('OPTARG', letter);
    next();
  } else if (optstring[spec + 1] === ':') {
    const value = pos + 1 < arg.length ? arg.slice(pos + 1) : argv[index];
    index += pos + 1 < arg.length ? 1 : 2;
    pos = 1;
    if (value === undefined) {
      sh.vars.set(name, optstring.startsWith(':') ? ':' : '?');
    } else {
      sh.vars.set(name, letter);
      sh.vars.set('OPTARG', value);
    }
  } else {
    sh.vars.set(name, letter);
    next();
  }
  sh.vars.set('OPTIND', String(index));
  sh.vars.set('\u0000optpos', String(pos));
  return { status: 0, out: '' };
}

/** `read [-r] name...`: one line of stdin, split on IFS; status 1 at the end of input. */
function read(sh: ShellState, args: string[], stdin: Input): Result {
  const names = args.filter((a) => !a.startsWith('-'));
  const lineText = stdin.line();
  if (lineText === undefined) {
    for (const n of names) sh.vars.set(n, '');
    return { status: 1, out: '' };
  }
  const ifs = sh.vars.get('IFS') ?? ' \t\n';
  const words =
    ifs === ''
      ? [lineText]
      : lineText.split(new RegExp(`[${ifs.replace(/[\]\\^-]/g, '\\$&')}]+`)).filter((w, i) => w !== '' || i > 0);
  names.forEach((n, i) => sh.vars.set(n, i === names.length - 1 ? words.slice(i).join(' ') : (words[i] ?? '')));
  return { status: 0, out: '' };
}
