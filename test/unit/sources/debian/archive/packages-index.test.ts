import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import {
  decompressIndex,
  fetchPackagesIndex,
  parsePackagesIndex,
  sha256Hex,
  type PackageRecord,
} from '../../../../../src/sources/debian/archive/packages-index.js';
import { fetchInRelease, parseRelease, verifyInRelease } from '../../../../../src/sources/debian/archive/release.js';
import { isPithError } from '../../../../../src/errors.js';
import {
  DEBIAN_KEYRING,
  fetchBySha256,
  fetchHostInRelease,
  hostDebianArchive,
  networkTestsSkipped,
} from '../../../../helpers/debian-mirror.js';
import { makeTestSigner, type TestSigner } from '../../../../helpers/debian-gpg.js';
import { startTestServer, type TestServer } from '../../../../helpers/debian-http.js';

const SOURCE = { suite: 'testy', component: 'main', arch: 'amd64', baseUrl: 'http://mirror.invalid/debian' };

const SMALL = `Package: libc6
Source: glibc
Version: 2.36-9+deb12u14
Architecture: amd64
Multi-Arch: same
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries.
Priority: optional
Section: libs
Filename: pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb
Size: 2759320
SHA256: ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf

Package: bash
Source: bash (5.2.15-2)
Version: 5.2.15-2+b13
Essential: yes
Architecture: amd64
Pre-Depends: libc6 (>= 2.36), libtinfo6 (>= 6)
Depends: base-files (>= 2.1.12), debianutils (>= 5.6-0.1)
Filename: pool/main/b/bash/bash_5.2.15-2+b13_amd64.deb
Size: 1491076
SHA256: 0000000000000000000000000000000000000000000000000000000000000001

Package: libc6-dev
Source: glibc
Version: 2.36-9+deb12u14
Architecture: amd64
Provides: libc-dev (= 2.36-9+deb12u14)
Depends: libc6 (= 2.36-9+deb12u14), libc-dev-bin (= 2.36-9+deb12u14), linux-libc-dev
Filename: pool/main/g/glibc/libc6-dev_2.36-9+deb12u14_amd64.deb
Size: 1900000
SHA256: 0000000000000000000000000000000000000000000000000000000000000002

Package: python3-six
Version: 1.16.0-4
Architecture: all
Multi-Arch: foreign
Depends: python3:any
Filename: pool/main/s/six/python3-six_1.16.0-4_all.deb
Size: 17546
SHA256: 0000000000000000000000000000000000000000000000000000000000000003
`;

const inputError = (e: unknown) => isPithError(e) && e.kind === 'input';

describe('parsePackagesIndex', () => {
  it('builds records with relations, multi-arch, source and the raw stanza', () => {
    const recs = parsePackagesIndex(SMALL, SOURCE);
    assert.equal(recs.length, 4);
    const [libc6, bash, dev, six] = recs as [PackageRecord, PackageRecord, PackageRecord, PackageRecord];
    assert.deepEqual(
      { ...libc6, control: undefined },
      {
        name: 'libc6',
        version: '2.36-9+deb12u14',
        architecture: 'amd64',
        multiArch: 'same',
        depends: [[{ name: 'libgcc-s1' }]],
        preDepends: [],
        provides: [],
        essential: false,
        priority: 'optional',
        section: 'libs',
        filename: 'pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb',
        size: 2759320,
        sha256: 'ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf',
        source: 'glibc',
        sourceVersion: '2.36-9+deb12u14',
        suite: 'testy',
        component: 'main',
        baseUrl: 'http://mirror.invalid/debian',
        control: undefined,
      },
    );
    assert.equal(libc6.control, SMALL.slice(0, SMALL.indexOf('\n\n') + 1));
    assert.equal(bash.essential, true);
    assert.equal(bash.source, 'bash');
    assert.equal(bash.sourceVersion, '5.2.15-2');
    assert.deepEqual(bash.preDepends, [
      [{ name: 'libc6', op: '>=', version: '2.36' }],
      [{ name: 'libtinfo6', op: '>=', version: '6' }],
    ]);
    assert.equal(bash.multiArch, undefined);
    assert.deepEqual(dev.provides, [{ name: 'libc-dev', op: '=', version: '2.36-9+deb12u14' }]);
    assert.equal(six.source, 'python3-six');
    assert.deepEqual(six.depends, [[{ name: 'python3', arch: 'any' }]]);
    assert.ok(six.control.endsWith('0000000000000003\n'));
  });

  it('names the index, line and package of a bad stanza', () => {
    const bad = (text: string, re: RegExp) =>
      assert.throws(
        () => parsePackagesIndex(text, SOURCE),
        (e: unknown) => {
          assert.ok(inputError(e));
          assert.match((e as Error & { oneLine(): string }).oneLine(), re);
          return true;
        },
      );
    const stanza = SMALL.slice(0, SMALL.indexOf('\n\n') + 1);
    bad(
      `${stanza}\n${stanza.replace('Size: 2759320\n', '')}`,
      /^testy\/main\/binary-amd64\/Packages:15 \(libc6\): stanza has no Size field/,
    );
    bad(stanza.replace('Multi-Arch: same', 'Multi-Arch: sometimes'), /\(libc6\): bad Multi-Arch "sometimes"/);
    bad(stanza.replace('Depends: libgcc-s1', 'Depends: libgcc-s1 (>> )'), /\(libc6\): bad relationship field/);
    bad(stanza.replace(/SHA256: .*/, 'SHA256: abc'), /bad SHA256/);
    bad(stanza.replace('Size: 2759320', 'Size: 12k'), /bad Size/);
    bad(stanza.replace('Package: libc6\n', ''), /^testy\/main\/binary-amd64\/Packages:1: stanza has no Package field/);
  });
});

describe('decompressIndex', () => {
  const text = new TextEncoder().encode(SMALL);
  const compress = (tool: string) => new Uint8Array(execFileSync(tool, ['-c'], { input: text }));

  it('handles .xz, .gz and .zst by name, and by magic for by-hash names', async () => {
    for (const [ext, bytes] of [
      ['xz', compress('xz')],
      ['gz', gzipSync(text)],
      ['zst', compress('zstd')],
    ] as const) {
      assert.deepEqual(await decompressIndex(bytes, `main/binary-amd64/Packages.${ext}`), text, ext);
      assert.deepEqual(await decompressIndex(bytes, `main/binary-amd64/by-hash/SHA256/${sha256Hex(bytes)}`), text, ext);
    }
    assert.deepEqual(await decompressIndex(text, 'main/binary-amd64/Packages'), text);
  });

  it('rejects data that does not match its name', async () => {
    await assert.rejects(
      decompressIndex(text, 'Packages.xz'),
      (e: unknown) => inputError(e) && /not xz-compressed/.test((e as Error).message),
    );
    const broken = compress('xz').slice(0, 40);
    await assert.rejects(decompressIndex(broken, 'Packages.xz'), inputError);
    await assert.rejects(decompressIndex(gzipSync(text).slice(0, 30), 'Packages.gz'), inputError);
  });
});

describe('fetchPackagesIndex from a fake archive signed by a test key', () => {
  let signer: TestSigner;
  let server: TestServer;
  const xz = new Uint8Array(execFileSync('xz', ['-c'], { input: SMALL }));
  const releaseText = (byHash: boolean, codename = 'testy', sha = sha256Hex(xz)) =>
    `Suite: testy\nCodename: ${codename}\nDate: Sat, 10 May 2025 08:49:35 UTC\n${byHash ? 'Acquire-By-Hash: yes\n' : ''}` +
    `Architectures: amd64\nComponents: main\nSHA256:\n ${sha} ${xz.length} main/binary-amd64/Packages.xz\n`;

  before(async () => {
    signer = await makeTestSigner('ed25519');
    server = await startTestServer();
    server.route('/debian/dists/testy/main/binary-amd64/Packages.xz', xz);
  });
  after(async () => {
    await server.close();
    await signer.cleanup();
  });

  it('verifies the InRelease, fetches by hash and parses', async () => {
    server.route(`/debian/dists/testy/main/binary-amd64/by-hash/SHA256/${sha256Hex(xz)}`, xz);
    server.route('/debian/dists/testy/InRelease', signer.clearsign(releaseText(true)));
    const base = `${server.url}/debian`;
    const got = await fetchInRelease(`${base}/`, 'testy', [signer.keyringGpg]);
    assert.equal(got.signer, signer.fingerprint);
    assert.equal(got.url, `${base}/dists/testy/InRelease`);
    const index = await fetchPackagesIndex({ ...SOURCE, baseUrl: base }, got.release);
    assert.equal(index.url, `${base}/dists/testy/main/binary-amd64/by-hash/SHA256/${sha256Hex(xz)}`);
    assert.equal(index.path, 'main/binary-amd64/Packages.xz');
    assert.deepEqual(
      index.records.map((r) => r.name),
      ['libc6', 'bash', 'libc6-dev', 'python3-six'],
    );
    assert.equal(index.records[0]!.baseUrl, base);
  });

  it('falls back to the plain path when by-hash is missing', async () => {
    const release = parseRelease(releaseText(true));
    const source = { ...SOURCE, baseUrl: `${server.url}/debian` };
    server.route(
      `/debian/dists/testy/main/binary-amd64/by-hash/SHA256/${sha256Hex(xz)}`,
      (_q, res) => void res.writeHead(404).end(),
    );
    const index = await fetchPackagesIndex(source, release);
    assert.equal(index.url, `${server.url}/debian/dists/testy/main/binary-amd64/Packages.xz`);
  });

  it('takes the compression the caller prefers among those the Release lists', async () => {
    const gz = gzipSync(SMALL);
    server.route('/debian/dists/testy/main/binary-amd64/Packages.gz', gz);
    const release = parseRelease(`${releaseText(false)} ${sha256Hex(gz)} ${gz.length} main/binary-amd64/Packages.gz\n`);
    const source = { ...SOURCE, baseUrl: `${server.url}/debian` };
    assert.equal((await fetchPackagesIndex(source, release)).path, 'main/binary-amd64/Packages.xz');
    const viaGz = await fetchPackagesIndex(source, release, { compressions: ['gz', 'xz'] });
    assert.equal(viaGz.path, 'main/binary-amd64/Packages.gz');
    assert.equal(viaGz.records.length, 4);
    await assert.rejects(fetchPackagesIndex(source, release, { compressions: ['none'] }), inputError);
  });

  it('rejects an index that does not match the Release', async () => {
    const release = parseRelease(releaseText(false, 'testy', 'e'.repeat(64)));
    await assert.rejects(fetchPackagesIndex({ ...SOURCE, baseUrl: `${server.url}/debian` }, release), (e: unknown) => {
      assert.ok(isPithError(e) && e.kind === 'integrity');
      assert.match((e as Error).message, /Packages\.xz: index does not match the Release file/);
      return true;
    });
  });

  it('rejects an InRelease that is for another suite, or not signed by the keyring', async () => {
    server.route(
      '/debian/dists/other/InRelease',
      signer.clearsign(releaseText(false, 'trixie').replace('Suite: testy', 'Suite: stable')),
    );
    await assert.rejects(
      fetchInRelease(`${server.url}/debian`, 'other', [signer.keyringGpg]),
      /is for suite "stable" \(trixie\), not "other"/,
    );
    await assert.rejects(
      fetchInRelease(`${server.url}/debian`, 'testy', [DEBIAN_KEYRING]),
      (e: unknown) => isPithError(e) && e.kind === 'integrity',
    );
  });

  it('says which component or architecture is missing', async () => {
    const release = parseRelease(releaseText(false));
    await assert.rejects(
      fetchPackagesIndex({ ...SOURCE, arch: 'riscv64' }, release),
      (e: unknown) => inputError(e) && /no Packages index for main\/riscv64/.test((e as Error).message),
    );
  });
});

describe('the real bookworm main amd64 Packages index', { skip: networkTestsSkipped() }, () => {
  let records: PackageRecord[];
  let text: string;
  let timings = '';

  before(async () => {
    const { text: releaseText } = await verifyInRelease(
      await fetchHostInRelease('bookworm'),
      [DEBIAN_KEYRING],
      'bookworm',
    );
    const release = parseRelease(releaseText, 'bookworm');
    const want = release.sha256.get('main/binary-amd64/Packages.xz');
    assert.ok(want, 'InRelease lists no main/binary-amd64/Packages.xz');
    const archive = await hostDebianArchive();
    const xz = await fetchBySha256(
      `${archive}/dists/bookworm/main/binary-amd64/by-hash/SHA256/${want.sha256}`,
      want.sha256,
    );
    // Checked against the InRelease before anything parses it.
    assert.equal(xz.length, want.size);
    assert.equal(sha256Hex(xz), want.sha256);
    let started = performance.now();
    const bytes = await decompressIndex(xz, 'main/binary-amd64/Packages.xz');
    const unxzMs = performance.now() - started;
    text = new TextDecoder().decode(bytes);
    started = performance.now();
    records = parsePackagesIndex(text, { suite: 'bookworm', component: 'main', arch: 'amd64', baseUrl: archive });
    const parseMs = performance.now() - started;
    timings =
      `bookworm main amd64: ${(xz.length / 1e6).toFixed(1)} MB xz -> ${(bytes.length / 1e6).toFixed(1)} MB in ${unxzMs.toFixed(0)} ms; ` +
      `${records.length} records parsed in ${parseMs.toFixed(0)} ms`;
  });

  it('has more than 60,000 records, one per stanza', (t) => {
    t.diagnostic(timings);
    assert.ok(records.length > 60_000, String(records.length));
    assert.equal(records.length, text.match(/^Package: /gm)!.length);
  });

  it('has libc6, Multi-Arch same, depending on libgcc-s1', () => {
    const libc6 = records.filter((r) => r.name === 'libc6');
    assert.equal(libc6.length, 1);
    const r = libc6[0]!;
    assert.equal(r.multiArch, 'same');
    assert.equal(r.architecture, 'amd64');
    assert.ok(r.depends.some((alts) => alts.some((a) => a.name === 'libgcc-s1')));
    assert.equal(r.source, 'glibc');
    assert.match(r.filename, /^pool\/main\/g\/glibc\/libc6_.*_amd64\.deb$/);
    assert.ok(r.control.startsWith('Package: libc6\n'));
    assert.ok(text.includes(`\n${r.control}\n`), 'control is not a verbatim stanza of the index');
  });

  it('has the essential set, Pre-Depends, versioned Provides and binNMU sources', () => {
    const by = new Map(records.map((r) => [r.name, r]));
    assert.ok(records.filter((r) => r.essential).length >= 15);
    for (const name of ['base-files', 'bash', 'coreutils', 'dash', 'libc-bin'])
      assert.equal(by.get(name)?.essential, true, name);
    assert.deepEqual(
      by.get('bash')!.preDepends.map((alts) => alts[0]!.name),
      ['libc6', 'libtinfo6'],
    );
    const dev = by.get('libc6-dev')!;
    assert.deepEqual(
      dev.provides.find((p) => p.name === 'libc-dev'),
      { name: 'libc-dev', op: '=', version: dev.version },
    );
    assert.ok(records.some((r) => r.sourceVersion !== r.version && r.version.startsWith(r.sourceVersion)));
    assert.ok(records.every((r) => /^[0-9a-f]{64}$/.test(r.sha256) && r.size > 0 && r.filename.startsWith('pool/')));
    assert.ok(records.some((r) => r.architecture === 'all'));
  });
});
