/**
 * Builds each corpus entry with `trim: docs` (the spec as written: docs is the default) and with
 * `trim: closure` (the same spec, trim overridden), runs its smoke test on each image, and
 * returns one result per entry and mode. Everything happens in a temporary directory that is
 * removed at the end, containers included, whatever fails.
 */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PITH_BIN } from '../cli.js';
import { Bundle, removeAllContainers, runAsync } from '../container.js';
import { layoutImages } from '../layout.js';
import { CORPUS_DIR, MODES, type CorpusEntry, type Mode } from './corpus.js';
import { startLoopbackServers, type LoopbackServers } from './loopback-servers.js';
import { runSmoke } from './smoke.js';

export interface EntryResult {
  entry: string;
  mode: Mode;
  ok: boolean;
  /** The first failure, one line (`build: ...` or `step N (...): ...`). */
  failure?: string;
  /** Compressed image size: the sum of its layers (undefined when the build failed). */
  size?: number;
  buildMs: number;
  smokeMs: number;
}

export interface CorpusOptions {
  entries: CorpusEntry[];
  /** Where the entries live (default test/corpus): a copy with edited specs, to try a change. */
  corpusDir?: string;
  modes?: readonly Mode[];
  /** pith's cache; default $PITH_CORPUS_CACHE, else ~/.cache/pith-corpus (kept: warm runs reuse it). */
  cacheDir?: string;
  /** Epoch ms after which no entry is started (those left are reported as failures); default 45 min from now. */
  deadline?: number;
  buildTimeoutMs?: number;
  /** Keep the work directory (layouts, build logs) for a look afterwards. */
  keepWork?: boolean;
  onResult?: (r: EntryResult) => void;
}

export const DEFAULT_BUDGET_MS = 45 * 60_000;

export function defaultCacheDir(): string {
  return process.env.PITH_CORPUS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pith-corpus');
}

const workDirs = new Set<string>();

/** Removes the containers and work directories of runs still going (for signal handlers and exit). */
export function abandonCorpusRuns(): void {
  removeAllContainers();
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  workDirs.clear();
}

export async function runCorpus(options: CorpusOptions): Promise<{ results: EntryResult[]; work: string }> {
  const work = mkdtempSync(join(tmpdir(), 'pith-corpus-'));
  if (workDirs.size === 0) process.once('exit', abandonCorpusRuns);
  if (!options.keepWork) workDirs.add(work);
  const deadline = options.deadline ?? Date.now() + DEFAULT_BUDGET_MS;
  const results: EntryResult[] = [];
  let servers: LoopbackServers | undefined;
  try {
    servers = await startLoopbackServers(join(options.corpusDir ?? CORPUS_DIR, 'tls'));
    const placeholders = servers.placeholders;
    cpSync(options.corpusDir ?? CORPUS_DIR, join(work, 'corpus'), { recursive: true });
    for (const entry of options.entries) {
      for (const mode of options.modes ?? MODES) {
        const result =
          Date.now() > deadline
            ? {
                entry: entry.name,
                mode,
                ok: false,
                failure: 'not run: the corpus time budget was spent',
                buildMs: 0,
                smokeMs: 0,
              }
            : await runOne(entry, mode, {
                work,
                cacheDir: options.cacheDir ?? defaultCacheDir(),
                placeholders,
                buildTimeoutMs: options.buildTimeoutMs ?? 15 * 60_000,
                keepImages: options.keepWork ?? false,
              });
        results.push(result);
        options.onResult?.(result);
      }
    }
    return { results, work };
  } finally {
    removeAllContainers();
    await servers?.close();
    if (!options.keepWork) rmSync(work, { recursive: true, force: true });
    workDirs.delete(work);
  }
}

interface RunContext {
  work: string;
  cacheDir: string;
  placeholders: Record<string, string>;
  buildTimeoutMs: number;
  keepImages: boolean;
}

/** The spec as written for docs; a copy with `trim: closure` appended for closure. */
function specFor(entryDir: string, mode: Mode): string {
  const spec = join(entryDir, 'pith.yaml');
  if (mode === 'docs') return spec;
  const closure = join(entryDir, 'pith.closure.yaml');
  writeFileSync(closure, readFileSync(spec, 'utf8'));
  appendFileSync(closure, '\ntrim: closure\n');
  return closure;
}

async function runOne(entry: CorpusEntry, mode: Mode, ctx: RunContext): Promise<EntryResult> {
  const entryDir = join(ctx.work, 'corpus', entry.name);
  const out = join(ctx.work, 'images', `${entry.name}-${mode}.oci`);
  mkdirSync(join(ctx.work, 'images'), { recursive: true });
  const t0 = Date.now();
  const built = await runAsync(
    process.execPath,
    [PITH_BIN, 'build', specFor(entryDir, mode), '-o', out, '--cache-dir', ctx.cacheDir, '--json'],
    ctx.buildTimeoutMs,
  );
  writeFileSync(join(ctx.work, 'images', `${entry.name}-${mode}.build.log`), built.stderr);
  const buildMs = Date.now() - t0;
  if (built.code !== 0) {
    const last = built.stderr.trim().split('\n').pop() ?? '';
    return {
      entry: entry.name,
      mode,
      ok: false,
      failure: tidy(`build: ${last || `exit ${built.code}`}`, ctx.work),
      buildMs,
      smokeMs: 0,
    };
  }
  const summary = JSON.parse(built.stdout) as { images: Array<{ layers: Array<{ size: number }> }> };
  const size = summary.images[0]!.layers.reduce((n, l) => n + l.size, 0);
  const t1 = Date.now();
  let failure: string | undefined;
  let bundle: Bundle | undefined;
  try {
    const config = layoutImages(out)[0]!.config.config as { Entrypoint?: string[]; Cmd?: string[] };
    bundle = await Bundle.unpack(out, 'latest', ctx.work);
    failure = await runSmoke(
      bundle,
      entry.steps,
      { entrypoint: config.Entrypoint ?? [], cmd: config.Cmd ?? [] },
      ctx.placeholders,
    );
  } catch (e) {
    failure = `smoke: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  } finally {
    bundle?.dispose();
    if (!ctx.keepImages)
      for (const p of [out, `${out}.spdx.json`, `${out}.cdx.json`]) rmSync(p, { recursive: true, force: true });
  }
  return {
    entry: entry.name,
    mode,
    ok: failure === undefined,
    ...(failure ? { failure: tidy(failure, ctx.work) } : {}),
    size,
    buildMs,
    smokeMs: Date.now() - t1,
  };
}

/** A failure line without the work directory's path and runc's log-line wrapping. */
function tidy(failure: string, work: string): string {
  return failure
    .split(`${work}/corpus/`)
    .join('test/corpus/')
    .replace(
      /time="[^"]*" level=error msg="runc run failed: (.*?)"( \||$)/,
      (_m, msg: string, rest: string) => `runc: ${msg.replace(/\\"/g, '"')}${rest}`,
    );
}
