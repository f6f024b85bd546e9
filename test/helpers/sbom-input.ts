/** A realistic SbomInput for the emitter tests: epochs, '+' and '~' versions, a trimmed package. */
import { asDigest } from '../../src/image/digest.js';
import type { SbomInput } from '../../src/sbom/model.js';

const h = (c: string) => c.repeat(64);

export function sampleInput(): SbomInput {
  return {
    image: {
      name: 'hello',
      tag: 'latest',
      digest: asDigest(`sha256:${'2a55c1035d8a8b4a339af24cb9b281362e6493d0689f2e1df6c68b67ff9d0a39'}`),
      platform: { architecture: 'amd64', os: 'linux' },
      created: '1970-01-01T00:00:00.000Z',
    },
    distro: { id: 'debian', versionId: '12', codename: 'bookworm' },
    packages: [
      { name: 'libc6', version: '2.36-9+deb12u14', architecture: 'amd64', source: 'glibc', sha256: h('1') },
      {
        name: 'zlib1g',
        version: '1:1.2.13.dfsg-1',
        architecture: 'amd64',
        source: 'zlib',
        sha256: h('2'),
        license: 'Zlib',
      },
      {
        name: 'ca-certificates',
        version: '20250419~deb12u2',
        architecture: 'all',
        sha256: h('3'),
        license: 'GPL-2.0-or-later AND MPL-2.0',
      },
      {
        name: 'tzdata',
        version: '2026f-0+deb12u1',
        architecture: 'all',
        sha256: h('4'),
        license: 'LicenseRef-public-domain',
      },
      {
        name: 'libstdc++6',
        version: '12.2.0-14+deb12u1',
        architecture: 'amd64',
        source: 'gcc-12 (12.2.0-14+deb12u1)',
        sha256: h('5'),
        license: 'GPL-3.0-or-later WITH GCC-exception-3.1',
        files: [
          { path: 'usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30', sha256: h('6') },
          { path: 'usr/lib/x86_64-linux-gnu/libstdc++.so.6', sha256: h('6') },
        ],
      },
      {
        name: 'libssl3',
        version: '3.0.22-1~deb12u2',
        architecture: 'amd64',
        source: 'openssl',
        sha256: h('7'),
        license: 'Apache-2.0',
      },
    ],
    files: [
      { path: 'usr/bin/app', sha256: h('a'), origin: 'binary' },
      { path: 'usr/lib/x86_64-linux-gnu/libfoo.so.1', sha256: h('b'), origin: 'library' },
      { path: 'etc/app/config.yaml', sha256: h('c'), origin: 'file' },
      { path: 'srv/data/index.html', sha256: h('d'), origin: 'path' },
    ],
    tool: { name: 'pith', version: '0.1.0' },
  };
}

/** A deterministic permutation (reverses every list) of the same input. */
export function shuffled(input: SbomInput): SbomInput {
  return {
    ...input,
    packages: [...input.packages].reverse().map((p) => (p.files ? { ...p, files: [...p.files].reverse() } : p)),
    files: [...input.files].reverse(),
  };
}
