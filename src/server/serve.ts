/**
 * `pith serve` assembled: local storage and the library builder under the cache directory, the
 * image service, the handler and the node:http listener.
 *
 *   <cache>/                  pith's build cache (blobs, .debs, indexes, layers), shared with pith build
 *   <cache>/serve/work/<id>/  pith.yaml and pith.lock of each image key: the pin
 *   <cache>/serve/store/      LocalStorage: blobs/sha256/<hex>, keys/<id>.json
 */
import { join } from 'node:path';
import { hostArch } from '../image/platform.js';
import { createHandler, type Handler } from './handler.js';
import { ImageService, type EventLog } from './images.js';
import { LibraryBuilder } from './library-builder.js';
import { LocalStorage } from './local-storage.js';
import { DEFAULT_SUITE, type NameLimits } from './names.js';
import { listenNode, type NodeServer } from './node.js';
import type { ImageBuilder } from './builder.js';
import type { ImageStorage } from './storage.js';
import type { ConnectionLimits } from './connection-guard.js';

export interface ServeOptions {
  host: string;
  port: number;
  cacheDir: string;
  /** Default 20. */
  maxPackages?: number;
  /** Default 600 s. */
  buildTimeoutMs?: number;
  /** Default 2. */
  maxConcurrentBuilds?: number;
  /** Default: the host's. */
  archs?: string[];
  /** Suites a tag may name; default bookworm and trixie. */
  suites?: string[];
  /** Default: LocalStorage in <cacheDir>/serve/store. */
  storage?: ImageStorage;
  /** Default: LibraryBuilder with the cache. */
  builder?: ImageBuilder;
  log?: EventLog;
  /** Timeouts and connection caps (connection-guard.ts); defaults otherwise. */
  connections?: Partial<ConnectionLimits>;
}

export const SERVE_DEFAULTS = {
  maxPackages: 20,
  buildTimeoutMs: 600_000,
  maxConcurrentBuilds: 2,
  suites: [DEFAULT_SUITE, 'trixie'],
} as const;

export interface RunningServe {
  url: string;
  port: number;
  images: ImageService;
  handler: Handler;
  /** Graceful: stop accepting, finish requests in progress (up to graceMs), stop running builds. */
  close(graceMs?: number): Promise<void>;
}

export function serveParts(options: Omit<ServeOptions, 'host' | 'port'>): {
  images: ImageService;
  handler: Handler;
  limits: NameLimits;
  draining: { value: boolean };
} {
  const log = options.log ?? (() => undefined);
  const archs = options.archs ?? [hostArch()];
  const limits: NameLimits = {
    maxPackages: options.maxPackages ?? SERVE_DEFAULTS.maxPackages,
    suites: options.suites ?? [...SERVE_DEFAULTS.suites],
    archs,
  };
  const storage = options.storage ?? new LocalStorage(join(options.cacheDir, 'serve', 'store'));
  const builder =
    options.builder ??
    new LibraryBuilder({ cacheDir: options.cacheDir, workRoot: join(options.cacheDir, 'serve', 'work') });
  const images = new ImageService({
    storage,
    builder,
    maxConcurrentBuilds: options.maxConcurrentBuilds ?? SERVE_DEFAULTS.maxConcurrentBuilds,
    buildTimeoutMs: options.buildTimeoutMs ?? SERVE_DEFAULTS.buildTimeoutMs,
    log,
  });
  const draining = { value: false };
  const defaultArch = archs.includes(hostArch()) ? hostArch() : archs[0]!;
  const handler = createHandler({ images, limits, defaultArch, log, draining: () => draining.value });
  return { images, handler, limits, draining };
}

export async function startServe(options: ServeOptions): Promise<RunningServe> {
  const { images, handler, draining } = serveParts(options);
  const server: NodeServer = await listenNode(handler, {
    host: options.host,
    port: options.port,
    ...(options.log ? { log: options.log } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
  });
  return {
    url: server.url,
    port: server.port,
    images,
    handler,
    async close(graceMs = 10_000) {
      draining.value = true;
      // Requests waiting on a build wait for it (up to the grace period); what is left is stopped.
      const closing = server.close(graceMs);
      const timer = setTimeout(() => images.abortAll('the server is shutting down'), graceMs);
      await closing;
      clearTimeout(timer);
      images.abortAll('the server is shutting down');
      images.storage.close?.();
    },
  };
}
