import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { integrityError, PithError } from '../../../errors.js';
import { tempSibling } from '../../../store/atomic.js';
import { fetchBytes } from './fetch.js';
import { scanPackagesIndex } from './lazy-index.js';
import {
  decompressIndex,
  plainIndexLimit,
  sha256Hex,
  signedSizeLimit,
  type IndexSource,
  type PackageRecord,
} from './packages-index.js';
import { raiseHint } from '../../../limits.js';
import { fetchInRelease, preloadOpenpgp } from './release.js';
import type { Release } from './release.js';
import { compareBytes } from '../../../byte-order.js';

/** One apt source: an archive root, suites, components and the keyrings that sign it. */
export interface RepositoryConfig {
  url: string;
  suites: string[];
  components: string[];
  keyrings: string[];
}

/** An index file the resolution read, with the hash the signed Release gave for it. */
export interface IndexUse {
  url: string;
  suite: string;
  /** Path below dists/<suite>/. */
  path: string;
  sha256: string;
  size: number;
}

/** A suite whose InRelease verified: what it says it is, and who signed it. */
export interface ArchiveUse {
  suite: string;
  codename: string;
  signedBy: string[];
}

export interface LoadedRecords {
  records: PackageRecord[];
  indexes: IndexUse[];
  archives: ArchiveUse[];
}

const gunzipAsync = promisify(gunzip);
const CACHE_FORMAT = 'pith-index-raw-v1';

/**
 * Reads every Packages index of the given repositories for one architecture. Each InRelease is
 * fetched and its signature verified (it is small, and it says whether an index changed); each
 * Packages index it lists is then taken from the cache by its sha256, or downloaded (gz first:
 * zlib is native, xz is WebAssembly and ~5x slower), checked against the signed Release, and its
 * uncompressed bytes cached. Records are scanned lazily (lazy-index.ts).
 */
export async function loadPackageRecords(
  repos: readonly RepositoryConfig[],
  arch: string,
  options: { cacheDir: string; log?: (m: string) => void },
): Promise<LoadedRecords> {
  preloadOpenpgp();
  const jobs: Array<Promise<Array<{ records: PackageRecord[]; index: IndexUse }>>> = [];
  const archives: ArchiveUse[] = [];
  for (const repo of repos) {
    for (const suite of repo.suites) {
      jobs.push(
        (async () => {
          // Nothing else is requested from a repository whose InRelease does not verify.
          const { release, signers } = await fetchInRelease(repo.url, suite, repo.keyrings);
          archives.push({
            suite,
            codename: release.codename,
            signedBy: [...new Set(signers.map((s) => s.fingerprint))].sort(),
          });
          return Promise.all(
            repo.components.map(async (component) => {
              const source: IndexSource = { suite, component, arch, baseUrl: repo.url };
              const { bytes, index, cacheWrite } = await indexBytes(source, release, options);
              // The cache write (50 MB for bookworm main) runs on the threadpool while we scan.
              const records = scanPackagesIndex(bytes, source);
              await cacheWrite;
              return { records, index };
            }),
          );
        })(),
      );
    }
  }
  // Suites keep the order they were given in: the universe breaks version ties by it.
  const results = (await Promise.all(jobs)).flat();
  archives.sort((a, b) => compareBytes(a.suite, b.suite));
  return { records: results.flatMap((r) => r.records), indexes: results.map((r) => r.index), archives };
}

async function indexBytes(
  source: IndexSource,
  release: Release,
  options: { cacheDir: string; log?: (m: string) => void },
): Promise<{ bytes: Uint8Array; index: IndexUse; cacheWrite?: Promise<void> }> {
  const dir = `${source.component}/binary-${source.arch}`;
  const path = ['gz', 'xz', 'zst', '']
    .map((c) => `${dir}/Packages${c ? `.${c}` : ''}`)
    .find((p) => release.sha256.has(p));
  if (!path) {
    throw new PithError('input', `${source.suite} has no Packages index for ${source.component}/${source.arch}`, {
      hint: `the Release lists components ${release.components.join(' ')} and architectures ${release.architectures.join(' ')}`,
    });
  }
  const listed = release.sha256.get(path)!;
  const base = `${source.baseUrl}/dists/${source.suite}`;
  const index: IndexUse = {
    url: `${base}/${path}`,
    suite: source.suite,
    path,
    sha256: listed.sha256,
    size: listed.size,
  };
  // The Release usually lists the uncompressed file too: then the cached bytes are checked against it.
  const plain = release.sha256.get(`${dir}/Packages`);
  const cached = await readCached(options.cacheDir, listed.sha256, plain?.sha256);
  if (cached) return { bytes: cached, index };

  let url = index.url;
  let compressed: Uint8Array;
  // Never more than the signed Release says: a mirror cannot make pith hold more.
  const bounded = { limit: signedSizeLimit(listed.size) };
  if (release.acquireByHash) {
    url = `${base}/${dir}/by-hash/SHA256/${listed.sha256}`;
    try {
      compressed = await fetchBytes(url, bounded);
    } catch (err) {
      if (!(err instanceof PithError && /HTTP 404/.test(err.message))) throw err;
      url = index.url;
      compressed = await fetchBytes(url, bounded);
    }
  } else {
    compressed = await fetchBytes(url, bounded);
  }
  const got = sha256Hex(compressed);
  if (compressed.length !== listed.size || got !== listed.sha256) {
    throw integrityError(`${url}: index does not match the signed Release`, {
      hint: `expected ${listed.size} bytes sha256 ${listed.sha256}, got ${compressed.length} bytes sha256 ${got}`,
    });
  }
  const maxBytes = plainIndexLimit(release, dir);
  const bytes = path.endsWith('.gz')
    ? await gunzipIndex(compressed, maxBytes, url)
    : await decompressIndex(compressed, path, maxBytes);
  const bytesSha256 = sha256Hex(bytes);
  if (plain && bytesSha256 !== plain.sha256)
    throw integrityError(`${url}: decompressed index does not match the signed Release`);
  options.log?.(`fetched ${url} (${compressed.length} bytes)`);
  return { bytes, index, cacheWrite: writeCached(options.cacheDir, listed.sha256, bytes, bytesSha256) };
}

/** gunzip on the threadpool, refused past `maxBytes` (zlib stops there: a bomb never fills memory). */
async function gunzipIndex(compressed: Uint8Array, maxBytes: number, url: string): Promise<Uint8Array> {
  try {
    const bytes = await gunzipAsync(compressed, { maxOutputLength: maxBytes });
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength); // a view: no 50 MB copy
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
      throw new PithError('input', `cannot decompress ${url}: ${(err as Error).message}`, { cause: err });
    }
    throw new PithError('input', `${url} decompresses to more than ${maxBytes} bytes; stopped`, {
      hint: `the Release lists a smaller file, or the index is unusually large: ${raiseHint('indexBytes')}`,
    });
  }
}

const cachePath = (cacheDir: string, sha256: string) => join(cacheDir, 'indexes', `${sha256}.packages`);

async function readCached(
  cacheDir: string,
  sha256: string,
  plainSha256: string | undefined,
): Promise<Uint8Array | undefined> {
  let file: Buffer;
  try {
    file = await readFile(cachePath(cacheDir, sha256));
  } catch {
    return undefined;
  }
  const headerEnd = file.indexOf(10, file.indexOf(10) + 1) + 1;
  const [format, sum] = file.subarray(0, headerEnd).toString('latin1').split('\n');
  const body = file.subarray(headerEnd);
  const actual = createHash('sha256').update(body).digest('hex');
  if (format !== CACHE_FORMAT || actual !== sum || (plainSha256 !== undefined && actual !== plainSha256))
    return undefined;
  return body;
}

async function writeCached(cacheDir: string, sha256: string, bytes: Uint8Array, bytesSha256: string): Promise<void> {
  // Header and body written separately: no 50 MB copy just to prepend a line.
  const path = cachePath(cacheDir, sha256);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  try {
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.write(Buffer.from(`${CACHE_FORMAT}\n${bytesSha256}\n`, 'latin1'));
      await file.write(bytes);
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
