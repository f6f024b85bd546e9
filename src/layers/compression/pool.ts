/**
 * A small pool of worker threads that compress chunks. WebAssembly runs on the thread that calls
 * it, so parallel compression needs threads of our own (node:zlib used libuv's threadpool).
 * Workers start on first use and hold the process open only while they have work.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompressionAlgorithm } from './codecs.js';

export interface ChunkJob {
  id: number;
  algorithm: CompressionAlgorithm;
  level: number;
  chunk: Uint8Array;
}

export type ChunkResult =
  { id: number; out: Uint8Array; error?: undefined } | { id: number; error: string; out?: undefined };

interface PoolWorker {
  worker: Worker;
  outstanding: Set<number>;
}

interface Waiter {
  resolve(out: Uint8Array): void;
  reject(err: Error): void;
}

export class CompressionPool {
  private readonly workers: PoolWorker[] = [];
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 0;

  constructor(readonly size: number) {}

  /** Compresses one chunk on the least busy worker. The chunk's buffer is transferred, not copied. */
  compress(algorithm: CompressionAlgorithm, level: number, chunk: Uint8Array): Promise<Uint8Array> {
    const target = this.leastBusy();
    const id = this.nextId++;
    const job: ChunkJob = { id, algorithm, level, chunk };
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      if (target.outstanding.size === 0) target.worker.ref();
      target.outstanding.add(id);
      const whole =
        chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
      target.worker.postMessage(job, whole ? [chunk.buffer as ArrayBuffer] : []);
    });
  }

  private leastBusy(): PoolWorker {
    const idle = this.workers.find((w) => w.outstanding.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.start();
    return this.workers.reduce((a, b) => (b.outstanding.size < a.outstanding.size ? b : a));
  }

  private start(): PoolWorker {
    const worker = new Worker(new URL('./worker.js', import.meta.url));
    const entry: PoolWorker = { worker, outstanding: new Set() };
    worker.unref();
    worker.on('message', (result: ChunkResult) => {
      entry.outstanding.delete(result.id);
      if (entry.outstanding.size === 0) worker.unref();
      const waiter = this.waiters.get(result.id);
      this.waiters.delete(result.id);
      if (result.error !== undefined) waiter?.reject(new Error(`compression failed: ${result.error}`));
      else waiter?.resolve(result.out);
    });
    const fail = (err: Error) => {
      const at = this.workers.indexOf(entry);
      if (at >= 0) this.workers.splice(at, 1);
      for (const id of entry.outstanding) {
        this.waiters.get(id)?.reject(err);
        this.waiters.delete(id);
      }
      entry.outstanding.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`compression worker exited with code ${code}`)));
    this.workers.push(entry);
    return entry;
  }
}

let shared: CompressionPool | undefined;

/** One pool per process, a worker per CPU. */
export function sharedPool(): CompressionPool {
  shared ??= new CompressionPool(Math.max(1, availableParallelism()));
  return shared;
}
