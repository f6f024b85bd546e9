/**
 * Downloads .deb files into a content-addressed cache (`<cacheDir>/debs/sha256/<hex>`), verified
 * against the sha256 and size of their Packages stanza. Nothing unverified ever sits under its
 * final name: a download streams into a temporary file while it is hashed (cut off past the size
 * the index gives), which is renamed only when it matches, and a cached file is re-hashed before it is trusted (a corrupt one is replaced).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { integrityError, PithError } from '../../../errors.js';
import { tempSibling } from '../../../store/atomic.js';
import { fetchToFile, type FetchOptions } from './fetch.js';
import { signedSizeLimit, type PackageRecord } from './packages-index.js';
import { compareBytes } from '../../../byte-order.js';
import { mapLimit } from '../../../concurrency.js';

/** What a download needs from a PackageRecord. */
export type DebRecord = Pick<PackageRecord, 'name' | 'version' | 'baseUrl' | 'filename' | 'sha256' | 'size'>;

export interface FetchDebsOptions {
  cacheDir: string;
  /** Downloads in flight at once (default 6). */
  concurrency?: number;
  log?: (message: string) => void;
  /** Passed to fetchToFile; `retries` defaults to 1 (one retry on network errors). */
  fetch?: FetchOptions;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Where the verified .deb with this sha256 lives in the cache. */
export function debPathFor(cacheDir: string, sha256: string): string {
  const hex = sha256.toLowerCase();
  if (!SHA256_HEX.test(hex)) throw new PithError('input', `"${sha256}" is not a sha256 (64 hex digits)`);
  return join(cacheDir, 'debs', 'sha256', hex);
}

/** The archive URL of a package: its stanza's Filename below the repository root. */
export function debUrl(record: Pick<PackageRecord, 'baseUrl' | 'filename'>): string {
  return `${record.baseUrl.replace(/\/+$/, '')}/${record.filename.replace(/^\/+/, '')}`;
}

/**
 * Makes sure every record's .deb is in the cache, verified, and returns sha256 hex -> file path.
 * Records sharing a sha256 are fetched once. On failure the downloads already in flight finish
 * (they are verified, so they stay cached) and the first error is thrown.
 */
export async function fetchDebs(
  records: readonly DebRecord[],
  options: FetchDebsOptions,
): Promise<Map<string, string>> {
  const byHash = new Map<string, DebRecord>();
  for (const record of records) {
    const hex = record.sha256.toLowerCase();
    debPathFor(options.cacheDir, hex); // validates the hash before any network traffic
    if (!byHash.has(hex)) byHash.set(hex, record);
  }
  const queue = [...byHash.entries()].sort(([a], [b]) => compareBytes(a, b));
  const paths = await mapLimit(queue, options.concurrency ?? 6, ([hex, record]) => ensureDeb(hex, record, options));
  const result = new Map(queue.map(([hex], i) => [hex, paths[i]!]));
  // Insertion order follows the records, not completion order.
  const ordered = new Map<string, string>();
  for (const hex of byHash.keys()) ordered.set(hex, result.get(hex)!);
  return ordered;
}

async function ensureDeb(hex: string, record: DebRecord, options: FetchDebsOptions): Promise<string> {
  const path = debPathFor(options.cacheDir, hex);
  const log = options.log ?? (() => undefined);
  const label = `${record.name} ${record.version}`;

  const cached = await hashFile(path);
  if (cached !== null) {
    if (cached.sha256 === hex && cached.size === record.size) return path;
    log(
      `cached ${label} (${path}) is corrupt: sha256 ${cached.sha256}, ${cached.size} bytes, expected ` +
        `${hex}, ${record.size} bytes; removed it, downloading again`,
    );
    await rm(path, { force: true, recursive: true });
  }

  const url = debUrl(record);
  // Streamed to a temporary sibling while hashed, never more than the index's size: memory stays
  // at one chunk, and the file takes its final name only once it matches.
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    const got = await fetchToFile(url, tmp, {
      retries: 1,
      ...options.fetch,
      limit: signedSizeLimit(record.size, 'its index entry'),
    });
    if (got.sha256 !== hex || got.size !== record.size) {
      throw integrityError(
        `package ${record.name} ${record.version} from ${url} does not match its index: expected sha256 ${hex} ` +
          `(${record.size} bytes), got sha256 ${got.sha256} (${got.size} bytes)`,
        {
          where: `package ${record.name}`,
          hint: 'the mirror may be mid-sync or tampered with; try again later or another mirror',
        },
      );
    }
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  log(`downloaded ${label} (${record.size} bytes) from ${url}`);
  return path;
}

/** sha256 and size of what sits at `path`, or null when nothing does (a non-file hashes to ''). */
async function hashFile(path: string): Promise<{ sha256: string; size: number } | null> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { sha256: '', size: -1 };
    size = info.size;
  } catch {
    return null;
  }
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return { sha256: hash.digest('hex'), size };
}
