/** The spec's `paths:` as a source: directories, symlinks and files written inline, in order. */
import type { LoadedSpec } from '../../spec/load.js';
import type { Source } from '../source.js';

const text = (s: string) => new TextEncoder().encode(s);

export function inlinePaths(loaded: LoadedSpec): Source {
  const { spec } = loaded;
  return {
    name: 'paths',
    contribute: async () => ({
      entries: async (tree, ctx) => {
        for (const [i, p] of spec.paths.entries()) {
          const origin = { kind: 'path' as const, detail: `paths[${i}]: ${p.path}` };
          const { uid, gid } = ctx.owner(p.owner, loaded.where(['paths', i, 'owner']));
          if (p.type === 'dir') tree.add(p.path, { type: 'dir', mode: p.mode ?? 0o755, uid, gid, origin });
          else if (p.type === 'symlink')
            tree.add(p.path, { type: 'symlink', target: p.target, mode: 0o777, uid, gid, origin });
          else {
            const data = text(p.content);
            tree.add(p.path, {
              type: 'file',
              mode: p.mode ?? 0o644,
              uid,
              gid,
              size: data.byteLength,
              source: { kind: 'bytes', data },
              origin,
            });
          }
        }
      },
    }),
  };
}
