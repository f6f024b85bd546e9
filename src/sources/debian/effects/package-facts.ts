/**
 * What install effects and install needs know of one .deb without reading it again: its control
 * file, maintainer scripts and templates, every entry's metadata, the bytes of the files effects
 * read (the table's `reads`, files its scripts name, small #!/bin/sh programs), and what its
 * programs need at run time (`#!` interpreters, ELF interpreters and DT_NEEDED sonames) and what
 * it provides (sonames). Cached per .deb (build/install-facts.ts), so a warm build reads no .deb.
 */
import type { DebContents, DebFile, MaintainerScripts } from '../deb/deb-reader.js';
import { isElf, parseElf } from '../../../elf/parse.js';
import { elfImports } from '../../../elf/symbols.js';
import { readSpooledSync } from '../../../store/spool.js';
import { compileGlob } from '../../../tree/trim/glob.js';
import { EFFECTS } from './table.js';

export const FACTS_FORMAT = 'pith-install-facts-v2';

export interface FactsEntry {
  path: string;
  type: DebFile['type'];
  mode: number;
  uid: number;
  gid: number;
  size: number;
  target?: string;
}

export interface InstallNeeds {
  /** Executable path -> the interpreter its `#!` line or PT_INTERP names (`env:NAME` for /usr/bin/env NAME). */
  interpreters: Array<[string, string]>;
  /** DT_NEEDED sonames of the package's ELF objects. */
  needed: string[];
  /** Sonames its libraries provide (file and link names lib*.so*). */
  sonames: string[];
  /** Its programs that run /bin/sh: they import system() or popen(), or name /bin/sh (git's run-command). */
  shell: string[];
}

export interface InstallFacts {
  format: typeof FACTS_FORMAT;
  control: string;
  md5sums?: string;
  scripts: MaintainerScripts;
  files: FactsEntry[];
  /** Package path -> base64 bytes, for the files effects read. */
  texts: Record<string, string>;
  needs: InstallNeeds;
}

const READ_GLOBS = EFFECTS.flatMap((e) => e.reads).map(compileGlob);
const MAX_TEXT = 1 << 20;
const SHELL_SCRIPT = /^#! ?\/bin\/(sh|dash)\b/;

export function extractFacts(deb: DebContents): InstallFacts {
  const mentioned = scriptPaths(deb.scripts ?? {});
  const texts: Record<string, string> = {};
  const needs: InstallNeeds = { interpreters: [], needed: [], sonames: [], shell: [] };
  const needed = new Set<string>();
  const sonames = new Set<string>();
  for (const f of deb.files) {
    const base = f.path.slice(f.path.lastIndexOf('/') + 1);
    if (/^lib.*\.so(\.|$)/.test(base) && (f.type === 'file' || f.type === 'symlink')) sonames.add(base);
    if (f.type !== 'file') continue;
    const head = bytesOf(f, 256);
    if (!head) continue;
    if (wanted(f, mentioned) || (f.size <= 64 * 1024 && SHELL_SCRIPT.test(latin1(head)))) {
      if (f.size <= MAX_TEXT) texts[f.path] = Buffer.from(bytesOf(f)!).toString('base64');
    }
    if (isElf(head)) {
      try {
        const data = bytesOf(f)!;
        const elf = parseElf(data);
        for (const n of elf.needed) needed.add(n);
        if (elf.soname) sonames.add(elf.soname);
        if (elf.interpreter && (f.mode & 0o111) !== 0) needs.interpreters.push([f.path, elf.interpreter]);
        if ((f.mode & 0o111) !== 0 && !/^lib.*\.so/.test(base) && runsShell(data)) needs.shell.push(f.path);
      } catch {
        // not an ELF object pith can read: nothing it needs is known
      }
    } else if ((f.mode & 0o111) !== 0 && head[0] === 0x23 && head[1] === 0x21) {
      const interpreter = shebang(latin1(head));
      if (interpreter) needs.interpreters.push([f.path, interpreter]);
    }
  }
  needs.needed = [...needed].sort();
  needs.sonames = [...sonames].sort();
  return {
    format: FACTS_FORMAT,
    control: deb.control,
    ...(deb.md5sums === undefined ? {} : { md5sums: deb.md5sums }),
    scripts: deb.scripts ?? {},
    files: deb.files.map((f) => ({
      path: f.path,
      type: f.type,
      mode: f.mode,
      uid: f.uid,
      gid: f.gid,
      size: f.data?.byteLength ?? f.spooled?.size ?? f.size,
      ...(f.target === undefined ? {} : { target: f.target }),
    })),
    texts,
    needs,
  };
}

const BIN_SH = Buffer.from('\0/bin/sh\0');

/** A program that starts /bin/sh: it imports system() or popen(), or holds the string "/bin/sh". */
function runsShell(data: Uint8Array): boolean {
  const imports = elfImports(data);
  if (imports && (imports.has('system') || imports.has('popen'))) return true;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(BIN_SH) >= 0;
}

/** The interpreter a `#!` line names: `/bin/sh`, or `env:perl` for `#!/usr/bin/env perl`. */
export function shebang(head: string): string | undefined {
  const line = head.slice(2, head.indexOf('\n') < 0 ? undefined : head.indexOf('\n')).trim();
  const [interpreter, arg] = line.split(/\s+/);
  if (!interpreter?.startsWith('/')) return undefined;
  if (/\/env$/.test(interpreter) && arg && !arg.startsWith('-')) return `env:${arg}`;
  return interpreter;
}

function wanted(f: DebFile, mentioned: ReadonlySet<string>): boolean {
  if (READ_GLOBS.some((m) => m(f.path))) return true;
  if (mentioned.has(f.path)) return true;
  for (let dir = f.path; dir.includes('/');) {
    dir = dir.slice(0, dir.lastIndexOf('/'));
    if (mentioned.has(`${dir}/`)) return true;
  }
  return false;
}

/**
 * Absolute paths a script names, and as `dir/` the directories (three levels deep or more, such as
 * usr/share/base-files/) whose files it may name through a variable (`/usr/share/base-files/$1`).
 */
function scriptPaths(scripts: MaintainerScripts): Set<string> {
  const out = new Set<string>();
  for (const text of [scripts.preinst, scripts.postinst]) {
    for (const m of (text ?? '').matchAll(/\/(?:[A-Za-z0-9_.+@-]+\/)*[A-Za-z0-9_.+@-]*/g)) {
      const path = m[0].slice(1);
      const deep = path.replace(/\/$/, '').split('/').length >= 3;
      if (path !== '' && !path.endsWith('/')) out.add(path);
      if (deep) out.add(path.endsWith('/') ? path : `${path}/`);
    }
  }
  return out;
}

/** A file's bytes (the first `limit` of them), in memory or in the build's unpack spool. */
function bytesOf(f: DebFile, limit?: number): Uint8Array | undefined {
  if (f.data) return limit === undefined ? f.data : f.data.subarray(0, limit);
  if (!f.spooled) return undefined;
  return readSpooledSync(f.spooled, limit === undefined ? f.spooled.size : Math.min(limit, f.spooled.size));
}

function latin1(data: Uint8Array): string {
  return Buffer.from(data).toString('latin1');
}
