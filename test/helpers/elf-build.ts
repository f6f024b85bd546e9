/**
 * Builds small synthetic ELF objects (any class, byte order and machine) for parser and closure
 * tests: an ELF header, PT_INTERP, two PT_LOADs and PT_DYNAMIC. The string table sits in the second
 * PT_LOAD at a virtual address unrelated to its file offset, so a parser that treats DT_STRTAB as an
 * offset fails. No code, no sections: the loader-facing metadata only.
 */

export interface SyntheticElf {
  class?: 32 | 64;
  endian?: 'le' | 'be';
  machine?: number;
  /** e_type: 2 exec, 3 dyn (default), 1 rel */
  type?: number;
  interpreter?: string;
  needed?: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
  /** Leave out PT_DYNAMIC even if there are no dynamic entries (static executable). */
  noDynamic?: boolean;
}

export const EM = { I386: 3, MIPS: 8, PPC64: 21, S390: 22, ARM: 40, X86_64: 62, AARCH64: 183, RISCV: 243 } as const;

export function buildElf(spec: SyntheticElf = {}): Uint8Array {
  const is64 = (spec.class ?? 64) === 64;
  const le = (spec.endian ?? 'le') === 'le';
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const dynEntSize = is64 ? 16 : 8;

  // String table: offset 0 is the empty string, like real .dynstr.
  const strings: number[] = [0];
  const strIndex = (s: string): number => {
    const at = strings.length;
    strings.push(...new TextEncoder().encode(s), 0);
    return at;
  };
  const dyn: Array<[number, number]> = [];
  for (const name of spec.needed ?? []) dyn.push([1, strIndex(name)]);
  if (spec.soname !== undefined) dyn.push([14, strIndex(spec.soname)]);
  if (spec.rpath !== undefined) dyn.push([15, strIndex(spec.rpath)]);
  if (spec.runpath !== undefined) dyn.push([29, strIndex(spec.runpath)]);
  const hasDynamic = !spec.noDynamic && (dyn.length > 0 || spec.interpreter !== undefined);

  const interpBytes = spec.interpreter !== undefined ? [...new TextEncoder().encode(spec.interpreter), 0] : [];
  const phnum = (spec.interpreter !== undefined ? 1 : 0) + 2 + (hasDynamic ? 1 : 0);
  const phoff = ehsize;
  const interpOff = phoff + phnum * phentsize;
  const strOff = align(interpOff + interpBytes.length, 8);
  const dynOff = align(strOff + strings.length, 8);
  const dynCount = hasDynamic ? dyn.length + 4 : 0; // + STRTAB, STRSZ, a harmless FLAGS entry, NULL
  const total = dynOff + dynCount * dynEntSize;

  const LOAD1_VADDR = 0x10000;
  const LOAD2_VADDR = 0x7770000 + (strOff % 0x1000);

  const buf = new Uint8Array(total);
  const v = new DataView(buf.buffer);
  const word = (at: number, value: number) =>
    is64 ? v.setBigUint64(at, BigInt(value), le) : v.setUint32(at, value, le);

  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0], 0);
  v.setUint16(16, spec.type ?? 3, le);
  v.setUint16(18, spec.machine ?? EM.X86_64, le);
  v.setUint32(20, 1, le);
  if (is64) {
    v.setBigUint64(32, BigInt(phoff), le);
    v.setUint16(52, ehsize, le);
    v.setUint16(54, phentsize, le);
    v.setUint16(56, phnum, le);
  } else {
    v.setUint32(28, phoff, le);
    v.setUint16(40, ehsize, le);
    v.setUint16(42, phentsize, le);
    v.setUint16(44, phnum, le);
  }

  let ph = phoff;
  const phdr = (type: number, offset: number, vaddr: number, size: number, flags: number) => {
    if (is64) {
      v.setUint32(ph, type, le);
      v.setUint32(ph + 4, flags, le);
      word(ph + 8, offset);
      word(ph + 16, vaddr);
      word(ph + 24, vaddr);
      word(ph + 32, size);
      word(ph + 40, size);
      word(ph + 48, 0x1000);
    } else {
      v.setUint32(ph, type, le);
      v.setUint32(ph + 4, offset, le);
      v.setUint32(ph + 8, vaddr, le);
      v.setUint32(ph + 12, vaddr, le);
      v.setUint32(ph + 16, size, le);
      v.setUint32(ph + 20, size, le);
      v.setUint32(ph + 24, flags, le);
      v.setUint32(ph + 28, 0x1000, le);
    }
    ph += phentsize;
  };
  if (spec.interpreter !== undefined) phdr(3, interpOff, LOAD1_VADDR + interpOff, interpBytes.length, 4);
  phdr(1, 0, LOAD1_VADDR, strOff, 5);
  phdr(1, strOff, LOAD2_VADDR, total - strOff, 6);
  if (hasDynamic) phdr(2, dynOff, LOAD2_VADDR + (dynOff - strOff), dynCount * dynEntSize, 6);

  buf.set(interpBytes, interpOff);
  buf.set(strings, strOff);
  if (hasDynamic) {
    let at = dynOff;
    const entry = (tag: number, value: number) => {
      word(at, tag);
      word(at + dynEntSize / 2, value);
      at += dynEntSize;
    };
    entry(30, 0); // DT_FLAGS: an entry the parser must skip over
    for (const [tag, value] of dyn) entry(tag, value);
    entry(5, LOAD2_VADDR);
    entry(10, strings.length);
    entry(0, 0);
  }
  return buf;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** A copy of a real ELF file with e_machine replaced (for "wrong machine" candidates). */
export function withMachine(elf: Uint8Array, machine: number): Uint8Array {
  const copy = new Uint8Array(elf);
  new DataView(copy.buffer).setUint16(18, machine, copy[5] === 1);
  return copy;
}
