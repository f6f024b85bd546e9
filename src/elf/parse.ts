/**
 * A small ELF reader: the header, the program headers and the dynamic section, which is all the
 * loader itself looks at. Section headers are not needed (stripped binaries have none that matter),
 * except for the PN_XNUM escape of huge program header counts.
 */
import { readFile } from 'node:fs/promises';
import { buildError, isPithError } from '../errors.js';
import { machineArch, machineName, type ElfClass, type ElfEndian } from './machines.js';

export type { ElfClass, ElfEndian } from './machines.js';

export type ElfType = 'exec' | 'dyn' | 'rel' | 'core' | 'other';

export interface ElfInfo {
  class: ElfClass;
  endian: ElfEndian;
  /** e_machine */
  machine: number;
  /** 'x86-64', 'aarch64', 'arm', 'i386', 'riscv64', 'ppc64', 's390x', ... */
  machineName: string;
  /** Go/OCI name: amd64, arm64, arm, 386, riscv64, ppc64le, s390x; undefined when there is none. */
  arch: string | undefined;
  type: ElfType;
  /** PT_INTERP */
  interpreter?: string;
  /** DT_NEEDED, in order */
  needed: string[];
  /** DT_RPATH split on ':' (empty elements dropped) */
  rpath: string[];
  /** DT_RUNPATH split on ':' (empty elements dropped) */
  runpath: string[];
  soname?: string;
  /** No PT_INTERP and no DT_NEEDED: nothing to resolve. */
  isStatic: boolean;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_RUNPATH = 29;

const PN_XNUM = 0xffff;
/** Far more than any real object has; stops a corrupt e_phnum from making us loop for ages. */
const MAX_PHNUM = 65536;

/** True when `data` starts with the ELF magic. */
export function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

function fail(message: string): never {
  throw buildError(`malformed ELF: ${message}`);
}

const utf8 = new TextDecoder('utf-8');
const hex = (n: number) => `0x${n.toString(16)}`;

/** Bounds-checked, endian-aware reads, so bad input fails here with a sentence, not in DataView. */
class Reader {
  private readonly view: DataView;
  readonly size: number;

  constructor(
    private readonly data: Uint8Array,
    readonly cls: ElfClass,
    private readonly le: boolean,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.size = data.byteLength;
  }

  need(offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.size) {
      fail(`${what} at offset ${hex(offset)} (+${length} bytes) lies outside the file (${this.size} bytes)`);
    }
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, this.le);
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, this.le);
  }

  /** An address/offset/size field: 4 bytes in ELF32, 8 in ELF64. */
  word(offset: number, what: string): number {
    if (this.cls === 32) return this.u32(offset, what);
    this.need(offset, 8, what);
    const value = this.view.getBigUint64(offset, this.le);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${hex(Number(value & 0xffffffffffffn))}… is too large`);
    return Number(value);
  }

  /** A signed tag (d_tag): negative or huge tags are just "unknown", so clamp instead of failing. */
  tag(offset: number, what: string): number {
    if (this.cls === 32) {
      this.need(offset, 4, what);
      return this.view.getInt32(offset, this.le);
    }
    this.need(offset, 8, what);
    const value = this.view.getBigInt64(offset, this.le);
    return value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n ? -1 : Number(value);
  }

  /** NUL-terminated string starting at `offset`, not reading past `end`. */
  cstring(offset: number, end: number, what: string): string {
    const limit = Math.min(end, this.size);
    if (offset < 0 || offset >= limit) fail(`${what} at offset ${hex(offset)} lies outside its table`);
    let stop = offset;
    while (stop < limit && this.data[stop] !== 0) stop++;
    if (stop === limit) fail(`${what} at offset ${hex(offset)} is not NUL-terminated`);
    return utf8.decode(this.data.subarray(offset, stop));
  }
}

interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

function elfType(value: number): ElfType {
  switch (value) {
    case 1:
      return 'rel';
    case 2:
      return 'exec';
    case 3:
      return 'dyn';
    case 4:
      return 'core';
    default:
      return 'other';
  }
}

function readProgramHeaders(r: Reader): ProgramHeader[] {
  const is64 = r.cls === 64;
  const phoff = r.word(is64 ? 32 : 28, 'e_phoff');
  const phentsize = r.u16(is64 ? 54 : 42, 'e_phentsize');
  let phnum = r.u16(is64 ? 56 : 44, 'e_phnum');
  if (phnum === 0 || phoff === 0) return [];
  if (phnum === PN_XNUM) {
    // The real count lives in sh_info of section header 0.
    const shoff = r.word(is64 ? 40 : 32, 'e_shoff');
    if (shoff === 0) fail('e_phnum is PN_XNUM (0xffff) but there is no section header 0 to hold the count');
    phnum = r.u32(shoff + (is64 ? 44 : 28), 'section header 0 (PN_XNUM)');
    if (phnum > MAX_PHNUM) fail(`program header count ${phnum} is implausible`);
  }
  const minSize = is64 ? 56 : 32;
  if (phentsize < minSize) fail(`e_phentsize ${phentsize} is smaller than a program header (${minSize})`);
  r.need(phoff, phnum * phentsize, `program header table (${phnum} entries)`);
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const what = `program header ${i}`;
    headers.push(
      is64
        ? {
            type: r.u32(at, what),
            offset: r.word(at + 8, what),
            vaddr: r.word(at + 16, what),
            filesz: r.word(at + 32, what),
          }
        : {
            type: r.u32(at, what),
            offset: r.word(at + 4, what),
            vaddr: r.word(at + 8, what),
            filesz: r.word(at + 16, what),
          },
    );
  }
  return headers;
}

/** The loader finds DT_STRTAB by virtual address; the file offset comes from the PT_LOAD that maps it. */
function vaddrToOffset(loads: ProgramHeader[], vaddr: number): number | undefined {
  for (const load of loads) {
    if (vaddr >= load.vaddr && vaddr < load.vaddr + load.filesz) return vaddr - load.vaddr + load.offset;
  }
  return undefined;
}

function splitPath(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(':').filter((element) => element !== '');
}

/** The dynamic section's names: DT_NEEDED libraries, DT_SONAME, DT_RPATH and DT_RUNPATH. */
function readDynamic(
  r: Reader,
  headers: readonly ProgramHeader[],
): { needed: string[]; rpath?: string; runpath?: string; soname?: string } {
  const out: { needed: string[]; rpath?: string; runpath?: string; soname?: string } = { needed: [] };
  const dynamic = headers.find((h) => h.type === PT_DYNAMIC);
  if (!dynamic || dynamic.filesz === 0) return out;
  r.need(dynamic.offset, dynamic.filesz, 'PT_DYNAMIC');
  const entrySize = r.cls === 64 ? 16 : 8;
  const half = entrySize / 2;
  const entries: Array<{ tag: number; value: number }> = [];
  for (let at = dynamic.offset; at + entrySize <= dynamic.offset + dynamic.filesz; at += entrySize) {
    const tag = r.tag(at, 'dynamic entry');
    if (tag === DT_NULL) break;
    // d_val of tags we do not use may be anything (even > 2^53); only read the ones we need.
    if (
      tag === DT_NEEDED ||
      tag === DT_STRTAB ||
      tag === DT_STRSZ ||
      tag === DT_SONAME ||
      tag === DT_RPATH ||
      tag === DT_RUNPATH
    ) {
      entries.push({ tag, value: r.word(at + half, `dynamic entry ${tag}`) });
    }
  }
  const strtab = entries.find((e) => e.tag === DT_STRTAB);
  const strsz = entries.find((e) => e.tag === DT_STRSZ);
  const wantsStrings = entries.some((e) => e.tag !== DT_STRTAB && e.tag !== DT_STRSZ);
  if (!wantsStrings) return out;
  if (!strtab) fail('dynamic section names libraries but has no DT_STRTAB');
  const loads = headers.filter((h) => h.type === PT_LOAD);
  const base = vaddrToOffset(loads, strtab.value);
  if (base === undefined) fail(`DT_STRTAB address ${hex(strtab.value)} is not inside any PT_LOAD segment`);
  const end = strsz ? base + strsz.value : r.size;
  const str = (value: number, what: string) => r.cstring(base + value, end, what);
  for (const e of entries) {
    if (e.tag === DT_NEEDED) out.needed.push(str(e.value, 'DT_NEEDED name'));
    else if (e.tag === DT_SONAME) out.soname = str(e.value, 'DT_SONAME');
    else if (e.tag === DT_RPATH) out.rpath = str(e.value, 'DT_RPATH');
    else if (e.tag === DT_RUNPATH) out.runpath = str(e.value, 'DT_RUNPATH');
  }
  return out;
}

/** Parse an ELF image held in memory. Throws a PithError (kind 'build') on anything malformed. */
export function parseElf(data: Uint8Array): ElfInfo {
  if (!isElf(data)) throw buildError('not an ELF file (no \\x7fELF magic)');
  if (data.length < 16) fail(`file is only ${data.length} bytes long`);
  const clsByte = data[4];
  const dataByte = data[5];
  if (clsByte !== 1 && clsByte !== 2) fail(`unknown class byte ${clsByte}`);
  if (dataByte !== 1 && dataByte !== 2) fail(`unknown data encoding byte ${dataByte}`);
  const cls: ElfClass = clsByte === 1 ? 32 : 64;
  const endian = dataByte === 1 ? 'le' : 'be';
  const r = new Reader(data, cls, endian === 'le');
  r.need(0, cls === 64 ? 64 : 52, 'ELF header');

  const type = elfType(r.u16(16, 'e_type'));
  const machine = r.u16(18, 'e_machine');
  const headers = readProgramHeaders(r);
  // Without a PT_LOAD the kernel and ld.so have nothing to map: not a "static binary", a broken one.
  if ((type === 'exec' || type === 'dyn') && !headers.some((h) => h.type === PT_LOAD)) {
    fail(`has no loadable segment (${headers.length} program headers): it cannot be run or loaded`);
  }

  let interpreter: string | undefined;
  const interp = headers.find((h) => h.type === PT_INTERP);
  if (interp) {
    r.need(interp.offset, interp.filesz, 'PT_INTERP');
    interpreter = r.cstring(interp.offset, interp.offset + interp.filesz, 'PT_INTERP path');
  }

  const { needed, rpath, runpath, soname } = readDynamic(r, headers);

  const info: ElfInfo = {
    class: cls,
    endian,
    machine,
    machineName: machineName(machine, cls, endian),
    arch: machineArch(machine, cls, endian),
    type,
    needed,
    rpath: splitPath(rpath),
    runpath: splitPath(runpath),
    isStatic: interpreter === undefined && needed.length === 0,
  };
  if (interpreter !== undefined) info.interpreter = interpreter;
  if (soname !== undefined) info.soname = soname;
  return info;
}

/** Read and parse a host file; errors name the file. */
export async function readElfFile(path: string): Promise<ElfInfo> {
  let data: Uint8Array;
  try {
    data = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw buildError(`${path}: cannot read (${code ?? String(error)})`, { cause: error });
  }
  try {
    return parseElf(data);
  } catch (error) {
    if (isPithError(error)) throw buildError(`${path}: ${error.message}`, { cause: error });
    throw error;
  }
}
