/**
 * The chain of trust, end to end: a signed apt repository served on 127.0.0.1 is tampered with,
 * one link at a time (test/helpers/apt-repo.ts), and the real CLI must refuse each with one clear
 * error line, exit code 1, and nothing at the output path. One repository holds a suite per case,
 * so that each spec reads exactly the suite its case broke.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addRawDebToRepo,
  createAptRepo,
  createTestKey,
  maliciousControl,
  maliciousEntryName,
  replaceDeb,
  resignWithKey,
  serveDirectory,
  tamperInReleaseSignature,
  tamperPackagesIndex,
  writeMaliciousDeb,
  type AptRepo,
  type MaliciousKind,
  type RepoLayout,
  type ServedDirectory,
  type TestKey,
} from '../helpers/apt-repo.js';
import {
  assertBuilt,
  assertRefused,
  lockedEntry,
  runPithAsync,
  writeSpecDir,
  type SpecDir,
} from '../helpers/offline-pith.js';

const KINDS: MaliciousKind[] = [
  'absolute-path',
  'dotdot-path',
  'escaping-symlink',
  'symlink-then-write',
  'hardlink-outside',
];

/** What pith must say about each hostile entry, after `unsafe entry "<name>" in data.tar: `. */
const REASONS: Record<MaliciousKind, RegExp> = {
  'absolute-path': /^path "\/etc\/pith-evil-absolute" is absolute/,
  'dotdot-path': /^path ".*\/\.\.\/etc\/pith-evil-dotdot" has a "\.\." component/,
  'escaping-symlink': /^symlink target "(\.\.\/)+etc\/shadow" points above the image root/,
  'symlink-then-write': /^its parent "usr\/share\/pith-evil-symlink-then-write\/link" is a symlink of this package/,
  'hardlink-outside': /^hard link target "\/etc\/passwd" is absolute/,
};

function tamperLayout(): RepoLayout {
  const one = (name: string, depends?: string) => ({
    components: {
      main: [
        { name, version: '1.0-1', ...(depends ? { depends } : {}) },
        ...(depends ? [{ name: depends, version: '1.0-1' }] : []),
      ],
    },
  });
  return {
    suites: {
      'sig-bad': one('sig-victim'),
      'sig-untrusted': one('untrusted-victim'),
      'index-bad': one('index-victim', 'index-victim-lib'),
      'deb-bad': one('deb-victim', 'deb-victim-lib'),
      locked: one('locked-pkg'),
    },
  };
}

describe('tampered repositories are refused', () => {
  let dir: string;
  let cache: string;
  let server: ServedDirectory;
  let repo: AptRepo;
  let key: TestKey;
  let untrusted: TestKey;
  /** Whether each refused build left a lockfile behind (checked by the last test). */
  const leftLock = new Map<string, boolean>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-offline-tamper-'));
    cache = join(dir, 'cache');
    [key, untrusted] = await Promise.all([
      createTestKey(join(dir, 'keys')),
      createTestKey(join(dir, 'keys'), 'Pith Untrusted'),
    ]);
    repo = await createAptRepo(join(dir, 'repo'), tamperLayout(), key);
    server = await serveDirectory(repo.root);
    await tamperInReleaseSignature(repo, 'sig-bad');
    await resignWithKey(repo, 'sig-untrusted', untrusted);
    await tamperPackagesIndex(repo, 'index-bad');
    for (const kind of KINDS) {
      const path = join(dir, 'evil', `${kind}.deb`);
      await writeMaliciousDeb(path, kind);
      await addRawDebToRepo(repo, `evil-${kind}`, 'main', readFileSync(path), maliciousControl(kind));
    }
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const specFor = (name: string, suite: string, packages: string[]): SpecDir =>
    writeSpecDir(dir, name, { url: server.url, suites: [suite], keyring: key.keyringPath, packages });
  const build = (d: SpecDir, cacheDir = cache) => runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', cacheDir]);
  const requestsSince = (from: number) => server.log.slice(from).map((req) => req.path);

  test('an InRelease whose signed text was changed', async () => {
    const d = specFor('sig-bad', 'sig-bad', ['sig-victim']);
    const from = server.log.length;
    const r = await build(d);
    assertRefused(r, {
      code: 1,
      out: d.out,
      message: /^pith: http:\/\/127\.0\.0\.1:\d+\/dists\/sig-bad\/InRelease: no valid signature by a trusted key \(/,
    });
    assert.ok(!existsSync(d.lock), 'no lockfile');
    assert.deepEqual(
      requestsSince(from),
      ['/dists/sig-bad/InRelease'],
      'nothing is fetched on the word of an unverified Release',
    );
  });

  test('an InRelease validly signed by a key that is not in the keyring', async () => {
    const d = specFor('sig-untrusted', 'sig-untrusted', ['untrusted-victim']);
    const from = server.log.length;
    const r = await build(d);
    const line = assertRefused(r, {
      code: 1,
      out: d.out,
      message:
        /^pith: http:\/\/127\.0\.0\.1:\d+\/dists\/sig-untrusted\/InRelease: no valid signature by a trusted key \(/,
    });
    assert.ok(
      line.includes(untrusted.fingerprint.slice(-16)),
      `the error names the signing key ${untrusted.fingerprint.slice(-16)}: ${line}`,
    );
    assert.ok(!existsSync(d.lock), 'no lockfile');
    assert.deepEqual(requestsSince(from), ['/dists/sig-untrusted/InRelease']);
  });

  test('a Packages index that does not match the signed Release', async () => {
    const d = specFor('index-bad', 'index-bad', ['index-victim']);
    const from = server.log.length;
    const r = await build(d);
    assertRefused(r, {
      code: 1,
      out: d.out,
      message:
        /^pith: http:\/\/127\.0\.0\.1:\d+\/dists\/index-bad\/main\/binary-amd64\/(by-hash\/SHA256\/[0-9a-f]{64}|Packages\.gz): index does not match the signed Release/,
    });
    assert.ok(!existsSync(d.lock), 'no lockfile');
    assert.ok(
      !requestsSince(from).some((path) => path.startsWith('/pool/')),
      'no package is fetched from a tampered index',
    );
  });

  test('a .deb that does not match its index entry (same size, one byte changed)', async () => {
    const deb = repo.debs.get('deb-victim_1.0-1_amd64')!;
    const bytes = readFileSync(deb.path);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01;
    await replaceDeb(repo, 'deb-victim', bytes);
    const d = specFor('deb-bad', 'deb-bad', ['deb-victim']);
    const r = await build(d);
    const line = assertRefused(r, {
      code: 1,
      out: d.out,
      message:
        /^pith: package deb-victim: package deb-victim 1\.0-1 from http:\/\/127\.0\.0\.1:\d+\/pool\/main\/d\/deb-victim\/deb-victim_1\.0-1_amd64\.deb does not match its index: /,
    });
    assert.ok(line.includes(`expected sha256 ${deb.sha256} (${deb.size} bytes)`), line);
    assert.ok(!existsSync(join(cache, 'debs', 'sha256', deb.sha256)), 'nothing cached under the expected hash');
    leftLock.set('deb-bad', existsSync(d.lock));
  });

  test('with a lockfile: a .deb replaced in the pool (and then re-indexed and re-signed) is refused against the lock', async () => {
    const d = specFor('locked', 'locked', ['locked-pkg']);
    const first = join(dir, 'locked-cache-1');
    assertBuilt(await build(d, first));
    const pinned = lockedEntry(d.lock, 'locked-pkg');
    const lockText = readFileSync(d.lock, 'utf8');
    rmSync(d.out, { recursive: true });

    // Another valid build of locked-pkg 1.0-1, with other contents.
    const other = await createAptRepo(
      join(dir, 'other-repo'),
      {
        suites: {
          locked: {
            components: {
              main: [
                {
                  name: 'locked-pkg',
                  version: '1.0-1',
                  files: [{ path: 'usr/bin/locked', content: 'replaced\n', mode: 0o755 }],
                },
              ],
            },
          },
        },
      },
      key,
    );
    const replacement = readFileSync(other.debs.get('locked-pkg_1.0-1_amd64')!.path);
    assert.notEqual(other.debs.get('locked-pkg_1.0-1_amd64')!.sha256, pinned.sha256);

    const refusedWith = async (cacheDir: string) => {
      const r = await build(d, cacheDir);
      const line = assertRefused(r, {
        code: 1,
        out: d.out,
        message:
          /^pith: package locked-pkg: package locked-pkg 1\.0-1 from http:\/\/127\.0\.0\.1:\d+\/pool\/main\/l\/locked-pkg\/locked-pkg_1\.0-1_amd64\.deb does not match its index: /,
      });
      assert.ok(
        line.includes(`expected sha256 ${pinned.sha256} (${pinned.size} bytes)`),
        `the lock's sha256 is what the .deb is checked against: ${line}`,
      );
      assert.equal(readFileSync(d.lock, 'utf8'), lockText, 'the lock is unchanged');
    };

    // The pool file only: the index still names the old one.
    await replaceDeb(repo, 'locked-pkg', replacement);
    await refusedWith(join(dir, 'locked-cache-2'));
    // Pool file and index agree again (as after a re-signed re-upload): the lock still pins the old bytes.
    const from = server.log.length;
    await addRawDebToRepo(repo, 'locked', 'main', replacement, {
      Package: 'locked-pkg',
      Version: '1.0-1',
      Architecture: 'amd64',
    });
    await refusedWith(join(dir, 'locked-cache-3'));
    assert.ok(
      !requestsSince(from).some(
        (path) => path.includes('InRelease') || path.includes('Packages') || path.includes('by-hash'),
      ),
      'the lock is used, no index is read',
    );
  });

  for (const kind of KINDS) {
    test(`a malicious .deb with correct hashes (${kind}) is refused, naming the package`, async () => {
      const name = `pith-evil-${kind}`;
      const d = specFor(`evil-${kind}`, `evil-${kind}`, [name]);
      const r = await build(d);
      const line = assertRefused(r, { code: 1, out: d.out, message: new RegExp(`^pith: package ${name} \\(`) });
      const entry = `unsafe entry ${JSON.stringify(maliciousEntryName(kind))} in data.tar: `;
      assert.ok(line.includes(entry), `names the hostile entry (${entry}): ${line}`);
      assert.match(line.slice(line.indexOf(entry) + entry.length), REASONS[kind]);
      assert.ok(
        !existsSync('/etc/pith-evil-absolute') &&
          !existsSync('/etc/pith-evil-dotdot') &&
          !existsSync('/etc/pith-evil-through-link'),
      );
      leftLock.set(kind, existsSync(d.lock));
    });
  }

  test('a build refused for its .debs leaves no lockfile behind', () => {
    assert.equal(leftLock.size, 1 + KINDS.length, 'every .deb case ran');
    assert.deepEqual(
      [...leftLock].filter(([, left]) => left).map(([name]) => name),
      [],
    );
  });
});
