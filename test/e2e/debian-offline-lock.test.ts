/**
 * The lockfile against a signed apt repository served on 127.0.0.1 (test/helpers/apt-repo.ts):
 * what `pith lock` writes, that a build with a matching lock reads no index at all (the server's
 * request log says so), --frozen, re-resolution when the spec changes, and new versions that only
 * `pith lock` takes. Then a repository under a snapshot-style path prefix.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAptRepo,
  createTestKey,
  serveDirectory,
  type AptRepo,
  type FakePackage,
  type RepoLayout,
  type ServedDirectory,
  type TestKey,
} from '../helpers/apt-repo.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import {
  assertBuilt,
  assertLayoutIntact,
  assertRefused,
  lockedEntry,
  lockedSet,
  readLock,
  runPithAsync,
  specYaml,
  writeSpecDir,
  type OfflineSpec,
  type SpecDir,
} from '../helpers/offline-pith.js';

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Requests that read repository metadata (InRelease, Release, Packages, by-hash). */
const isIndexRequest = (path: string) => /\/(InRelease|Release(\.gpg)?|Packages(\.\w+)?)$|\/by-hash\//.test(path);

function lockLayout(libappVersion: string): RepoLayout {
  const main: FakePackage[] = [
    {
      name: 'app',
      version: '1.0-1',
      depends: 'libapp (>= 1.0)',
      files: [{ path: 'usr/bin/app', content: '#!/bin/sh\n', mode: 0o755 }],
    },
    {
      name: 'libapp',
      version: libappVersion,
      files: [{ path: 'usr/lib/libapp.so', content: `libapp ${libappVersion}\n` }],
    },
    { name: 'extra', version: '1.0-1' },
  ];
  return { suites: { stable: { components: { main } } } };
}

describe('lockfile against an offline signed repository', () => {
  let dir: string;
  let key: TestKey;
  let repo: AptRepo;
  let server: ServedDirectory;
  let cache: string;
  let d: SpecDir;
  let base: OfflineSpec;
  /** The digest of the image built from the first lock (libapp 1.0-1). */
  let firstDigest: string;
  let outputs = 0;
  const out = () => join(d.dir, `out-${++outputs}.oci`);
  const requestsSince = (from: number) => server.log.slice(from).map((req) => req.path);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-offline-lock-'));
    cache = join(dir, 'cache');
    key = await createTestKey(join(dir, 'keys'));
    repo = await createAptRepo(join(dir, 'repo'), lockLayout('1.0-1'), key);
    server = await serveDirectory(repo.root);
    base = { url: server.url, suites: ['stable'], keyring: key.keyringPath, packages: ['app'] };
    d = writeSpecDir(dir, 'project', base);
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('pith lock writes <spec>.lock: inputs, the index read with its signed hash, every package pinned', async () => {
    const from = server.log.length;
    const r = await runPithAsync(['lock', d.spec, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `amd64: 2 packages\n${d.lock}\n`);
    const lock = readLock(d.lock);
    assert.equal(lock.lockfileVersion, 2);
    assert.deepEqual(lock.inputs, {
      packages: ['app'],
      exclude: [],
      sources: [{ suites: ['stable'], components: ['main'] }],
      archs: ['amd64'],
    });
    const packagesGz = join(repo.root, 'dists', 'stable', 'main', 'binary-amd64', 'Packages.gz');
    assert.deepEqual(lock.indexes, [
      {
        suite: 'stable',
        path: 'main/binary-amd64/Packages.gz',
        sha256: sha256File(packagesGz),
        size: readFileSync(packagesGz).length,
      },
    ]);
    assert.deepEqual(lock.archives, [{ suite: 'stable', codename: 'stable', signedBy: [key.fingerprint] }]);
    assert.ok(!readFileSync(d.lock, 'utf8').includes(server.url), 'the lock names no mirror');
    assert.deepEqual(lockedSet(d.lock), ['app 1.0-1', 'libapp 1.0-1']);
    for (const name of ['app', 'libapp']) {
      const deb = repo.debs.get(`${name}_1.0-1_amd64`)!;
      assert.deepEqual(lockedEntry(d.lock, name), {
        name,
        version: '1.0-1',
        architecture: 'amd64',
        source: name,
        suite: 'stable',
        filename: deb.filename,
        size: deb.size,
        sha256: deb.sha256,
      });
    }
    assert.ok(!requestsSince(from).some((path) => path.startsWith('/pool/')), 'pith lock downloads no package');
  });

  test('a build with a matching lock reads no index: no InRelease, no Packages request', async () => {
    const lockText = readFileSync(d.lock, 'utf8');
    const from = server.log.length;
    const r = await runPithAsync(['build', d.spec, '-o', out(), '--cache-dir', cache]);
    firstDigest = assertBuilt(r);
    assert.deepEqual(requestsSince(from).sort(), [
      `/${repo.debs.get('app_1.0-1_amd64')!.filename}`,
      `/${repo.debs.get('libapp_1.0-1_amd64')!.filename}`,
    ]);
    assert.doesNotMatch(r.stderr, /resolved|wrote .*pith\.lock/);
    assert.equal(readFileSync(d.lock, 'utf8'), lockText, 'the lock is untouched');
  });

  test('a newer version published in the repository: not taken by a build with the lock, taken by pith lock', async () => {
    // The archive moves on: libapp 1.1-1 replaces 1.0-1 in the signed index (the old pool file stays, as on snapshot mirrors).
    repo = await createAptRepo(repo.root, lockLayout('1.1-1'), key);
    const lockText = readFileSync(d.lock, 'utf8');

    const from = server.log.length;
    const pinned = await runPithAsync(['build', d.spec, '-o', out(), '--cache-dir', join(dir, 'cache-empty')]);
    assert.equal(assertBuilt(pinned), firstDigest, 'the lock pins libapp 1.0-1: same image');
    assert.ok(!requestsSince(from).some(isIndexRequest), `no index read: ${requestsSince(from).join(' ')}`);
    assert.equal(readFileSync(d.lock, 'utf8'), lockText);

    const relock = await runPithAsync(['lock', d.spec, '--cache-dir', cache]);
    assert.equal(relock.code, 0, relock.stderr);
    assert.deepEqual(lockedSet(d.lock), ['app 1.0-1', 'libapp 1.1-1']);
    assert.equal(lockedEntry(d.lock, 'libapp').sha256, repo.debs.get('libapp_1.1-1_amd64')!.sha256);
    assert.equal(
      lockedEntry(d.lock, 'app').sha256,
      repo.debs.get('app_1.0-1_amd64')!.sha256,
      'app itself did not change',
    );

    const output = out();
    const updated = assertBuilt(await runPithAsync(['build', d.spec, '-o', output, '--cache-dir', cache, '--frozen']));
    assert.notEqual(updated, firstDigest);
    const files = await imageFiles(
      layoutImages(output)[0]!,
      (p) => p === 'var/lib/dpkg/status.d/libapp' || p === 'usr/lib/libapp.so',
    );
    assert.match(files.get('var/lib/dpkg/status.d/libapp')!.data!.toString(), /^Version: 1\.1-1$/m);
    assert.equal(files.get('usr/lib/libapp.so')!.data!.toString(), 'libapp 1.1-1\n');
  });

  test('--frozen refuses a lock that does not match the spec, naming the difference, with exit 2', async () => {
    const lockText = readFileSync(d.lock, 'utf8');
    const frozen = async (spec: Partial<OfflineSpec>, difference: string) => {
      writeFileSync(d.spec, specYaml({ ...base, ...spec }));
      const output = out();
      const from = server.log.length;
      const r = await runPithAsync(['build', d.spec, '-o', output, '--cache-dir', cache, '--frozen']);
      const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      assertRefused(r, {
        code: 2,
        out: output,
        message: new RegExp(
          `^pith: ${escaped(d.lock)} does not match ${escaped(d.spec)} \\(${escaped(difference)}\\) \\(run pith lock, or build without --frozen\\)$`,
        ),
      });
      assert.equal(readFileSync(d.lock, 'utf8'), lockText, 'the lock is untouched');
      assert.deepEqual(requestsSince(from), [], 'nothing fetched');
    };
    await frozen({ packages: ['app', 'extra'] }, 'packages +extra');
    await frozen({ packages: ['app', 'libapp (>= 1.1)'] }, 'packages +libapp (>= 1.1)');
    await frozen({ packages: ['extra'] }, 'packages +extra -app');
    await frozen({ exclude: ['extra'] }, 'exclude +extra');
    await frozen({ suites: ['stable', 'stable-updates'] }, 'sources +stable,stable-updates/main -stable/main');
    writeFileSync(d.spec, specYaml(base));

    const none = writeSpecDir(dir, 'no-lock', base);
    const r = await runPithAsync(['build', none.spec, '-o', none.out, '--cache-dir', cache, '--frozen']);
    assertRefused(r, {
      code: 2,
      out: none.out,
      message: /^pith: .*\/no-lock\/pith\.lock: no lockfile, and --frozen never resolves \(run pith lock first\)$/,
    });
    assert.ok(!existsSync(none.lock));
  });

  test('the lock pins content, not the mirror: --frozen builds the same image from another mirror of the archive', async () => {
    // The same signed archive served under another URL (another host:port and a path prefix), as
    // a second mirror or a snapshot service would: only the .debs are fetched from it, checked
    // against the lock's hashes.
    const lockText = readFileSync(d.lock, 'utf8');
    const reference = assertBuilt(
      await runPithAsync(['build', d.spec, '-o', out(), '--cache-dir', join(dir, 'cache-mirror-a'), '--frozen']),
    );
    const www = join(dir, 'www-mirror');
    mkdirSync(join(www, 'archive', '20250101T000000Z'), { recursive: true });
    symlinkSync(repo.root, join(www, 'archive', '20250101T000000Z', 'debian'));
    const mirror = await serveDirectory(www);
    try {
      const other = `${mirror.url}/archive/20250101T000000Z/debian`;
      writeFileSync(d.spec, specYaml({ ...base, url: other }));
      const output = out();
      const r = await runPithAsync([
        'build',
        d.spec,
        '-o',
        output,
        '--cache-dir',
        join(dir, 'cache-mirror-b'),
        '--frozen',
      ]);
      assert.equal(assertBuilt(r), reference, 'same digest from the other mirror');
      assert.equal(readFileSync(d.lock, 'utf8'), lockText, 'the lock is untouched');
      assert.deepEqual(mirror.log.map((l) => l.path).sort(), [
        `/archive/20250101T000000Z/debian/${repo.debs.get('app_1.0-1_amd64')!.filename}`,
        `/archive/20250101T000000Z/debian/${repo.debs.get('libapp_1.1-1_amd64')!.filename}`,
      ]);
      // A mirror serving other bytes under the locked name is refused, whatever its URL.
      const tampered = join(dir, 'www-tampered');
      mkdirSync(tampered);
      cpSync(repo.root, join(tampered, 'debian'), { recursive: true });
      writeFileSync(join(tampered, 'debian', repo.debs.get('libapp_1.1-1_amd64')!.filename), 'not the locked package');
      const bad = await serveDirectory(tampered);
      try {
        writeFileSync(d.spec, specYaml({ ...base, url: `${bad.url}/debian` }));
        const refused = await runPithAsync([
          'build',
          d.spec,
          '-o',
          out(),
          '--cache-dir',
          join(dir, 'cache-mirror-c'),
          '--frozen',
        ]);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /libapp.*(sha256|size)/);
      } finally {
        await bad.close();
      }
    } finally {
      writeFileSync(d.spec, specYaml(base));
      await mirror.close();
    }
  });

  test('a version 1 lock (which named the mirror) is read as the same pin', async () => {
    const lock = readLock(d.lock);
    const v1 = {
      lockfileVersion: 1,
      inputs: {
        ...lock.inputs,
        sources: lock.inputs.sources.map((s) => ({ url: 'http://old-mirror.invalid/debian', ...s })),
      },
      indexes: lock.indexes.map((i) => ({
        url: `http://old-mirror.invalid/debian/dists/${i.suite}/${i.path}`,
        sha256: i.sha256,
        size: i.size,
      })),
      packages: {
        amd64: lock.packages['amd64']!.map((p) => ({ ...p, repository: 'http://old-mirror.invalid/debian' })),
      },
    };
    const lockText = readFileSync(d.lock, 'utf8');
    writeFileSync(d.lock, JSON.stringify(v1));
    try {
      const reference = assertBuilt(
        await runPithAsync(['build', d.spec, '-o', out(), '--cache-dir', cache, '--frozen']),
      );
      writeFileSync(d.lock, lockText);
      assert.equal(
        assertBuilt(await runPithAsync(['build', d.spec, '-o', out(), '--cache-dir', cache, '--frozen'])),
        reference,
      );
    } finally {
      writeFileSync(d.lock, lockText);
    }
  });

  test('without --frozen, a spec that no longer matches is resolved again and the lock rewritten', async () => {
    writeFileSync(d.spec, specYaml({ ...base, packages: ['app', 'extra'] }));
    const from = server.log.length;
    const output = out();
    const r = await runPithAsync(['build', d.spec, '-o', output, '--cache-dir', cache]);
    const digest = assertBuilt(r);
    assert.ok(r.stderr.includes(`${d.lock} does not match the spec (packages +extra): resolving again`), r.stderr);
    assert.ok(requestsSince(from).includes('/dists/stable/InRelease'), 'resolved again from the signed Release');
    assert.deepEqual(lockedSet(d.lock), ['app 1.0-1', 'extra 1.0-1', 'libapp 1.1-1']);
    assert.deepEqual(readLock(d.lock).inputs.packages, ['app', 'extra']);
    const files = await imageFiles(layoutImages(output)[0]!);
    assert.ok(files.has('var/lib/dpkg/status.d/extra'));

    const again = await runPithAsync(['build', d.spec, '-o', out(), '--cache-dir', cache, '--frozen']);
    assert.equal(assertBuilt(again), digest, 'the rewritten lock builds the same image');
  });
});

describe('a repository URL with a snapshot-style path prefix', () => {
  const PREFIX = '/archive/debian/20250520T000000Z';
  let dir: string;
  let server: ServedDirectory;
  let url: string;
  let keyring: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-offline-snapshot-'));
    const key = await createTestKey(join(dir, 'keys'));
    keyring = key.keyringPath;
    await createAptRepo(
      join(dir, 'www', ...PREFIX.split('/').filter(Boolean)),
      {
        suites: {
          bookworm: {
            components: {
              main: [
                { name: 'snap-hello', version: '1.0-1', depends: 'snap-data' },
                { name: 'snap-data', version: '1.0-1', arch: 'all' },
              ],
            },
          },
          'bookworm-updates': {
            components: { main: [{ name: 'snap-hello', version: '1.0-2', depends: 'snap-data' }] },
          },
        },
      },
      key,
    );
    server = await serveDirectory(join(dir, 'www'));
    url = `${server.url}${PREFIX}`;
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('resolves, downloads and builds like any other repository, every request under the prefix', async () => {
    const d = writeSpecDir(dir, 'snap', {
      url: `${url}/`,
      suites: ['bookworm', 'bookworm-updates'],
      keyring,
      packages: ['snap-hello'],
    });
    const r = await runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', join(dir, 'cache')]);
    const digest = assertBuilt(r);
    assert.deepEqual(lockedSet(d.lock), ['snap-data 1.0-1', 'snap-hello 1.0-2']);
    const hello = lockedEntry(d.lock, 'snap-hello');
    assert.deepEqual(
      [hello.suite, hello.filename],
      ['bookworm-updates', 'pool/main/s/snap-hello/snap-hello_1.0-2_amd64.deb'],
    );
    assert.deepEqual(
      readLock(d.lock)
        .indexes.map((i) => `${i.suite}/${i.path}`)
        .sort(),
      ['bookworm-updates/main/binary-amd64/Packages.gz', 'bookworm/main/binary-amd64/Packages.gz'],
    );
    assert.ok(server.log.length >= 6, 'two InRelease, two indexes, two packages');
    for (const req of server.log) {
      assert.ok(req.path.startsWith(`${PREFIX}/dists/`) || req.path.startsWith(`${PREFIX}/pool/`), req.path);
      assert.equal(req.status, 200, req.path);
    }
    const files = await imageFiles(layoutImages(d.out)[0]!, (p) => p === 'var/lib/dpkg/status.d/snap-hello');
    assert.match(files.get('var/lib/dpkg/status.d/snap-hello')!.data!.toString(), /^Version: 1\.0-2$/m);

    const fresh = await runPithAsync([
      'build',
      d.spec,
      '-o',
      join(d.dir, 'fresh.oci'),
      '--cache-dir',
      join(dir, 'cache-empty'),
      '--frozen',
    ]);
    assert.equal(assertBuilt(fresh), digest);
    assertLayoutIntact(join(d.dir, 'fresh.oci'), digest);
  });
});
