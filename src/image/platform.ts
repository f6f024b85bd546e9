import type { Platform } from './types.js';

/** OCI platform for a Go-style architecture name (arm64 -> variant v8, arm -> v7). */
export function platformFor(arch: string): Platform {
  if (arch === 'arm64') return { architecture: 'arm64', os: 'linux', variant: 'v8' };
  if (arch === 'arm') return { architecture: 'arm', os: 'linux', variant: 'v7' };
  return { architecture: arch, os: 'linux' };
}

/** The host's architecture in OCI/Go naming. */
export function hostArch(): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  return map[process.arch] ?? process.arch;
}
