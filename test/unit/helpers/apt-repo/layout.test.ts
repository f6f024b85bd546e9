/**
 * The fake repository on disk is laid out and hashed like a Debian mirror: every index the
 * Release lists has the listed size and hashes, by-hash copies are byte-identical, Packages
 * stanzas describe the pool files exactly, and the .debs hold what the FakePackages say
 * (dpkg-deb is the oracle). Also the index-level tamper helpers, addRawDebToRepo, options,
 * reproducibility and build time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  addRawDebToRepo,
  createAptRepo,
  createTestKey,
  exampleLayout,
  maliciousControl,
  readRelease,
  replaceDeb,
  tamperPackagesIndex,
  writeMaliciousDeb,
  type AptRepo,
  type RepoLayout,
  type TestKey,
} from '../../../helpers/apt-repo.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');

interface ReleaseEntry {
  hash: string;
  size: number;
  path: string;
}

/** Fields and the MD5Sum/SHA256 lists of a Release. */
function parseRelease(text: string): { fields: Map<string, string>; md5: ReleaseEntry[]; sha256: ReleaseEntry[] } {
  const fields = new Map<string, string>();
  const lists: Record<string, ReleaseEntry[]> = { MD5Sum: [], SHA256: [] };
  let current: ReleaseEntry[] | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ')) {
      const [hash, size, path] = line.trim().split(/\s+/);
      assert.ok(current && hash && size && path, `unexpected continuation: ${line}`);
      current.push({ hash, size: Number(size), path });
      continue;
    }
    const colon = line.indexOf(':');
    const field = line.slice(0, colon);
    fields.set(field, line.slice(colon + 1).trim());
    current = lists[field];
  }
  return { fields, md5: lists.MD5Sum!, sha256: lists.SHA256! };
}

function parseStanzas(text: string): Array<Map<string, string>> {
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields = new Map<string, string>();
      let last = '';
      for (const line of block.split('\n')) {
        if (line.startsWith(' ')) fields.set(last, `${fields.get(last)}\n${line}`);
        else {
          const colon = line.indexOf(':');
          last = line.slice(0, colon);
          fields.set(last, line.slice(colon + 1).trim());
        }
      }
      return fields;
    });
}

const unxz = (data: Uint8Array) => execFileSync('xz', ['-dc'], { input: data });

/** The Packages text of a suite/component/arch, from its .xz on disk. */
function packagesOf(repo: AptRepo, suite: string, component: string, arch: string): Array<Map<string, string>> {
  return parseStanzas(
    unxz(readFileSync(join(repo.root, 'dists', suite, component, `binary-${arch}`, 'Packages.xz'))).toString(),
  );
}

const dpkgDeb = (...args: string[]) => execFileSync('dpkg-deb', args, { encoding: 'utf8' });

describe('apt-repo layout', () => {
  let dir: string;
  let key: TestKey;
  let repo: AptRepo;
  let buildMs = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-apt-layout-'));
    key = await createTestKey(join(dir, 'keys'));
    const start = performance.now();
    repo = await createAptRepo(join(dir, 'repo'), exampleLayout(), key);
    buildMs = performance.now() - start;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test(`the example repository (14 .debs, 2 suites) builds quickly`, (t) => {
    t.diagnostic(`createAptRepo(exampleLayout) took ${buildMs.toFixed(0)} ms`);
    assert.equal(repo.debs.size, 14);
    assert.ok(buildMs < 15_000, `took ${buildMs} ms`);
  });

  test('Release fields and the hashes of every listed index', async () => {
    for (const suite of ['pith', 'pith-updates']) {
      const release = parseRelease(await readRelease(repo, suite));
      assert.equal(release.fields.get('Suite'), suite);
      assert.equal(release.fields.get('Codename'), suite);
      assert.equal(release.fields.get('Origin'), 'Pith Test');
      assert.equal(release.fields.get('Label'), 'Pith Test');
      assert.equal(release.fields.get('Date'), 'Sat, 01 Jun 2024 00:00:00 UTC');
      assert.equal(release.fields.get('Acquire-By-Hash'), 'yes');
      assert.equal(release.fields.get('Valid-Until'), undefined);
      assert.deepEqual(
        release.md5.map((entry) => entry.path),
        release.sha256.map((entry) => entry.path),
      );
      const { archs, components } =
        suite === 'pith'
          ? { archs: ['amd64', 'arm64'], components: ['main', 'contrib'] }
          : { archs: ['amd64'], components: ['main'] };
      assert.equal(release.fields.get('Architectures'), archs.join(' '));
      assert.equal(release.fields.get('Components'), components.join(' '));
      const expectedPaths = components
        .flatMap((c) => archs.flatMap((a) => ['', '.gz', '.xz'].map((ext) => `${c}/binary-${a}/Packages${ext}`)))
        .sort();
      assert.deepEqual(
        release.sha256.map((entry) => entry.path),
        expectedPaths,
      );

      const byPath = new Map(release.sha256.map((entry) => [entry.path, entry]));
      for (const [index, entry] of release.sha256.entries()) {
        const path = join(repo.root, 'dists', suite, entry.path);
        if (entry.path.endsWith('/Packages')) {
          // Listed (apt checks the decompressed text against it) but not shipped, as on Debian.
          assert.equal(existsSync(path), false);
          for (const [ext, decompress] of [
            ['.xz', unxz],
            ['.gz', gunzipSync],
          ] as const) {
            const plain = decompress(readFileSync(`${path}${ext}`));
            assert.equal(sha256(plain), entry.hash, `${entry.path} vs ${ext}`);
            assert.equal(plain.byteLength, entry.size);
          }
          continue;
        }
        const data = readFileSync(path);
        assert.equal(sha256(data), entry.hash, entry.path);
        assert.equal(data.byteLength, entry.size, entry.path);
        assert.equal(md5(data), release.md5[index]!.hash, entry.path);
        const byHash = join(path, '..', 'by-hash', 'SHA256', entry.hash);
        assert.deepEqual(readFileSync(byHash), data, `by-hash copy of ${entry.path}`);
        assert.ok(byPath.has(entry.path));
      }
    }
  });

  test('Packages stanzas describe the pool files; arch all is in every arch', () => {
    const seen = new Set<string>();
    for (const [suite, component, arch] of [
      ['pith', 'main', 'amd64'],
      ['pith', 'main', 'arm64'],
      ['pith', 'contrib', 'amd64'],
      ['pith', 'contrib', 'arm64'],
      ['pith-updates', 'main', 'amd64'],
    ] as const) {
      for (const stanza of packagesOf(repo, suite, component, arch)) {
        const name = stanza.get('Package')!;
        const version = stanza.get('Version')!;
        const stanzaArch = stanza.get('Architecture')!;
        assert.ok(stanzaArch === arch || stanzaArch === 'all', `${name} ${stanzaArch} in binary-${arch}`);
        const file = readFileSync(join(repo.root, stanza.get('Filename')!));
        assert.equal(file.byteLength, Number(stanza.get('Size')));
        assert.equal(sha256(file), stanza.get('SHA256'));
        assert.equal(md5(file), stanza.get('MD5sum'));
        const deb = repo.debs.get(`${name}_${version}_${stanzaArch}`);
        assert.ok(deb, `${name}_${version}_${stanzaArch} in repo.debs`);
        assert.equal(deb.filename, stanza.get('Filename'));
        assert.equal(deb.sha256, stanza.get('SHA256'));
        assert.equal(deb.size, file.byteLength);
        assert.equal(deb.path, join(repo.root, deb.filename));
        // The .deb's own control agrees with the stanza.
        const inDeb = parseStanzas(execFileSync('dpkg-deb', ['--info', deb.path, 'control'], { encoding: 'utf8' }))[0]!;
        for (const field of [
          'Package',
          'Version',
          'Architecture',
          'Depends',
          'Pre-Depends',
          'Provides',
          'Recommends',
          'Multi-Arch',
          'Source',
          'Essential',
          'Description',
        ]) {
          assert.equal(inDeb.get(field), stanza.get(field), `${name} ${field}`);
        }
        seen.add(`${suite}/${component}/${arch}/${name}_${version}_${stanzaArch}`);
      }
    }
    for (const allPackage of ['greet-data_1.2-1_all', 'hello-doc_1.0-1_all', 'tzfake_1:2024a-1_all']) {
      assert.ok(seen.has(`pith/main/amd64/${allPackage}`) && seen.has(`pith/main/arm64/${allPackage}`), allPackage);
    }
    assert.ok(seen.has('pith/main/arm64/hello_1.0-1_arm64') && !seen.has('pith/main/amd64/hello_1.0-1_arm64'));
    assert.ok(seen.has('pith/main/amd64/libgreet1_1.0-1_amd64') && seen.has('pith/main/amd64/libgreet1_1.2-1_amd64'));
    assert.ok(seen.has('pith/contrib/amd64/busybox-fake_1.36-1_amd64'));
    assert.ok(seen.has('pith-updates/main/amd64/tzfake_1:2024b-1_all'));
    assert.equal(packagesOf(repo, 'pith', 'contrib', 'arm64').length, 0, 'empty index');
    assert.equal(seen.size, 17);
  });

  test('pool paths: component, first letter of the source, epoch dropped from the file name', () => {
    assert.equal(repo.debs.get('libgreet1_1.2-1_amd64')!.filename, 'pool/main/l/libgreet/libgreet1_1.2-1_amd64.deb');
    assert.equal(repo.debs.get('greet-data_1.2-1_all')!.filename, 'pool/main/l/libgreet/greet-data_1.2-1_all.deb');
    assert.equal(repo.debs.get('tzfake_1:2024b-1_all')!.filename, 'pool/main/t/tzfake/tzfake_2024b-1_all.deb');
    assert.equal(
      repo.debs.get('busybox-fake_1.36-1_amd64')!.filename,
      'pool/contrib/b/busybox-fake/busybox-fake_1.36-1_amd64.deb',
    );
    assert.match(dpkgDeb('--field', repo.debs.get('libgreet1_1.2-1_amd64')!.path, 'Source'), /^libgreet \(1\.2-1\)$/m);
  });

  test('dpkg-deb compression per package', () => {
    const members = (key: string) =>
      execFileSync('ar', ['t', repo.debs.get(key)!.path], { encoding: 'utf8' })
        .trim()
        .split('\n');
    assert.deepEqual(members('hello_1.0-1_amd64'), ['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    assert.deepEqual(members('libc-fake_2.36-9_amd64'), ['debian-binary', 'control.tar.gz', 'data.tar.gz']);
    assert.deepEqual(members('libgreet1_1.2-1_amd64'), ['debian-binary', 'control.tar.zst', 'data.tar.zst']);
    assert.deepEqual(members('greet-data_1.2-1_all'), ['debian-binary', 'control.tar', 'data.tar']);
  });

  test('file entries: modes, setuid, sticky dir, symlink, hard link, owners, default files', () => {
    const listing = dpkgDeb('--contents', repo.debs.get('shell-impl_3.0-1_amd64')!.path);
    const line = (path: string) =>
      listing.split('\n').find((entry) => entry.endsWith(` ./${path}`) || entry.includes(` ./${path} `)) ??
      assert.fail(`${path} missing:\n${listing}`);
    assert.match(line('usr/bin/sh-impl'), /^-rwxr-xr-x 0\/0|^-rwxr-xr-x root\/root/);
    assert.match(line('usr/bin/suid-helper'), /^-rwsr-xr-x /);
    assert.match(line('usr/bin/vsh'), /^lrwxrwxrwx .* -> sh-impl$/);
    assert.match(line('usr/bin/sh-impl-hard'), /^h.* link to \.\/usr\/bin\/sh-impl$/);
    assert.match(line('var/lib/shell-impl/'), /^drwxrwxrwt /);
    assert.match(line('var/lib/shell-impl/owned'), /^-rw-r----- \S+\/\S+ /);
    const owners = execFileSync('tar', ['--numeric-owner', '-tvf', '-'], {
      input: execFileSync('dpkg-deb', ['--fsys-tarfile', repo.debs.get('shell-impl_3.0-1_amd64')!.path]),
      encoding: 'utf8',
    });
    if (process.getuid?.() === 0) assert.match(owners, /^-rw-r----- 1000\/1000 .* \.\/var\/lib\/shell-impl\/owned$/m);
    assert.match(owners, /^-rwxr-xr-x 0\/0 .* \.\/usr\/bin\/sh-impl$/m);

    const defaults = dpkgDeb('--contents', repo.debs.get('libgreet1_1.0-1_amd64')!.path);
    assert.match(defaults, / root\/root .* \.\/usr\/share\/doc\/libgreet1\/copyright$/m);
    assert.match(defaults, / \.\/usr\/share\/libgreet1\/data$/m);
    const md5sums = execFileSync('dpkg-deb', ['--info', repo.debs.get('libgreet1_1.0-1_amd64')!.path, 'md5sums'], {
      encoding: 'utf8',
    });
    assert.match(md5sums, /^[0-9a-f]{32} {2}usr\/share\/libgreet1\/data$/m);
    const hello = execFileSync('dpkg-deb', ['--fsys-tarfile', repo.debs.get('hello_1.0-1_amd64')!.path]);
    const script = execFileSync('tar', ['-xOf', '-', './usr/bin/hello'], { input: hello, encoding: 'utf8' });
    assert.equal(script, '#!/bin/sh\necho hello\n');
  });

  test('reproducible: the same layout and key give the same bytes', async () => {
    const again = await createAptRepo(join(dir, 'again'), exampleLayout(), key);
    for (const [name, deb] of repo.debs) assert.equal(again.debs.get(name)!.sha256, deb.sha256, name);
    for (const rel of [
      'dists/pith/Release',
      'dists/pith/main/binary-amd64/Packages.xz',
      'dists/pith/main/binary-amd64/Packages.gz',
    ]) {
      assert.deepEqual(readFileSync(join(again.root, rel)), readFileSync(join(repo.root, rel)), rel);
    }
  });

  test('options: byHash false, indexCompression', async () => {
    const small: RepoLayout = { suites: { s: { components: { main: [{ name: 'one', version: '1' }] } } } };
    const plain = await createAptRepo(join(dir, 'plain'), small, key, { byHash: false, indexCompression: ['none'] });
    const binary = join(plain.root, 'dists', 's', 'main', 'binary-amd64');
    assert.deepEqual(readdirSync(binary).sort(), ['Packages']);
    const release = parseRelease(await readRelease(plain, 's'));
    assert.equal(release.fields.get('Acquire-By-Hash'), undefined);
    assert.deepEqual(
      release.sha256.map((entry) => entry.path),
      ['main/binary-amd64/Packages'],
    );
    assert.equal(release.sha256[0]!.hash, sha256(readFileSync(join(binary, 'Packages'))));
    assert.equal(parseStanzas(readFileSync(join(binary, 'Packages'), 'utf8'))[0]!.get('Package'), 'one');

    const gzOnly = await createAptRepo(join(dir, 'gz'), small, key, { indexCompression: ['gz'] });
    const gzDir = join(gzOnly.root, 'dists', 's', 'main', 'binary-amd64');
    assert.deepEqual(readdirSync(gzDir).sort(), ['Packages.gz', 'by-hash']);
    assert.deepEqual(
      parseRelease(await readRelease(gzOnly, 's')).sha256.map((entry) => entry.path),
      ['main/binary-amd64/Packages', 'main/binary-amd64/Packages.gz'],
    );
    const emptySuite = await createAptRepo(join(dir, 'empty'), { suites: { e: {} } }, key);
    assert.match(await readRelease(emptySuite, 'e'), /^Components: main$/m);
  });

  test('tamperPackagesIndex: every form and by-hash copy changes, same sizes, still parses, Release does not', async () => {
    const victim = await createAptRepo(join(dir, 'tamper-index'), exampleLayout(), key);
    const release = await readRelease(victim, 'pith');
    const listed = new Map(parseRelease(release).sha256.map((entry) => [entry.path, entry]));
    const binary = join(victim.root, 'dists', 'pith', 'main', 'binary-amd64');
    const signedText = unxz(readFileSync(join(binary, 'Packages.xz'))).toString();
    await tamperPackagesIndex(victim, 'pith');
    assert.equal(await readRelease(victim, 'pith'), release);
    for (const form of ['Packages.xz', 'Packages.gz']) {
      const entry = listed.get(`main/binary-amd64/${form}`)!;
      const data = readFileSync(join(binary, form));
      assert.notEqual(sha256(data), entry.hash, form);
      assert.equal(data.byteLength, entry.size, `${form} keeps its size`);
      assert.deepEqual(readFileSync(join(binary, 'by-hash', 'SHA256', entry.hash)), data, `by-hash ${form}`);
      const text = (form.endsWith('.xz') ? unxz(data) : gunzipSync(data)).toString();
      assert.equal(text.length, signedText.length);
      const changed = [...text]
        .map((char, index) => (char === signedText[index] ? -1 : index))
        .filter((index) => index >= 0);
      assert.equal(changed.length, 1, `${form}: one character differs`);
      const lineStart = text.lastIndexOf('\n', changed[0]!) + 1;
      assert.match(text.slice(lineStart, text.indexOf('\n', changed[0]!)), /^SHA256: [0-9a-f]{64}$/);
      assert.equal(parseStanzas(text).length, parseStanzas(signedText).length);
    }
    // Other indexes are untouched.
    const arm = readFileSync(join(victim.root, 'dists', 'pith', 'main', 'binary-arm64', 'Packages.xz'));
    assert.equal(sha256(arm), listed.get('main/binary-arm64/Packages.xz')!.hash);
    await tamperPackagesIndex(victim, 'pith', 'main', 'arm64', 'append');
    const appended = readFileSync(join(victim.root, 'dists', 'pith', 'main', 'binary-arm64', 'Packages.xz'));
    assert.notEqual(sha256(appended), listed.get('main/binary-arm64/Packages.xz')!.hash);
    assert.ok(parseStanzas(unxz(appended).toString()).some((stanza) => stanza.get('Package') === 'pith-tampered'));
    // An empty index has no digit to change: it gets the extra stanza.
    await tamperPackagesIndex(victim, 'pith', 'contrib', 'arm64');
    const empty = readFileSync(join(victim.root, 'dists', 'pith', 'contrib', 'binary-arm64', 'Packages.gz'));
    assert.ok(parseStanzas(gunzipSync(empty).toString()).some((stanza) => stanza.get('Package') === 'pith-tampered'));
    await assert.rejects(tamperPackagesIndex(victim, 'pith', 'non-free'), /no component non-free/);
  });

  test('replaceDeb: pool file swapped, index and repo.debs keep the signed hash', async () => {
    const victim = await createAptRepo(join(dir, 'replace'), exampleLayout(), key);
    const before = victim.debs.get('hello_1.0-1_amd64')!;
    const bytes = Buffer.from('not the package\n');
    await replaceDeb(victim, 'hello', bytes);
    assert.deepEqual(readFileSync(before.path), bytes);
    assert.deepEqual(readFileSync(victim.debs.get('hello_1.0-1_arm64')!.path), bytes, 'every arch of the name');
    assert.equal(victim.debs.get('hello_1.0-1_amd64')!.sha256, before.sha256);
    assert.equal(
      packagesOf(victim, 'pith', 'main', 'amd64')
        .find((s) => s.get('Package') === 'hello')!
        .get('SHA256'),
      before.sha256,
    );
    assert.notEqual(
      sha256(readFileSync(victim.debs.get('libgreet1_1.2-1_amd64')!.path)),
      sha256(bytes),
      'other packages untouched',
    );
    await replaceDeb(victim, 'libgreet1_1.0-1_amd64', bytes);
    assert.deepEqual(readFileSync(victim.debs.get('libgreet1_1.0-1_amd64')!.path), bytes);
    assert.notDeepEqual(readFileSync(victim.debs.get('libgreet1_1.2-1_amd64')!.path), bytes, 'only the named key');
    await assert.rejects(replaceDeb(victim, 'nope', bytes), /no package "nope"/);
  });

  test('addRawDebToRepo: indexed with correct hashes and re-signed', async () => {
    const target = await createAptRepo(join(dir, 'raw'), exampleLayout(), key);
    const debPath = join(dir, 'evil.deb');
    await writeMaliciousDeb(debPath, 'dotdot-path');
    const bytes = readFileSync(debPath);
    const control = { ...maliciousControl('dotdot-path'), Depends: 'libc-fake' };
    await addRawDebToRepo(target, 'pith', 'main', bytes, control);
    const stanza = packagesOf(target, 'pith', 'main', 'amd64').find(
      (s) => s.get('Package') === 'pith-evil-dotdot-path',
    );
    assert.ok(stanza);
    assert.equal(stanza.get('SHA256'), sha256(bytes));
    assert.equal(stanza.get('Size'), String(bytes.byteLength));
    assert.equal(stanza.get('Depends'), 'libc-fake');
    assert.equal(stanza.get('Filename'), 'pool/main/p/pith-evil-dotdot-path/pith-evil-dotdot-path_1.0_amd64.deb');
    assert.deepEqual(readFileSync(join(target.root, stanza.get('Filename')!)), bytes);
    assert.equal(target.debs.get('pith-evil-dotdot-path_1.0_amd64')!.sha256, sha256(bytes));
    // Release and signatures follow the new index.
    const release = parseRelease(await readRelease(target, 'pith'));
    const entry = release.sha256.find((e) => e.path === 'main/binary-amd64/Packages.xz')!;
    assert.equal(
      entry.hash,
      sha256(readFileSync(join(target.root, 'dists', 'pith', 'main', 'binary-amd64', 'Packages.xz'))),
    );
    assert.ok(existsSync(join(target.root, 'dists', 'pith', 'main', 'binary-amd64', 'by-hash', 'SHA256', entry.hash)));
    const gpgv = execFileSync('gpgv', ['--keyring', key.keyringPath, join(target.root, 'dists', 'pith', 'InRelease')], {
      stdio: 'pipe',
    });
    assert.ok(gpgv);
    // Not in arm64; an 'all' one goes everywhere; same name/version/arch replaces.
    assert.ok(!packagesOf(target, 'pith', 'main', 'arm64').some((s) => s.get('Package') === 'pith-evil-dotdot-path'));
    await addRawDebToRepo(target, 'pith', 'main', bytes, { Package: 'raw-all', Version: '2', Architecture: 'all' });
    assert.ok(packagesOf(target, 'pith', 'main', 'arm64').some((s) => s.get('Package') === 'raw-all'));
    await addRawDebToRepo(target, 'pith', 'main', Buffer.from('x'), control);
    const replaced = packagesOf(target, 'pith', 'main', 'amd64').filter(
      (s) => s.get('Package') === 'pith-evil-dotdot-path',
    );
    assert.equal(replaced.length, 1);
    assert.equal(replaced[0]!.get('Size'), '1');
  });
});
