/**
 * A fake ImageBuilder for unit tests of the server's routing, single flight and limits: it makes
 * a small but well-formed OCI image (config, one "layer" of deterministic bytes, a manifest per
 * arch, an index for several) from the request, without touching Debian.
 */
import { createHash } from 'node:crypto';
import {
  BuildAbortedError,
  UnsatisfiableError,
  type BuiltArtifact,
  type ImageBuilder,
} from '../../src/server/builder.js';
import type { ImageRequest } from '../../src/server/names.js';
import type { StoredManifest } from '../../src/server/storage.js';
import type { Digest } from '../../src/image/digest.js';
import type { Descriptor } from '../../src/image/types.js';
import { MediaType } from '../../src/image/media-types.js';
import { MemoryStorage } from '../../src/server/memory-storage.js';
import { ImageService, type LogEvent } from '../../src/server/images.js';
import { createHandler } from '../../src/server/handler.js';

const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;

/** Deterministic pseudo-random bytes (a layer stand-in). */
export function fakeBytes(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export interface FakeBuilderOptions {
  /** Each build waits for this before finishing (default: resolves at once). */
  gate?: () => Promise<void>;
  layerSize?: number;
}

export class FakeBuilder implements ImageBuilder {
  builds: ImageRequest[] = [];
  constructor(private readonly options: FakeBuilderOptions = {}) {}

  async build(
    request: ImageRequest,
    options: { signal: AbortSignal; log: (m: string) => void },
  ): Promise<BuiltArtifact> {
    this.builds.push(request);
    options.log(`fake build of ${request.key.canonical}`);
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(new BuildAbortedError(String(options.signal.reason)));
      if (options.signal.aborted) fail();
      else options.signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);
    await Promise.race([this.options.gate?.() ?? Promise.resolve(), aborted]);
    const missing = request.packages.find((p) => p.startsWith('missing'));
    if (missing) throw new UnsatisfiableError(`${missing}: no such package in ${request.suite} (fake)`);
    if (request.packages.includes('explode')) throw new Error('the fake builder exploded');
    return fakeArtifact(request, this.options.layerSize ?? 3000);
  }
}

export function fakeArtifact(request: ImageRequest, layerSize: number): BuiltArtifact {
  const blobs: BuiltArtifact['blobs'] = [];
  const add = (bytes: Buffer, mediaType: string): Descriptor => {
    const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
    blobs.push({
      descriptor,
      source: {
        open: async function* () {
          yield bytes;
        },
      },
    });
    return descriptor;
  };
  const manifests: Array<StoredManifest & { platform: { architecture: string; os: string } }> = [];
  for (const arch of request.archs) {
    const layer = add(fakeBytes(`${request.key.canonical} ${arch}`, layerSize), MediaType.ociLayerGzip);
    const config = add(
      Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
          config: {},
        }),
      ),
      MediaType.ociConfig,
    );
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer] }),
    );
    manifests.push({
      digest: digestOf(bytes),
      mediaType: MediaType.ociManifest,
      bytes,
      platform: { architecture: arch, os: 'linux' },
    });
  }
  if (manifests.length === 1) return { root: manifests[0]!, children: [], blobs };
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: manifests.map((m) => ({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.bytes.byteLength,
        platform: m.platform,
      })),
    }),
  );
  return { root: { digest: digestOf(index), mediaType: MediaType.ociIndex, bytes: index }, children: manifests, blobs };
}

/** A handler over memory storage and the fake builder, with its parts exposed for assertions. */
export function fakeServer(
  options: {
    archs?: string[];
    maxPackages?: number;
    maxConcurrentBuilds?: number;
    buildTimeoutMs?: number;
    builder?: FakeBuilder;
    storage?: MemoryStorage;
  } = {},
) {
  const storage = options.storage ?? new MemoryStorage();
  const builder = options.builder ?? new FakeBuilder();
  const events: LogEvent[] = [];
  const log = (e: LogEvent) => void events.push(e);
  const images = new ImageService({
    storage,
    builder,
    maxConcurrentBuilds: options.maxConcurrentBuilds ?? 2,
    buildTimeoutMs: options.buildTimeoutMs ?? 10_000,
    retryAfterSeconds: 7,
    log,
  });
  const archs = options.archs ?? ['amd64'];
  const handler = createHandler({
    images,
    limits: { maxPackages: options.maxPackages ?? 5, suites: ['bookworm', 'trixie'], archs },
    defaultArch: archs[0]!,
    log,
  });
  const request = (path: string, init: RequestInit = {}) => handler(new Request(`http://registry.test${path}`, init));
  return { storage, builder, images, handler, events, request };
}

/** A promise you resolve from outside, for gating fake builds. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
