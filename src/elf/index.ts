/** ELF parsing and shared-library closure, over any filesystem view. */
export { isElf, parseElf, readElfFile, type ElfInfo, type ElfType, type ElfClass, type ElfEndian } from './parse.js';
export { hostFsView, type FsView, type FsStat, type FsEntryType } from './fs-view.js';
export { lookupPath, resolvePathChain, MAX_SYMLINKS, type PathChain, type PathLink, type PathLookup } from './paths.js';
export { readLdSoConf, readMuslPath } from './ld-conf.js';
export { machineArch, machineName, machinePlatform, machineTriplet } from './machines.js';
export { resolveClosure, type ClosureObject, type ClosureOptions, type ElfClosure } from './closure.js';
