import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyrings, parseRelease, verifyInRelease } from '../../../../../src/sources/debian/archive/release.js';
import { isPithError } from '../../../../../src/errors.js';
import { DEBIAN_KEYRING, fetchHostInRelease, networkTestsSkipped } from '../../../../helpers/debian-mirror.js';
import { makeTestSigner, type TestSigner } from '../../../../helpers/debian-gpg.js';

const integrityError = (e: unknown) => isPithError(e) && e.kind === 'integrity';

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'pith-release-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** gpgv as the oracle: exit status, primary fingerprints of the good signatures, and the signed text. */
async function gpgv(
  data: Uint8Array | string,
  keyring: string,
): Promise<{ ok: boolean; primaries: string[]; text: string }> {
  const file = join(work, `in-${Math.random().toString(36).slice(2)}`);
  const out = `${file}.out`;
  await writeFile(file, data);
  const res = spawnSync('gpgv', ['--status-fd', '1', '--keyring', keyring, '--output', out, file], {
    encoding: 'utf8',
  });
  const primaries = [...res.stdout.matchAll(/^\[GNUPG:\] VALIDSIG .* ([0-9A-F]{40})$/gm)].map((m) => m[1]!);
  const text = res.status === 0 ? await readFile(out, 'utf8') : '';
  return { ok: res.status === 0, primaries, text };
}

const SMALL_RELEASE = `Origin: Pith Test
Suite: stable
Codename: testy
Date: Sat, 10 May 2025 08:49:35 UTC
Valid-Until: Sat, 17 May 2025 08:49:35 UTC
Acquire-By-Hash: yes
Architectures: amd64 arm64
Components: main
Description: - a line starting with a dash is dash-escaped in the signed form
SHA256:
 ${'a'.repeat(64)}  1234 main/binary-amd64/Packages
 ${'B'.repeat(64)}   567 main/binary-amd64/Packages.xz
`;

describe('verifyInRelease with the real bookworm InRelease', { skip: networkTestsSkipped() }, () => {
  it('verifies against the Debian archive keyring, like gpgv', async (t) => {
    const data = await fetchHostInRelease('bookworm');
    const started = performance.now();
    const verified = await verifyInRelease(data, [DEBIAN_KEYRING], 'bookworm');
    t.diagnostic(`verifyInRelease (keyring load + verify): ${(performance.now() - started).toFixed(0)} ms`);
    const oracle = await gpgv(data, DEBIAN_KEYRING);
    assert.ok(oracle.ok, 'gpgv rejects the InRelease');
    assert.equal(verified.text, oracle.text, 'the signed text differs from what gpgv outputs');
    assert.deepEqual(new Set(verified.signers.map((s) => s.fingerprint)), new Set(oracle.primaries));
    assert.equal(verified.signer, verified.signers[0]!.fingerprint);
    assert.match(verified.signer, /^[0-9A-F]{40}$/);
    assert.match(verified.text, /^Codename: bookworm$/m);
    assert.ok(verified.text.endsWith('\n'));
  });

  it('accepts a signature when only one of the signing keys is in the keyring', async () => {
    const data = await fetchHostInRelease('bookworm');
    // The per-release keyrings hold one key each; bookworm's InRelease is signed by several of them.
    const verified = await verifyInRelease(
      data,
      ['/usr/share/keyrings/debian-archive-bookworm-stable.gpg'],
      'bookworm',
    );
    assert.equal(verified.signers.length, 1);
  });

  it('rejects a one-byte tamper in the signed text, as gpgv does', async () => {
    const text = new TextDecoder().decode(await fetchHostInRelease('bookworm'));
    const m = /^ ([0-9a-f])[0-9a-f]{63} +[0-9]+ main\/binary-amd64\/Packages\.xz$/m.exec(text);
    assert.ok(m, 'no Packages.xz line in the InRelease');
    const at = m.index + 1;
    const tampered = text.slice(0, at) + (m[1] === '0' ? '1' : '0') + text.slice(at + 1);
    assert.equal(tampered.length, text.length);
    assert.equal((await gpgv(tampered, DEBIAN_KEYRING)).ok, false);
    await assert.rejects(
      verifyInRelease(tampered, [DEBIAN_KEYRING], 'http://mirror.invalid/debian/dists/bookworm/InRelease'),
      (e: unknown) => {
        assert.ok(integrityError(e));
        assert.match(
          (e as Error).message,
          /^http:\/\/mirror\.invalid\/debian\/dists\/bookworm\/InRelease: no valid signature/,
        );
        return true;
      },
    );
  });

  it('rejects unsigned text around the signed block', async () => {
    const text = new TextDecoder().decode(await fetchHostInRelease('bookworm'));
    await assert.rejects(verifyInRelease(`Codename: evil\n\n${text}`, [DEBIAN_KEYRING]), /unsigned data before/);
    await assert.rejects(verifyInRelease(`${text}\nPackage: evil\n`, [DEBIAN_KEYRING]), /unsigned data after/);
  });

  it('parses the Release fields and the SHA256 list', async () => {
    const { text } = await verifyInRelease(await fetchHostInRelease('bookworm'), [DEBIAN_KEYRING], 'bookworm');
    const r = parseRelease(text, 'bookworm');
    assert.equal(r.codename, 'bookworm');
    assert.ok(['stable', 'oldstable', 'oldoldstable'].includes(r.suite), r.suite);
    assert.ok(r.date instanceof Date && !Number.isNaN(r.date.getTime()));
    assert.equal(r.acquireByHash, true);
    for (const a of ['amd64', 'arm64', 'all']) assert.ok(r.architectures.includes(a), a);
    assert.ok(r.components.includes('main'));
    const xz = r.sha256.get('main/binary-amd64/Packages.xz');
    assert.ok(xz, 'no main/binary-amd64/Packages.xz');
    assert.match(xz.sha256, /^[0-9a-f]{64}$/);
    assert.ok(xz.size > 5_000_000);
    // Every SHA256 line of the text is in the map.
    const lines = text
      .slice(text.indexOf('\nSHA256:\n'))
      .split('\n')
      .filter((l) => /^ [0-9a-f]{64} /.test(l));
    assert.equal(r.sha256.size, lines.length);
  });
});

describe('verifyInRelease with a test key', () => {
  let signer: TestSigner;
  let signed: string;
  before(async () => {
    signer = await makeTestSigner();
    signed = signer.clearsign(SMALL_RELEASE);
  });
  after(async () => {
    await signer.cleanup();
  });

  it('verifies against the key exported as a binary keyring', async () => {
    const v = await verifyInRelease(signed, [signer.keyringGpg], 'testy');
    assert.equal(v.signer, signer.fingerprint);
    assert.equal(v.text, SMALL_RELEASE, 'the signed text comes back byte for byte, dash-escaping undone');
    assert.equal(v.signers[0]!.userId, 'Pith Test Archive <archive@pith.invalid>');
    assert.ok((await gpgv(signed, signer.keyringGpg)).ok);
  });

  it('verifies against the armored keyring, also next to other keyrings', async () => {
    assert.equal((await verifyInRelease(signed, [signer.keyringAsc], 'testy')).signer, signer.fingerprint);
    assert.equal(
      (await verifyInRelease(new TextEncoder().encode(signed), [DEBIAN_KEYRING, signer.keyringAsc])).signer,
      signer.fingerprint,
    );
  });

  it("is rejected against Debian's keyring", async () => {
    assert.equal((await gpgv(signed, DEBIAN_KEYRING)).ok, false);
    await assert.rejects(verifyInRelease(signed, [DEBIAN_KEYRING], 'dists/testy'), (e: unknown) => {
      assert.ok(integrityError(e));
      assert.match((e as Error).message, /^dists\/testy: no valid signature by a trusted key/);
      return true;
    });
  });

  it('rejects a tampered copy and data that is not clear-signed', async () => {
    await assert.rejects(
      verifyInRelease(signed.replace('Codename: testy', 'Codename: testz'), [signer.keyringGpg]),
      integrityError,
    );
    await assert.rejects(verifyInRelease(SMALL_RELEASE, [signer.keyringGpg]), /not a clear-signed file/);
    const truncated = signed.slice(0, signed.indexOf('-----END PGP SIGNATURE-----'));
    await assert.rejects(verifyInRelease(truncated, [signer.keyringGpg]), integrityError);
  });

  it('explains unusable keyrings', async () => {
    await assert.rejects(loadKeyrings([signer.keybox]), /GnuPG keybox/);
    await assert.rejects(
      loadKeyrings([join(work, 'missing.gpg')]),
      (e: unknown) => isPithError(e) && e.kind === 'input',
    );
    await assert.rejects(loadKeyrings([]), (e: unknown) => isPithError(e) && e.kind === 'input');
    const junk = join(work, 'junk.gpg');
    await writeFile(junk, 'not a key');
    await assert.rejects(loadKeyrings([junk]), /cannot parse keyring/);
  });
});

describe('parseRelease', () => {
  it('reads every field', () => {
    const r = parseRelease(SMALL_RELEASE);
    assert.equal(r.suite, 'stable');
    assert.equal(r.codename, 'testy');
    assert.equal(r.date.toISOString(), '2025-05-10T08:49:35.000Z');
    assert.equal(r.validUntil?.toISOString(), '2025-05-17T08:49:35.000Z');
    assert.deepEqual(r.architectures, ['amd64', 'arm64']);
    assert.deepEqual(r.components, ['main']);
    assert.equal(r.acquireByHash, true);
    assert.deepEqual(
      [...r.sha256],
      [
        ['main/binary-amd64/Packages', { size: 1234, sha256: 'a'.repeat(64) }],
        ['main/binary-amd64/Packages.xz', { size: 567, sha256: 'b'.repeat(64) }],
      ],
    );
  });

  it('defaults optional fields and rejects Release files it cannot trust', () => {
    const minimal = 'Codename: x\nDate: Sat, 10 May 2025 08:49:35 UTC\nSHA256:\n';
    const r = parseRelease(minimal);
    assert.equal(r.suite, '');
    assert.equal(r.acquireByHash, false);
    assert.equal(r.validUntil, undefined);
    assert.equal(r.sha256.size, 0);
    assert.throws(() => parseRelease('Codename: x\nDate: Sat, 10 May 2025 08:49:35 UTC\n'), integrityError);
    assert.throws(() => parseRelease('Codename: x\nSHA256:\n'), /no Date/);
    assert.throws(() => parseRelease('Codename: x\nDate: yesterday\nSHA256:\n'), /bad Date/);
    assert.throws(() => parseRelease(`${minimal} nothex 12 main/Packages\n`), /bad SHA256 line/);
  });
});
