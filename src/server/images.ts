/**
 * Images by key: served from storage when built before, else built once. Concurrent requests
 * for the same new image share one build (single flight); new builds beyond the concurrency
 * limit are refused with 429, and a build that runs past its time is stopped.
 */
import { isPithError } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { BuildAbortedError, UnsatisfiableError, type BuiltArtifact, type ImageBuilder } from './builder.js';
import { DistributionError } from './errors.js';
import { describeRequest, type ImageRequest } from './names.js';
import type { ImageStorage, StoredManifest } from './storage.js';
import { mapLimit } from '../concurrency.js';

export type LogEvent = Record<string, unknown> & { event: string };
export type EventLog = (event: LogEvent) => void;

export interface ImageServiceOptions {
  storage: ImageStorage;
  builder: ImageBuilder;
  /** New builds running at once; more are answered 429. */
  maxConcurrentBuilds: number;
  /** A build running longer is stopped and its requests answered 504. */
  buildTimeoutMs: number;
  /** Seconds a 429 asks clients to wait. */
  retryAfterSeconds?: number;
  /** How long a name that can't be built (unknown package) is answered from memory. */
  failureTtlMs?: number;
  log?: EventLog;
}

export interface BuildCounters {
  started: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  /** Refused with 429 (over --max-concurrent-builds). */
  rejected: number;
  running: number;
}

/** A small map that forgets its oldest entries past `limit`. */
class Recent<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  get size(): number {
    return this.map.size;
  }
}

export class ImageService {
  readonly counters: BuildCounters = { started: 0, succeeded: 0, failed: 0, timedOut: 0, rejected: 0, running: 0 };
  private readonly roots = new Recent<StoredManifest>(4096);
  private readonly manifests = new Recent<StoredManifest>(8192);
  private readonly failures = new Recent<{ error: DistributionError; until: number }>(1024);
  private readonly inflight = new Map<string, Promise<StoredManifest>>();
  private readonly running = new Set<AbortController>();
  private readonly log: EventLog;

  constructor(private readonly options: ImageServiceOptions) {
    this.log = options.log ?? (() => undefined);
  }

  get storage(): ImageStorage {
    return this.options.storage;
  }

  /** The root manifest or index for the request, building it first if it was never built. */
  rootFor(request: ImageRequest): Promise<StoredManifest> {
    const id = request.key.id;
    const known = this.roots.get(id);
    if (known) return Promise.resolve(known);
    let flight = this.inflight.get(id);
    if (!flight) {
      flight = this.lookupOrBuild(request);
      this.inflight.set(id, flight);
      flight.finally(() => this.inflight.delete(id)).catch(() => undefined);
    }
    return flight;
  }

  /** A manifest (root or platform manifest) by digest, from memory or storage. */
  async manifestByDigest(digest: Digest): Promise<StoredManifest | undefined> {
    const known = this.manifests.get(digest);
    if (known) return known;
    const stored = await this.options.storage.getManifestByDigest(digest);
    if (stored) this.manifests.set(digest, stored);
    return stored;
  }

  /** Builds whose key is in flight right now (for /healthz). */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Stop running builds (shutdown): their requests get an error. */
  abortAll(reason: string): void {
    for (const controller of this.running) controller.abort(reason);
  }

  private remember(id: string, root: StoredManifest, children: StoredManifest[] = []): void {
    this.roots.set(id, root);
    this.manifests.set(root.digest, root);
    for (const child of children) this.manifests.set(child.digest, child);
  }

  private async lookupOrBuild(request: ImageRequest): Promise<StoredManifest> {
    const id = request.key.id;
    const stored = await this.options.storage.getManifest(id);
    if (stored) {
      this.remember(id, stored);
      return stored;
    }
    const failure = this.failures.get(id);
    if (failure && failure.until > Date.now()) throw failure.error;
    this.admitBuild(request);
    return this.build(request);
  }

  /** Refuses a build over the limit (429) or counts it as running. */
  private admitBuild(request: ImageRequest): void {
    // Checked and counted with no await in between, so the limit holds under any interleaving.
    if (this.counters.running >= this.options.maxConcurrentBuilds) {
      this.counters.rejected += 1;
      const retry = this.options.retryAfterSeconds ?? 10;
      this.log({
        event: 'build-rejected',
        key: request.key.id,
        image: describeRequest(request),
        running: this.counters.running,
      });
      throw new DistributionError(
        'TOOMANYREQUESTS',
        `${this.counters.running} images are being built (--max-concurrent-builds ${this.options.maxConcurrentBuilds}); retry in ${retry} s`,
        { image: describeRequest(request) },
        429,
        { 'Retry-After': String(retry) },
      );
    }
    this.counters.running += 1;
    this.counters.started += 1;
  }

  /** Builds an admitted request under its timeout, stores and remembers it; always releases its slot. */
  private async build(request: ImageRequest): Promise<StoredManifest> {
    const id = request.key.id;
    const started = Date.now();
    const controller = new AbortController();
    this.running.add(controller);
    const timeoutS = this.options.buildTimeoutMs / 1000;
    const timer = setTimeout(
      () => controller.abort(`the build took longer than ${timeoutS} s (--build-timeout) and was stopped`),
      this.options.buildTimeoutMs,
    );
    this.log({ event: 'build-start', key: id, image: describeRequest(request), canonical: request.key.canonical });
    try {
      const artifact = await this.options.builder.build(request, {
        signal: controller.signal,
        log: (message) => this.log({ event: 'build-progress', key: id, message }),
      });
      await this.store(id, artifact);
      this.counters.succeeded += 1;
      this.log({
        event: 'build-done',
        key: id,
        image: describeRequest(request),
        digest: artifact.root.digest,
        ms: Date.now() - started,
      });
      this.remember(id, artifact.root, artifact.children);
      return artifact.root;
    } catch (err) {
      throw this.buildFailed(err, request, started);
    } finally {
      clearTimeout(timer);
      this.running.delete(controller);
      this.counters.running -= 1;
    }
  }

  /** Counts and logs a failed build, remembers a name that can't be built; returns the error to answer. */
  private buildFailed(err: unknown, request: ImageRequest, started: number): DistributionError {
    const id = request.key.id;
    const error = this.registryErrorFor(err, request);
    if (err instanceof BuildAbortedError) this.counters.timedOut += 1;
    this.counters.failed += 1;
    if (error.code === 'NAME_UNKNOWN')
      this.failures.set(id, { error, until: Date.now() + (this.options.failureTtlMs ?? 60_000) });
    this.log({
      event: 'build-failed',
      key: id,
      image: describeRequest(request),
      code: error.code,
      status: error.status,
      reason: error.message,
      ms: Date.now() - started,
    });
    return error;
  }

  /** Blobs first, then platform manifests, then the root bound to the key: never a key to missing content. */
  private async store(id: string, artifact: BuiltArtifact): Promise<void> {
    const { storage } = this.options;
    await mapLimit(artifact.blobs, 4, (blob) => storage.putBlob(blob.descriptor, blob.source));
    for (const child of artifact.children) await storage.putManifest(child);
    await storage.putManifest(artifact.root, id);
  }

  private registryErrorFor(err: unknown, request: ImageRequest): DistributionError {
    const image = describeRequest(request);
    if (err instanceof DistributionError) return err;
    if (err instanceof BuildAbortedError)
      return new DistributionError('UNAVAILABLE', `${image}: ${err.reason}`, { image }, 504);
    if (err instanceof UnsatisfiableError)
      return new DistributionError('NAME_UNKNOWN', err.message, { image, suite: request.suite });
    if (isPithError(err)) {
      if (err.kind === 'network' || err.kind === 'integrity') {
        return new DistributionError('UNAVAILABLE', `the Debian archive failed: ${err.message}`, { image }, 503, {
          'Retry-After': '30',
        });
      }
      return new DistributionError('UNKNOWN', `build failed: ${err.message}`, { image });
    }
    return new DistributionError(
      'UNKNOWN',
      `build failed: internal error: ${err instanceof Error ? err.message : String(err)}`,
      { image },
    );
  }
}
