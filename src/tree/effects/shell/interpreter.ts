/**
 * Walks a parsed maintainer script the way dash would, but every command that is not part of the
 * shell language goes to a host (script-host.ts), which emulates it against the image tree or
 * declines it. Nothing is executed on the machine pith runs on. Bounded: a step budget stops
 * endless loops, a depth limit stops runaway recursion, and output kept in memory is capped.
 */
import type { Command, List, Pipeline, Redirect } from './ast.js';
import { expandFields, expandPattern, expandString, type ExpansionContext } from './expand.js';
import { parseScript, ShellSyntaxError } from './parser.js';
import { builtin as runBuiltin } from './builtins.js';
import { ExitSignal, Input, LoopSignal, ReturnSignal, ShellLimitError, ShellRuntimeError, type Frame, type Result, type ShellState } from './state.js';
import type { FileTest } from './test-builtin.js';

export { ShellLimitError, ShellRuntimeError } from './state.js';

export interface CommandIo {
  /** Reads (and consumes) the rest of standard input: only commands that read it call this. */
  stdin: () => string;
  /** The shell's working directory (image path, absolute). */
  cwd: string;
  line: number;
}

export interface CommandResult {
  status: number;
  stdout?: string;
  /** The host did not emulate the command: its output is not real, so nothing is written from it. */
  declined?: boolean;
}

/** What the shell needs from the outside world: the image, and the commands it can emulate. */
export interface ShellHost {
  /** A command that is neither a shell builtin nor a function of the script. */
  command(argv: string[], io: CommandIo): CommandResult;
  /** Text for `.` (or undefined when there is no such file). */
  source(path: string, cwd: string): string | undefined;
  /** `< file` */
  readFile(path: string, cwd: string): string | undefined;
  /** `> file`, `>> file` */
  writeFile(path: string, data: string, append: boolean, io: CommandIo): void;
  fileTest: FileTest;
  glob(pattern: string, cwd: string): string[];
  /** command -v / type: where a program is found on PATH in the image. */
  lookup(name: string): string | undefined;
}

export interface RunOptions {
  /** $0 */
  name: string;
  /** $1... */
  args: string[];
  /** Initial variables (the environment dpkg gives maintainer scripts). */
  env: Record<string, string>;
  maxSteps?: number;
}

const MAX_DEPTH = 100;
const MAX_OUTPUT = 1 << 20;
const DEFAULT_STEPS = 200_000;

export function runScript(script: List, host: ShellHost, options: RunOptions): { status: number; stdout: string } {
  return new Shell(host, options).run(script);
}

/** The interpreter; the fields builtins.ts changes are public (ShellState). */
class Shell implements ExpansionContext, ShellState {
  readonly vars = new Map<string, string>();
  positionalArgs: string[];
  readonly functions = new Map<string, Command>();
  readonly frames: Frame[] = [];
  status = 0;
  private steps = 0;
  private depth = 0;
  cwd = '/';
  exitTrap: string | undefined;
  /** Commands the host declined so far: output redirected from one of them is not written. */
  private declined = 0;
  private readonly maxSteps: number;

  constructor(
    readonly host: ShellHost,
    private readonly options: RunOptions,
  ) {
    for (const [k, v] of Object.entries(options.env)) this.vars.set(k, v);
    this.positionalArgs = [...options.args];
    this.maxSteps = options.maxSteps ?? DEFAULT_STEPS;
  }

  run(script: List): { status: number; stdout: string } {
    let status: number;
    let stdout = '';
    try {
      stdout = this.list(script, new Input('')).out;
      status = this.status;
    } catch (err) {
      if (err instanceof ExitSignal || err instanceof ReturnSignal) status = err.status;
      else if (err instanceof LoopSignal) status = this.status;
      else throw err;
    }
    // trap ... EXIT (or 0): temporary files are removed there.
    const onExit = this.exitTrap;
    this.exitTrap = undefined;
    if (onExit) {
      try {
        this.evalText(onExit, new Input(''));
      } catch (err) {
        if (!(err instanceof ExitSignal || err instanceof ReturnSignal || err instanceof LoopSignal)) throw err;
      }
    }
    return { status, stdout };
  }

  // --- ExpansionContext ----------------------------------------------------------------------------

  param(name: string): string | undefined {
    if (/^\d+$/.test(name)) return name === '0' ? this.options.name : this.positionalArgs[Number(name) - 1];
    switch (name) {
      case '?':
        return String(this.status);
      case '#':
        return String(this.positionalArgs.length);
      case '$':
        return '1';
      case '!':
        return '';
      case '-':
        return '';
      default:
        return this.vars.get(name);
    }
  }

  positional(): string[] {
    return this.positionalArgs;
  }

  assign(name: string, value: string): void {
    this.vars.set(name, value);
  }

  substitute(body: List): string {
    return this.subshell(() => this.list(body, new Input(''))).out;
  }

  glob(pattern: string): string[] {
    return this.host.glob(pattern, this.cwd);
  }

  fail(message: string): never {
    throw new ShellRuntimeError(message);
  }

  // --- execution -----------------------------------------------------------------------------------

  private list(list: List, stdin: Input): { status: number; out: string } {
    let out = '';
    for (const item of list) {
      let r = this.pipeline(item.first, stdin);
      out = cap(out + r.out);
      for (const next of item.rest) {
        if ((next.op === '&&') !== (this.status === 0)) continue;
        r = this.pipeline(next.pipeline, stdin);
        out = cap(out + r.out);
      }
    }
    return { status: this.status, out };
  }

  private pipeline(p: Pipeline, stdin: Input): { status: number; out: string } {
    let input = stdin;
    let r = { status: 0, out: '' };
    for (const command of p.commands) {
      r = this.command(command, input);
      input = new Input(r.out);
    }
    this.status = p.bang ? (r.status === 0 ? 1 : 0) : r.status;
    return { status: this.status, out: r.out };
  }

  private command(command: Command, stdin: Input): { status: number; out: string } {
    if (++this.steps > this.maxSteps) throw new ShellLimitError(`more than ${this.maxSteps} steps`);
    if (command.t === 'func') {
      this.functions.set(command.name, command.body);
      this.status = 0;
      return { status: 0, out: '' };
    }
    const line = command.t === 'simple' ? command.line : 0;
    const io = this.redirections(command.redirs, stdin, line);
    if (io === undefined) return { status: (this.status = 1), out: '' };
    const declinedBefore = this.declined;
    const r = this.compound(command, io.stdin);
    this.status = r.status;
    if (io.output === 'discard') return { status: r.status, out: '' };
    if (io.output && this.declined > declinedBefore) return { status: r.status, out: '' };
    if (io.output) {
      this.host.writeFile(io.output.path, r.out, io.output.append, { stdin: () => '', cwd: this.cwd, line });
      return { status: r.status, out: '' };
    }
    return r;
  }

  private compound(command: Command, stdin: Input): { status: number; out: string } {
    switch (command.t) {
      case 'simple':
        return this.simple(command, stdin);
      case 'group':
        return command.subshell ? this.subshell(() => this.list(command.body, stdin)) : this.list(command.body, stdin);
      case 'if': {
        for (const clause of command.clauses) {
          const cond = this.list(clause.cond, stdin);
          if (cond.status === 0) {
            const body = this.list(clause.body, stdin);
            return { status: body.status, out: cond.out + body.out };
          }
        }
        if (command.otherwise) return this.list(command.otherwise, stdin);
        return { status: 0, out: '' };
      }
      case 'case': {
        const subject = expandString(command.word, this);
        for (const item of command.items) {
          if (item.patterns.some((p) => new RegExp(`^(?:${expandPattern(p, this)})$`, 's').test(subject))) return this.list(item.body, stdin);
        }
        return { status: 0, out: '' };
      }
      case 'for': {
        const items = command.items ? command.items.flatMap((w) => expandFields(w, this)) : [...this.positionalArgs];
        return this.loop(() => items.length > 0, (out) => {
          this.vars.set(command.name, items.shift()!);
          return this.list(command.body, stdin).out + out;
        });
      }
      case 'while':
        return this.loop(
          () => (this.list(command.cond, stdin).status === 0) !== command.until,
          (out) => out + this.list(command.body, stdin).out,
        );
      case 'func':
        throw new Error('unreachable');
    }
  }

  private loop(more: () => boolean, body: (out: string) => string): { status: number; out: string } {
    let out = '';
    let status = 0;
    while (more()) {
      if (++this.steps > this.maxSteps) throw new ShellLimitError(`more than ${this.maxSteps} steps`);
      try {
        out = cap(body(out));
        status = this.status;
      } catch (err) {
        if (!(err instanceof LoopSignal)) throw err;
        if (--err.levels > 0) throw err;
        if (err.kind === 'break') break;
      }
    }
    return { status, out };
  }

  private simple(command: Extract<Command, { t: 'simple' }>, stdin: Input): { status: number; out: string } {
    this.status = 0;
    const argv = command.words.flatMap((w) => expandFields(w, this));
    const assigned = command.assigns.map((a) => [a.name, expandString(a.value, this)] as const);
    if (argv.length === 0) {
      for (const [k, v] of assigned) this.vars.set(k, v);
      return { status: this.status, out: '' };
    }
    // VAR=value cmd: visible to cmd only (as far as the emulation is concerned).
    const saved = assigned.map(([k]) => [k, this.vars.get(k)] as const);
    for (const [k, v] of assigned) this.vars.set(k, v);
    try {
      return this.invoke(argv, stdin, command.line);
    } finally {
      for (const [k, v] of saved) if (v === undefined) this.vars.delete(k);
      else this.vars.set(k, v);
    }
  }

  invoke(argv: string[], stdin: Input, line: number, skipFunctions = false): { status: number; out: string } {
    const name = argv[0]!;
    const fn = skipFunctions ? undefined : this.functions.get(name);
    if (fn) return this.call(fn, argv.slice(1), stdin);
    const builtin = runBuiltin(this, argv, stdin, line);
    if (builtin) return builtin;
    const r = this.host.command(argv, { stdin: () => stdin.rest(), cwd: this.cwd, line });
    if (r.declined) this.declined++;
    return { status: r.status, out: cap(r.stdout ?? '') };
  }

  private call(body: Command, args: string[], stdin: Input): { status: number; out: string } {
    if (++this.depth > MAX_DEPTH) throw new ShellLimitError(`functions nested more than ${MAX_DEPTH} deep`);
    const savedArgs = this.positionalArgs;
    this.positionalArgs = args;
    this.frames.push({ saved: new Map() });
    try {
      return this.command(body, stdin);
    } catch (err) {
      if (err instanceof ReturnSignal) return { status: (this.status = err.status), out: '' };
      throw err;
    } finally {
      const frame = this.frames.pop()!;
      for (const [k, v] of frame.saved) if (v === undefined) this.vars.delete(k);
      else this.vars.set(k, v);
      this.positionalArgs = savedArgs;
      this.depth--;
    }
  }

  /** Runs `fn` with the variables, functions and arguments restored afterwards, as ( ) does. */
  private subshell(fn: () => { status: number; out: string }): { status: number; out: string } {
    if (++this.depth > MAX_DEPTH) throw new ShellLimitError(`subshells nested more than ${MAX_DEPTH} deep`);
    const vars = new Map(this.vars);
    const functions = new Map(this.functions);
    const args = this.positionalArgs;
    const cwd = this.cwd;
    try {
      return fn();
    } catch (err) {
      if (err instanceof ExitSignal) return { status: (this.status = err.status), out: '' };
      throw err;
    } finally {
      this.vars.clear();
      for (const [k, v] of vars) this.vars.set(k, v);
      this.functions.clear();
      for (const [k, v] of functions) this.functions.set(k, v);
      this.positionalArgs = args;
      this.cwd = cwd;
      this.depth--;
    }
  }

  /** Where the command's input comes from and its output goes; undefined if an input file is missing. */
  private redirections(redirs: Redirect[], stdin: Input, line: number): { stdin: Input; output?: { path: string; append: boolean } | 'discard' } | undefined {
    let input = stdin;
    let output: { path: string; append: boolean } | 'discard' | undefined;
    for (const r of redirs) {
      const fd = r.fd ?? (r.op.startsWith('<') ? 0 : 1);
      if (r.op === '<<' || r.op === '<<-') {
        input = new Input(expandString(r.heredoc ?? [], this));
        continue;
      }
      const target = expandString(r.target, this);
      if (r.op === '<') {
        const text = this.host.readFile(target, this.cwd);
        if (text === undefined) return undefined;
        input = new Input(text);
      } else if (r.op === '>&') {
        if (fd === 1 && target !== '1') output = 'discard'; // >&2: to stderr, which goes nowhere
      } else if (r.op === '<&' || r.op === '<>') {
        continue;
      } else if (fd === 1 || r.op === '&>') {
        output = target === '/dev/null' ? 'discard' : { path: target, append: r.op === '>>' };
      }
    }
    void line;
    return { stdin: input, ...(output ? { output } : {}) };
  }

  evalText(text: string, stdin: Input): Result {
    let parsed: List;
    try {
      parsed = parseScript(text);
    } catch (err) {
      if (err instanceof ShellSyntaxError) throw new ShellRuntimeError(`sourced or eval'd text: ${err.message}`);
      throw err;
    }
    if (++this.depth > MAX_DEPTH) throw new ShellLimitError(`. and eval nested more than ${MAX_DEPTH} deep`);
    try {
      return this.list(parsed, stdin);
    } finally {
      this.depth--;
    }
  }
}

function cap(text: string): string {
  if (text.length > MAX_OUTPUT) throw new ShellLimitError(`more than ${MAX_OUTPUT} bytes of output`);
  return text;
}
