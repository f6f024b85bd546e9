import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { integrityError, PithError } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { BlobStore } from './blob-store.js';

/**
 * Copies a blob between stores (an OCI layout's blobs/ into the cache), hashing on the way: a
 * mismatch stores nothing. A copy already there and intact is kept.
 */
export async function copyBlob(
  from: BlobStore,
  to: BlobStore,
  d: { digest: Digest; size: number },
  where: string,
): Promise<void> {
  if (await to.has(d.digest)) {
    try {
      await to.verify(d.digest);
      return;
    } catch {
      // removed as corrupt: copy it again
    }
  }
  const writer = await to.createWriter();
  const hash = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      createReadStream(from.pathOf(d.digest)),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      writer.stream,
    );
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== d.digest || size !== d.size)
      throw integrityError(`${where}: blob ${d.digest} hashes to ${actual} (${size} bytes, descriptor says ${d.size})`);
    await writer.commit(d.digest);
  } catch (err) {
    await writer.abort();
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new PithError('input', `${where}: blob ${d.digest} is missing from the layout`);
    throw err;
  }
}
