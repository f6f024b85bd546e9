/**
 * Step 0 of a build: what the whole run shares, settled before any work: where the output goes
 * (checked writable first, so a build never fails after the work), the epoch, the compression,
 * the cache and its blob store (swept of what killed runs left), the architectures and the
 * index's annotations.
 */
import { access, constants, readlink, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { buildError, usageError } from '../errors.js';
import { isoTime } from '../image/mutate.js';
import { hostArch } from '../image/platform.js';
import type { Compression } from '../layers/compression/codecs.js';
import { sinks } from '../transports/sinks.js';
import type { Sink } from '../transports/types.js';
import type { LoadedSpec } from '../spec/load.js';
import type { Spec } from '../spec/types.js';
import { BlobStore } from '../store/blob-store.js';
import { defaultCacheDir } from '../store/cache-dir.js';
import { sweepOnce } from '../store/stale-temp.js';
import type { BuildOptions } from './types.js';

export interface Run {
  loaded: LoadedSpec;
  spec: Spec;
  options: BuildOptions;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  /** The build epoch (seconds): every mtime and the config's `created`. */
  created: number;
  compression: Compression;
  cacheDir: string;
  store: BlobStore;
  archs: string[];
  /** The index's annotations (each platform image adds its own). */
  annotations: Record<string, string>;
  output?: { format: string; path: string; sink: Sink };
}

export async function prepareRun(loaded: LoadedSpec, options: BuildOptions): Promise<Run> {
  const { spec } = loaded;
  const env = options.env ?? process.env;
  const sink = options.output ? sinks.get(options.output.format) : undefined;
  if (options.output && !sink) {
    throw usageError(`unknown output format "${options.output.format}" (use one of: ${[...sinks.keys()].join(', ')})`);
  }
  if (options.output) await checkOutputWritable(options.output.path);
  const created = buildEpoch(spec, env);
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  // What killed runs left behind (temporaries, unpack spools) goes before this run adds its own.
  await sweepOnce(cacheDir);
  const annotations: Record<string, string> = {
    ...spec.annotations,
    'org.opencontainers.image.created': isoTime(created),
  };
  if (spec.base) annotations['org.opencontainers.image.base.name'] = spec.base;
  return {
    loaded,
    spec,
    options,
    env,
    log: options.log ?? (() => undefined),
    created,
    compression: options.compression ?? spec.compression,
    cacheDir,
    store: new BlobStore(join(cacheDir, 'blobs')),
    archs: spec.archs ?? [hostArch()],
    annotations,
    ...(options.output && sink ? { output: { ...options.output, sink } } : {}),
  };
}

/** The build epoch: the spec's `created`, else SOURCE_DATE_EPOCH, else 0 (1970-01-01). */
export function buildEpoch(spec: LoadedSpec['spec'], env: NodeJS.ProcessEnv): number {
  if (spec.created !== undefined) return spec.created;
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw usageError(`SOURCE_DATE_EPOCH must be a whole number of seconds, not "${sde}"`);
    return Number(sde);
  }
  return 0;
}

/** Fail before building, not after, when the output can't be written. */
async function checkOutputWritable(path: string): Promise<void> {
  // The output is replaced by a rename, which would replace the link itself (or fail, for a layout
  // directory): say so before building rather than fail or surprise after.
  const link = await readlink(path).catch(() => undefined);
  if (link !== undefined) {
    throw buildError(
      `cannot write ${path}: it is a symbolic link (to ${link}), and pith does not write outputs through links`,
      {
        hint: `pass the path it points to with -o, or remove the link`,
      },
    );
  }
  const parent = dirname(resolve(path));
  try {
    const info = await stat(parent);
    if (!info.isDirectory()) throw buildError(`cannot write ${path}: ${parent} is not a directory`);
    await access(parent, constants.W_OK);
  } catch (err) {
    if (err instanceof Error && err.name === 'PithError') throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw buildError(
      `cannot write ${path}: ${code === 'ENOENT' ? `directory ${parent} does not exist` : `${parent} is not writable`}`,
      {
        hint: 'create the directory or choose another -o',
      },
    );
  }
}
