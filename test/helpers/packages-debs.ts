/**
 * .debs for the package-installation tests: small synthetic ones built with the real
 * `dpkg-deb --build`, real ones (a given version) fetched with `apt-get download`, and the
 * control members exactly as dpkg-deb extracts them.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from './deb-tools.js';

export type SyntheticItem =
  | { path: string; type: 'file'; data: string | Uint8Array; mode?: number }
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'symlink'; target: string }
  /** A second name for an earlier file (same inode): dpkg-deb stores the later name as a hard link. */
  | { path: string; type: 'hardlink'; target: string };

export interface SyntheticPackage {
  name: string;
  version?: string;
  architecture?: string;
  items: SyntheticItem[];
  /** Write DEBIAN/md5sums for the regular files (default true). */
  md5sums?: boolean;
}

export interface BuiltDeb {
  path: string;
  control: string;
  md5sums: string | undefined;
}

/** Builds `<dir>/<name>.deb` with `dpkg-deb --root-owner-group --build`. */
export function buildPackage(spec: SyntheticPackage, dir = mkdtempSync(join(tmpdir(), 'pith-pkg-'))): BuiltDeb {
  const root = mkdtempSync(join(dir, 'root-'));
  const md5 = new Map<string, string>();
  const chmods: Array<[string, number]> = [];
  for (const item of spec.items) {
    const full = join(root, item.path);
    mkdirSync(dirname(full), { recursive: true });
    switch (item.type) {
      case 'file': {
        const data = typeof item.data === 'string' ? Buffer.from(item.data) : item.data;
        writeFileSync(full, data);
        chmods.push([full, item.mode ?? 0o644]);
        md5.set(item.path, createHash('md5').update(data).digest('hex'));
        break;
      }
      case 'dir':
        mkdirSync(full, { recursive: true });
        chmods.push([full, item.mode ?? 0o755]);
        break;
      case 'symlink':
        symlinkSync(item.target, full);
        break;
      case 'hardlink':
        linkSync(join(root, item.target), full);
        md5.set(item.path, md5.get(item.target) ?? '');
        break;
    }
  }
  // After everything exists: the umask must not change modes, and setuid survives.
  for (const [path, mode] of chmods) chmodSync(path, mode);
  const control =
    `Package: ${spec.name}\nVersion: ${spec.version ?? '1.0'}\nArchitecture: ${spec.architecture ?? 'amd64'}\n` +
    `Maintainer: pith tests <pith@example.invalid>\nDescription: synthetic ${spec.name}\n multi-line description\n`;
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN', 'control'), control);
  let md5sums: string | undefined;
  if (spec.md5sums !== false) {
    md5sums = [...md5.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, sum]) => `${sum}  ${path}\n`)
      .join('');
    writeFileSync(join(root, 'DEBIAN', 'md5sums'), md5sums);
  }
  const path = join(dir, `${spec.name}.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, path]);
  rmSync(root, { recursive: true, force: true });
  return { path, control, md5sums };
}

/** A control.tar member ("control", "md5sums") exactly as dpkg-deb extracts it; null if absent. */
export function controlMember(debPath: string, member: string): Buffer | null {
  const tarBytes = run('dpkg-deb', ['--ctrl-tarfile', debPath]);
  const names = run('tar', ['-t', '-f', '-'], { input: tarBytes }).toString('utf8').split('\n');
  const name = names.find((n) => n === `./${member}` || n === member);
  if (name === undefined) return null;
  return run('tar', ['-xO', '-f', '-', name], { input: tarBytes });
}

const VERSIONED_CACHE = join(tmpdir(), 'pith-test-packages-debs');

/** `apt-get download name=version` into a private cache; a reason to skip when it cannot be had. */
export function downloadDebVersion(name: string, version: string): { path: string } | { skip: string } {
  const dir = join(VERSIONED_CACHE, `${name}_${version.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
  const find = () => (existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.deb')) : undefined);
  const hit = find();
  if (hit !== undefined) return { path: join(dir, hit) };
  mkdirSync(VERSIONED_CACHE, { recursive: true });
  const staging = mkdtempSync(join(VERSIONED_CACHE, '.download-'));
  try {
    execFileSync('apt-get', ['download', '-q', `${name}=${version}`], {
      cwd: staging,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    const deb = readdirSync(staging).find((f) => f.endsWith('.deb'));
    if (deb === undefined) return { skip: `apt-get download ${name}=${version} produced no .deb` };
    mkdirSync(dir, { recursive: true });
    renameSync(join(staging, deb), join(dir, deb));
    return { path: join(dir, deb) };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { skip: `cannot download ${name}=${version} (${detail})` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
