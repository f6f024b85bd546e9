/**
 * Runs one pith build in a worker thread, so that a build never stalls the server's event loop
 * and a build that runs past its timeout can be stopped (Worker.terminate).
 * Protocol (parent <- worker): {type:'log', message} ... then {type:'done', ...} or {type:'error', ...}.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { build } from '../build/build.js';
import { isPithError } from '../errors.js';
import { specFromObject } from '../spec/from-object.js';
import { imageDescriptor } from '../image/image.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { WorkerInput, WorkerMessage } from './library-builder.js';

const input = workerData as WorkerInput;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

async function run(): Promise<void> {
  await mkdir(input.workDir, { recursive: true });
  // The lockfile lands (and stays) in the image's work directory, beside the spec as YAML: a
  // record, named in errors about the spec (`<work>/pith.yaml: packages[0]: ...`).
  const file = join(input.workDir, 'pith.yaml');
  await writeFileAtomic(file, input.specText);
  const loaded = specFromObject(input.spec, {
    name: file,
    baseDir: input.workDir,
    lockFile: join(input.workDir, 'pith.lock'),
  });
  const result = await build(loaded, { cacheDir: input.cacheDir, log: (message) => post({ type: 'log', message }) });
  const { artifact } = result;
  post({
    type: 'done',
    root: artifact.root,
    manifests: artifact.images.map(imageDescriptor),
    blobs: artifact.blobs,
    storeRoot: artifact.store.root,
  });
}

run().catch((err: unknown) => {
  post({
    type: 'error',
    pith: isPithError(err),
    kind: isPithError(err) ? err.kind : undefined,
    message: isPithError(err) ? err.message : err instanceof Error ? err.message : String(err),
    hint: isPithError(err) ? err.hint : undefined,
    where: isPithError(err) ? err.where : undefined,
    // Our spec is generated from the name: an error located in it (the solver points at the
    // packages or preset line) is about the name.
    aboutName:
      isPithError(err) &&
      (err.kind === 'spec' || err.kind === 'build') &&
      err.where?.startsWith(join(input.workDir, 'pith.yaml')) === true,
    stack: err instanceof Error ? err.stack : undefined,
  });
});
