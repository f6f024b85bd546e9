/**
 * What a package build puts in the image, from a signed apt repository served on 127.0.0.1
 * (test/helpers/apt-repo.ts): files with their modes, owners, symlinks and hard links, dpkg's
 * status.d, a static program from a package run with runc as nonroot; then reproducibility and a
 * corrupted cache, which must never give another image than the lock pins.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  createAptRepo,
  createTestKey,
  serveDirectory,
  type AptRepo,
  type FakeFile,
  type RepoLayout,
  type ServedDirectory,
} from '../helpers/apt-repo.js';
import { sh } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import { runWithRunc } from '../helpers/runtime.js';
import {
  assertBuilt,
  assertLayoutIntact,
  filesIn,
  flipByte,
  lockedSet,
  permissions,
  runPithAsync,
  writeSpecDir,
  type OfflineSpec,
  type SpecDir,
} from '../helpers/offline-pith.js';

/** Run from the image as nonroot: reads a file of another package, and checks modes and owners as the kernel sees them. */
const HELLO_C = `#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  char line[256];
  FILE *f = fopen("/usr/share/pith-tools/message", "r");
  if (!f || !fgets(line, sizeof line, f)) { perror("message"); return 3; }
  fputs(line, stdout);
  printf("uid=%d gid=%d\\n", (int)getuid(), (int)getgid());
  struct stat suid, spool, owned;
  if (stat("/usr/bin/pith-suid", &suid) || stat("/var/spool/pith", &spool) || stat("/var/lib/pith-tools/owned", &owned)) { perror("stat"); return 4; }
  printf("suid=%o spool=%o owned=%d:%d/%o\\n", suid.st_mode & 07777, spool.st_mode & 07777, (int)owned.st_uid, (int)owned.st_gid, owned.st_mode & 07777);
  FILE *w = fopen("/var/spool/pith/written-by-nonroot", "w");
  printf("spool %s\\n", w ? "writable" : "not writable");
  return 0;
}
`;

const CONF = 'greeting=hello\n';
const MESSAGE = 'hello from a package\n';

function toolsFiles(hello: Buffer): FakeFile[] {
  return [
    { path: 'usr/bin/pith-hello', content: hello, mode: 0o755 },
    { path: 'usr/bin/pith-hello-link', symlink: 'pith-hello' },
    { path: 'usr/bin/pith-hello-hard', hardlinkTo: 'usr/bin/pith-hello' },
    { path: 'usr/bin/pith-suid', content: 'suid\n', mode: 0o4755 },
    { path: 'usr/bin/pith-sgid', content: 'sgid\n', mode: 0o2755 },
    { path: 'var/spool/pith', dir: true, mode: 0o1777 },
    { path: 'var/lib/pith-tools/owned', content: 'owned\n', mode: 0o640, uid: 1000, gid: 1000 },
    { path: 'etc/pith-tools.conf', content: CONF },
    { path: 'usr/share/doc/pith-tools/copyright', content: 'public domain\n' },
    { path: 'usr/share/doc/pith-tools/README', content: 'trimmed away\n' },
    { path: 'usr/share/man/man1/pith-hello.1', content: '.TH PITH-HELLO 1\n' },
  ];
}

function imageLayout(hello: Buffer): RepoLayout {
  return {
    suites: {
      stable: {
        components: {
          main: [
            { name: 'pith-tools', version: '1.0-1', depends: 'pith-tools-data (= 1.0-1)', files: toolsFiles(hello) },
            {
              name: 'pith-tools-data',
              version: '1.0-1',
              arch: 'all',
              source: 'pith-tools',
              files: [{ path: 'usr/share/pith-tools/message', content: MESSAGE }],
            },
            {
              name: 'extra-bin',
              version: '2.0-1',
              source: 'extra',
              depends: 'libextra1 (>= 2.0)',
              compression: 'zstd',
            },
            { name: 'libextra1', version: '2.0-1', source: 'extra', compression: 'gzip' },
            { name: 'lonely', version: '0.1-1', compression: 'none' },
          ],
        },
      },
    },
  };
}

const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

describe('image contents from an offline signed repository', () => {
  let dir: string;
  let server: ServedDirectory;
  let repo: AptRepo;
  let hello: Buffer;
  let base: Omit<OfflineSpec, 'packages'>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-offline-image-'));
    hello = readFileSync(compileC(dir, 'pith-hello', HELLO_C, ['-static']));
    const key = await createTestKey(join(dir, 'keys'));
    repo = await createAptRepo(join(dir, 'repo'), imageLayout(hello), key);
    server = await serveDirectory(repo.root);
    base = { url: server.url, suites: ['stable'], keyring: key.keyringPath };
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('files, modes, owners, links and status.d; a static program from a package runs as nonroot', async () => {
    const d = writeSpecDir(dir, 'contents', {
      ...base,
      packages: ['pith-tools'],
      extra: ['user: nonroot', 'entrypoint: [/usr/bin/pith-hello-link]'],
    });
    assertBuilt(await runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', join(dir, 'cache-contents')]));
    assert.deepEqual(lockedSet(d.lock), ['pith-tools 1.0-1', 'pith-tools-data 1.0-1']);

    const [image] = layoutImages(d.out);
    assert.equal(image!.config.config.User, '65532:65532');
    const withData = new Set([
      'etc/pith-tools.conf',
      'var/lib/dpkg/status.d/pith-tools',
      'var/lib/dpkg/status.d/pith-tools.md5sums',
      'usr/share/pith-tools/message',
    ]);
    const files = await imageFiles(image!, (p) => withData.has(p));
    const file = (path: string) => {
      const f = files.get(path);
      assert.ok(f, `${path} is in the image`);
      return f;
    };

    const bin = file('usr/bin/pith-hello');
    assert.equal(bin.type, 'file');
    assert.equal(permissions(bin), 0o755);
    assert.ok(bin.data?.equals(hello), 'the program is byte-identical to the packaged one');
    assert.deepEqual(
      [file('usr/bin/pith-hello-link').type, file('usr/bin/pith-hello-link').linkname],
      ['symlink', 'pith-hello'],
    );
    assert.deepEqual(
      [file('usr/bin/pith-hello-hard').type, file('usr/bin/pith-hello-hard').linkname],
      ['link', 'usr/bin/pith-hello'],
    );
    assert.equal(permissions(file('usr/bin/pith-suid')), 0o4755);
    assert.equal(permissions(file('usr/bin/pith-sgid')), 0o2755);
    assert.equal(file('var/spool/pith').type, 'directory');
    assert.equal(permissions(file('var/spool/pith')), 0o1777);
    const owned = file('var/lib/pith-tools/owned');
    assert.deepEqual([owned.uid, owned.gid, permissions(owned)], [1000, 1000, 0o640]);
    assert.deepEqual([bin.uid, bin.gid], [0, 0]);
    assert.equal(file('etc/pith-tools.conf').data?.toString(), CONF);
    assert.equal(file('usr/share/pith-tools/message').data?.toString(), MESSAGE);

    // Docs trimmed, copyright kept.
    assert.ok(files.has('usr/share/doc/pith-tools/copyright'));
    assert.ok(!files.has('usr/share/doc/pith-tools/README'), 'README trimmed');
    assert.ok(![...files.keys()].some((p) => p.startsWith('usr/share/man')), 'man pages trimmed');

    // status.d: the control file verbatim, and md5sums without the trimmed files.
    const deb = repo.debs.get('pith-tools_1.0-1_amd64')!.path;
    assert.equal(file('var/lib/dpkg/status.d/pith-tools').data?.toString(), sh('dpkg-deb', ['--info', deb, 'control']));
    const expectedMd5sums = toolsFiles(hello)
      .filter((f) => f.content !== undefined && !/README|\/man\//.test(f.path))
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((f) => `${md5(Buffer.from(f.content!))}  ${f.path}\n`)
      .join('');
    assert.equal(file('var/lib/dpkg/status.d/pith-tools.md5sums').data?.toString(), expectedMd5sums);
    assert.ok(files.has('var/lib/dpkg/status.d/pith-tools-data'));
    assert.ok(files.has('var/lib/dpkg/status.d/pith-tools-data.md5sums'));

    const run = runWithRunc(d.out, 'latest', { uid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(
      run.stdout,
      `${MESSAGE}uid=65532 gid=65532\nsuid=4755 spool=1777 owned=1000:1000/640\nspool writable\n`,
    );
  });

  describe('reproducibility and a corrupted cache', () => {
    let d: SpecDir;
    /** The cache after the first build; tests corrupt copies of it, never it. */
    let pristine: string;
    let digest: string;
    let lockText: string;
    /** Hex digests of the manifest and config blobs, and of the package layers. */
    let imageJson: string[];
    let packageLayers: string[];
    let copies = 0;
    const packages = ['pith-tools', 'extra-bin', 'lonely'];

    const cacheCopy = () => {
      const copy = join(dir, `cache-copy-${++copies}`);
      cpSync(pristine, copy, { recursive: true });
      return copy;
    };
    const rebuild = async (cacheDir: string) => {
      const out = join(d.dir, `rebuild-${copies}-${Math.random().toString(16).slice(2, 8)}.oci`);
      const r = await runPithAsync(['build', d.spec, '-o', out, '--cache-dir', cacheDir, '--frozen']);
      return { out, r, digest: assertBuilt(r) };
    };
    const blobFiles = (cacheDir: string, hexes: string[]) => hexes.map((hex) => join(cacheDir, 'blobs', 'sha256', hex));

    before(async () => {
      pristine = join(dir, 'cache-pristine');
      d = writeSpecDir(dir, 'repro', { ...base, packages });
      digest = assertBuilt(await runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', pristine]));
      lockText = readFileSync(d.lock, 'utf8');
      assert.deepEqual(lockedSet(d.lock), [
        'extra-bin 2.0-1',
        'libextra1 2.0-1',
        'lonely 0.1-1',
        'pith-tools 1.0-1',
        'pith-tools-data 1.0-1',
      ]);
      const [image] = layoutImages(d.out);
      assert.equal(
        image!.layers.length,
        5,
        'three package layers (extra, lonely, pith-tools), effects (/run, /var/run -> /run) and system',
      );
      const manifest = JSON.parse(readFileSync(join(d.out, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as {
        config: { digest: string };
      };
      imageJson = [digest.slice(7), manifest.config.digest.slice(7)];
      packageLayers = image!.layers.slice(0, 3).map((path) => basename(path));
    });

    test('same spec + lock: the same digest twice, and again with an empty cache', async () => {
      const warm = await rebuild(cacheCopy());
      assert.equal(warm.digest, digest);
      assert.match(warm.r.stderr, /layer pith-tools: 2 package\(s\), \d+ bytes \(cached\)/);
      const cold = await rebuild(join(dir, 'cache-empty'));
      assert.equal(cold.digest, digest);
      assertLayoutIntact(cold.out, digest);
      assert.equal(readFileSync(d.lock, 'utf8'), lockText, 'the lock is untouched');
    });

    test('corrupted cached .debs and package layer blobs: downloaded again and rebuilt, the same digest', async () => {
      const cache = cacheCopy();
      const debs = filesIn(join(cache, 'debs', 'sha256'));
      assert.equal(debs.length, 5, 'the cache holds the five .debs');
      for (const path of [...debs, ...blobFiles(cache, packageLayers)]) flipByte(path);
      const from = server.log.length;
      const again = await rebuild(cache);
      assert.equal(again.digest, digest);
      assertLayoutIntact(again.out, digest);
      assert.equal(
        server.log.slice(from).filter((req) => req.path.startsWith('/pool/')).length,
        5,
        'every corrupt .deb was downloaded again',
      );
      assert.equal(again.r.stderr.match(/^amd64: cached .* is corrupt: .*downloading again$/gm)?.length, 5);
      assert.doesNotMatch(again.r.stderr, /\(cached\)/, 'no package layer was taken from the corrupt cache');
    });

    test('corrupted cached manifest and config blobs: the output still holds the right bytes', async () => {
      const cache = cacheCopy();
      for (const path of blobFiles(cache, imageJson)) flipByte(path);
      const again = await rebuild(cache);
      assert.equal(again.digest, digest);
      assertLayoutIntact(again.out, digest);
    });

    test('a corrupted layer cache entry (layers/*.json: a broken file, a wrong blob digest) gives the same digest', async () => {
      const broken = cacheCopy();
      const entries = filesIn(join(broken, 'layers'), (name) => name.endsWith('.json'));
      assert.equal(entries.length, 3, 'one layer cache entry per package layer');
      for (const path of entries) flipByte(path, 0);
      const first = await rebuild(broken);
      assert.equal(first.digest, digest, 'entries that are not JSON');
      assertLayoutIntact(first.out, digest);

      const wrongDigest = cacheCopy();
      for (const path of filesIn(join(wrongDigest, 'layers'), (name) => name.endsWith('.json')))
        flipHexDigit(path, 'digest');
      const second = await rebuild(wrongDigest);
      assert.equal(second.digest, digest, 'entries naming a blob that is not there');
      assertLayoutIntact(second.out, digest);
    });

    test('a corrupted layer cache entry with a wrong diffId gives the same digest', async () => {
      const cache = cacheCopy();
      for (const path of filesIn(join(cache, 'layers'), (name) => name.endsWith('.json'))) flipHexDigit(path, 'diffId');
      const again = await rebuild(cache);
      assert.equal(again.digest, digest);
      assertLayoutIntact(again.out, digest);
    });

    test('a corrupted index cache: pith lock downloads the indexes again and writes the same lock', async () => {
      const cache = cacheCopy();
      const indexes = filesIn(join(cache, 'indexes'));
      assert.equal(indexes.length, 1, 'one cached index (stable/main/binary-amd64)');
      flipByte(indexes[0]!);
      const from = server.log.length;
      const r = await runPithAsync(['lock', d.spec, '--cache-dir', cache]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(d.lock, 'utf8'), lockText);
      assert.deepEqual(
        server.log
          .slice(from)
          .filter((req) => req.path.includes('/binary-amd64/'))
          .map((req) => `${req.status} ${req.path.replace(/[0-9a-f]{64}$/, '<sha256>')}`),
        ['200 /dists/stable/main/binary-amd64/by-hash/SHA256/<sha256>'],
        'the index was downloaded again, by hash',
      );
      assert.equal((await rebuild(cache)).digest, digest);
    });
  });
});

/** Changes the last hex digit of a digest field of a layer cache entry: still valid JSON, still a well-formed digest. */
function flipHexDigit(path: string, field: 'digest' | 'diffId'): void {
  // A layer cache entry is { value: { digest, diffId, ... }, sum }: corrupt a field of the blob.
  const entry = JSON.parse(readFileSync(path, 'utf8')) as { value: Record<string, unknown> };
  const value = entry.value[field];
  assert.ok(typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value), `${path} has a ${field}`);
  entry.value[field] = `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}`;
  writeFileSync(path, JSON.stringify(entry));
}
