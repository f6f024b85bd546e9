/** The spec's architecture names (archs:), with a "did you mean" for the names other tools use. */
import { z } from 'zod';
import type { Arch } from './types.js';

export const ARCHS = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'] as const satisfies readonly Arch[];

/** Names other tools use for the same architectures, for a "did you mean". */
const ARCH_ALIASES: Record<string, Arch> = {
  x86_64: 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  armv7: 'arm',
  armv7l: 'arm',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
  x86: '386',
  ppc64el: 'ppc64le',
  riscv: 'riscv64',
};

export const arch = z.enum(ARCHS, {
  error: (iss) => {
    const valid = `valid: ${ARCHS.join(', ')}`;
    if (typeof iss.input !== 'string') return `expected an architecture name (${valid})`;
    const alias = ARCH_ALIASES[iss.input.toLowerCase()];
    const suggestion = alias ? `, did you mean "${alias}"?` : '';
    return `unknown architecture "${iss.input}"${suggestion} (${valid})`;
  },
});
