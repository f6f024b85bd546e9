import { specError } from '../errors.js';
import type { LoadedSpec } from '../spec/load.js';
import { resolveBinaries } from '../resolve/binaries.js';
import { resolveHostFiles } from '../resolve/host-files.js';
import type { OwnerResolver, PlannedEntry } from '../resolve/planned.js';
import { FsTree } from '../tree/fs-tree.js';
import { type Accounts, AccountLookupError, resolveOwner } from '../tree/files/accounts.js';
import { PITH_IDENTITY } from '../tree/files/os-release.js';
import { addSystemFiles } from '../tree/files/system.js';

const text = (s: string) => new TextEncoder().encode(s);

/**
 * Everything the spec puts into one platform's filesystem, in override order: system files,
 * the binaries' libraries, `files`, `binaries`, then `paths` (a later source replaces an earlier
 * one at the same path, as a later layer would).
 */
export async function imageTree(loaded: LoadedSpec, arch: string, accounts: Accounts): Promise<FsTree> {
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
  addSystemFiles(tree, accounts, PITH_IDENTITY);

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
