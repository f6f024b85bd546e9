import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PithError, type ErrorKind } from '../errors.js';
import type { Descriptor } from '../image/types.js';
import { MediaType } from '../image/media-types.js';
import { BlobStore } from '../store/blob-store.js';
import {
  BuildAbortedError,
  specObject,
  specText,
  UnsatisfiableError,
  type BuildLog,
  type BuiltArtifact,
  type ImageBuilder,
  type ServeSpec,
} from './builder.js';
import type { ImageRequest } from './names.js';
import type { StoredManifest } from './storage.js';

export interface WorkerInput {
  spec: ServeSpec;
  /** The spec as YAML, written beside the lock as a record (builder.ts). */
  specText: string;
  workDir: string;
  cacheDir: string;
}

export type WorkerMessage =
  | { type: 'log'; message: string }
  | { type: 'done'; root: Descriptor; manifests: Descriptor[]; blobs: Descriptor[]; storeRoot: string }
  | {
      type: 'error';
      pith: boolean;
      kind?: ErrorKind;
      message: string;
      hint?: string;
      where?: string;
      stack?: string;
      aboutName: boolean;
    };

/**
 * Builds through pith's library: the request becomes a spec object (builder.ts), built in a
 * worker thread with the shared cache. Its lockfile is `<workRoot>/<key id>/pith.lock`, so a rebuild of the same key (after its image was evicted, or on a
 * replica sharing the work directory) uses the same packages and gives the same digest.
 */
export class LibraryBuilder implements ImageBuilder {
  constructor(private readonly options: { cacheDir: string; workRoot: string }) {}

  workDirOf(request: ImageRequest): string {
    return join(this.options.workRoot, request.key.id);
  }

  async build(request: ImageRequest, options: { signal: AbortSignal; log: BuildLog }): Promise<BuiltArtifact> {
    const input: WorkerInput = {
      spec: specObject(request),
      specText: specText(request),
      workDir: this.workDirOf(request),
      cacheDir: this.options.cacheDir,
    };
    const done = await runWorker(input, options);
    const store = new BlobStore(done.storeRoot);
    const read = async (d: Descriptor): Promise<StoredManifest> => ({
      digest: d.digest,
      mediaType: d.mediaType,
      bytes: await store.readBytes(d.digest),
    });
    const root = await read(done.root);
    const isIndex = done.root.mediaType === MediaType.ociIndex || done.root.mediaType === MediaType.dockerManifestList;
    const children = isIndex ? await Promise.all(done.manifests.map(read)) : [];
    const manifestDigests = new Set<string>([done.root.digest, ...done.manifests.map((m) => m.digest)]);
    const blobs = done.blobs
      .filter((d) => !manifestDigests.has(d.digest))
      .map((descriptor) => {
        const path = store.pathOf(descriptor.digest);
        return { descriptor, source: { path, open: () => createReadStream(path) } };
      });
    return { root, children, blobs };
  }
}

function runWorker(
  input: WorkerInput,
  options: { signal: AbortSignal; log: BuildLog },
): Promise<Extract<WorkerMessage, { type: 'done' }>> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new BuildAbortedError(String(options.signal.reason ?? 'aborted')));
      return;
    }
    const worker = new Worker(new URL('./build-worker.js', import.meta.url), { workerData: input });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new BuildAbortedError(String(options.signal.reason ?? 'aborted'))));
    options.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'log') options.log(message.message);
      else if (message.type === 'done') finish(() => resolve(message));
      else if (message.aboutName) finish(() => reject(new UnsatisfiableError(message.message)));
      else if (message.pith && message.kind) {
        finish(() =>
          reject(
            new PithError(message.kind!, message.message, {
              ...(message.hint ? { hint: message.hint } : {}),
              ...(message.where ? { where: message.where } : {}),
            }),
          ),
        );
      } else {
        const err = new Error(message.message);
        if (message.stack) err.stack = message.stack;
        finish(() => reject(err));
      }
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) =>
      finish(() => reject(new Error(`build worker exited with code ${code} before finishing`))),
    );
  });
}
