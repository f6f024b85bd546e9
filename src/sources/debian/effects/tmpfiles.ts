/**
 * systemd's tmpfiles.d (usr/lib/tmpfiles.d/*.conf, overridden by etc/tmpfiles.d/ files of the
 * same name), applied once as `systemd-tmpfiles --create` would at the first boot, since a
 * container has no boot: `TYPE PATH MODE USER GROUP AGE ARGUMENT`.
 *
 *   d D v q Q   create the directory (mode, owner adjusted when given); e z Z adjust an existing one
 *   f f+ F      create (truncate) a file with ARGUMENT as content; w w+ write to an existing file
 *   L L+        symlink to ARGUMENT; C C+ copy ARGUMENT when missing
 *   x X r R     cleanup and removal at boot: nothing to do in an image
 *   p c b a A h H t T and the ^ modifier (fifos, devices, ACLs, attributes, credentials) are not
 *   emulated and are reported.
 *
 * Specifiers %t %S %C %L %T %V %E %h and %% are expanded (system paths: /run, /var/lib, ...);
 * a line with another specifier is reported.
 */
import { compareBytes } from '../../../byte-order.js';
import { splitFields } from './sysusers.js';
import type { EffectWorkspace } from './workspace.js';

export interface TmpfilesLine {
  type: string;
  /** The letter without modifiers. */
  letter: string;
  plus: boolean;
  path: string;
  mode?: number;
  user?: string;
  group?: string;
  argument?: string;
  line: number;
}

const SPECIFIERS: Record<string, string> = {
  t: '/run',
  S: '/var/lib',
  C: '/var/cache',
  L: '/var/log',
  T: '/tmp',
  V: '/var/tmp',
  E: '/etc',
  h: '/root',
  '%': '%',
};
const KNOWN = 'dDvqQezZfFwLCxXrRpcbaAhHtT';
const NOT_EMULATED = 'pcbaAhHtT';

export function expandSpecifiers(text: string): string | undefined {
  let ok = true;
  const out = text.replace(/%(.)/g, (_m, c: string) => {
    const v = SPECIFIERS[c];
    if (v === undefined) ok = false;
    return v ?? '';
  });
  return ok ? out : undefined;
}

export function parseTmpfiles(text: string, bad: (line: number, why: string) => void): TmpfilesLine[] {
  const out: TmpfilesLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = splitFields(line);
    if (!fields || fields.length < 2) return bad(i + 1, `cannot read "${line}"`);
    const [type, rawPath, mode, user, group, , ...argument] = fields as [string, string, ...string[]];
    const m = /^([A-Za-z])(\+?)([-!=~^]*)$/.exec(type);
    if (!m || !KNOWN.includes(m[1]!)) return bad(i + 1, `unknown type "${type}"`);
    if (type.includes('^')) return bad(i + 1, `credentials (${type}) are not emulated`);
    const path = expandSpecifiers(rawPath);
    if (path === undefined || !path.startsWith('/'))
      return bad(i + 1, `path "${rawPath}" is not absolute or uses a specifier pith does not expand`);
    const modeText = mode === undefined || mode === '-' ? undefined : mode.replace(/^[~:]+/, '');
    if (modeText !== undefined && !/^[0-7]{3,4}$/.test(modeText)) return bad(i + 1, `bad mode "${mode}"`);
    const arg = argument.length ? argument.join(' ') : undefined;
    out.push({
      type,
      letter: m[1]!,
      plus: m[2] === '+',
      path,
      line: i + 1,
      ...(modeText ? { mode: Number.parseInt(modeText, 8) } : {}),
      ...(user && user !== '-' ? { user } : {}),
      ...(group && group !== '-' ? { group } : {}),
      ...(arg !== undefined && arg !== '-' ? { argument: expandSpecifiers(arg) ?? arg } : {}),
    });
  });
  // Parents before children, as systemd-tmpfiles orders them.
  return out.sort((a, b) => compareBytes(a.path, b.path) || a.line - b.line);
}

export function applyTmpfiles(ws: EffectWorkspace, pkg: string, file: string, lines: TmpfilesLine[]): void {
  for (const l of lines) applyLine(ws, pkg, file, l);
}

/** One line, with what its letter needs to know: the path's current entry and the owner as ids. */
interface LineTarget {
  ws: EffectWorkspace;
  pkg: string;
  l: TmpfilesLine;
  /** Where a change comes from, for --explain: `<file>: <type> <path>`. */
  detail: string;
  existing: ReturnType<EffectWorkspace['stat']>;
  uid: number | undefined;
  gid: number | undefined;
  /** The owner fields to set: only those the line gives. */
  owner: { uid?: number; gid?: number };
  fail(why: string): void;
}

function applyLine(ws: EffectWorkspace, pkg: string, file: string, l: TmpfilesLine): void {
  const fail = (why: string) => ws.unsupportedBy(pkg, `${file} line ${l.line}: ${why}`);
  const detail = `${file}: ${l.type} ${l.path}`;
  if (NOT_EMULATED.includes(l.letter)) {
    fail(`type ${l.type} (${l.path}) is not emulated`);
    return;
  }
  if ('xXrR'.includes(l.letter)) return;
  const { uid, gid } = lineOwner(ws, pkg, l);
  if ((l.user !== undefined && uid === undefined) || (l.group !== undefined && gid === undefined)) {
    fail(`owner ${l.user ?? ''}:${l.group ?? ''} is not an account of the image`);
    return;
  }
  const owner = { ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }) };
  applyLetter({ ws, pkg, l, detail, existing: ws.stat(l.path), uid, gid, owner, fail });
}

/** What the line's letter does to its path (systemd-tmpfiles' --create semantics, at build time). */
function applyLetter(a: LineTarget): void {
  LETTERS[a.l.letter]?.(a);
}

/** d D v q Q: create the directory, or adjust the one there. */
function createDirectory({ ws, pkg, l, detail, existing, owner, fail }: LineTarget): void {
  if (existing?.type === 'dir')
    ws.change(l.path, { ...owner, ...(l.mode === undefined ? {} : { mode: l.mode }) }, pkg, detail);
  else if (!existing) {
    ws.mkdir(l.path, pkg, detail, { parents: true, mode: l.mode ?? 0o755, ...owner });
  } else fail(`${l.path} is a ${existing.type}, not a directory`);
}

/** e z Z: adjust mode and owner of what is there. */
function adjustExisting({ ws, pkg, l, detail, existing, owner }: LineTarget): void {
  if (existing) ws.change(l.path, { ...owner, ...(l.mode === undefined ? {} : { mode: l.mode }) }, pkg, detail);
}

/** f f+ F: create (or truncate) a file with the argument as content. */
function createFile({ ws, pkg, l, detail, existing, uid, gid }: LineTarget): void {
  if (!existing || l.letter === 'F' || l.plus) {
    ws.mkdir(l.path.slice(0, l.path.lastIndexOf('/')) || '/', pkg, detail, { parents: true });
    ws.writeFile(l.path, new TextEncoder().encode(unescape(l.argument ?? '')), pkg, detail, {
      mode: l.mode ?? 0o644,
      uid: uid ?? 0,
      gid: gid ?? 0,
    });
  }
}

/** w w+: write (append) the argument to an existing file. */
function writeExisting({ ws, pkg, l, detail, existing }: LineTarget): void {
  if (existing?.type === 'file') {
    const before = l.plus ? (ws.bytes(l.path) ?? new Uint8Array(0)) : new Uint8Array(0);
    ws.writeFile(
      l.path,
      new Uint8Array(Buffer.concat([before, new TextEncoder().encode(unescape(l.argument ?? ''))])),
      pkg,
      detail,
    );
  }
}

/** L L+: a symlink to the argument. */
function createSymlink({ ws, pkg, l, detail, existing, uid, gid }: LineTarget): void {
  if (!existing || l.plus) {
    ws.mkdir(l.path.slice(0, l.path.lastIndexOf('/')) || '/', pkg, detail, { parents: true });
    ws.put(
      l.path,
      {
        type: 'symlink',
        target: l.argument ?? `/usr/share/factory${l.path}`,
        mode: 0o777,
        uid: uid ?? 0,
        gid: gid ?? 0,
      },
      pkg,
      detail,
    );
  }
}

/** C C+: copy the argument (a file of the image) when the path is missing. */
function copyFile({ ws, pkg, l, detail, existing, uid, gid, fail }: LineTarget): void {
  if (existing && !l.plus) return;
  const source = l.argument ?? `/usr/share/factory${l.path}`;
  const data = ws.bytes(source);
  if (data === undefined) fail(`C copies ${source}, which is not a file of the image`);
  else
    ws.writeFile(l.path, data, pkg, detail, {
      mode: l.mode ?? ws.stat(source)?.mode ?? 0o644,
      uid: uid ?? 0,
      gid: gid ?? 0,
    });
}

/** The letters with an effect at build time; the others do nothing here (see applyLine). */
const LETTERS: Readonly<Record<string, (a: LineTarget) => void>> = {
  d: createDirectory,
  D: createDirectory,
  v: createDirectory,
  q: createDirectory,
  Q: createDirectory,
  e: adjustExisting,
  z: adjustExisting,
  Z: adjustExisting,
  f: createFile,
  F: createFile,
  w: writeExisting,
  L: createSymlink,
  C: copyFile,
};

/** A line's user and group as ids (numbers, or accounts of the image); undefined when not given or unknown. */
function lineOwner(
  ws: EffectWorkspace,
  pkg: string,
  l: TmpfilesLine,
): { uid?: number | undefined; gid?: number | undefined } {
  const uid =
    l.user === undefined ? undefined : /^\d+$/.test(l.user) ? Number(l.user) : ws.accounts.user(l.user, pkg)?.uid;
  const gid =
    l.group === undefined ? undefined : /^\d+$/.test(l.group) ? Number(l.group) : ws.accounts.group(l.group, pkg)?.gid;
  return { uid, gid };
}

/** C-style escapes in f/w arguments (\n, \t, \\, \xNN). */
function unescape(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_m, e: string) =>
    e.startsWith('x') && e.length === 3
      ? String.fromCharCode(Number.parseInt(e.slice(1), 16))
      : (({ n: '\n', t: '\t', '\\': '\\' } as Record<string, string>)[e] ?? e),
  );
}
