/**
 * The shell's view of the world while a maintainer script is interpreted: file tests, globs,
 * `.`, redirections and commands all go to the effects workspace, and commands through the table
 * (commands/table.ts). A command the table does not know is recorded as not emulated.
 */
import { isPithError } from '../../../errors.js';
import { compareBytes } from '../../../byte-order.js';
import { DECLINED, scriptPath, type ScriptCall } from './commands/call.js';
import { SCRIPT_COMMANDS } from './commands/table.js';
import { CONFMODULE_PATHS, CONFMODULE_STUB, DEBCONF_GET } from './debconf.js';
import { patternToRegExp } from './shell/expand.js';
import {
  runScript,
  ShellLimitError,
  ShellRuntimeError,
  type CommandIo,
  type CommandResult,
  type ShellHost,
} from './shell/interpreter.js';
import { parseScript, ShellSyntaxError } from './shell/parser.js';
import type { EffectWorkspace } from './workspace.js';

const encoder = new TextEncoder();

export interface ScriptContext {
  ws: EffectWorkspace;
  pkg: string;
  /** `postinst`, or `postinst -> /usr/sbin/phpenmod` for a shell script it runs. */
  script: string;
  /** Question -> default, for db_get. */
  debconf: Pick<ReadonlyMap<string, string>, 'get'>;
  env: Record<string, string>;
  /** How many image shell scripts deep this is (bounded). */
  depth: number;
}

/** Shell scripts of the image that maintainer scripts call (phpenmod...) are interpreted too, this deep. */
const MAX_NESTED_SCRIPTS = 4;

export function scriptHost(ctx: ScriptContext): ShellHost {
  const { ws } = ctx;
  return {
    command: (argv, io) => command(ctx, argv, io),
    source(path, cwd) {
      const at = scriptPath(path, cwd);
      if (at !== null && CONFMODULE_PATHS.has(at)) return CONFMODULE_STUB;
      return at === null ? undefined : ws.text(at);
    },
    readFile(path, cwd) {
      const at = scriptPath(path, cwd);
      return at === null ? (path === '/dev/null' ? '' : undefined) : ws.text(at);
    },
    writeFile(path, data, append, io) {
      const at = scriptPath(path, io.cwd);
      if (at === null) return;
      const before = append ? (ws.bytes(at) ?? new Uint8Array(0)) : new Uint8Array(0);
      const bytes = Buffer.concat([before, encoder.encode(data)]);
      if (!ws.writeFile(at, new Uint8Array(bytes), ctx.pkg, `${ctx.script}: writes ${at}`)) {
        scriptCall(ctx, ['>', at], io).unsupported(`a write to ${at}, whose directory is not in the image`);
      }
    },
    fileTest: (op, path) => fileTest(ws, op, path),
    glob: (pattern, cwd) => glob(ws, pattern, cwd),
    lookup: (name) => ws.lookup(name),
  };
}

/** What a command of the table is given. */
function scriptCall(ctx: ScriptContext, argv: string[], io: CommandIo): ScriptCall {
  const { ws } = ctx;
  return {
    ws,
    pkg: ctx.pkg,
    script: ctx.script,
    line: io.line,
    cwd: io.cwd,
    argv,
    stdin: io.stdin,
    path: (p) => scriptPath(p, io.cwd),
    detail: `${ctx.script}: ${summary(argv)}`,
    unsupported: (what) => {
      ws.unsupportedBy(ctx.pkg, `${what ?? `"${summary(argv)}"`} (${ctx.script} line ${io.line})`);
      return DECLINED;
    },
  };
}

/** A command: debconf's db_get, one of the table, an image shell script (interpreted too), or not emulated. */
function command(ctx: ScriptContext, argv: string[], io: CommandIo): CommandResult {
  const { ws } = ctx;
  // PITH_TRACE_EFFECTS=1 lists every command scripts run, for finding out why an effect is missing.
  if (process.env.PITH_TRACE_EFFECTS)
    process.stderr.write(`pith: effects: ${ctx.pkg} ${ctx.script}:${io.line} ${JSON.stringify(argv)}\n`);
  const name = argv[0]!;
  if (name === DEBCONF_GET) {
    const value = ctx.debconf.get(argv[1] ?? '');
    return value === undefined ? { status: 10 } : { status: 0, stdout: value };
  }
  const known = SCRIPT_COMMANDS[tableName(name)];
  if (known) {
    try {
      return known.run(scriptCall(ctx, argv, io));
    } catch (err) {
      // A value the command cannot take (a bad version for dpkg --compare-versions): it fails, as it would.
      if (!isPithError(err)) throw err;
      return scriptCall(ctx, argv, io).unsupported(`"${summary(argv)}": ${err.message}`);
    }
  }
  const program = ws.lookup(name);
  const text = program === undefined ? undefined : ws.text(program);
  if (text !== undefined && /^#! ?\/bin\/(sh|dash)\b/.test(text) && ctx.depth < MAX_NESTED_SCRIPTS)
    return nestedScript(ctx, program!, text, argv, io);
  return { ...scriptCall(ctx, argv, io).unsupported(), ...(program ? {} : { status: 127 }) };
}

/** `test`'s file operators against the workspace. */
function fileTest(ws: EffectWorkspace, op: string, path: string): boolean {
  if (path === '') return false; // [ -d "" ] is false, not the root
  const at = scriptPath(path, '/');
  if (at === null) return (op === '-e' || op === '-d') && /^\/(dev|proc|sys)\/?$/.test(path);
  const entry = op === '-L' || op === '-h' ? ws.lstat(at) : ws.stat(at);
  if (!entry) return false;
  switch (op) {
    case '-e':
    case '-r':
    case '-w':
      return true;
    case '-f':
      return entry.type === 'file' || entry.type === 'hardlink';
    case '-d':
      return entry.type === 'dir';
    case '-L':
    case '-h':
      return entry.type === 'symlink';
    case '-x':
      return (entry.mode & 0o111) !== 0;
    case '-s':
      return entry.type === 'file' && entry.size > 0;
    case '-u':
      return (entry.mode & 0o4000) !== 0;
    case '-g':
      return (entry.mode & 0o2000) !== 0;
    case '-k':
      return (entry.mode & 0o1000) !== 0;
    case '-O':
      return entry.uid === 0;
    case '-G':
      return entry.gid === 0;
    default:
      return false;
  }
}

/** A pathname pattern expanded against the workspace, sorted. */
function glob(ws: EffectWorkspace, pattern: string, cwd: string): string[] {
  const absolute = pattern.startsWith('/') ? pattern : `${cwd.replace(/\/$/, '')}/${pattern}`;
  const parts = absolute.split('/').filter(Boolean);
  const segments = parts.map((seg) => ({ re: new RegExp(`^${patternToRegExp(seg)}$`, 's'), dot: seg.startsWith('.') }));
  // Only paths below the pattern's literal leading directories can match.
  const literal = parts.slice(0, parts.findIndex((seg) => /[*?[\\]/.test(seg)) >>> 0).join('/');
  const prefix = literal ? `${literal}/` : '';
  // As sh does: a wildcard never matches a leading dot.
  const matches = (path: string) =>
    path.split('/').every((name, i) => segments[i]!.re.test(name) && (segments[i]!.dot || !name.startsWith('.')));
  return [...ws.tree.unordered()]
    .filter((e) => e.path.startsWith(prefix) && e.path.split('/').length === segments.length && matches(e.path))
    .map((e) => `/${e.path}`)
    .sort(compareBytes);
}

/** The table's name for a program: its base name (for absolute paths), python3.11 as python3. */
function tableName(name: string): string {
  const base = name.startsWith('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
  return base.replace(/^python3\.\d+$/, 'python3').replace(/^perl5(\.\d+)*$/, 'perl');
}

/** A #!/bin/sh program of the image, run by a maintainer script: interpreted the same way. */
function nestedScript(ctx: ScriptContext, program: string, text: string, argv: string[], io: CommandIo): CommandResult {
  const label = `${ctx.script} -> ${program}`;
  try {
    const parsed = parseScript(text);
    const child = scriptHost({ ...ctx, script: label, depth: ctx.depth + 1 });
    return runScript(parsed, child, { name: program, args: argv.slice(1), env: ctx.env });
  } catch (err) {
    if (!(err instanceof ShellSyntaxError || err instanceof ShellLimitError || err instanceof ShellRuntimeError))
      throw err;
    ctx.ws.unsupportedBy(
      ctx.pkg,
      `${program}, run by its ${ctx.script} (line ${io.line}), which stops: ${err.message}`,
    );
    return DECLINED;
  }
}

/** A command line short enough for one warning line. */
function summary(argv: string[]): string {
  const text = argv.map((w) => (w === '' ? '""' : w)).join(' ');
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
