/**
 * `trim: closure`: keep only what the image's programs can reach. Starting from roots (the
 * entrypoint, cmd, and the spec's keep globs), the kept set grows to a fixed point through
 *   - symlinks: every link met while resolving a kept path is kept, and so is what it points to;
 *   - ELF closure: for each kept ELF executable or shared object, the interpreter and DT_NEEDED
 *     libraries resolved inside the image's own tree (resolve/elf over treeFsView); a library that
 *     cannot be found is an error naming the file and the soname;
 *   - `#!` lines: the interpreter of each kept executable script (and for `/usr/bin/env x`, the
 *     first `x` on the default PATH);
 *   - hard links: the file a kept hard link points at;
 *   - the rules table (rules.ts): modules, configuration and data loaded at run time.
 * Directories above kept entries are kept; a root or keep entry naming a directory (no wildcard)
 * keeps everything below it. Everything else is dropped.
 *
 * The engine is pure over the tree: it reads entries (host-sourced files from disk) and never
 * changes the input; applyTrim builds the trimmed tree.
 */
import { posix } from 'node:path';
import { buildError, isPithError } from '../../errors.js';
import { resolveClosure } from '../../resolve/elf/closure.js';
import type { FsView } from '../../resolve/elf/fs-view.js';
import { isElf, parseElf } from '../../resolve/elf/parse.js';
import { lookupPath } from '../../resolve/elf/paths.js';
import { elfImports } from '../../resolve/elf/symbols.js';
import type { TreeEntry } from '../entry.js';
import { compareBytes, FsTree } from '../fs-tree.js';
import { ancestorsOf, baseName, resolveLinkTarget, toImagePath } from '../paths.js';
import { compileGlob, isGlob, normalizePattern } from './glob.js';
import { DEFAULT_RULES, type Rule, type RuleContext } from './rules.js';
import { fileBehind, readEntryBytes, treeFsView } from './tree-fs-view.js';

export interface ClosureTrimOptions {
  /** Image paths (absolute or not): entrypoint[0], cmd[0] when absolute. Globs are allowed. A plain path must exist. */
  roots: string[];
  /** The spec's `keep:` globs; a plain path naming a directory keeps its whole subtree. Matching nothing is fine. */
  keep?: string[];
  /** Defaults to DEFAULT_RULES; pass [] to turn implicit needs off, or DEFAULT_RULES plus your own. */
  rules?: readonly Rule[];
  /** The image's LD_LIBRARY_PATH (config Env), searched as the loader would. */
  libraryPath?: string[];
}

export interface TrimmedPath {
  path: string;
  type: TreeEntry['type'];
  /** Bytes of a regular file; 0 for everything else. */
  size: number;
  package?: string;
}

export interface TrimResult {
  /** Image paths (no leading slash) that stay, directories included. */
  kept: Set<string>;
  /** Every entry that goes, sorted by path. */
  dropped: TrimmedPath[];
  /** Why each kept path stays: 'root', 'needed by X (libfoo.so.1)', 'rule: glibc-nss', ... */
  reasons: Map<string, string[]>;
  /** Every kept non-directory entry, sorted by path (for explain()). */
  keptFiles: TrimmedPath[];
  /**
   * Things left unfollowed that are not errors: `#!` interpreters missing for scripts only a
   * rule kept (e.g. base-files' /etc/update-motd.d scripts: data for a login that never runs).
   */
  warnings: string[];
}

/** Where `env` looks when a script says `#!/usr/bin/env name` (the kernel gives it no PATH; env's default). */
const ENV_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const SHEBANG_MAX = 256;

export async function trimToClosure(tree: FsTree, options: ClosureTrimOptions): Promise<TrimResult> {
  return new ClosureTrim(tree, options).run();
}

class ClosureTrim {
  private readonly view: FsView;
  private readonly entries: TreeEntry[];
  private readonly kept = new Set<string>();
  private readonly reasons = new Map<string, string[]>();
  /** Kept regular files still to inspect (ELF, `#!`). */
  private readonly queue: string[] = [];
  /** Files whose ELF closure is already part of another object's (found by resolveClosure). */
  private readonly inClosure = new Set<string>();
  private readonly packages = new Set<string>();
  private readonly rootFiles = new Set<string>();
  private readonly warnings: string[] = [];
  /** Symbols imported by the kept ELF objects; `unknownImports` counts objects whose imports cannot be read. */
  private readonly imported = new Set<string>();
  private unknownImports = 0;

  constructor(
    private readonly tree: FsTree,
    private readonly options: ClosureTrimOptions,
  ) {
    this.view = treeFsView(tree);
    this.entries = tree.list();
  }

  async run(): Promise<TrimResult> {
    for (const root of this.options.roots) {
      const pattern = normalizePattern(root);
      if (isGlob(pattern)) {
        await this.keepMatching([pattern], [], 'root', false);
        continue;
      }
      const real = await this.keepPath(pattern, 'root', { subtree: true, optional: true });
      if (real === null) throw buildError(`trim: root /${pattern} is not in the image`, { hint: 'check the entrypoint, cmd and keep paths' });
      this.rootFiles.add(real);
    }
    for (const glob of this.options.keep ?? []) {
      const pattern = normalizePattern(glob);
      if (isGlob(pattern)) await this.keepMatching([pattern], [], `keep: ${glob}`, false);
      else await this.keepPath(pattern, `keep: ${glob}`, { subtree: true, optional: true });
    }
    const rules = this.options.rules ?? DEFAULT_RULES;
    for (;;) {
      await this.drain();
      const before = this.kept.size;
      for (const rule of rules) await this.applyRule(rule);
      if (this.kept.size === before && this.queue.length === 0) break;
    }
    return this.result();
  }

  // --- growing the kept set ---------------------------------------------------------------

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
    if (entry.type !== 'dir' && entry.origin.kind === 'package' && entry.origin.package) this.packages.add(entry.origin.package);
    if (entry.type === 'file') this.queue.push(path);
    return true;
  }

  /**
   * Keeps `path` as the kernel would open it: every symlink met on the way (each also keeping
   * what it points at) and the entry reached. Returns the real image path, or null when it is
   * missing (an error unless `optional`).
   */
  private async keepPath(path: string, reason: string, opts: { subtree?: boolean; optional?: boolean } = {}): Promise<string | null> {
    const found = await lookupPath(`/${path}`, this.view);
    if (!found.ok) {
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
      for (const child of this.entries) {
        if (!child.path.startsWith(prefix) || child.path === entry.path) continue;
        if (this.keepEntry(child.path, `inside /${entry.path}`)) await this.follow(child, false);
      }
    }
  }

  /** Keeps every entry matching a glob (and not an exclude), following links and hard links. */
  private async keepMatching(globs: string[], exclude: readonly string[], reason: string, ownPackages: boolean): Promise<void> {
    const include = globs.map(compileGlob);
    const skip = exclude.map(compileGlob);
    const owners = new Set(this.packages);
    for (const entry of this.entries) {
      if (this.kept.has(entry.path) || !include.some((m) => m(entry.path)) || skip.some((m) => m(entry.path))) continue;
      if (ownPackages && !(entry.origin.kind === 'package' && entry.origin.package && owners.has(entry.origin.package))) continue;
      if (this.keepEntry(entry.path, reason)) await this.follow(entry, false);
    }
  }

  private async applyRule(rule: Rule): Promise<void> {
    const ctx = this.context();
    if (!rule.when(ctx)) return;
    const reason = `rule: ${rule.name}`;
    const patterns = (typeof rule.keep === 'function' ? await rule.keep(ctx) : rule.keep).map(normalizePattern);
    const exclude = (rule.exclude ?? []).map(normalizePattern);
    const globs = patterns.filter(isGlob);
    if (globs.length > 0) await this.keepMatching(globs, exclude, reason, rule.ownPackages === true);
    const skip = exclude.map(compileGlob);
    for (const path of patterns.filter((p) => !isGlob(p))) {
      if (skip.some((m) => m(path))) continue;
      if (rule.ownPackages) {
        const entry = this.tree.get(path);
        if (!(entry?.origin.package && this.packages.has(entry.origin.package))) continue;
      }
      await this.keepPath(path, reason, { optional: true });
    }
  }

  private context(): RuleContext {
    const kept = this.kept;
    const tree = this.tree;
    return {
      kept,
      packages: this.packages,
      has: (path) => tree.get(normalizePattern(path)) !== undefined,
      keptNamed: (re) => [...kept].filter((p) => tree.get(p)?.type !== 'dir' && re.test(baseName(p))).sort(),
      imports: (symbol) => this.unknownImports > 0 || this.imported.has(symbol),
      matching: (glob) => {
        const match = compileGlob(normalizePattern(glob));
        return this.entries.filter((e) => match(e.path)).map((e) => e.path);
      },
      readText: async (path) => {
        let entry: TreeEntry | undefined;
        try {
          const found = await lookupPath(`/${normalizePattern(path)}`, this.view);
          entry = found.ok ? tree.get(toImagePath(found.chain.realPath) ?? '') : undefined;
        } catch (error) {
          if (!isPithError(error)) throw error; // a symlink loop: no such file
        }
        const file = entry ? fileBehind(tree, entry) : undefined;
        return file ? new TextDecoder().decode(await readEntryBytes(file)) : undefined;
      },
    };
  }

  // --- inspecting kept files ----------------------------------------------------------------

  private async drain(): Promise<void> {
    for (let path = this.queue.shift(); path !== undefined; path = this.queue.shift()) await this.inspect(path);
  }

  private async inspect(path: string): Promise<void> {
    const entry = this.tree.get(path);
    if (entry?.type !== 'file') return;
    const data = await readEntryBytes(entry);
    if (isElf(data)) {
      let type: string;
      try {
        type = parseElf(data).type;
      } catch (error) {
        if (isPithError(error)) return; // not something the loader would map either
        throw error;
      }
      if (type !== 'exec' && type !== 'dyn') return; // object files, core dumps: nothing loads them
      const imports = elfImports(data);
      if (imports === undefined) this.unknownImports++;
      else for (const symbol of imports) this.imported.add(symbol);
      if (!this.inClosure.has(path)) await this.elfClosure(path);
    } else if (data[0] === 0x23 && data[1] === 0x21) {
      // The kernel only honours `#!` when the file is executed: a non-executable script (a
      // library module with a stray shebang) needs no interpreter unless it is a root.
      if ((entry.mode & 0o111) !== 0 || this.rootFiles.has(path)) await this.interpreter(path, data);
    }
  }

  private async elfClosure(path: string): Promise<void> {
    let closure;
    try {
      closure = await resolveClosure(`/${path}`, this.view, this.options.libraryPath ? { extraLibraryDirs: this.options.libraryPath } : {});
    } catch (error) {
      if (isPithError(error)) {
        throw buildError(`trim: ${error.message}`, { cause: error, ...(error.hint ? { hint: error.hint } : {}) });
      }
      throw error;
    }
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

  private async interpreter(path: string, data: Uint8Array): Promise<void> {
    const head = Buffer.from(data.subarray(2, Math.min(data.byteLength, SHEBANG_MAX)));
    const newline = head.indexOf(0x0a);
    const line = head.subarray(0, newline < 0 ? head.byteLength : newline).toString('utf8').trim();
    const [interp, ...args] = line.split(/[ \t]+/);
    if (!interp) return;
    if (!interp.startsWith('/')) {
      throw buildError(`trim: /${path}: its #! interpreter ${interp} is a relative path`);
    }
    const real = await this.keepPath(toImagePath(interp) ?? '', `interpreter of /${path}`, { optional: true });
    if (real === null) {
      // Scripts that only a rule kept (configuration hooks) are data here, not programs to run.
      if ((this.reasons.get(path) ?? []).every((r) => r.startsWith('rule: '))) {
        this.warnings.push(`/${path}: its #! interpreter ${interp} is not in the image (kept by ${this.reasons.get(path)!.join(', ')})`);
        return;
      }
      throw buildError(`trim: /${path}: its #! interpreter ${interp} is not in the image`, { hint: 'install the package that provides it' });
    }
    if (baseName(interp) !== 'env') return;
    const command = args.find((a) => !a.startsWith('-') && !a.includes('='));
    if (command === undefined) return;
    if (command.includes('/')) {
      if ((await this.keepPath(toImagePath(command) ?? '', `interpreter of /${path} (via env)`, { optional: true })) === null) {
        throw buildError(`trim: /${path}: its #! interpreter ${command} is not in the image`);
      }
      return;
    }
    for (const dir of ENV_PATH) {
      const candidate = `${dir}/${command}`;
      const found = await lookupPath(candidate, this.view);
      if (!found.ok || (await this.view.lstat(found.chain.realPath))?.type !== 'file') continue;
      await this.keepPath(toImagePath(candidate) ?? '', `interpreter of /${path} (via env)`);
      return;
    }
    throw buildError(`trim: /${path}: its #! line runs "env ${command}", but no ${command} is on ${ENV_PATH.join(':')} in the image`, {
      hint: 'install the package that provides it',
    });
  }

  // --- result -----------------------------------------------------------------------------

  private result(): TrimResult {
    for (const path of [...this.kept]) {
      for (const dir of ancestorsOf(path)) {
        if (!this.kept.has(dir) && this.tree.get(dir)?.type === 'dir') {
          this.kept.add(dir);
          this.reasons.set(dir, ['directory above kept entries']);
        }
      }
    }
    const dropped: TrimmedPath[] = [];
    const keptFiles: TrimmedPath[] = [];
    for (const entry of this.entries) {
      const item: TrimmedPath = { path: entry.path, type: entry.type, size: entry.type === 'file' ? entry.size : 0 };
      if (entry.origin.kind === 'package' && entry.origin.package) item.package = entry.origin.package;
      if (!this.kept.has(entry.path)) dropped.push(item);
      else if (entry.type !== 'dir') keptFiles.push(item);
    }
    return { kept: this.kept, dropped, reasons: this.reasons, keptFiles, warnings: this.warnings };
  }
}

/** A new tree with only the kept entries, each with its original metadata and origin. */
export function applyTrim(tree: FsTree, result: TrimResult): FsTree {
  const out = new FsTree();
  for (const entry of tree.list()) {
    if (!result.kept.has(entry.path)) continue;
    // Directories nobody asked for stay implicit: they reappear (0755 root) below kept entries.
    if (entry.type === 'dir' && tree.isImplicit(entry.path)) continue;
    const { path, ...rest } = entry;
    out.add(path, rest);
  }
  return out;
}

/** Reasons listed per kept file by `--explain`; more are counted. */
const MAX_REASONS_SHOWN = 3;

/**
 * `--explain`: for each package (or origin), every kept file with its size and why it is kept,
 * and every dropped file with its size; then one line per package with kept against dropped
 * files and bytes, and the totals. Directories are left out (they follow what they hold).
 */
export function explain(result: TrimResult): string {
  type Totals = ReturnType<typeof trimTotals>;
  interface Row extends Totals { lines: string[] }
  const rows = new Map<string, Row>();
  const row = (key: string) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { keptFiles: 0, keptBytes: 0, droppedFiles: 0, droppedBytes: 0, lines: [] }));
    return r;
  };
  const keyOf = (item: TrimmedPath) => item.package ?? '(not from a package)';
  const size = (item: TrimmedPath) => (item.type === 'file' ? `${item.size} B` : item.type);
  for (const item of result.keptFiles) {
    const r = row(keyOf(item));
    r.keptFiles++;
    r.keptBytes += item.size;
    const why = result.reasons.get(item.path) ?? [];
    const shown = why.length > MAX_REASONS_SHOWN ? [...why.slice(0, MAX_REASONS_SHOWN), `and ${why.length - MAX_REASONS_SHOWN} more`] : why;
    r.lines.push(`  + /${item.path}  ${size(item)}  ${shown.join('; ')}`);
  }
  for (const item of result.dropped) {
    if (item.type === 'dir') continue;
    const r = row(keyOf(item));
    r.droppedFiles++;
    r.droppedBytes += item.size;
    r.lines.push(`  - /${item.path}  ${size(item)}`);
  }
  const detail: string[] = [];
  const table: string[] = [];
  const fmt = (name: string, r: Totals) =>
    `${name.padEnd(32)} kept ${String(r.keptFiles).padStart(6)} files ${String(r.keptBytes).padStart(12)} B   ` +
    `dropped ${String(r.droppedFiles).padStart(6)} files ${String(r.droppedBytes).padStart(12)} B`;
  for (const name of [...rows.keys()].sort(compareBytes)) {
    const r = rows.get(name)!;
    detail.push(`${name}: kept ${r.keptFiles} files (${r.keptBytes} B), dropped ${r.droppedFiles} files (${r.droppedBytes} B)`, ...r.lines);
    table.push(fmt(name, r));
  }
  table.push(fmt('total', trimTotals(result)));
  return `${detail.join('\n')}\n\n${table.join('\n')}\n`;
}

/** Kept and dropped files and bytes, directories left out (the figures `--explain` totals). */
export function trimTotals(result: TrimResult): { keptFiles: number; keptBytes: number; droppedFiles: number; droppedBytes: number } {
  const dropped = result.dropped.filter((d) => d.type !== 'dir');
  return {
    keptFiles: result.keptFiles.length,
    keptBytes: result.keptFiles.reduce((n, f) => n + f.size, 0),
    droppedFiles: dropped.length,
    droppedBytes: dropped.reduce((n, f) => n + f.size, 0),
  };
}
