/**
 * `trim: closure`: keep only what the image's programs can reach. Starting from roots (the
 * command the image runs, the other paths the spec names, the spec's keep globs) and the rules
 * table (rules.ts: what pith itself made, and what programs open without naming it), the kept
 * set grows to a fixed point through
 *   - symlinks: every link met while resolving a kept path is kept, and so is what it points to;
 *   - ELF closure: for each kept ELF executable or shared object, the interpreter and DT_NEEDED
 *     libraries resolved inside the image's own tree (resolve/elf over treeFsView);
 *   - `#!` lines: the interpreter of each kept executable script (and for `/usr/bin/env x`, the
 *     first `x` on the default PATH);
 *   - hard links: the file a kept hard link points at;
 *   - the rules table, applied again after each round.
 * Directories above kept entries are kept; a root or keep entry naming a directory (no wildcard)
 * keeps everything below it. Everything else is dropped.
 *
 * Only the command (and what its ELF closure and `#!` chain need) is held to "everything it needs
 * is in the image": a missing library or interpreter there is an error. Everything else kept is
 * data to the build: what it would need and the image lacks is listed in `unmet` (one summary
 * line), and a DT_NEEDED that a kept object already provides is no need at all, because the
 * loader of a module loaded by path finds it among the objects already mapped (libattach.so
 * needs libjvm.so, which the java launcher loaded from lib/server).
 *
 * The engine is pure over the tree: it reads entries (host-sourced files from disk) and never
 * changes the input; applyTrim (apply.ts) builds the trimmed tree.
 */
import { posix } from 'node:path';
import { buildError, isPithError } from '../../errors.js';
import { resolveClosure } from '../../elf/closure.js';
import type { FsView } from '../../elf/fs-view.js';
import { isElf, parseElf } from '../../elf/parse.js';
import { elfImports } from '../../elf/symbols.js';
import type { TreeEntry } from '../entry.js';
import type { FsTree } from '../fs-tree.js';
import { statusPath } from './dpkg-database.js';
import { baseName, resolveLinkTarget, toImagePath } from '../paths.js';
import { closureResult } from './closure-result.js';
import { compileGlob, isGlob, normalizePattern } from './glob.js';
import { DEFAULT_RULES, type Rule, type RuleContext } from './rules.js';
import { shebangOf } from './shebang.js';
import { fileBehind, readEntryBytes, treeFsView } from './tree-fs-view.js';
import { isRegularFile, lookupImagePath, readImageText } from './tree-lookup.js';

import type { ClosureTrimOptions, TrimResult, Unmet } from './types.js';

export { applyTrim } from './apply.js';
export { trimmedPath } from './closure-result.js';
export { explain, trimTotals } from './explain.js';
export type { ClosureTrimOptions, NamedPath, TrimmedPath, TrimResult, Unmet } from './types.js';

/** Where `env` looks when a script says `#!/usr/bin/env name` (the kernel gives it no PATH; env's default). */
const ENV_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export async function trimToClosure(tree: FsTree, options: ClosureTrimOptions): Promise<TrimResult> {
  return new ClosureTrim(tree, options).run();
}

class ClosureTrim {
  private readonly view: FsView;
  private readonly entries: TreeEntry[];
  private readonly kept = new Set<string>();
  private readonly reasons = new Map<string, string[]>();
  /** Kept regular files still to inspect (ELF, `#!`), read from `next` on. */
  private readonly queue: string[] = [];
  private next = 0;
  private readonly inspected = new Set<string>();
  /** The command and what its ELF closure and `#!` chain need: their own needs are errors when missing. */
  private readonly strict = new Set<string>();
  /** Files whose ELF closure is already part of another object's (found by resolveClosure). */
  private readonly inClosure = new Set<string>();
  private readonly packages = new Set<string>();
  private readonly unmet: Unmet[] = [];
  /** SONAMEs and file names of the kept ELF objects: what a module's loader has mapped. */
  private readonly keptSonames = new Set<string>();
  /** Symbols imported by the kept ELF objects; `unknownImports` counts objects whose imports cannot be read. */
  private readonly imported = new Set<string>();
  private unknownImports = 0;
  private readonly controls = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly tree: FsTree,
    private readonly options: ClosureTrimOptions,
  ) {
    this.view = treeFsView(tree);
    this.entries = tree.list();
  }

  async run(): Promise<TrimResult> {
    for (const root of this.options.roots) await this.keepCommand(root);
    for (const named of this.options.named ?? []) {
      await this.keepPath(toImagePath(named.path) ?? '', named.why, {
        subtree: named.subtree !== false,
        optional: true,
      });
    }
    for (const glob of this.options.keep ?? []) {
      const pattern = normalizePattern(glob);
      if (isGlob(pattern))
        await this.keepEach(
          this.entries.filter((e) => compileGlob(pattern)(e.path)),
          `keep: ${glob}`,
        );
      else await this.keepPath(pattern, `keep: ${glob}`, { subtree: true, optional: true });
    }
    const rules = this.options.rules ?? DEFAULT_RULES;
    for (;;) {
      await this.drain();
      const before = this.kept.size;
      for (const rule of rules) await this.applyRule(rule);
      if (this.kept.size === before && this.next === this.queue.length) break;
    }
    return this.result();
  }

  // --- growing the kept set ---------------------------------------------------------------

  /** The command: found like execvp() does, kept, and held to having everything it needs. */
  private async keepCommand(root: string): Promise<void> {
    if (isGlob(root)) {
      const match = compileGlob(normalizePattern(root));
      for (const entry of this.entries.filter((e) => match(e.path)))
        this.markStrict((await this.keepPath(entry.path, 'root'))!);
      return;
    }
    let path: string | undefined = root.startsWith('/') || root.includes('/') ? normalizePattern(root) : undefined;
    if (path === undefined) {
      const dirs = this.options.path ?? ENV_PATH;
      for (const dir of dirs) {
        const candidate = toImagePath(`${dir}/${root}`) ?? '';
        if (await isRegularFile(this.view, candidate)) {
          path = candidate;
          break;
        }
      }
      if (path === undefined) {
        throw buildError(`trim: the command "${root}" is not on the image's PATH (${dirs.join(':')})`, {
          hint: 'install the package that provides it, or give its absolute path',
        });
      }
    }
    const real = await this.keepPath(path, 'root', { subtree: true, optional: true });
    if (real === null)
      throw buildError(`trim: root /${path} is not in the image`, { hint: 'check the entrypoint, cmd and keep paths' });
    this.markStrict(real);
  }

  private markStrict(path: string): void {
    if (this.strict.has(path)) return;
    this.strict.add(path);
    if (this.inspected.has(path)) this.queue.push(path); // inspected as data before: again, strictly
  }

  /** Keeps one entry (no link following here); queues files for inspection. */
  private keepEntry(path: string, reason: string): boolean {
    const list = this.reasons.get(path);
    if (list) {
      if (!list.includes(reason)) list.push(reason);
      return false;
    }
    const entry = this.tree.get(path);
    if (!entry) return false;
    this.kept.add(path);
    this.reasons.set(path, [reason]);
    if (entry.type !== 'dir' && entry.origin.kind === 'package' && entry.origin.package)
      this.packages.add(entry.origin.package);
    if (entry.type === 'file') this.queue.push(path);
    return true;
  }

  /**
   * Keeps `path` as the kernel would open it: every symlink met on the way (each also keeping
   * what it points at) and the entry reached. Returns the real image path, or null when it is
   * missing (an error unless `optional`).
   */
  private async keepPath(
    path: string,
    reason: string,
    opts: { subtree?: boolean; optional?: boolean } = {},
  ): Promise<string | null> {
    const found = await lookupImagePath(this.view, path);
    if (!found?.ok) {
      if (opts.optional) return null;
      throw buildError(`trim: /${path} is not in the image (${reason})`);
    }
    const real = toImagePath(found.chain.realPath) ?? '';
    for (const link of found.chain.links) this.keepEntry(toImagePath(link.path) ?? '', `symlink to /${real}`);
    if (real === '') return real;
    const entry = this.tree.get(real)!;
    if (this.keepEntry(real, reason) || opts.subtree) await this.follow(entry, opts.subtree === true);
    return real;
  }

  /** What keeping an entry implies beyond itself: a link's target, a hard link's file, a directory's content. */
  private async follow(entry: TreeEntry, subtree: boolean): Promise<void> {
    if (entry.type === 'symlink') {
      const target = resolveLinkTarget(entry.path, entry.target);
      if (target !== null) await this.keepPath(target, `target of symlink /${entry.path}`, { optional: true, subtree });
    } else if (entry.type === 'hardlink') {
      const file = fileBehind(this.tree, entry);
      if (file) this.keepEntry(file.path, `hard link target of /${entry.path}`);
    } else if (entry.type === 'dir' && subtree) {
      const prefix = entry.path === '' ? '' : `${entry.path}/`;
      await this.keepEach(
        this.entries.filter((child) => child.path.startsWith(prefix) && child.path !== entry.path),
        `inside /${entry.path}`,
      );
    }
  }

  private async keepEach(entries: readonly TreeEntry[], reason: string): Promise<void> {
    for (const entry of entries) if (this.keepEntry(entry.path, reason)) await this.follow(entry, false);
  }

  private async applyRule(rule: Rule): Promise<void> {
    const ctx = this.context();
    if (!rule.when(ctx)) return;
    const reason = `rule: ${rule.name}`;
    const patterns =
      rule.keep === undefined
        ? undefined
        : (typeof rule.keep === 'function' ? await rule.keep(ctx) : rule.keep).map(normalizePattern);
    const owners =
      rule.from === undefined
        ? undefined
        : rule.from === 'contributing'
          ? new Set(this.packages)
          : await rule.from(ctx);
    const skip = (rule.exclude ?? []).map((glob) => compileGlob(normalizePattern(glob)));
    const admits = async (entry: TreeEntry) =>
      !skip.some((m) => m(entry.path)) &&
      (owners === undefined || (entry.origin.kind === 'package' && owners.has(entry.origin.package ?? ''))) &&
      (rule.select === undefined || (await rule.select(entry, ctx)));

    const globs = patterns?.filter(isGlob).map(compileGlob);
    if (globs === undefined || globs.length > 0) {
      for (const entry of this.entries) {
        // Implicit directories were made for what lives below them; they follow it.
        if (this.kept.has(entry.path) || (entry.type === 'dir' && this.tree.isImplicit(entry.path))) continue;
        if (globs && !globs.some((m) => m(entry.path))) continue;
        if ((await admits(entry)) && this.keepEntry(entry.path, reason)) await this.follow(entry, false);
      }
    }
    for (const path of patterns?.filter((p) => !isGlob(p)) ?? []) {
      const entry = this.tree.get(path);
      if (entry ? !(await admits(entry)) : owners !== undefined || rule.select !== undefined) continue;
      await this.keepPath(path, reason, { optional: true });
    }
  }

  private context(): RuleContext {
    const { kept, tree } = this;
    return {
      kept,
      packages: this.packages,
      has: (path) => tree.get(normalizePattern(path)) !== undefined,
      keptNamed: (re) => [...kept].filter((p) => tree.get(p)?.type !== 'dir' && re.test(baseName(p))).sort(),
      keptMatching: (re) => [...kept].filter((p) => re.test(p)).sort(),
      imports: (symbol) => this.unknownImports > 0 || this.imported.has(symbol),
      matching: (glob) => {
        const match = compileGlob(normalizePattern(glob));
        return this.entries.filter((e) => match(e.path)).map((e) => e.path);
      },
      readText: (path) => readImageText(this.tree, this.view, path),
      control: (pkg) => {
        let text = this.controls.get(pkg);
        if (!text) this.controls.set(pkg, (text = readImageText(this.tree, this.view, statusPath(pkg))));
        return text;
      },
      resolvesToKept: async (path) => {
        const found = await lookupImagePath(this.view, normalizePattern(path));
        return found?.ok === true && kept.has(toImagePath(found.chain.realPath) ?? '');
      },
    };
  }

  // --- inspecting kept files ----------------------------------------------------------------

  private async drain(): Promise<void> {
    while (this.next < this.queue.length) await this.inspect(this.queue[this.next++]!);
  }

  private async inspect(path: string): Promise<void> {
    const strict = this.strict.has(path);
    const first = !this.inspected.has(path);
    this.inspected.add(path);
    const entry = this.tree.get(path);
    if (entry?.type !== 'file') return;
    const data = await readEntryBytes(entry);
    if (isElf(data)) {
      let info;
      try {
        info = parseElf(data);
      } catch (error) {
        if (isPithError(error)) return; // not something the loader would map either
        throw error;
      }
      if (info.type !== 'exec' && info.type !== 'dyn') return; // object files, core dumps: nothing loads them
      if (first) {
        this.keptSonames.add(baseName(path));
        if (info.soname !== undefined) this.keptSonames.add(info.soname);
        const imports = elfImports(data);
        if (imports === undefined) this.unknownImports++;
        else for (const symbol of imports) this.imported.add(symbol);
      }
      if (strict || !this.inClosure.has(path)) await this.elfClosure(path, strict);
    } else if (data[0] === 0x23 && data[1] === 0x21) {
      // The kernel only honours `#!` when the file is executed: a non-executable script (a
      // library module with a stray shebang) needs no interpreter unless it is the command.
      if ((entry.mode & 0o111) !== 0 || strict) await this.interpreter(path, data, strict);
    }
  }

  private async elfClosure(path: string, strict: boolean): Promise<void> {
    let closure;
    try {
      closure = await resolveClosure(`/${path}`, this.view, {
        ...(this.options.libraryPath ? { extraLibraryDirs: this.options.libraryPath } : {}),
        missing: strict ? 'error' : 'record',
      });
    } catch (error) {
      if (!isPithError(error)) throw error;
      if (!strict) {
        // e.g. a helper for another C library: data here, like a script without its interpreter
        this.unmet.push({ path: `/${path}`, kind: 'library', needs: error.message.replace(`/${path}: `, '') });
        return;
      }
      throw buildError(`trim: ${error.message}`, { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
    }
    for (const need of closure.unresolved) this.unmet.push({ path: need.neededBy, kind: 'library', needs: need.name });
    for (const object of closure.objects) {
      const real = toImagePath(object.chain.realPath) ?? '';
      this.inClosure.add(real);
      const why =
        object.kind === 'interpreter'
          ? `interpreter of ${object.neededBy}`
          : `needed by ${object.neededBy} (${object.soname ?? posix.basename(object.path)})`;
      await this.keepPath(toImagePath(object.path) ?? '', why);
    }
  }

  private async interpreter(path: string, data: Uint8Array, strict: boolean): Promise<void> {
    const shebang = shebangOf(data);
    if (!shebang) return;
    const missing = (needs: string, message: string, hint?: string) => {
      if (strict) throw buildError(`trim: /${path}: ${message}`, hint ? { hint } : {});
      this.unmet.push({ path: `/${path}`, kind: 'interpreter', needs });
    };
    const { interpreter, command } = shebang;
    if (!interpreter.startsWith('/'))
      return missing(interpreter, `its #! interpreter ${interpreter} is a relative path`);
    const real = await this.keepPath(toImagePath(interpreter) ?? '', `interpreter of /${path}`, { optional: true });
    if (real === null)
      return missing(
        interpreter,
        `its #! interpreter ${interpreter} is not in the image`,
        'install the package that provides it',
      );
    if (strict) this.markStrict(real);
    if (baseName(interpreter) !== 'env' || command === undefined) return;
    const candidates = command.includes('/') ? [command] : ENV_PATH.map((dir) => `${dir}/${command}`);
    for (const candidate of candidates) {
      const image = toImagePath(candidate) ?? '';
      if (!(await isRegularFile(this.view, image))) continue;
      const found = await this.keepPath(image, `interpreter of /${path} (via env)`);
      if (strict && found !== null) this.markStrict(found);
      return;
    }
    missing(
      command,
      `its #! line runs "env ${command}", but no ${command} is ${command.includes('/') ? 'in the image' : `on ${ENV_PATH.join(':')} in the image`}`,
      'install the package that provides it',
    );
  }

  // --- result -----------------------------------------------------------------------------

  private result(): TrimResult {
    const { tree, entries, kept, reasons, packages, unmet, keptSonames } = this;
    return closureResult({ tree, entries, kept, reasons, packages, unmet, keptSonames });
  }
}
