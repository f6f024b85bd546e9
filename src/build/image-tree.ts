import { specError } from '../errors.js';
import type { LoadedSpec } from '../spec/load.js';
import { resolveBinaries } from '../sources/host/binaries.js';
import { resolveHostFiles } from '../sources/host/files.js';
import type { OwnerResolver, PlannedEntry } from '../sources/host/planned.js';
import { FsTree } from '../tree/fs-tree.js';
import { type Accounts, AccountLookupError, resolveOwner } from '../sources/system/accounts.js';
import type { OsIdentity } from '../sources/system/os-release.js';
import type { MergedUsrLink } from '../sources/debian/install/merged-usr.js';
import { BUSYBOX_APPLETS } from '../sources/debian/presets.js';
import { addSystemFiles } from '../sources/system/system-files.js';

const text = (s: string) => new TextEncoder().encode(s);

/**
 * Everything the spec puts into one platform's filesystem, in override order: system files,
 * the binaries' libraries, `files`, `binaries`, then `paths` (a later source replaces an earlier
 * one at the same path, as a later layer would).
 */
export interface ImageTreeOptions {
  /** What os-release says; null when a package (base-files) ships it. */
  os: OsIdentity | null;
  /** Aliasing links the packages ship: placed first so user paths go through them. */
  mergedUsr?: readonly MergedUsrLink[];
  /** The debug variant: /busybox/<applet> -> /bin/busybox. */
  busybox?: boolean;
  /** Accounts, /tmp, homes, nsswitch.conf, os-release: off on a base image without `accounts:`. */
  systemFiles?: boolean;
  /** Users install effects added: their homes are the effects' (or none), not the system files'. */
  effectUsers?: ReadonlySet<string>;
}

export async function imageTree(loaded: LoadedSpec, arch: string, accounts: Accounts, options: ImageTreeOptions): Promise<FsTree> {
  const { spec } = loaded;
  const owner: OwnerResolver = (value, where) => {
    if (value === undefined) return { uid: 0, gid: 0 };
    try {
      return resolveOwner(value, accounts);
    } catch (err) {
      if (err instanceof AccountLookupError) throw specError(`owner: ${err.message}`, { where });
      throw err;
    }
  };
  const tree = new FsTree();
  // Package-owned links sit in package layers already; they are here only to steer placement.
  for (const link of options.mergedUsr ?? []) {
    tree.add(link.path, { type: 'symlink', target: link.target, mode: 0o777, uid: 0, gid: 0, origin: { kind: 'package', package: link.package, detail: link.package } });
  }
  if (options.systemFiles !== false) addSystemFiles(tree, accounts, options.os, options.effectUsers);
  if (options.busybox) {
    const origin = { kind: 'system' as const, detail: 'debug variant: busybox applets' };
    for (const applet of BUSYBOX_APPLETS) tree.add(`/busybox/${applet}`, { type: 'symlink', target: '/bin/busybox', mode: 0o777, uid: 0, gid: 0, origin });
  }

  const binaries = await resolveBinaries(spec.binaries, { specDir: loaded.dir, arch, where: loaded.where });
  const files = await resolveHostFiles(spec.files, { specDir: loaded.dir, where: loaded.where, owner });
  const place = (planned: PlannedEntry[]) => {
    for (const p of planned) tree.add(p.path, p.entry);
  };
  place(binaries.libraries);
  place(files);
  place(binaries.binaries);

  for (const [i, p] of spec.paths.entries()) {
    const origin = { kind: 'path' as const, detail: `paths[${i}]: ${p.path}` };
    const { uid, gid } = owner(p.owner, loaded.where(['paths', i, 'owner']));
    if (p.type === 'dir') tree.add(p.path, { type: 'dir', mode: p.mode ?? 0o755, uid, gid, origin });
    else if (p.type === 'symlink') tree.add(p.path, { type: 'symlink', target: p.target, mode: 0o777, uid, gid, origin });
    else {
      const data = text(p.content);
      tree.add(p.path, { type: 'file', mode: p.mode ?? 0o644, uid, gid, size: data.byteLength, source: { kind: 'bytes', data }, origin });
    }
  }
  return tree;
}
