import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPackagesIndex } from '../../../../../src/sources/debian/archive/lazy-index.js';
import { parsePackagesIndex, type PackageRecord } from '../../../../../src/sources/debian/archive/packages-index.js';
import { loadPackageRecords } from '../../../../../src/sources/debian/archive/repository.js';
import { readHostAptSources, suiteSet } from '../../../../../src/sources/debian/archive/apt-sources.js';
import { PackageUniverse } from '../../../../../src/sources/debian/solver/universe.js';
import { solve } from '../../../../../src/sources/debian/solver/solver.js';
import { parseRequirement } from '../../../../../src/sources/debian/solver/requirement.js';

const SOURCE = { suite: 'bookworm', component: 'main', arch: 'amd64', baseUrl: 'http://mirror.invalid/debian' };
const FIELDS: Array<keyof PackageRecord> = [
  'name',
  'version',
  'architecture',
  'multiArch',
  'depends',
  'preDepends',
  'provides',
  'essential',
  'priority',
  'section',
  'filename',
  'size',
  'sha256',
  'source',
  'sourceVersion',
  'suite',
  'component',
  'baseUrl',
  'control',
];
const plain = (r: PackageRecord) =>
  Object.fromEntries(FIELDS.map((f) => [f, JSON.parse(JSON.stringify(r[f] ?? null))]));

const SAMPLE = `Package: libfoo1
Source: foo (1.2-3)
Version: 1.2-3+b1
Architecture: amd64
Maintainer: Jörg Müller <j@example.org>
Multi-Arch: same
Depends: libc6 (>= 2.36), libbar1 | libbaz1
Pre-Depends: dpkg (>= 1.15)
Description: a library
 with a long description
 .
 and a paragraph
Filename: pool/main/f/foo/libfoo1_1.2-3+b1_amd64.deb
Size: 1234
SHA256: ${'a'.repeat(64)}
Priority: optional
Section: libs

Package: mail-transport
Version: 2
Architecture: all
Provides: mail-transport-agent, default-mta (= 2)
Essential: yes
Filename: pool/main/m/mt/mail-transport_2_all.deb
Size: 10
SHA256: ${'b'.repeat(64)}

Package: last
Version: 1:0.1~rc1
Architecture: amd64
Filename: pool/main/l/last/last_0.1~rc1_amd64.deb
Size: 1
SHA256: ${'c'.repeat(64)}
`;

test('a lazily scanned index gives the same records as a full parse', () => {
  const lazy = scanPackagesIndex(new TextEncoder().encode(SAMPLE), SOURCE);
  const full = parsePackagesIndex(SAMPLE, SOURCE);
  assert.equal(lazy.length, 3);
  assert.deepEqual(lazy.map(plain), full.map(plain));
  assert.match(lazy[0]!.control, /Jörg Müller/);
});

test('the real bookworm indexes: lazy records, the cache, and a corrupted cache entry', async () => {
  const refs = suiteSet('bookworm', await readHostAptSources());
  const byUri = new Map<string, { url: string; suites: string[]; components: string[]; keyrings: string[] }>();
  for (const ref of refs) {
    const repo = byUri.get(ref.uri) ?? {
      url: ref.uri,
      suites: [],
      components: ['main'],
      keyrings: ['/usr/share/keyrings/debian-archive-keyring.gpg'],
    };
    repo.suites.push(ref.suite);
    byUri.set(ref.uri, repo);
  }
  const repos = [...byUri.values()];
  const cacheDir = mkdtempSync(join(tmpdir(), 'pith-lazy-index-'));
  try {
    const fetched: string[] = [];
    const first = await loadPackageRecords(repos, 'amd64', { cacheDir, log: (m) => fetched.push(m) });
    assert.ok(first.records.length > 60_000);
    assert.equal(fetched.length, 3, 'three indexes downloaded');
    assert.ok(first.indexes.every((i) => /^[0-9a-f]{64}$/.test(i.sha256) && i.size > 0));

    // Lazy records behave like fully parsed ones: compare every record of the main index.
    const files = readdirSync(join(cacheDir, 'indexes'));
    const mainFile = files
      .map((f) => readFileSync(join(cacheDir, 'indexes', f)))
      .sort((a, b) => b.length - a.length)[0]!;
    const body = mainFile.subarray(mainFile.indexOf(10, mainFile.indexOf(10) + 1) + 1);
    const full = parsePackagesIndex(body.toString('utf8'), { ...SOURCE, baseUrl: repos[0]!.url });
    const lazy = scanPackagesIndex(body, { ...SOURCE, baseUrl: repos[0]!.url });
    assert.equal(lazy.length, full.length);
    for (let i = 0; i < full.length; i += 97) assert.deepEqual(plain(lazy[i]!), plain(full[i]!));

    // The solver gives the same answer on both.
    const solveOn = (records: PackageRecord[]) =>
      solve(
        [parseRequirement('curl'), parseRequirement('python3')],
        new PackageUniverse(records, 'amd64'),
      ).packages.map((p) => `${p.name}=${p.version}`);
    assert.deepEqual(
      solveOn(first.records),
      solveOn([...full, ...first.records.filter((r) => r.suite !== 'bookworm')]),
    );

    // Warm: nothing downloaded. Corrupted: downloaded again, same result.
    const warmLog: string[] = [];
    const warm = await loadPackageRecords(repos, 'amd64', { cacheDir, log: (m) => warmLog.push(m) });
    assert.deepEqual(warmLog, []);
    assert.equal(warm.records.length, first.records.length);
    for (const f of files) {
      const path = join(cacheDir, 'indexes', f);
      const bytes = readFileSync(path);
      bytes[bytes.length - 10] ^= 0xff;
      writeFileSync(path, bytes);
    }
    const again: string[] = [];
    const repaired = await loadPackageRecords(repos, 'amd64', { cacheDir, log: (m) => again.push(m) });
    assert.equal(again.length, 3, 'corrupted entries are not trusted');
    assert.deepEqual(solveOn(repaired.records), solveOn(first.records));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('an index with more stanzas than PITH_MAX_INDEX_ENTRIES is refused, naming the variable', () => {
  const saved = process.env.PITH_MAX_INDEX_ENTRIES;
  process.env.PITH_MAX_INDEX_ENTRIES = '2';
  try {
    assert.throws(
      () => scanPackagesIndex(new TextEncoder().encode(SAMPLE), SOURCE),
      (err: unknown) =>
        err instanceof Error &&
        /has 3 stanzas, more than the limit of 2; refused/.test(err.message) &&
        /PITH_MAX_INDEX_ENTRIES/.test((err as { hint?: string }).hint ?? ''),
    );
  } finally {
    if (saved === undefined) delete process.env.PITH_MAX_INDEX_ENTRIES;
    else process.env.PITH_MAX_INDEX_ENTRIES = saved;
  }
});
