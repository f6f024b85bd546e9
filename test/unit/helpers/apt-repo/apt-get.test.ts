/**
 * The real apt-get, with a private configuration that sees nothing of the host's sources, accepts
 * the served fake repository: update verifies InRelease and the by-hash indexes, the solver
 * follows Pre-Depends/Depends, versioned relations, virtual packages and alternatives, and
 * downloads match the pool. Each tamper helper makes apt fail for the reason it claims.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  addRawDebToRepo,
  aptClient,
  createAptRepo,
  createTestKey,
  exampleLayout,
  maliciousControl,
  replaceDeb,
  resignWithKey,
  serveDirectory,
  tamperInReleaseSignature,
  tamperPackagesIndex,
  writeMaliciousDeb,
  type AptClient,
  type AptRepo,
  type AptResult,
  type RepoLayout,
  type ServedDirectory,
  type TestKey,
} from '../../../helpers/apt-repo.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** `Inst name (version ...)` lines of a simulation, as name=version. */
function installs(result: AptResult): string[] {
  return [...result.stdout.matchAll(/^Inst (\S+) \((\S+) /gm)].map((match) => `${match[1]}=${match[2]}`).sort();
}

const show = (result: AptResult) => `status ${result.status}\n${result.stdout}\n${result.stderr}`;

describe('apt-get against the served repository', () => {
  let dir: string;
  let key: TestKey;
  const servers: ServedDirectory[] = [];
  let counter = 0;

  /** A fresh repository, served, and a fresh apt configured for it. */
  async function setup(layout: RepoLayout = exampleLayout(), options?: Parameters<typeof createAptRepo>[3]) {
    counter += 1;
    const repo = await createAptRepo(join(dir, `repo-${counter}`), layout, key, options);
    const server = await serveDirectory(repo.root);
    servers.push(server);
    const suites = Object.keys(layout.suites).map((suite) => {
      const components = Object.keys(layout.suites[suite]!.components ?? { main: [] });
      return `${server.url}/ ${suite} ${components.join(' ')}`;
    });
    const apt = await aptClient(join(dir, `apt-${counter}`), suites, repo.keyringPath);
    return { repo, server, apt };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-apt-get-'));
    key = await createTestKey(join(dir, 'keys'));
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a clean repository', () => {
    let repo: AptRepo;
    let server: ServedDirectory;
    let apt: AptClient;
    before(async () => {
      ({ repo, server, apt } = await setup());
      const update = await apt.aptGet(['update']);
      assert.equal(update.status, 0, show(update));
    });

    test('update verifies InRelease and fetches indexes by hash, without warnings', async () => {
      const update = await apt.aptGet(['update']);
      assert.equal(update.status, 0, show(update));
      assert.doesNotMatch(update.stderr, /^[WE]:/m, show(update));
      assert.ok(server.requests.includes('/dists/pith/InRelease'));
      assert.ok(server.requests.includes('/dists/pith-updates/InRelease'));
      const indexes = server.requests.filter((path) => path.includes('/binary-'));
      assert.ok(indexes.length >= 3);
      for (const path of indexes) assert.match(path, /\/binary-amd64\/by-hash\/SHA256\/[0-9a-f]{64}$/);
      assert.ok(!server.requests.some((path) => path.includes('binary-arm64')), 'apt is amd64-only here');
      const policy = await apt.aptGet(['-q', 'check']);
      assert.equal(policy.status, 0, show(policy));
    });

    test('install --simulate follows Pre-Depends, versions, virtual packages and alternatives', async () => {
      const result = await apt.aptGet(['install', '--simulate', '--no-install-recommends', 'hello']);
      assert.equal(result.status, 0, show(result));
      assert.deepEqual(installs(result), [
        'greet-data=1.2-1',
        'hello=1.0-1',
        'libc-fake=2.36-9',
        'libgreet1=1.2-1',
        'shell-impl=3.0-1',
      ]);
      // Pre-Depends is unpacked and configured before hello.
      const lines = result.stdout.split('\n');
      assert.ok(
        lines.indexOf('Conf libc-fake (2.36-9 Pith Test:pith [amd64])') <
          lines.findIndex((line) => line.startsWith('Inst hello ')),
      );
    });

    test('recommends are followed unless --no-install-recommends; alternatives by explicit choice', async () => {
      const withRecommends = await apt.aptGet(['install', '--simulate', 'hello']);
      assert.equal(withRecommends.status, 0, show(withRecommends));
      assert.ok(installs(withRecommends).includes('hello-doc=1.0-1'));
      const busybox = await apt.aptGet(['install', '--simulate', '--no-install-recommends', 'hello', 'busybox-fake']);
      assert.equal(busybox.status, 0, show(busybox));
      assert.ok(installs(busybox).includes('busybox-fake=1.36-1'));
      assert.ok(
        !installs(busybox).includes('shell-impl=3.0-1'),
        'the virtual dependency is satisfied by the chosen provider',
      );
      const old = await apt.aptGet(['install', '--simulate', 'libgreet1=1.0-1']);
      assert.equal(old.status, 0, show(old));
      assert.deepEqual(installs(old), ['libgreet1=1.0-1']);
    });

    test('the newest version across suites wins; epochs work', async () => {
      const result = await apt.aptGet(['install', '--simulate', 'tzfake']);
      assert.equal(result.status, 0, show(result));
      assert.deepEqual(installs(result), ['tzfake=1:2024b-1']);
      assert.match(result.stdout, /Inst tzfake \(1:2024b-1 Pith Test:pith-updates \[all\]\)/);
      const pinned = await apt.aptGet(['install', '--simulate', 'tzfake/pith']);
      assert.equal(pinned.status, 0, show(pinned));
      assert.deepEqual(installs(pinned), ['tzfake=1:2024a-1']);
    });

    test('a relation nothing satisfies is refused', async () => {
      const result = await apt.aptGet(['install', '--simulate', 'no-such-package']);
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /Unable to locate package no-such-package/);
    });

    test('apt-get download: the bytes are the pool file (and repo.debs sha256)', async () => {
      const result = await apt.aptGet(['download', 'hello', 'libgreet1', 'tzfake', 'greet-data', 'busybox-fake']);
      assert.equal(result.status, 0, show(result));
      const files = readdirSync(apt.downloadDir).sort();
      assert.deepEqual(files, [
        'busybox-fake_1.36-1_amd64.deb',
        'greet-data_1.2-1_all.deb',
        'hello_1.0-1_amd64.deb',
        'libgreet1_1.2-1_amd64.deb',
        'tzfake_1%3a2024b-1_all.deb',
      ]);
      const expected: Record<string, string> = {
        'busybox-fake_1.36-1_amd64.deb': 'busybox-fake_1.36-1_amd64',
        'greet-data_1.2-1_all.deb': 'greet-data_1.2-1_all',
        'hello_1.0-1_amd64.deb': 'hello_1.0-1_amd64',
        'libgreet1_1.2-1_amd64.deb': 'libgreet1_1.2-1_amd64',
        'tzfake_1%3a2024b-1_all.deb': 'tzfake_1:2024b-1_all',
      };
      for (const file of files) {
        const deb = repo.debs.get(expected[file]!)!;
        const bytes = readFileSync(join(apt.downloadDir, file));
        assert.equal(sha256(bytes), deb.sha256, file);
        assert.equal(sha256(bytes), sha256(readFileSync(deb.path)), file);
        assert.ok(server.requests.includes(`/${deb.filename}`));
      }
    });
  });

  test('a signature that no longer verifies: update fails', async () => {
    const { repo, apt } = await setup();
    await tamperInReleaseSignature(repo, 'pith');
    const result = await apt.aptGet(['update']);
    assert.notEqual(result.status, 0, show(result));
    assert.match(result.stderr, /BADSIG|signatures were invalid|is not signed/, show(result));
  });

  test('a signature by an untrusted key: update fails with NO_PUBKEY', async () => {
    const { repo, apt } = await setup();
    await resignWithKey(repo, 'pith', await createTestKey(join(dir, 'keys'), 'Pith Untrusted'));
    const result = await apt.aptGet(['update']);
    assert.notEqual(result.status, 0, show(result));
    assert.match(result.stderr, /NO_PUBKEY/, show(result));
  });

  test('a Packages index changed after signing: update fails with a hash mismatch', async () => {
    const { repo, apt } = await setup();
    await tamperPackagesIndex(repo, 'pith', 'main', 'amd64');
    const result = await apt.aptGet(['update']);
    assert.notEqual(result.status, 0, show(result));
    assert.match(result.stderr, /Hash Sum mismatch/, show(result));
    assert.doesNotMatch(result.stderr, /unexpected size/, 'same-size tampering: only the hash tells');
    assert.match(result.stderr, /main\/binary-amd64/);
  });

  test("tamperPackagesIndex 'append': update fails on the size", async () => {
    const { repo, apt } = await setup();
    await tamperPackagesIndex(repo, 'pith', 'main', 'amd64', 'append');
    const result = await apt.aptGet(['update']);
    assert.notEqual(result.status, 0, show(result));
    assert.match(result.stderr, /File has unexpected size/, show(result));
  });

  test('the same tampering is caught without by-hash and with only a plain index', async () => {
    for (const options of [{ byHash: false }, { byHash: false, indexCompression: ['none' as const] }]) {
      const { repo, server, apt } = await setup(exampleLayout(), options);
      const clean = await apt.aptGet(['update']);
      assert.equal(clean.status, 0, show(clean));
      const form = options.indexCompression ? 'Packages' : 'Packages.xz';
      assert.ok(server.requests.includes(`/dists/pith/main/binary-amd64/${form}`), server.requests.join('\n'));
      assert.ok(!server.requests.some((path) => path.includes('by-hash')));
      await tamperPackagesIndex(repo, 'pith');
      rmSync(join(apt.dir, 'state', 'lists'), { recursive: true, force: true });
      const tampered = await apt.aptGet(['update']);
      assert.notEqual(tampered.status, 0, show(tampered));
      assert.match(tampered.stderr, /Hash Sum mismatch/, show(tampered));
    }
  });

  test('a pool file replaced: download fails (hash mismatch, size mismatch)', async () => {
    const { repo, apt } = await setup();
    const update = await apt.aptGet(['update']);
    assert.equal(update.status, 0, show(update));
    // Same length, other bytes: only the hash can tell.
    const original = readFileSync(repo.debs.get('hello_1.0-1_amd64')!.path);
    const flipped = Buffer.from(original);
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0xff;
    await replaceDeb(repo, 'hello', flipped);
    const sameSize = await apt.aptGet(['download', 'hello']);
    assert.notEqual(sameSize.status, 0, show(sameSize));
    assert.match(sameSize.stderr, /Hash Sum mismatch/, show(sameSize));
    // Other length.
    await replaceDeb(repo, 'libgreet1_1.2-1_amd64', Buffer.concat([original, Buffer.from('trailing')]));
    const otherSize = await apt.aptGet(['download', 'libgreet1']);
    assert.notEqual(otherSize.status, 0, show(otherSize));
    assert.match(otherSize.stderr, /File has unexpected size \(\d+ != \d+\)/, show(otherSize));
    assert.deepEqual(
      readdirSync(apt.downloadDir).filter((file) => !file.endsWith('.FAILED')),
      [],
      'nothing accepted',
    );
  });

  test('a malicious .deb added with addRawDebToRepo passes every apt check', async () => {
    const { repo, apt } = await setup();
    const debPath = join(dir, 'symlink-then-write.deb');
    await writeMaliciousDeb(debPath, 'symlink-then-write');
    const bytes = readFileSync(debPath);
    await addRawDebToRepo(repo, 'pith', 'main', bytes, {
      ...maliciousControl('symlink-then-write'),
      Depends: 'libc-fake (>= 2.36)',
    });
    const update = await apt.aptGet(['update']);
    assert.equal(update.status, 0, show(update));
    const simulate = await apt.aptGet(['install', '--simulate', 'pith-evil-symlink-then-write']);
    assert.equal(simulate.status, 0, show(simulate));
    assert.deepEqual(installs(simulate), ['libc-fake=2.36-9', 'pith-evil-symlink-then-write=1.0']);
    const download = await apt.aptGet(['download', 'pith-evil-symlink-then-write']);
    assert.equal(download.status, 0, show(download));
    assert.equal(
      sha256(readFileSync(join(apt.downloadDir, 'pith-evil-symlink-then-write_1.0_amd64.deb'))),
      sha256(bytes),
    );
  });
});
