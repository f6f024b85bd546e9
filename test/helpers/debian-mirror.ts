/**
 * Test access to the Debian mirror of the host's apt configuration (never a hard-coded host).
 * Set PITH_TEST_OFFLINE=1 to skip the tests that need it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDebianMirror, readHostAptSources } from '../../src/sources/debian/archive/apt-sources.js';
import { fetchBytes } from '../../src/sources/debian/archive/fetch.js';

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A reason to skip network tests, or false to run them (for node:test's `skip` option). */
export function networkTestsSkipped(): string | false {
  return process.env.PITH_TEST_OFFLINE ? 'PITH_TEST_OFFLINE is set' : false;
}

let archive: Promise<string> | undefined;

/** The URI of the host's Debian archive (the one that serves bookworm). */
export function hostDebianArchive(): Promise<string> {
  archive ??= readHostAptSources().then((sources) => defaultDebianMirror(sources, 'bookworm').archive);
  return archive;
}

/** Tests read the real mirror: a generous cap, only so a runaway answer still ends. */
export const TEST_LIMIT = { maxBytes: 512 * 1024 * 1024, reason: 'the test limit', hint: 'test' };

const inRelease = new Map<string, Promise<Uint8Array>>();

/** dists/<suite>/InRelease from the host mirror, fetched once per test process. */
export function fetchHostInRelease(suite = 'bookworm'): Promise<Uint8Array> {
  let p = inRelease.get(suite);
  if (!p) {
    p = hostDebianArchive().then((uri) => fetchBytes(`${uri}/dists/${suite}/InRelease`, { limit: TEST_LIMIT }));
    inRelease.set(suite, p);
  }
  return p;
}

/**
 * Fetch a file whose sha256 is known, through a content-addressed cache in the temp dir so that
 * repeated test runs do not download big indexes again. The cache key is the expected hash, and a
 * cached file is re-hashed before use, so a stale or corrupt entry is never returned.
 */
export async function fetchBySha256(url: string, sha256: string): Promise<Uint8Array> {
  const dir = join(tmpdir(), 'pith-test-debian-cache');
  const path = join(dir, sha256);
  try {
    const cached = new Uint8Array(await readFile(path));
    if (createHash('sha256').update(cached).digest('hex') === sha256) return cached;
  } catch {
    // not cached yet
  }
  const bytes = await fetchBytes(url, { limit: TEST_LIMIT });
  if (createHash('sha256').update(bytes).digest('hex') === sha256) {
    await mkdir(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }
  return bytes;
}
