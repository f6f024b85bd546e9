/**
 * What the interpreter and its builtins share: control-flow signals, errors, standard input and
 * the shell state builtins.ts reads and changes.
 */
import type { Command } from './ast.js';
import type { ShellHost } from './host.js';

/** The script used more steps or deeper calls than any maintainer script needs. */
export class ShellLimitError extends Error {}

/** The script failed the way sh would stop it (a syntax error in eval, ${x?}, bad arithmetic). */
export class ShellRuntimeError extends Error {}

export class ExitSignal {
  constructor(readonly status: number) {}
}
export class ReturnSignal {
  constructor(readonly status: number) {}
}
export class LoopSignal {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}

export interface Frame {
  saved: Map<string, string | undefined>;
}

/** A command's standard input: shared by the commands of a loop, so each `read` takes the next line. */
export class Input {
  private pos = 0;
  constructor(private readonly text: string) {}

  rest(): string {
    const out = this.text.slice(this.pos);
    this.pos = this.text.length;
    return out;
  }

  line(): string | undefined {
    if (this.pos >= this.text.length) return undefined;
    const eol = this.text.indexOf('\n', this.pos);
    const end = eol < 0 ? this.text.length : eol;
    const out = this.text.slice(this.pos, end);
    this.pos = eol < 0 ? end : end + 1;
    return out;
  }
}

export type Result = { status: number; out: string };

/** The part of the shell the builtins see. */
export interface ShellState {
  readonly vars: Map<string, string>;
  positionalArgs: string[];
  readonly functions: Map<string, Command>;
  readonly frames: Frame[];
  status: number;
  cwd: string;
  exitTrap: string | undefined;
  readonly host: ShellHost;
  invoke(argv: string[], stdin: Input, line: number, skipFunctions?: boolean): Result;
  evalText(text: string, stdin: Input): Result;
}
