/**
 * What an ELF e_machine (plus class and byte order) means to the rest of pith: a readable name, the
 * Go/OCI architecture name, the Debian multiarch triplet and the value ld.so gives `$PLATFORM`.
 */

export type ElfClass = 32 | 64;
export type ElfEndian = 'le' | 'be';

export const EM_386 = 3;
export const EM_MIPS = 8;
export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_S390 = 22;
export const EM_ARM = 40;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;
export const EM_RISCV = 243;
export const EM_LOONGARCH = 258;

interface MachineFacts {
  name: string;
  arch: string | undefined;
  triplet: string | undefined;
  platform: string | undefined;
}

/**
 * One table keyed by machine, class and endianness, because several machines change meaning with
 * them (x86-64 with 32-bit class is x32, EM_PPC64 little endian is ppc64le, EM_S390 64-bit is s390x).
 */
function facts(machine: number, cls: ElfClass, endian: ElfEndian): MachineFacts {
  const le = endian === 'le';
  switch (machine) {
    case EM_X86_64:
      return cls === 64
        ? { name: 'x86-64', arch: 'amd64', triplet: 'x86_64-linux-gnu', platform: 'x86_64' }
        : { name: 'x32', arch: undefined, triplet: 'x86_64-linux-gnux32', platform: 'x86_64' };
    case EM_386:
      return { name: 'i386', arch: '386', triplet: 'i386-linux-gnu', platform: 'i686' };
    case EM_AARCH64:
      return {
        name: 'aarch64',
        arch: cls === 64 ? 'arm64' : undefined,
        triplet: 'aarch64-linux-gnu',
        platform: 'aarch64',
      };
    case EM_ARM:
      // armel and armhf are both EM_ARM; pith targets armhf (Debian's `arm` / OCI arm v7).
      return { name: 'arm', arch: 'arm', triplet: 'arm-linux-gnueabihf', platform: 'v7l' };
    case EM_RISCV:
      return cls === 64
        ? { name: 'riscv64', arch: 'riscv64', triplet: 'riscv64-linux-gnu', platform: 'riscv64' }
        : { name: 'riscv32', arch: undefined, triplet: undefined, platform: undefined };
    case EM_PPC64:
      return le
        ? { name: 'ppc64', arch: 'ppc64le', triplet: 'powerpc64le-linux-gnu', platform: 'power8' }
        : { name: 'ppc64', arch: 'ppc64', triplet: 'powerpc64-linux-gnu', platform: 'power8' };
    case EM_PPC:
      return { name: 'ppc', arch: undefined, triplet: 'powerpc-linux-gnu', platform: undefined };
    case EM_S390:
      return cls === 64
        ? { name: 's390x', arch: 's390x', triplet: 's390x-linux-gnu', platform: 'z900' }
        : { name: 's390', arch: undefined, triplet: undefined, platform: undefined };
    case EM_MIPS:
      if (cls === 64) {
        return le
          ? { name: 'mips64', arch: 'mips64le', triplet: 'mips64el-linux-gnuabi64', platform: undefined }
          : { name: 'mips64', arch: 'mips64', triplet: 'mips64-linux-gnuabi64', platform: undefined };
      }
      return le
        ? { name: 'mips', arch: 'mipsle', triplet: 'mipsel-linux-gnu', platform: undefined }
        : { name: 'mips', arch: 'mips', triplet: 'mips-linux-gnu', platform: undefined };
    case EM_LOONGARCH:
      return {
        name: 'loongarch64',
        arch: cls === 64 ? 'loong64' : undefined,
        triplet: 'loongarch64-linux-gnu',
        platform: 'loongarch',
      };
    case 2:
      return { name: 'sparc', arch: undefined, triplet: undefined, platform: undefined };
    case 43:
      return { name: 'sparc64', arch: undefined, triplet: 'sparc64-linux-gnu', platform: undefined };
    default:
      return { name: `unknown-machine-${machine}`, arch: undefined, triplet: undefined, platform: undefined };
  }
}

export function machineName(machine: number, cls: ElfClass, endian: ElfEndian): string {
  return facts(machine, cls, endian).name;
}

/** Go/OCI architecture name (amd64, arm64, ...), undefined when OCI has none for this ABI. */
export function machineArch(machine: number, cls: ElfClass, endian: ElfEndian): string | undefined {
  return facts(machine, cls, endian).arch;
}

/** Debian multiarch triplet, as used in /lib/<triplet> and /usr/lib/<triplet>. */
export function machineTriplet(machine: number, cls: ElfClass, endian: ElfEndian): string | undefined {
  return facts(machine, cls, endian).triplet;
}

/**
 * The value ld.so substitutes for `$PLATFORM`. The real value comes from the kernel's AT_PLATFORM
 * and can depend on the CPU (ppc64, s390x); this is the common value, good enough for a build tool.
 */
export function machinePlatform(machine: number, cls: ElfClass, endian: ElfEndian): string | undefined {
  return facts(machine, cls, endian).platform;
}
