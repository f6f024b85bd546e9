/**
 * Bounded parallelism, the one way pith limits how much runs at once (downloads, .deb reads,
 * blob pushes and pulls, platform images).
 */

/**
 * A gate that lets at most `limit` tasks run at once; the others wait their turn, first come first
 * served. Tasks may be started ahead of need and awaited later (read ahead).
 */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  const max = Math.max(1, Math.floor(limit));
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot to the next waiter, so a newcomer never slips in between.
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * `fn` over `items` with at most `limit` at once; results in the items' order. On the first
 * failure no new item starts; the ones running finish, then that first error is thrown.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(Math.floor(limit), items.length)) }, worker));
  if (failed) throw failed.err;
  return results;
}
