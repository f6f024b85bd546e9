/**
 * Text and listing tools scripts use in pipelines and command substitutions: sort, uniq, head,
 * tail, cut, wc, cmp, seq, stat, ls and find (find.ts). They read the image, never the host, and
 * change nothing (but find -delete).
 */
import type { TreeEntry } from '../../../../tree/entry.js';
import { FAIL, type CommandHandler, type ScriptCall } from './call.js';
import { find } from './find.js';
import { compareBytes } from '../../../../byte-order.js';

const out = (text: string, status = 0) => ({ status, stdout: text });

function inputOf(call: ScriptCall, files: string[]): string | undefined {
  if (files.length === 0 || (files.length === 1 && files[0] === '-')) return call.stdin();
  let text = '';
  for (const f of files) {
    const path = call.path(f);
    const t = path === null ? undefined : call.ws.text(path);
    if (t === undefined) return undefined;
    text += t;
  }
  return text;
}

const linesOf = (text: string) => {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
};
const joined = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

const sort: CommandHandler = (call) => {
  const flags = call.argv
    .slice(1)
    .filter((a) => /^-[urn]+$/.test(a))
    .join('');
  const files = call.argv.slice(1).filter((a) => !a.startsWith('-'));
  if (call.argv.slice(1).some((a) => a.startsWith('-') && !/^-[urn]+$/.test(a))) return call.unsupported();
  const text = inputOf(call, files);
  if (text === undefined) return FAIL;
  let lines = linesOf(text).sort(
    flags.includes('n')
      ? (a, b) => Number.parseFloat(a) - Number.parseFloat(b) || compareBytes(a, b)
      : (a, b) => compareBytes(a, b),
  );
  if (flags.includes('r')) lines.reverse();
  if (flags.includes('u')) lines = lines.filter((l, i) => i === 0 || l !== lines[i - 1]);
  return out(joined(lines));
};

const uniq: CommandHandler = (call) => {
  const count = call.argv.includes('-c');
  if (call.argv.slice(1).some((a) => a.startsWith('-') && a !== '-c')) return call.unsupported();
  const text = inputOf(
    call,
    call.argv.slice(1).filter((a) => !a.startsWith('-')),
  );
  if (text === undefined) return FAIL;
  const groups: Array<[string, number]> = [];
  for (const l of linesOf(text)) {
    const last = groups[groups.length - 1];
    if (last && last[0] === l) last[1]++;
    else groups.push([l, 1]);
  }
  return out(joined(groups.map(([l, n]) => (count ? `${String(n).padStart(7)} ${l}` : l))));
};

function ends(first: boolean): CommandHandler {
  return (call) => {
    const args = call.argv.slice(1);
    let n = 10;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-n') n = Number(args[++i]);
      else if (/^-n?\d+$/.test(a)) n = Number(a.replace(/^-n?/, ''));
      else if (a.startsWith('-')) return call.unsupported();
      else files.push(a);
    }
    const text = inputOf(call, files);
    if (text === undefined || Number.isNaN(n)) return FAIL;
    const lines = linesOf(text);
    return out(joined(first ? lines.slice(0, n) : lines.slice(Math.max(0, lines.length - n))));
  };
}

const cut: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  let delim = '\t';
  let fields: number[] | undefined;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (flag: string) => (a === flag ? (args[++i] ?? '') : a.slice(flag.length));
    if (a.startsWith('-d')) delim = value('-d');
    else if (a.startsWith('-f')) fields = value('-f').split(',').flatMap(rangeOf);
    else if (a.startsWith('-')) return call.unsupported();
    else files.push(a);
  }
  if (!fields) return call.unsupported();
  const text = inputOf(call, files);
  if (text === undefined) return FAIL;
  return out(
    joined(
      linesOf(text).map((l) =>
        l.includes(delim)
          ? l
              .split(delim)
              .filter((_, i) => fields!.includes(i + 1))
              .join(delim)
          : l,
      ),
    ),
  );
};

function rangeOf(spec: string): number[] {
  const m = /^(\d*)-(\d*)$/.exec(spec);
  if (!m) return [Number(spec)];
  const from = Number(m[1] || 1);
  const to = Number(m[2] || 999);
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

const wc: CommandHandler = (call) => {
  const text = inputOf(
    call,
    call.argv.slice(1).filter((a) => !a.startsWith('-')),
  );
  if (text === undefined) return FAIL;
  if (call.argv.includes('-l')) return out(`${linesOf(text).length}\n`);
  if (call.argv.includes('-c')) return out(`${new TextEncoder().encode(text).byteLength}\n`);
  if (call.argv.includes('-w')) return out(`${text.split(/\s+/).filter(Boolean).length}\n`);
  return call.unsupported();
};

const cmp: CommandHandler = (call) => {
  const files = call.argv.slice(1).filter((a) => !a.startsWith('-'));
  if (files.length !== 2) return call.unsupported();
  const [a, b] = files.map((f) => {
    const path = call.path(f);
    return path === null ? undefined : call.ws.bytes(path);
  });
  if (!a || !b) return out('', 2);
  return { status: Buffer.compare(a, b) === 0 ? 0 : 1 };
};

const seq: CommandHandler = (call) => {
  const nums = call.argv.slice(1).map(Number);
  if (nums.length === 0 || nums.length > 3 || nums.some((n) => !Number.isInteger(n))) return call.unsupported();
  const [first, step, last] =
    nums.length === 1
      ? [1, 1, nums[0]!]
      : nums.length === 2
        ? [nums[0]!, 1, nums[1]!]
        : (nums as [number, number, number]);
  if (step === 0 || Math.abs((last - first) / step) > 100_000) return call.unsupported();
  const values: number[] = [];
  for (let v = first; step > 0 ? v <= last : v >= last; v += step) values.push(v);
  return out(joined(values.map(String)));
};

/** stat [-L] -c FORMAT PATH: %a %u %g %U %G %s %n %F. */
const stat: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  const follow = args.includes('-L');
  const fi = args.findIndex((a) => a === '-c' || a.startsWith('--format') || a.startsWith('-c'));
  const format =
    fi < 0
      ? undefined
      : args[fi] === '-c' || args[fi] === '--format'
        ? args[fi + 1]
        : args[fi]!.replace(/^(-c|--format=)/, '');
  const paths = args.filter(
    (a, i) => !a.startsWith('-') && !(fi >= 0 && i === fi + 1 && (args[fi] === '-c' || args[fi] === '--format')),
  );
  if (format === undefined || paths.length === 0) return call.unsupported();
  let text = '';
  for (const p of paths) {
    const path = call.path(p);
    const e = path === null ? undefined : follow ? call.ws.stat(path) : call.ws.lstat(path);
    if (!e) return out(text, 1);
    text += `${format.replace(/%([augUGsnF%])/g, (_m, c: string) => statField(call, e, c, p))}\n`;
  }
  return out(text);
};

function statField(call: ScriptCall, e: TreeEntry, c: string, name: string): string {
  switch (c) {
    case 'a':
      return e.mode.toString(8);
    case 'u':
      return String(e.uid);
    case 'g':
      return String(e.gid);
    case 'U':
      return call.ws.accounts.userById(e.uid)?.name ?? 'UNKNOWN';
    case 'G':
      return call.ws.accounts.groupById(e.gid)?.name ?? 'UNKNOWN';
    case 's':
      return String(e.type === 'file' ? e.size : 0);
    case 'n':
      return name;
    case 'F':
      return { file: 'regular file', dir: 'directory', symlink: 'symbolic link', hardlink: 'regular file' }[e.type];
    default:
      return '%';
  }
}

/** ls [-1dLla] PATH...: names only (scripts test its status or count lines). */
const ls: CommandHandler = (call) => {
  const paths = call.argv.slice(1).filter((a) => !a.startsWith('-'));
  let text = '';
  let status = 0;
  for (const p of paths.length ? paths : ['.']) {
    const path = call.path(p);
    const e = path === null ? undefined : call.ws.stat(path);
    if (!e) status = 2;
    else if (e.type === 'dir' && !call.argv.includes('-d'))
      text += joined(children(call, e.path).map((c) => c.path.slice(c.path.lastIndexOf('/') + 1)));
    else text += `${p}\n`;
  }
  return out(text, status);
};

function children(call: ScriptCall, dir: string): TreeEntry[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  return [...call.ws.tree.unordered()]
    .filter((e) => e.path.startsWith(prefix) && e.path !== dir && !e.path.slice(prefix.length).includes('/'))
    .sort((a, b) => compareBytes(a.path, b.path));
}

export const TEXT_COMMANDS: Record<string, CommandHandler> = {
  sort,
  uniq,
  head: ends(true),
  tail: ends(false),
  cut,
  wc,
  cmp,
  seq,
  stat,
  ls,
  find,
};
