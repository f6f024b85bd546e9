/**
 * Host tools used as oracles and fixtures by the ELF tests: readelf (what an ELF file says), ldd
 * (what the real loader resolves) and gcc (to make binaries with known properties).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export interface ReadelfFacts {
  class: 32 | 64;
  endian: 'le' | 'be';
  type: string;
  /** e_machine as a number, for the readelf names we know; undefined otherwise. */
  machine: number | undefined;
  machineText: string;
  interpreter: string | undefined;
  needed: string[];
  soname: string | undefined;
  rpath: string | undefined;
  runpath: string | undefined;
}

const READELF_MACHINES: Record<string, number> = {
  'Advanced Micro Devices X86-64': 62,
  'Intel 80386': 3,
  AArch64: 183,
  ARM: 40,
  'RISC-V': 243,
  PowerPC64: 21,
  'IBM S/390': 22,
  'MIPS R3000': 8,
};

/** `readelf -lhdW <file>` parsed into the facts pith's parser must agree with. */
export function readelf(path: string): ReadelfFacts {
  const out = execFileSync('readelf', ['-lhdW', path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const field = (label: string) => new RegExp(`^\\s*${label}:\\s+(.*)$`, 'm').exec(out)?.[1]?.trim();
  const bracketed = (label: string) =>
    [...out.matchAll(new RegExp(`${label}: \\[([^\\]]*)\\]`, 'g'))].map((m) => m[1] as string);
  const machineText = field('Machine') ?? '';
  return {
    class: field('Class') === 'ELF32' ? 32 : 64,
    endian: /little endian/.test(field('Data') ?? '') ? 'le' : 'be',
    type: (field('Type') ?? '').split(' ')[0] as string,
    machine: READELF_MACHINES[machineText],
    machineText,
    interpreter: /\[Requesting program interpreter: ([^\]]+)\]/.exec(out)?.[1],
    needed: bracketed('Shared library'),
    soname: bracketed('Library soname')[0],
    rpath: bracketed('Library rpath')[0],
    runpath: bracketed('Library runpath')[0],
  };
}

export interface LddEntry {
  name: string;
  /** undefined for "not found" */
  path: string | undefined;
}

/** `ldd <file>` without linux-vdso. ldd runs the real loader, so this is ground truth for the host. */
export function ldd(path: string): LddEntry[] {
  const result = spawnSync('ldd', [path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const entries: LddEntry[] = [];
  for (const line of result.stdout.split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('linux-vdso') || text.startsWith('linux-gate')) continue;
    let m = /^(\S+) => not found$/.exec(text);
    if (m) {
      entries.push({ name: m[1] as string, path: undefined });
      continue;
    }
    m = /^(\S+) => (\S+) \(0x[0-9a-f]+\)$/.exec(text);
    if (m) {
      entries.push({ name: m[1] as string, path: m[2] as string });
      continue;
    }
    m = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(text);
    if (m) entries.push({ name: m[1] as string, path: m[1] as string });
  }
  return entries;
}

/** A fresh directory with symlinks resolved (so expected paths are the kernel's real paths). */
export function makeTempDir(prefix = 'pith-elf-'): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Compile C source with gcc; throws with gcc's stderr on failure. */
export function gcc(dir: string, name: string, source: string, args: string[]): void {
  const src = join(dir, `${name}.c`);
  writeFileSync(src, source);
  const result = spawnSync('gcc', [src, ...args], { encoding: 'utf8', cwd: dir });
  if (result.status !== 0) throw new Error(`gcc ${[src, ...args].join(' ')} failed:\n${result.stderr}`);
}

/** Run a program; returns exit status and stderr (used to ask the real loader). */
export function run(path: string): { status: number | null; stderr: string } {
  const result = spawnSync(path, [], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return { status: result.status, stderr: result.stderr };
}

/**
 * What the real loader opened when it actually ran the program (LD_DEBUG=libs "calling init:"
 * lines, one per loaded object other than the program, under the name it was opened with). Better
 * than ldd when they differ: ldd runs `ld.so --list <path>`, which takes the program's $ORIGIN
 * from <path> as given, while a real exec takes it from /proc/self/exe (symlinks resolved).
 */
export function loaderTrace(path: string): { status: number | null; opened: string[] } {
  const result = spawnSync(path, [], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', LD_DEBUG: 'libs' } });
  const opened = new Set<string>();
  for (const m of result.stderr.matchAll(/calling init: (\S+)/g)) opened.add(m[1] as string);
  return { status: result.status, opened: [...opened].sort() };
}
