import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/atomic.js';

/** How many repositories are remembered per blob, and how many blobs per registry. */
const MAX_REPOS = 4;
const MAX_BLOBS = 20_000;

interface LocationsFile {
  version: 1;
  /** digest -> repositories holding it, most recently seen first. */
  blobs: Record<string, string[]>;
}

/**
 * Which repositories of one registry are known to hold a blob: learned from pushes and pulls,
 * kept in `<cache>/registry/<registry>.json`, and used to mount instead of uploading. It is only
 * a hint: a wrong entry costs one mount request that the registry answers with an upload session.
 */
export class BlobLocations {
  private added = new Map<string, string[]>();

  private constructor(
    readonly path: string,
    private blobs: Record<string, string[]>,
  ) {}

  static fileFor(cacheDir: string, registry: string): string {
    return join(cacheDir, 'registry', `${registry.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
  }

  static async load(cacheDir: string, registry: string): Promise<BlobLocations> {
    const path = BlobLocations.fileFor(cacheDir, registry);
    return new BlobLocations(path, await readBlobs(path));
  }

  /** A repository other than `target` known to hold the blob, most recent first. */
  sourceFor(digest: string, target: string): string | undefined {
    const fresh = this.added.get(digest) ?? [];
    return [...fresh, ...(this.blobs[digest] ?? [])].find((r) => r !== target);
  }

  record(digest: string, repository: string): void {
    const list = this.added.get(digest) ?? [];
    if (!list.includes(repository)) list.unshift(repository);
    this.added.set(digest, list);
  }

  /** Merges what was recorded into the file as it is now (another pith may have written it). */
  async save(): Promise<void> {
    if (this.added.size === 0) return;
    const current = await readBlobs(this.path);
    for (const [digest, repos] of this.added) {
      const merged = [...repos, ...(current[digest] ?? []).filter((r) => !repos.includes(r))].slice(0, MAX_REPOS);
      // Re-inserting moves the digest to the end: the oldest entries are the first ones dropped.
      delete current[digest];
      current[digest] = merged;
    }
    const keys = Object.keys(current);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_BLOBS))) delete current[k];
    const file: LocationsFile = { version: 1, blobs: current };
    await writeFileAtomic(this.path, `${JSON.stringify(file)}\n`);
    this.blobs = current;
    this.added = new Map();
  }
}

async function readBlobs(path: string): Promise<Record<string, string[]>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LocationsFile>;
    if (parsed.version === 1 && parsed.blobs && typeof parsed.blobs === 'object') return parsed.blobs;
  } catch {
    // Missing or damaged: it is only a hint, start over.
  }
  return {};
}
