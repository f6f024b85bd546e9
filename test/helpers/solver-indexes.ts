/**
 * The real bookworm, bookworm-updates and bookworm-security main Packages indexes from the host's
 * configured mirror (never a hard-coded host), for solver tests.
 *
 * Each InRelease is fetched and verified against the archive keyring (Signed-By of the source, or
 * debian-archive-keyring), and each index is checked against it before it is parsed. Downloads are
 * cached under the temp dir by sha256 (the compressed index through fetchBySha256, and the
 * uncompressed one too, checked against the hash the Release lists for it), so repeated runs only
 * fetch the three small InRelease files.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHostAptSources, suiteSet } from '../../src/sources/debian/archive/apt-sources.js';
import { fetchBytes } from '../../src/sources/debian/archive/fetch.js';
import {
  decompressIndex,
  parsePackagesIndex,
  sha256Hex,
  type PackageRecord,
} from '../../src/sources/debian/archive/packages-index.js';
import { parseRelease, verifyInRelease } from '../../src/sources/debian/archive/release.js';
import { DEBIAN_KEYRING, fetchBySha256, TEST_LIMIT } from './debian-mirror.js';

export interface LoadedIndexes {
  /** All records, suites in order: bookworm, bookworm-updates, bookworm-security. */
  records: PackageRecord[];
  suites: string[];
  /** Per suite: download/decompress/parse times. */
  timings: string[];
  /** Sum of the parse times (parsePackagesIndex only). */
  parseMs: number;
}

const CACHE = join(tmpdir(), 'pith-test-debian-cache');

async function cachedText(sha256: string): Promise<string | undefined> {
  try {
    const bytes = new Uint8Array(await readFile(join(CACHE, sha256)));
    return sha256Hex(bytes) === sha256 ? new TextDecoder().decode(bytes) : undefined;
  } catch {
    return undefined;
  }
}

async function storeText(sha256: string, bytes: Uint8Array): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  const path = join(CACHE, sha256);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

let loaded: Promise<LoadedIndexes> | undefined;

/** Loaded once per test process. */
export function loadBookwormIndexes(arch = 'amd64', component = 'main'): Promise<LoadedIndexes> {
  loaded ??= load(arch, component);
  return loaded;
}

async function load(arch: string, component: string): Promise<LoadedIndexes> {
  const refs = suiteSet('bookworm', await readHostAptSources());
  const records: PackageRecord[] = [];
  const timings: string[] = [];
  let parseMs = 0;
  for (const ref of refs) {
    let t = performance.now();
    const inRelease = await fetchBytes(`${ref.uri}/dists/${ref.suite}/InRelease`, { limit: TEST_LIMIT });
    const keyring = ref.signedBy?.startsWith('/') ? ref.signedBy : DEBIAN_KEYRING;
    const verified = await verifyInRelease(inRelease, [keyring], ref.suite);
    const release = parseRelease(verified.text, ref.suite);
    const dir = `${component}/binary-${arch}`;
    const xz = release.sha256.get(`${dir}/Packages.xz`);
    const plain = release.sha256.get(`${dir}/Packages`);
    if (!xz) throw new Error(`${ref.suite}: the InRelease lists no ${dir}/Packages.xz`);
    const releaseMs = performance.now() - t;

    t = performance.now();
    let text = plain ? await cachedText(plain.sha256) : undefined;
    let how = 'cached';
    if (text === undefined) {
      const compressed = await fetchBySha256(
        `${ref.uri}/dists/${ref.suite}/${dir}/by-hash/SHA256/${xz.sha256}`,
        xz.sha256,
      );
      if (compressed.length !== xz.size || sha256Hex(compressed) !== xz.sha256) {
        throw new Error(`${ref.suite}: ${dir}/Packages.xz does not match the InRelease`);
      }
      const bytes = await decompressIndex(compressed, `${dir}/Packages.xz`);
      if (plain && (bytes.length !== plain.size || sha256Hex(bytes) !== plain.sha256)) {
        throw new Error(`${ref.suite}: ${dir}/Packages (uncompressed) does not match the InRelease`);
      }
      if (plain) await storeText(plain.sha256, bytes);
      text = new TextDecoder().decode(bytes);
      how = 'fetched+unxz';
    }
    const loadMs = performance.now() - t;

    t = performance.now();
    const parsed = parsePackagesIndex(text, { suite: ref.suite, component, arch, baseUrl: ref.uri });
    const ms = performance.now() - t;
    parseMs += ms;
    for (const r of parsed) records.push(r);
    timings.push(
      `${ref.suite}: InRelease+verify ${releaseMs.toFixed(0)} ms, index ${how} ${loadMs.toFixed(0)} ms ` +
        `(${(text.length / 1e6).toFixed(1)} MB), ${parsed.length} records parsed in ${ms.toFixed(0)} ms`,
    );
  }
  return { records, suites: refs.map((r) => r.suite), timings, parseMs };
}
