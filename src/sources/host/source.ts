/**
 * The host's files and binaries as a source: `files:` copied (files.ts), `binaries:` with the
 * shared libraries their loader will look for (binaries.ts). The libraries go first, then the
 * files, then the binaries: a later one replaces an earlier one at the same path.
 */
import type { LoadedSpec } from '../../spec/load.js';
import type { Source } from '../source.js';
import { resolveBinaries } from './binaries.js';
import { resolveHostFiles } from './files.js';
import type { PlannedEntry } from './planned.js';

export function hostFiles(loaded: LoadedSpec): Source {
  const { spec } = loaded;
  return {
    name: 'host files',
    contribute: async ({ arch }) => ({
      entries: async (tree, ctx) => {
        const binaries = await resolveBinaries(spec.binaries, { specDir: loaded.dir, arch, where: loaded.where });
        const files = await resolveHostFiles(spec.files, {
          specDir: loaded.dir,
          where: loaded.where,
          owner: ctx.owner,
        });
        const place = (planned: PlannedEntry[]) => {
          for (const p of planned) tree.add(p.path, p.entry);
        };
        place(binaries.libraries);
        place(files);
        place(binaries.binaries);
      },
    }),
  };
}
