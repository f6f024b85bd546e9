/**
 * What the image's config names, as `trim: closure` roots: the command it runs (entrypoint[0],
 * else cmd[0]; a bare name is looked up on the image's PATH), and as data the other paths the
 * config names: every entrypoint and cmd argument that is a path (absolute, `--opt=/path`, or
 * relative to WorkingDir), WorkingDir itself, the volumes, and environment values that are
 * absolute paths (PATH and LD_LIBRARY_PATH aside: they are searched, not read whole).
 */
import { posix } from 'node:path';
import type { ContainerConfig } from '../image/types.js';
import type { NamedPath } from '../tree/trim/closure.js';
import { DEFAULT_PATH } from './image-config.js';
import { compareBytes } from '../byte-order.js';

export interface ClosureRoots {
  /** The command: absolute, or a bare name for the engine to find on `path`. */
  roots: string[];
  path: string[];
  named: NamedPath[];
}

/** Variables whose value is a search list, not something to keep whole. */
const SEARCH_VARIABLES = new Set(['PATH', 'LD_LIBRARY_PATH']);

export function closureRoots(config: ContainerConfig): ClosureRoots {
  const env = new Map(
    (config.Env ?? []).map((kv) => [kv.slice(0, Math.max(0, kv.indexOf('='))), kv.slice(kv.indexOf('=') + 1)]),
  );
  const path = (env.get('PATH') ?? DEFAULT_PATH).split(':').filter((dir) => dir.startsWith('/'));
  const workdir = config.WorkingDir && config.WorkingDir.startsWith('/') ? config.WorkingDir : '/';
  const entrypoint = config.Entrypoint ?? [];
  const cmd = config.Cmd ?? [];
  const command = entrypoint[0] ?? cmd[0];
  const roots =
    command === undefined
      ? []
      : [command.includes('/') && !command.startsWith('/') ? posix.join(workdir, command) : command];

  const named: NamedPath[] = [];
  const args: Array<[string, string]> = [
    ...entrypoint.slice(1).map((a): [string, string] => [a, 'entrypoint argument']),
    ...(entrypoint.length ? cmd : cmd.slice(1)).map((a): [string, string] => [a, 'cmd argument']),
  ];
  for (const [arg, why] of args) {
    const path = argumentPath(arg, workdir);
    if (path !== undefined) named.push({ path, why });
  }
  if (config.WorkingDir) named.push({ path: config.WorkingDir, why: 'WorkingDir', subtree: false });
  for (const volume of Object.keys(config.Volumes ?? {}).sort()) named.push({ path: volume, why: 'volume' });
  for (const [name, value] of [...env].sort(([a], [b]) => compareBytes(a, b))) {
    if (SEARCH_VARIABLES.has(name)) continue;
    for (const part of value.split(':'))
      if (part.startsWith('/') && part !== '/') named.push({ path: part, why: `env ${name}` });
  }
  return { roots, path, named };
}

/** The image path an argument names, if it looks like one: `/x`, `--opt=/x`, or `x/y`, `x.py` relative to the working directory. */
function argumentPath(arg: string, workdir: string): string | undefined {
  if (arg.startsWith('/')) return arg === '/' ? undefined : arg;
  const assigned = /^[^=\s]*=(\/.+)$/.exec(arg);
  if (assigned) return assigned[1];
  if (arg.startsWith('-') || /\s/.test(arg) || !/[/.]/.test(arg) || arg.includes('://')) return undefined;
  return posix.join(workdir, arg);
}
