/**
 * One command a maintainer script runs, as the command handlers see it, and the option parsing
 * they share (getopt-style: `-pv`, `-m 755`, `-m755`, `--mode=755`, `--mode 755`, `--`).
 */
import { posix } from 'node:path';
import type { CommandResult } from '../shell/interpreter.js';
import type { EffectWorkspace } from '../workspace.js';

export interface ScriptCall {
  ws: EffectWorkspace;
  pkg: string;
  /** preinst or postinst */
  script: string;
  line: number;
  cwd: string;
  argv: string[];
  stdin: () => string;
  /** An absolute image path for `p` (relative ones against the cwd); null for /dev, /proc and /sys. */
  path(p: string): string | null;
  /** For Origins: `postinst: mkdir -p /var/log/redis`. */
  detail: string;
  /** Records that this call (or `what` of it) is not emulated; returns a failure status. */
  unsupported(what?: string): CommandResult;
}

export type CommandHandler = (call: ScriptCall) => CommandResult;

export const OK: CommandResult = { status: 0 };
export const FAIL: CommandResult = { status: 1 };
export const DECLINED: CommandResult = { status: 1, declined: true };

export interface ParsedOptions {
  /** Option name (the short letter, or the long name when it has no short form) -> value or true. */
  options: Map<string, string | true>;
  /** All values of options given several times (e.g. --slave). */
  repeated: Map<string, string[]>;
  operands: string[];
}

/**
 * `short`: letters taking no value; `withValue`: letters taking one; `long`: long name -> the
 * short letter it stands for (or itself) and whether it takes a value. Unknown options are
 * returned in `unknown` so handlers can decline them instead of guessing.
 */
export function parseOptions(
  args: string[],
  spec: { short?: string; withValue?: string; long?: Record<string, { as?: string; value?: boolean }> },
): ParsedOptions & { unknown: string[] } {
  const options = new Map<string, string | true>();
  const repeated = new Map<string, string[]>();
  const operands: string[] = [];
  const unknown: string[] = [];
  const set = (key: string, value: string | true) => {
    options.set(key, value);
    if (typeof value === 'string') repeated.set(key, [...(repeated.get(key) ?? []), value]);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const known = spec.long?.[name];
      if (!known) {
        unknown.push(arg);
        continue;
      }
      const key = known.as ?? name;
      if (known.value) set(key, eq >= 0 ? arg.slice(eq + 1) : (args[++i] ?? ''));
      else set(key, true);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        if (spec.withValue?.includes(letter)) {
          set(letter, j + 1 < arg.length ? arg.slice(j + 1) : (args[++i] ?? ''));
          break;
        }
        if (spec.short?.includes(letter)) set(letter, true);
        else unknown.push(`-${letter}`);
      }
      continue;
    }
    operands.push(arg);
  }
  return { options, repeated, operands, unknown };
}

/** An absolute image path, or null for the kernel's virtual filesystems (nothing to emulate there). */
export function scriptPath(path: string, cwd: string): string | null {
  const absolute = posix.normalize(path.startsWith('/') ? path : posix.join(cwd, path));
  if (/^\/(dev|proc|sys)(\/|$)/.test(absolute)) return null;
  return absolute === '/' ? '/' : absolute.replace(/\/+$/, '');
}
