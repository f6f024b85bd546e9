import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../../../store/atomic.js';
import { fetchInRelease } from './release.js';
import { fetchPackagesIndex, type PackageRecord } from './packages-index.js';

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
  sha256: string;
  size: number;
}

export interface LoadedRecords {
  records: PackageRecord[];
  indexes: IndexUse[];
}

const CACHE_FORMAT = 'pith-index-v1';

/**
 * Reads every Packages index of the given repositories for one architecture. Each InRelease is
 * fetched and its signature verified (it is small, and it is what tells whether an index changed);
 * the Packages indexes it lists are then taken from the cache by their sha256, already parsed,
 * or downloaded, checked against the Release and parsed once. A cache entry carries a checksum
 * of its own bytes and is ignored when it doesn't match.
 */
export async function loadPackageRecords(
  repos: readonly RepositoryConfig[],
  arch: string,
  options: { cacheDir: string; log?: (m: string) => void },
): Promise<LoadedRecords> {
  const jobs: Array<Promise<{ records: PackageRecord[]; index: IndexUse }[]>> = [];
  for (const repo of repos) {
    for (const suite of repo.suites) {
      jobs.push(
        (async () => {
          const fetched = await fetchInRelease(repo.url, suite, repo.keyrings);
          const out: { records: PackageRecord[]; index: IndexUse }[] = [];
          for (const component of repo.components) {
            const source = { suite, component, arch, baseUrl: repo.url };
            const path = ['xz', 'gz', 'zst', '']
              .map((c) => `${component}/binary-${arch}/Packages${c ? `.${c}` : ''}`)
              .find((p) => fetched.release.sha256.has(p));
            const listed = path ? fetched.release.sha256.get(path) : undefined;
            const cached = listed ? await readCachedIndex(options.cacheDir, listed.sha256, source) : undefined;
            if (cached && listed && path) {
              out.push({ records: cached, index: { url: `${repo.url}/dists/${suite}/${path}`, sha256: listed.sha256, size: listed.size } });
              continue;
            }
            const index = await fetchPackagesIndex(source, fetched.release);
            options.log?.(`fetched ${index.url} (${index.records.length} packages)`);
            await writeCachedIndex(options.cacheDir, index.sha256, source, index.records);
            out.push({ records: index.records, index: { url: `${repo.url}/dists/${suite}/${index.path}`, sha256: index.sha256, size: index.size } });
          }
          return out;
        })(),
      );
    }
  }
  const results = (await Promise.all(jobs)).flat();
  return { records: results.flatMap((r) => r.records), indexes: results.map((r) => r.index) };
}

function cachePath(cacheDir: string, sha256: string, source: { suite: string; component: string; arch: string; baseUrl: string }): string {
  // The same index bytes can be served under another suite or mirror: key by both.
  const where = createHash('sha256').update(`${source.baseUrl}\n${source.suite}\n${source.component}\n${source.arch}`).digest('hex').slice(0, 16);
  return join(cacheDir, 'indexes', `${sha256}-${where}.v8`);
}

async function readCachedIndex(cacheDir: string, sha256: string, source: Parameters<typeof cachePath>[2]): Promise<PackageRecord[] | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(cachePath(cacheDir, sha256, source));
  } catch {
    return undefined;
  }
  const header = bytes.subarray(0, 64 + CACHE_FORMAT.length + 2).toString('latin1');
  const [format, sum] = header.split('\n');
  const body = bytes.subarray(header.length);
  if (format !== CACHE_FORMAT || sum !== createHash('sha256').update(body).digest('hex')) return undefined;
  try {
    return deserialize(body) as PackageRecord[];
  } catch {
    return undefined;
  }
}

async function writeCachedIndex(cacheDir: string, sha256: string, source: Parameters<typeof cachePath>[2], records: PackageRecord[]): Promise<void> {
  const body = serialize(records);
  const header = Buffer.from(`${CACHE_FORMAT}\n${createHash('sha256').update(body).digest('hex')}\n`, 'latin1');
  await writeFileAtomic(cachePath(cacheDir, sha256, source), Buffer.concat([header, body]));
}
