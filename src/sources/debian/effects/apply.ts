/**
 * Runs the effects table over a view of the installed packages, in two phases (table.ts): the
 * `packages` phase fixes the image's accounts, then the spec's own entries are laid over the view
 * and the `image` phase runs. The result is the entries to add to the image (Origin 'effect'),
 * the accounts, one warning line per package for what was not emulated, and notes.
 */
import type { TreeEntry } from '../../../tree/entry.js';
import type { Accounts } from '../../system/accounts.js';
import type { FsTree } from '../../../tree/fs-tree.js';
import { AccountsDb } from './accounts-db.js';
import type { PackageScripts } from './maintainer-scripts.js';
import { EFFECTS, type Effect } from './table.js';
import { EffectWorkspace, type DeferredContent } from './workspace.js';
import { compareBytes } from '../../../byte-order.js';

export interface EffectsInput {
  /** Every package entry, as installed (the view is changed by the effects). */
  view: FsTree;
  /** View files held without their bytes, and where to read them. */
  deferred: ReadonlyMap<string, DeferredContent>;
  packages: readonly PackageScripts[];
  /** The spec's accounts (with distroless' unless `accounts.preset: none`). */
  accounts: Accounts;
  /** Debian architecture name. */
  arch: string;
  createdSeconds: number;
  /** Whether an image path is trimmed away (trim: docs): effects there are dropped too. */
  trimmed?: (path: string) => boolean;
}

export interface EffectsResult {
  entries: TreeEntry[];
  /** One line per package (or 'locale') naming what was not emulated. */
  warnings: string[];
  notes: string[];
  /** Package files whose bytes were needed: load them and run again. */
  missing: Map<string, DeferredContent>;
}

/** What one warning line lists of a package's commands at most. */
const MAX_ITEMS = 4;

export class InstallEffects {
  readonly ws: EffectWorkspace;

  constructor(private readonly input: EffectsInput) {
    this.ws = new EffectWorkspace(
      input.view,
      new AccountsDb(input.accounts),
      input.arch,
      input.deferred,
      input.trimmed,
    );
  }

  /** The `packages` phase; afterwards `accounts` is final. */
  packagePhase(): void {
    this.run(EFFECTS.filter((e) => e.phase === 'packages'));
  }

  get accounts(): Accounts {
    return this.ws.accounts.toAccounts();
  }

  /** User names the effects added (their homes are the effects' business, not the system files'). */
  get addedUsers(): ReadonlySet<string> {
    return new Set(this.ws.accounts.addedUsers.keys());
  }

  /**
   * Lays the spec's entries (system files, files, binaries, paths) over the view, then runs the
   * `image` phase with the image's environment.
   */
  imagePhase(specEntries: readonly TreeEntry[], env: Readonly<Record<string, string>>): void {
    for (const entry of specEntries) {
      const { path, ...rest } = entry;
      this.ws.tree.add(path, rest);
    }
    this.run(
      EFFECTS.filter((e) => e.phase === 'image'),
      env,
    );
  }

  result(): EffectsResult {
    const trimmed = this.input.trimmed;
    const entries = this.ws.effectEntries().filter((e) => !trimmed?.(e.path));
    const warnings = [...this.ws.unsupported.entries()]
      .sort(([a], [b]) => compareBytes(a, b))
      .map(([pkg, items]) => {
        const shown =
          items.length > MAX_ITEMS ? [...items.slice(0, MAX_ITEMS), `${items.length - MAX_ITEMS} more`] : items;
        return `${pkg}: ${shown.join('; ')}; pith does not emulate ${items.length > 1 ? 'these' : 'this'}: if the image needs it, add it to the spec (files:, paths: or accounts:)`;
      });
    return { entries, warnings, notes: [...this.ws.notes], missing: new Map(this.ws.missing) };
  }

  private run(effects: readonly Effect[], env: Readonly<Record<string, string>> = {}): void {
    const ctx = { ws: this.ws, packages: this.input.packages, env, createdSeconds: this.input.createdSeconds };
    for (const effect of effects) effect.apply(ctx);
  }
}
