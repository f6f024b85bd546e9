/**
 * Test oracles for .deb reading: dpkg-deb and GNU tar listings parsed into comparable records.
 */
import { execFileSync } from 'node:child_process';

export function run(command: string, args: string[], options: { cwd?: string; input?: Uint8Array } = {}): Buffer {
  return execFileSync(command, args, {
    cwd: options.cwd,
    input: options.input,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface ListedEntry {
  /** Normalized: no leading "./", no trailing "/". */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  /** Numeric ("0") or symbolic ("root") depending on the listing. */
  owner: string;
  group: string;
  size: number;
  target?: string;
}

const TYPE_BY_CHAR: Record<string, ListedEntry['type']> = { '-': 'file', d: 'dir', l: 'symlink', h: 'hardlink' };

/** "-rwsr-xr-x" to 0o4755 (s/S, t/T included). */
export function parseModeString(text: string): number {
  let mode = 0;
  const bit = (index: number, value: number, chars: string) => {
    if (chars.includes(text[index] ?? '')) mode |= value;
  };
  bit(1, 0o400, 'r');
  bit(2, 0o200, 'w');
  bit(3, 0o100, 'xs');
  bit(3, 0o4000, 'sS');
  bit(4, 0o40, 'r');
  bit(5, 0o20, 'w');
  bit(6, 0o10, 'xs');
  bit(6, 0o2000, 'sS');
  bit(7, 0o4, 'r');
  bit(8, 0o2, 'w');
  bit(9, 0o1, 'xt');
  bit(9, 0o1000, 'tT');
  return mode;
}

export function normalizeListedPath(path: string): string {
  return path.replace(/^\.\//, '').replace(/^\.$/, '').replace(/\/$/, '');
}

/** Parses `tar -tv` style lines ("-rw-r--r-- 0/0 12 2024-01-01 00:00 ./x", also dpkg-deb -c). */
export function parseTarVerbose(text: string): ListedEntry[] {
  const entries: ListedEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^(\S{10})\s+([^/\s]+)\/(\S+)\s+(\d+)\s+\S+\s+\S+\s(.*)$/.exec(line);
    if (!match) throw new Error(`unparsable listing line: ${line}`);
    const [, modeText = '', owner = '', group = '', size = '', rest = ''] = match;
    const type = TYPE_BY_CHAR[modeText[0] ?? ''];
    if (type === undefined) throw new Error(`unexpected entry type in: ${line}`);
    let name = rest;
    let target: string | undefined;
    if (type === 'symlink') {
      const at = rest.indexOf(' -> ');
      name = rest.slice(0, at);
      target = rest.slice(at + 4);
    } else if (type === 'hardlink') {
      const at = rest.indexOf(' link to ');
      name = rest.slice(0, at);
      target = normalizeListedPath(rest.slice(at + 9));
    }
    const entry: ListedEntry = {
      path: normalizeListedPath(name),
      type,
      mode: parseModeString(modeText),
      owner,
      group,
      size: Number(size),
    };
    if (target !== undefined) entry.target = target;
    entries.push(entry);
  }
  return entries.filter((entry) => entry.path !== '');
}

/** The data.tar listing by GNU tar, with numeric owners and names unescaped. */
export function tarListing(debPath: string): ListedEntry[] {
  const tarBytes = run('dpkg-deb', ['--fsys-tarfile', debPath]);
  const text = run('tar', ['-tv', '--numeric-owner', '--quoting-style=literal', '-f', '-'], { input: tarBytes });
  return parseTarVerbose(text.toString('utf8'));
}

/** `dpkg-deb -c` (symbolic owners). */
export function dpkgContents(debPath: string): ListedEntry[] {
  return parseTarVerbose(run('dpkg-deb', ['-c', debPath]).toString('utf8'));
}

/** The control file exactly as `dpkg-deb -I <deb> control` prints it. */
export function dpkgControl(debPath: string): string {
  return run('dpkg-deb', ['-I', debPath, 'control']).toString('utf8');
}
