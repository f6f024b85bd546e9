/** An install-effects workspace over crafted package files, for the effects' unit tests. */
import { InstallEffects } from '../../src/sources/debian/effects/apply.js';
import { AccountsDb } from '../../src/sources/debian/effects/accounts-db.js';
import { runMaintainerScripts, type PackageScripts } from '../../src/sources/debian/effects/maintainer-scripts.js';
import { EffectWorkspace } from '../../src/sources/debian/effects/workspace.js';
import type { TreeEntry } from '../../src/tree/entry.js';
import { resolveAccounts } from '../../src/sources/system/accounts.js';
import { FsTree } from '../../src/tree/fs-tree.js';

export interface CraftedFile {
  path: string;
  /** Text content; a directory when `dir`, a symlink when `target`. */
  text?: string;
  dir?: boolean;
  target?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A tree with each package's files (origin package) and its status.d entry. */
export function packageTree(packages: Record<string, CraftedFile[]>): FsTree {
  const tree = new FsTree();
  for (const [name, files] of Object.entries(packages)) {
    const origin = { kind: 'package' as const, package: name, detail: `${name} 1.0` };
    for (const f of files) {
      const base = { mode: f.mode ?? (f.dir ? 0o755 : 0o644), uid: f.uid ?? 0, gid: f.gid ?? 0, origin };
      if (f.dir) tree.add(f.path, { ...base, type: 'dir' });
      else if (f.target !== undefined) tree.add(f.path, { ...base, type: 'symlink', target: f.target, mode: 0o777 });
      else {
        const data = new TextEncoder().encode(f.text ?? '');
        tree.add(f.path, { ...base, type: 'file', size: data.byteLength, source: { kind: 'bytes', data } });
      }
    }
    const status = new TextEncoder().encode(`Package: ${name}\nVersion: 1.0\n`);
    tree.add(`/var/lib/dpkg/status.d/${name}`, {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: status.byteLength,
      source: { kind: 'bytes', data: status },
      origin,
    });
  }
  return tree;
}

export function workspace(
  packages: Record<string, CraftedFile[]> = {},
  options: { trimmed?: (path: string) => boolean } = {},
): EffectWorkspace {
  return new EffectWorkspace(
    packageTree(packages),
    new AccountsDb(resolveAccounts({ preset: 'distroless', users: [], groups: [] })),
    'amd64',
    new Map(),
    options.trimmed,
  );
}

/** Runs one postinst for package `pkg` in the workspace. */
export function postinst(ws: EffectWorkspace, pkg: string, script: string, extra: Partial<PackageScripts> = {}): void {
  runMaintainerScripts(ws, [{ name: pkg, version: '1.0', depends: [], postinst: script, ...extra }]);
}

export function entryAt(ws: EffectWorkspace, path: string): TreeEntry | undefined {
  return ws.lstat(path);
}

export function textAt(ws: EffectWorkspace, path: string): string | undefined {
  return ws.text(path);
}

/** The full effects pipeline (both phases) over crafted packages. */
export function allEffects(
  packages: Record<string, CraftedFile[]>,
  scripts: PackageScripts[],
  env: Record<string, string> = {},
) {
  const effects = new InstallEffects({
    view: packageTree(packages),
    deferred: new Map(),
    packages: scripts,
    accounts: resolveAccounts({ preset: 'distroless', users: [], groups: [] }),
    arch: 'amd64',
    createdSeconds: 0,
  });
  effects.packagePhase();
  effects.imagePhase([], env);
  return { effects, result: effects.result() };
}
