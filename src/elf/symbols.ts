/**
 * The dynamic symbols an ELF object imports (undefined entries of .dynsym), read through the
 * section headers. `trim: closure` uses them to tell whether anything in an image can reach a
 * run-time need that no header names (iconv_open() -> gconv modules).
 *
 * Section headers are optional for the loader; an object without a usable SHT_DYNSYM (sstrip'd,
 * or malformed) yields `undefined`: "unknown", which callers must treat as "may import anything".
 */
import { isElf } from './parse.js';

const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
/** No real object has this many symbols; a corrupt sh_size must not make us loop for ages. */
const MAX_SYMBOLS = 1 << 22;

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** Names of the symbols `data` imports (global or weak, undefined), or undefined when it cannot tell. */
export function elfImports(data: Uint8Array): Set<string> | undefined {
  if (!isElf(data) || data.length < 52) return undefined;
  const is64 = data[4] === 2;
  const le = data[5] === 1;
  if ((data[4] !== 1 && data[4] !== 2) || (data[5] !== 1 && data[5] !== 2)) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const inside = (offset: number, length: number) =>
    Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= data.length;
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);
  const word = (at: number) => (is64 ? Number(view.getBigUint64(at, le)) : view.getUint32(at, le));
  if (!inside(0, is64 ? 64 : 52)) return undefined;

  const shoff = word(is64 ? 40 : 32);
  const shentsize = u16(is64 ? 58 : 46);
  let shnum = u16(is64 ? 60 : 48);
  if (shoff === 0 || shentsize < (is64 ? 64 : 40)) return undefined;
  if (shnum === 0) {
    // SHN_LORESERVE escape: the real count is sh_size of section 0.
    if (!inside(shoff, shentsize)) return undefined;
    shnum = word(shoff + (is64 ? 32 : 20));
  }
  if (shnum > 65536 || !inside(shoff, shnum * shentsize)) return undefined;
  const section = (i: number): Section => {
    const at = shoff + i * shentsize;
    return is64
      ? { type: u32(at + 4), offset: word(at + 24), size: word(at + 32), link: u32(at + 40), entsize: word(at + 56) }
      : { type: u32(at + 4), offset: word(at + 16), size: word(at + 20), link: u32(at + 24), entsize: word(at + 36) };
  };

  for (let i = 0; i < shnum; i++) {
    const dynsym = section(i);
    if (dynsym.type !== SHT_DYNSYM) continue;
    if (dynsym.link >= shnum || !inside(dynsym.offset, dynsym.size)) return undefined;
    const strtab = section(dynsym.link);
    if (!inside(strtab.offset, strtab.size)) return undefined;
    const entsize = dynsym.entsize || (is64 ? 24 : 16);
    if (entsize < (is64 ? 24 : 16)) return undefined;
    const count = Math.floor(dynsym.size / entsize);
    if (count > MAX_SYMBOLS) return undefined;
    const imports = new Set<string>();
    const decoder = new TextDecoder('utf-8');
    for (let s = 1; s < count; s++) {
      const at = dynsym.offset + s * entsize;
      const name = u32(at);
      const info = data[at + (is64 ? 4 : 12)]!;
      const shndx = u16(at + (is64 ? 6 : 14));
      const bind = info >> 4;
      if (shndx !== SHN_UNDEF || (bind !== STB_GLOBAL && bind !== STB_WEAK) || name === 0) continue;
      const start = strtab.offset + name;
      if (start >= strtab.offset + strtab.size) return undefined;
      let end = start;
      while (end < strtab.offset + strtab.size && data[end] !== 0) end++;
      imports.add(decoder.decode(data.subarray(start, end)));
    }
    return imports;
  }
  // A dynamically linked object always has .dynsym; a static one imports nothing.
  return undefined;
}
