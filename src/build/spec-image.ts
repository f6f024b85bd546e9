/**
 * Step 4: the spec's own tree and its config, with install effects settled: the effects decide
 * the accounts first (so `user:` and `owner:` can name www-data), then every source writes its
 * entries of the spec's tree, in order, through the image's merged-/usr links, then the effects
 * add theirs. What the effects could not emulate is a warning (an error with --strict); an
 * entrypoint that cannot start is an error (unless a base image may hold what it needs).
 */
import { buildError, specError } from '../errors.js';
import type { SettledImage, SpecImage, TreeContext } from '../sources/source.js';
import { AccountLookupError, resolveOwner, type Accounts } from '../sources/system/accounts.js';
import { FsTree } from '../tree/fs-tree.js';
import { addMergedUsrLinks } from '../tree/merged-usr.js';
import type { Contributions } from './contributions.js';
import { containerConfig } from './image-config.js';
import type { Run } from './run.js';
import type { SourcePlan } from './sources.js';

export async function settleImage(c: Contributions, plan: SourcePlan, arch: string, run: Run): Promise<SettledImage> {
  const { loaded, spec } = run;
  const specImage: SpecImage = async (accounts, effectUsers) => ({
    config: containerConfig(
      spec,
      plan.writesAccounts ? accounts : undefined,
      loaded.where,
      c.config.defaults,
      c.config.image,
    ),
    tree: await specTree(c, { arch, accounts, effectUsers, os: c.os, owner: ownerResolver(accounts) }),
  });
  const settled = c.settle
    ? await c.settle(specImage, { links: c.links, accounts: plan.accounts, ...(c.below ? { below: c.below } : {}) })
    : {
        ...(await specImage(plan.accounts, new Set())),
        accounts: plan.accounts,
        effectUsers: new Set<string>(),
        rootProblems: [],
        warnings: [],
        notes: [],
      };
  reportEffects(settled, {
    arch,
    writesAccounts: plan.writesAccounts,
    log: run.log,
    warn: run.options.warn ?? run.log,
    strict: run.options.strict ?? false,
  });
  // On a base image the entrypoint may well be the base's: nothing to check it against.
  if (!c.below && settled.rootProblems.length > 0) {
    throw buildError(`${arch}: ${settled.rootProblems[0]}`, {
      where: loaded.where([spec.entrypoint ? 'entrypoint' : 'cmd']),
    });
  }
  return settled;
}

/** The sources' entries of the spec's tree, in order; the merged-/usr links first, to steer placement. */
async function specTree(c: Contributions, ctx: TreeContext): Promise<FsTree> {
  const tree = new FsTree();
  addMergedUsrLinks(tree, c.links);
  for (const write of c.entries) await write(tree, ctx);
  return tree;
}

function ownerResolver(accounts: Accounts): TreeContext['owner'] {
  return (value, where) => {
    if (value === undefined) return { uid: 0, gid: 0 };
    try {
      return resolveOwner(value, accounts);
    } catch (err) {
      if (err instanceof AccountLookupError) throw specError(`owner: ${err.message}`, { where });
      throw err;
    }
  };
}

/** Notes to the log, warnings to `warn` (or, with strict, an error after all of them are printed). */
function reportEffects(
  settled: SettledImage,
  options: {
    arch: string;
    writesAccounts: boolean;
    log: (m: string) => void;
    warn: (m: string) => void;
    strict: boolean;
  },
): void {
  for (const note of settled.notes) options.log(`${options.arch}: effects: ${note}`);
  const warnings = [...settled.warnings];
  if (!options.writesAccounts && settled.effectUsers.size > 0) {
    warnings.push(
      `accounts ${[...settled.effectUsers].sort().join(', ')} are not written on a base image: add them under accounts: (users and groups) in the spec`,
    );
  }
  for (const w of warnings) options.warn(`${options.arch}: ${w}`);
  if (options.strict && warnings.length > 0) {
    throw buildError(
      `--strict: ${options.arch}: ${warnings[0]}${warnings.length > 1 ? ` (and ${warnings.length - 1} more above)` : ''}`,
      { hint: 'or build without --strict' },
    );
  }
}
