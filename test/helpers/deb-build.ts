/**
 * Builds synthetic .debs with the real `dpkg-deb --build`, covering every entry kind pith must
 * read: regular and empty files, executables, setuid/setgid, a sticky dir, symlinks (relative,
 * absolute, long target), a hard link, paths longer than 100 bytes, an empty dir, a non-ASCII
 * name, non-root owners and a multi-megabyte file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './deb-tools.js';

export type DpkgCompression = 'gzip' | 'xz' | 'zstd' | 'none';

export interface SyntheticDeb {
  path: string;
  /** The unpacked tree dpkg-deb built from (without DEBIAN/). */
  root: string;
  control: string;
  md5sums: string;
  /** Contents of every regular file by image path. */
  contents: Map<string, Uint8Array>;
}

export const LONG_DIR = `usr/share/pith-test/${'d'.repeat(60)}/${'e'.repeat(60)}`;
export const LONG_FILE = `${LONG_DIR}/${'f'.repeat(80)}.txt`;
export const LONG_TARGET = `../../${'t'.repeat(120)}/target`;

export function buildSyntheticDeb(options: { compression: DpkgCompression; rootOwnerGroup: boolean }): SyntheticDeb {
  const work = mkdtempSync(join(tmpdir(), 'pith-deb-build-'));
  const root = join(work, 'root');
  const contents = new Map<string, Uint8Array>();
  const file = (path: string, data: Uint8Array | string, mode: number, owner?: [number, number]) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    writeFileSync(full, bytes);
    chmodSync(full, mode); // after writing: the umask must not change the mode
    if (owner) chownSync(full, owner[0], owner[1]);
    contents.set(path, bytes);
  };
  const dir = (path: string, mode: number, owner?: [number, number]) => {
    const full = join(root, path);
    mkdirSync(full, { recursive: true });
    chmodSync(full, mode);
    if (owner) chownSync(full, owner[0], owner[1]);
  };
  const link = (path: string, target: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    symlinkSync(target, join(root, path));
  };

  file('etc/pith-test.conf', 'setting = 1\n', 0o644);
  file('usr/share/doc/pith-test/readme', 'hello from pith\n', 0o644);
  file('usr/share/doc/pith-test/empty', '', 0o644);
  file('usr/bin/pith-tool', '#!/bin/sh\necho tool\n', 0o755);
  file('usr/bin/pith-suid', '#!/bin/sh\necho suid\n', 0o4755);
  file('usr/bin/pith-sgid', '#!/bin/sh\necho sgid\n', 0o2711);
  file('usr/share/pith-test/owned', 'owned by 1000:1001\n', 0o640, [1000, 1001]);
  file('usr/share/pith-test/Főtanúsítvány.crt', 'non-ascii name\n', 0o644);
  file(LONG_FILE, 'a path longer than 100 bytes\n', 0o644);
  file('usr/lib/pith-test/big.bin', randomBytes(3 * 1024 * 1024 + 17), 0o644);
  linkSync(join(root, 'usr/bin/pith-tool'), join(root, 'usr/bin/pith-tool-hard'));
  link('usr/bin/pith-link', 'pith-tool');
  link('usr/lib/pith-test/alt', '/etc/alternatives/pith');
  link('usr/lib/pith-test/up', '../../share/doc/pith-test/readme');
  link(`${LONG_DIR}/long-target`, LONG_TARGET);
  dir('var/lib/pith-test/empty', 0o700);
  dir('var/tmp/pith-sticky', 0o1777);
  dir('srv/pith-owned', 0o750, [1000, 1001]);
  dir('usr', 0o755);

  // md5sums as dh_md5sums writes it (conffiles excluded); hard-linked contents appear twice.
  contents.set('usr/bin/pith-tool-hard', contents.get('usr/bin/pith-tool') as Uint8Array);
  const md5sums = [...contents.entries()]
    .filter(([path]) => !path.startsWith('etc/'))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, data]) => `${createHash('md5').update(data).digest('hex')}  ${path}\n`)
    .join('');
  contents.delete('usr/bin/pith-tool-hard'); // it is a hard link in the archive, not a file

  const control = [
    'Package: pith-test',
    'Version: 1.0-1',
    'Architecture: all',
    'Maintainer: pith tests <pith@example.invalid>',
    'Description: synthetic package for pith reader tests',
    ' With a continuation line.',
    '',
  ].join('\n');
  mkdirSync(join(root, 'DEBIAN'), { mode: 0o755 });
  writeFileSync(join(root, 'DEBIAN/control'), control);
  writeFileSync(join(root, 'DEBIAN/md5sums'), md5sums);
  writeFileSync(join(root, 'DEBIAN/conffiles'), '/etc/pith-test.conf\n');
  writeFileSync(join(root, 'DEBIAN/postinst'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  chmodSync(join(root, 'DEBIAN'), 0o755);

  const path = join(work, `pith-test_${options.compression}_${options.rootOwnerGroup ? 'root' : 'owned'}.deb`);
  const args = [
    `-Z${options.compression}`,
    ...(options.rootOwnerGroup ? ['--root-owner-group'] : []),
    '--build',
    root,
    path,
  ];
  run('dpkg-deb', args);
  return { path, root, control, md5sums, contents };
}
