/**
 * The entrypoint and cmd must be able to start: when one is in the image, the interpreter its `#!`
 * line names (for `#!/usr/bin/env x`, x on the PATH) or the ELF loader its PT_INTERP names must be
 * there too. The build fails with a line naming what is missing and, for the interpreters Debian
 * puts in Essential packages, the package to add.
 */
import { readFileSync } from 'node:fs';
import { isElf, parseElf } from '../../../elf/parse.js';
import { readSpooledSync } from '../../../store/spool.js';
import type { TreeEntry } from '../../../tree/entry.js';
import { shebang } from './package-facts.js';
import type { EffectWorkspace } from './workspace.js';

/** Interpreters scripts name that Debian 12 ships only in Essential (or required) packages. */
const PROVIDERS: Record<string, string> = {
  '/bin/sh': 'dash',
  '/usr/bin/sh': 'dash',
  '/bin/dash': 'dash',
  '/bin/bash': 'bash',
  '/usr/bin/bash': 'bash',
  '/usr/bin/perl': 'perl-base',
  '/bin/perl': 'perl-base',
  '/usr/bin/env': 'coreutils',
  '/usr/bin/awk': 'mawk',
  '/bin/sed': 'sed',
  '/bin/grep': 'grep',
};

export interface Root {
  /** `entrypoint` or `cmd`. */
  field: string;
  path: string;
}

/**
 * One message per root whose interpreter or loader is missing. `interpreterOf` answers for package
 * files (from their facts, since the view may not hold their bytes).
 */
export function rootProblems(
  ws: EffectWorkspace,
  roots: readonly Root[],
  path: readonly string[],
  interpreterOf: (entry: TreeEntry) => string | undefined,
): string[] {
  const problems: string[] = [];
  for (const root of roots) {
    const at = root.path.startsWith('/')
      ? root.path
      : path.map((d) => `${d}/${root.path}`).find((p) => ws.stat(p)?.type === 'file');
    const entry = at === undefined ? undefined : ws.stat(at);
    if (!entry || entry.type !== 'file') continue;
    const interpreter = entry.origin.kind === 'package' ? interpreterOf(entry) : ownInterpreter(entry);
    if (interpreter === undefined) continue;
    const name = interpreter.startsWith('env:') ? interpreter.slice(4) : undefined;
    const found = name ? path.some((d) => isFile(ws, `${d}/${name}`)) : isFile(ws, interpreter);
    if (found) continue;
    const what = name
      ? `${name} (run through #!/usr/bin/env), which is on no directory of its PATH`
      : `${interpreter}, which`;
    const provider = name ? undefined : PROVIDERS[interpreter];
    problems.push(
      `${root.field} ${root.path}: it needs ${what}${name ? '' : ' is not in the image'}${provider ? ` (Debian ships it in ${provider}: add ${provider} to packages:)` : ''}`,
    );
  }
  return problems;
}

function isFile(ws: EffectWorkspace, path: string): boolean {
  const e = ws.stat(path);
  return e?.type === 'file' || e?.type === 'hardlink';
}

/** The `#!` interpreter or ELF loader of a file of the spec (host or inline). */
function ownInterpreter(entry: TreeEntry): string | undefined {
  if (entry.type !== 'file') return undefined;
  let data: Uint8Array;
  try {
    const source = entry.source;
    data =
      source.kind === 'bytes'
        ? source.data
        : source.kind === 'host'
          ? new Uint8Array(readFileSync(source.path))
          : readSpooledSync(source, Math.min(entry.size, 1 << 20));
  } catch {
    return undefined;
  }
  if (data[0] === 0x23 && data[1] === 0x21) return shebang(Buffer.from(data.subarray(0, 256)).toString('latin1'));
  if (!isElf(data)) return undefined;
  try {
    return parseElf(data).interpreter;
  } catch {
    return undefined;
  }
}
