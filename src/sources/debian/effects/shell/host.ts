/**
 * What the shell needs from the outside world (the image, and the commands it can emulate), in a
 * file of its own so that the interpreter, its state and its builtins all import it one way.
 */
import type { FileTest } from './test-builtin.js';

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
