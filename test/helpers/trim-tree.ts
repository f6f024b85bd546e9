/**
 * Helpers for the `trim: closure` tests: build a synthetic FsTree from a small table, write a
 * (trimmed) tree out as a real root filesystem (to chroot into it), and fetch the real bookworm
 * .debs of a package's dependency closure.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Origin } from '../../src/tree/entry.js';
import { readDeb } from '../../src/sources/debian/deb/deb-reader.js';
import { FsTree } from '../../src/tree/fs-tree.js';
import { controlField } from '../../src/sources/debian/install/dpkg-status.js';
import { installPackage } from '../../src/sources/debian/install/install.js';
import { readEntryBytes } from '../../src/tree/trim/tree-fs-view.js';
import { downloadDeb } from './deb-download.js';

/** `origin` overrides `pkg` (an install effect, a spec path...). */
export type TrimNode =
  | Uint8Array
  | string
  | { data: Uint8Array | string; mode?: number; pkg?: string; origin?: Origin }
  | { symlink: string; pkg?: string; origin?: Origin }
  | { dir: true; pkg?: string; mode?: number; origin?: Origin }
  | { hardlink: string; pkg?: string; origin?: Origin };

const encoder = new TextEncoder();

function origin(pkg: string | undefined): Origin {
  return pkg ? { kind: 'package', package: pkg, detail: `${pkg} 1.0` } : { kind: 'file', detail: 'test' };
}

/** Paths with or without a leading slash; `defaultPkg` is the package of entries that name none. */
export function treeOf(nodes: Record<string, TrimNode>, defaultPkg?: string): FsTree {
  const tree = new FsTree();
  for (const [path, node] of Object.entries(nodes)) {
    if (typeof node === 'string' || node instanceof Uint8Array) {
      const data = typeof node === 'string' ? encoder.encode(node) : node;
      tree.add(path, {
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        origin: origin(defaultPkg),
        size: data.byteLength,
        source: { kind: 'bytes', data },
      });
    } else if ('data' in node) {
      const data = typeof node.data === 'string' ? encoder.encode(node.data) : node.data;
      tree.add(path, {
        type: 'file',
        mode: node.mode ?? 0o644,
        uid: 0,
        gid: 0,
        origin: node.origin ?? origin(node.pkg ?? defaultPkg),
        size: data.byteLength,
        source: { kind: 'bytes', data },
      });
    } else if ('symlink' in node) {
      tree.add(path, {
        type: 'symlink',
        target: node.symlink,
        mode: 0o777,
        uid: 0,
        gid: 0,
        origin: node.origin ?? origin(node.pkg ?? defaultPkg),
      });
    } else if ('hardlink' in node) {
      tree.add(path, {
        type: 'hardlink',
        target: node.hardlink,
        mode: 0o644,
        uid: 0,
        gid: 0,
        origin: node.origin ?? origin(node.pkg ?? defaultPkg),
      });
    } else {
      tree.add(path, {
        type: 'dir',
        mode: node.mode ?? 0o755,
        uid: 0,
        gid: 0,
        origin: node.origin ?? origin(node.pkg ?? defaultPkg),
      });
    }
  }
  return tree;
}

/** Writes every entry of `tree` under `dir` (which must exist), modes included; owners are left as the caller's. */
export async function writeRootfs(tree: FsTree, dir: string): Promise<void> {
  const dirModes: Array<[string, number]> = [];
  for (const entry of tree.list()) {
    const at = join(dir, entry.path);
    if (entry.type === 'dir') {
      mkdirSync(at, { recursive: true });
      dirModes.push([at, entry.mode]);
    } else if (entry.type === 'file') {
      mkdirSync(join(at, '..'), { recursive: true });
      writeFileSync(at, await readEntryBytes(entry));
      chmodSync(at, entry.mode & 0o7777);
    } else if (entry.type === 'symlink') {
      mkdirSync(join(at, '..'), { recursive: true });
      symlinkSync(entry.target, at);
    } else {
      mkdirSync(join(at, '..'), { recursive: true });
      linkSync(join(dir, entry.target), at);
    }
  }
  for (const [at, mode] of dirModes) chmodSync(at, mode & 0o7777);
}

/**
 * The packages apt would install for `name` on a system that has the Essential set already:
 * `apt-cache depends --recurse` without recommends/suggests/conflicts/breaks/replaces/enhances,
 * virtual names dropped, Essential packages dropped. Sorted.
 */
export function dependencyClosure(name: string): string[] {
  const out = execFileSync(
    'apt-cache',
    [
      'depends',
      '--recurse',
      '--no-recommends',
      '--no-suggests',
      '--no-conflicts',
      '--no-breaks',
      '--no-replaces',
      '--no-enhances',
      name,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  );
  const names = [
    ...new Set(out.split('\n').filter((line) => line !== '' && !line.startsWith(' ') && !line.startsWith('<'))),
  ].sort();
  const shown = execFileSync('apt-cache', ['show', '--no-all-versions', ...names], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const essential = new Set<string>();
  for (const stanza of shown.split(/\n\n+/)) {
    const pkg = /^Package: (\S+)$/m.exec(stanza)?.[1];
    if (pkg && /^Essential: yes$/m.test(stanza)) essential.add(pkg);
  }
  return names.filter((n) => !essential.has(n));
}

/**
 * Downloads real .debs and installs them untrimmed into `tree`, base-files first as a real install
 * would. Returns why the caller must skip (no apt, no mirror), or undefined when all went in.
 */
export async function installDebs(tree: FsTree, names: readonly string[]): Promise<string | undefined> {
  for (const name of ['base-files', ...names.filter((n) => n !== 'base-files')]) {
    const got = downloadDeb(name);
    if ('skip' in got) return got.skip;
    const deb = await readDeb(got.path, { packageName: name });
    installPackage(tree, { name, version: controlField(deb.control, 'Version')! }, deb, { trim: { docs: false } });
  }
  return undefined;
}
