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
import {
  ExitSignal,
  Input,
  LoopSignal,
  ReturnSignal,
  ShellLimitError,
  ShellRuntimeError,
  type Frame,
  type Result,
  type ShellState,
} from './state.js';
import type { ShellHost } from './host.js';

export { ShellLimitError, ShellRuntimeError } from './state.js';
export type { CommandIo, CommandResult, ShellHost } from './host.js';

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
  /** Output buffers: [0] is the script's stdout; $(...), pipes and redirections push their own. */
  private readonly sinks: string[] = [''];
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
    try {
      status = this.list(script, new Input(''));
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
    return { status, stdout: this.sinks[0]! };
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
    return this.capture(() => this.subshell(() => this.list(body, new Input(''))));
  }

  glob(pattern: string): string[] {
    return this.host.glob(pattern, this.cwd);
  }

  fail(message: string): never {
    throw new ShellRuntimeError(message);
  }

  // --- output --------------------------------------------------------------------------------------

  /** Commands write what they print here, as it happens: a `return` or `exit` keeps what came before. */
  emit(text: string): void {
    if (!text) return;
    const top = this.sinks.length - 1;
    this.sinks[top] = cap(this.sinks[top]! + text);
  }

  /** What `fn` prints, taken out of the output ($(...), a pipe, a redirection). */
  private capture(fn: () => unknown): string {
    this.sinks.push('');
    let text: string;
    try {
      fn();
    } finally {
      text = this.sinks.pop()!;
    }
    return text;
  }

  // --- execution -----------------------------------------------------------------------------------

  private list(list: List, stdin: Input): number {
    for (const item of list) {
      this.pipeline(item.first, stdin);
      for (const next of item.rest) {
        if ((next.op === '&&') !== (this.status === 0)) continue;
        this.pipeline(next.pipeline, stdin);
      }
    }
    return this.status;
  }

  private pipeline(p: Pipeline, stdin: Input): void {
    let input = stdin;
    let status = 0;
    p.commands.forEach((command, i) => {
      if (i === p.commands.length - 1) {
        status = this.command(command, input);
        return;
      }
      const out = this.capture(() => (status = this.command(command, input)));
      input = new Input(out);
    });
    this.status = p.bang ? (status === 0 ? 1 : 0) : status;
  }

  private command(command: Command, stdin: Input): number {
    if (++this.steps > this.maxSteps) throw new ShellLimitError(`more than ${this.maxSteps} steps`);
    if (command.t === 'func') {
      this.functions.set(command.name, command.body);
      return (this.status = 0);
    }
    const line = command.t === 'simple' ? command.line : 0;
    const io = this.redirections(command.redirs, stdin, line);
    if (io === undefined) return (this.status = 1);
    if (!io.output) return (this.status = this.compound(command, io.stdin));
    const declinedBefore = this.declined;
    let status = 0;
    const out = this.capture(() => (status = this.compound(command, io.stdin)));
    this.status = status;
    // Output of a command pith did not emulate is not real: nothing is written from it.
    if (io.output !== 'discard' && this.declined === declinedBefore) {
      this.host.writeFile(io.output.path, out, io.output.append, { stdin: () => '', cwd: this.cwd, line });
    }
    return status;
  }

  private compound(command: Command, stdin: Input): number {
    switch (command.t) {
      case 'simple':
        return this.simple(command, stdin);
      case 'group':
        return command.subshell ? this.subshell(() => this.list(command.body, stdin)) : this.list(command.body, stdin);
      case 'if': {
        for (const clause of command.clauses) {
          if (this.list(clause.cond, stdin) === 0) return this.list(clause.body, stdin);
        }
        return command.otherwise ? this.list(command.otherwise, stdin) : 0;
      }
      case 'case': {
        const subject = expandString(command.word, this);
        for (const item of command.items) {
          if (item.patterns.some((p) => new RegExp(`^(?:${expandPattern(p, this)})$`, 's').test(subject)))
            return this.list(item.body, stdin);
        }
        return 0;
      }
      case 'for': {
        const items = command.items ? command.items.flatMap((w) => expandFields(w, this)) : [...this.positionalArgs];
        return this.loop(
          () => items.length > 0,
          () => {
            this.vars.set(command.name, items.shift()!);
            this.list(command.body, stdin);
          },
        );
      }
      case 'while':
        return this.loop(
          () => (this.list(command.cond, stdin) === 0) !== command.until,
          () => this.list(command.body, stdin),
        );
      case 'func':
        throw new Error('unreachable');
    }
  }

  private loop(more: () => boolean, body: () => unknown): number {
    let status = 0;
    while (more()) {
      if (++this.steps > this.maxSteps) throw new ShellLimitError(`more than ${this.maxSteps} steps`);
      try {
        body();
        status = this.status;
      } catch (err) {
        if (!(err instanceof LoopSignal)) throw err;
        if (--err.levels > 0) throw err;
        if (err.kind === 'break') break;
      }
    }
    return status;
  }

  private simple(command: Extract<Command, { t: 'simple' }>, stdin: Input): number {
    this.status = 0;
    const argv = command.words.flatMap((w) => expandFields(w, this));
    const assigned = command.assigns.map((a) => [a.name, expandString(a.value, this)] as const);
    if (argv.length === 0) {
      for (const [k, v] of assigned) this.vars.set(k, v);
      return this.status;
    }
    // VAR=value cmd: visible to cmd only (as far as the emulation is concerned).
    const saved = assigned.map(([k]) => [k, this.vars.get(k)] as const);
    for (const [k, v] of assigned) this.vars.set(k, v);
    try {
      return this.invoke(argv, stdin, command.line).status;
    } finally {
      for (const [k, v] of saved)
        if (v === undefined) this.vars.delete(k);
        else this.vars.set(k, v);
    }
  }

  /** Runs a command (function, builtin or the host's); what it prints is emitted, not returned. */
  invoke(argv: string[], stdin: Input, line: number, skipFunctions = false): Result {
    const name = argv[0]!;
    const fn = skipFunctions ? undefined : this.functions.get(name);
    if (fn) return { status: this.call(fn, argv.slice(1), stdin), out: '' };
    const builtin = runBuiltin(this, argv, stdin, line);
    if (builtin) {
      this.emit(builtin.out);
      return { status: builtin.status, out: '' };
    }
    const r = this.host.command(argv, { stdin: () => stdin.rest(), cwd: this.cwd, line });
    if (r.declined) this.declined++;
    this.emit(r.stdout ?? '');
    return { status: r.status, out: '' };
  }

  private call(body: Command, args: string[], stdin: Input): number {
    if (++this.depth > MAX_DEPTH) throw new ShellLimitError(`functions nested more than ${MAX_DEPTH} deep`);
    const savedArgs = this.positionalArgs;
    this.positionalArgs = args;
    this.frames.push({ saved: new Map() });
    try {
      return this.command(body, stdin);
    } catch (err) {
      if (err instanceof ReturnSignal) return (this.status = err.status);
      throw err;
    } finally {
      const frame = this.frames.pop()!;
      for (const [k, v] of frame.saved)
        if (v === undefined) this.vars.delete(k);
        else this.vars.set(k, v);
      this.positionalArgs = savedArgs;
      this.depth--;
    }
  }

  /** Runs `fn` with the variables, functions and arguments restored afterwards, as ( ) does. */
  private subshell(fn: () => number): number {
    if (++this.depth > MAX_DEPTH) throw new ShellLimitError(`subshells nested more than ${MAX_DEPTH} deep`);
    const vars = new Map(this.vars);
    const functions = new Map(this.functions);
    const args = this.positionalArgs;
    const cwd = this.cwd;
    try {
      return fn();
    } catch (err) {
      if (err instanceof ExitSignal) return (this.status = err.status);
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
  private redirections(
    redirs: Redirect[],
    stdin: Input,
    line: number,
  ): { stdin: Input; output?: { path: string; append: boolean } | 'discard' } | undefined {
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
      return { status: this.list(parsed, stdin), out: '' };
    } finally {
      this.depth--;
    }
  }
}

function cap(text: string): string {
  if (text.length > MAX_OUTPUT) throw new ShellLimitError(`more than ${MAX_OUTPUT} bytes of output`);
  return text;
}
