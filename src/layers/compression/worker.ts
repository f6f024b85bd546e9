/** A compression worker thread: compresses the chunks the pool sends it, one at a time. */
import { parentPort } from 'node:worker_threads';
import { chunkCompressor } from './codecs.js';
import type { ChunkJob, ChunkResult } from './pool.js';

const port = parentPort;
if (!port) throw new Error('compression worker started outside a worker thread');
port.on('message', (job: ChunkJob) => {
  chunkCompressor(job.algorithm)
    .then((compress) => {
      const out = compress(job.chunk, job.level);
      port.postMessage({ id: job.id, out } satisfies ChunkResult, [out.buffer as ArrayBuffer]);
    })
    .catch((err: unknown) =>
      port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies ChunkResult),
    );
});
