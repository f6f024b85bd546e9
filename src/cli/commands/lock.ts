import { parseArgs } from 'node:util';
import { loadSpec, lockSpec } from '../../index.js';
import { usageError } from '../../errors.js';
import { type Command, parseOrUsage } from './command.js';

export const lockCommand: Command = {
  name: 'lock',
  summary: "resolve the spec's Debian packages and write the lockfile",
  usage: `pith lock [SPEC] [--cache-dir DIR] [--insecure] [-q]

Resolves the packages of SPEC (default: ./pith.yaml) against the signed indexes and writes
<spec name>.lock beside it (pith.yaml -> pith.lock): every package per arch with version,
filename, size and sha256, and the hashes of the indexes read. Always resolves again, so it
also picks up new versions. pith build uses the lock when it matches the spec.
With base:, only the packages the base image lacks are locked, and the base is pinned by
digest (--insecure allows plain HTTP to its registry).
`,
  async run(args) {
    const { values, positionals } = parseOrUsage('lock', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          'cache-dir': { type: 'string' },
          insecure: { type: 'boolean', default: false },
          quiet: { type: 'boolean', short: 'q', default: false },
        },
      }),
    );
    if (positionals.length > 1) throw usageError(`lock: expected at most one spec file, got ${positionals.length}`);
    const loaded = await loadSpec(positionals[0] ?? 'pith.yaml');
    const result = await lockSpec(loaded, {
      ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
      ...(values.insecure ? { insecure: true } : {}),
      log: values.quiet ? undefined : (m) => process.stderr.write(`${m}\n`),
    });
    for (const [arch, packages] of Object.entries(result.lock.packages))
      process.stdout.write(`${arch}: ${packages.length} packages\n`);
    process.stdout.write(`${result.path}\n`);
    return 0;
  },
};
