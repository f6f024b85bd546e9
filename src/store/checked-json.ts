import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { stableJson } from '../image/stable-json.js';
import { writeFileAtomic } from './atomic.js';

/**
 * A cache entry that carries a checksum of its own content, so a value changed or cut short on
 * disk reads as a miss instead of being trusted. Written atomically.
 */
const sumOf = (value: unknown) => createHash('sha256').update(stableJson(value)).digest('hex');

export async function writeCheckedJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stableJson({ value, sum: sumOf(value) }));
}

/** The value, or undefined when the entry is missing, unreadable or fails its checksum. */
export async function readCheckedJson(path: string): Promise<unknown> {
  try {
    const entry = JSON.parse(await readFile(path, 'utf8')) as { value?: unknown; sum?: unknown };
    if (entry === null || typeof entry !== 'object' || entry.value === undefined) return undefined;
    return entry.sum === sumOf(entry.value) ? entry.value : undefined;
  } catch {
    return undefined;
  }
}
