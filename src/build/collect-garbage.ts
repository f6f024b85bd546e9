/**
 * One full garbage collection at a point where a lot just became garbage. After resolution the
 * indexes and their records (~150 MB for bookworm) are unreachable, but V8 collects its old
 * generation lazily, and a build that streams its downloads to disk allocates too little to
 * prompt it: the dead indexes then stay resident through the layer phase, and peaks of +100 MB
 * were measured (cc, python3). A collection of that heap costs ~20-40 ms, so it only runs when
 * the heap or its buffers are large.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const WORTH_IT = 64 * 1024 * 1024;
let gc: (() => void) | null | undefined;

export function collectGarbageIfLarge(): void {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  if (heapUsed + arrayBuffers < WORTH_IT) return;
  if (gc === undefined) {
    try {
      // The documented way to reach gc() without starting node with --expose-gc.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
