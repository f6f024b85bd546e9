/**
 * A script's `#!` line as the kernel reads it (fs/binfmt_script.c): the interpreter path, and for
 * `#!/usr/bin/env [-S] [-opts] [VAR=x] name`, the program env runs.
 */

/** The kernel reads at most this many bytes of the line (BINPRM_BUF_SIZE). */
const SHEBANG_MAX = 256;

export interface Shebang {
  interpreter: string;
  /** With an `env` interpreter: the command it runs (the first argument that is neither an option nor an assignment). */
  command?: string;
}

/** undefined when the data does not start with `#!` or names no interpreter. */
export function shebangOf(data: Uint8Array): Shebang | undefined {
  if (data[0] !== 0x23 || data[1] !== 0x21) return undefined;
  const head = Buffer.from(data.subarray(2, Math.min(data.byteLength, SHEBANG_MAX)));
  const newline = head.indexOf(0x0a);
  const line = head
    .subarray(0, newline < 0 ? head.byteLength : newline)
    .toString('utf8')
    .trim();
  const [interpreter, ...args] = line.split(/[ \t]+/);
  if (!interpreter) return undefined;
  if (!/(^|\/)env$/.test(interpreter)) return { interpreter };
  const command = args.find((a) => !a.startsWith('-') && !a.includes('='));
  return command === undefined ? { interpreter } : { interpreter, command };
}
