/**
 * The fake repository's InRelease and Release.gpg are real OpenPGP signatures by the test key
 * (gpgv is the oracle), and the signature tamper helpers break them the way they claim to.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createAptRepo,
  createTestKey,
  readRelease,
  resignWithKey,
  tamperInReleaseSignature,
  type AptRepo,
  type RepoLayout,
  type TestKey,
} from '../../../helpers/apt-repo.js';

const layout: RepoLayout = {
  suites: {
    stable: {
      codename: 'pithy',
      components: {
        main: [
          { name: 'alpha', version: '1.0-1', depends: 'beta' },
          { name: 'beta', version: '2.0-1', arch: 'all' },
        ],
      },
    },
  },
};

function gpgv(keyring: string, ...files: string[]) {
  const result = spawnSync('gpgv', ['--status-fd', '1', '--keyring', keyring, ...files], { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

/** The signed text of a clear-signed message (no dash-escaped lines occur in a Release). */
function signedText(inRelease: string): string {
  const match = /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: [^\n]+\n\n([\s\S]*)\n-----BEGIN PGP SIGNATURE-----\n/.exec(
    inRelease,
  );
  assert.ok(match, 'InRelease is a clear-signed message');
  return `${match[1]}\n`;
}

describe('apt-repo signing', () => {
  let dir: string;
  let key: TestKey;
  let other: TestKey;
  const repos: Record<string, AptRepo> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-apt-sign-'));
    key = await createTestKey(join(dir, 'keys'));
    other = await createTestKey(join(dir, 'keys'), 'Pith Untrusted');
    for (const name of ['clean', 'tampered', 'resigned'])
      repos[name] = await createAptRepo(join(dir, name), layout, key);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('createTestKey: exported keyrings, one key per name per process', async () => {
    assert.match(key.fingerprint, /^[0-9A-F]{40}$/);
    assert.ok(existsSync(key.keyringPath) && existsSync(key.armoredPath));
    assert.equal(readFileSync(key.keyringPath)[0]! & 0x80, 0x80, 'binary OpenPGP packets, not armor');
    assert.match(readFileSync(key.armoredPath, 'utf8'), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const again = await createTestKey(join(dir, 'keys-again'));
    assert.equal(again.fingerprint, key.fingerprint);
    assert.equal(again.gnupgHome, key.gnupgHome);
    assert.ok(existsSync(again.keyringPath));
    assert.notEqual(other.fingerprint, key.fingerprint);
    assert.equal(repos.clean!.keyringPath, key.keyringPath);
  });

  test('gpgv accepts InRelease and Release.gpg, made by the test key', () => {
    const dists = join(repos.clean!.root, 'dists', 'stable');
    const clear = gpgv(key.keyringPath, join(dists, 'InRelease'));
    assert.equal(clear.status, 0, clear.out);
    assert.match(clear.out, new RegExp(`VALIDSIG ${key.fingerprint} `));
    const detached = gpgv(key.keyringPath, join(dists, 'Release.gpg'), join(dists, 'Release'));
    assert.equal(detached.status, 0, detached.out);
    assert.match(readFileSync(join(dists, 'Release.gpg'), 'utf8'), /^-----BEGIN PGP SIGNATURE-----/);
  });

  test('InRelease signs exactly the Release text', async () => {
    const dists = join(repos.clean!.root, 'dists', 'stable');
    const release = await readRelease(repos.clean!, 'stable');
    assert.equal(signedText(readFileSync(join(dists, 'InRelease'), 'utf8')), release);
    assert.match(release, /^Suite: stable$/m);
    assert.match(release, /^Codename: pithy$/m);
  });

  test('tamperInReleaseSignature: one byte of the signed text flips and gpgv refuses it', async () => {
    const repo = repos.tampered!;
    const path = join(repo.root, 'dists', 'stable', 'InRelease');
    const before = readFileSync(path);
    await tamperInReleaseSignature(repo, 'stable');
    const now = readFileSync(path);
    assert.equal(now.byteLength, before.byteLength);
    const differing = [...now]
      .map((byte, index) => (byte === before[index] ? -1 : index))
      .filter((index) => index >= 0);
    assert.equal(differing.length, 1);
    assert.ok(
      signedText(now.toString('utf8')) !== signedText(before.toString('utf8')),
      'the byte is inside the signed text',
    );
    const result = gpgv(key.keyringPath, path);
    assert.notEqual(result.status, 0, result.out);
    assert.match(result.out, /BADSIG/);
    // Only InRelease was touched.
    const detached = gpgv(
      key.keyringPath,
      join(repo.root, 'dists', 'stable', 'Release.gpg'),
      join(repo.root, 'dists', 'stable', 'Release'),
    );
    assert.equal(detached.status, 0, detached.out);
  });

  test('resignWithKey: valid signatures by a key the original keyring does not hold', async () => {
    const repo = repos.resigned!;
    const dists = join(repo.root, 'dists', 'stable');
    const release = readFileSync(join(dists, 'Release'), 'utf8');
    await resignWithKey(repo, 'stable', other);
    for (const files of [[join(dists, 'InRelease')], [join(dists, 'Release.gpg'), join(dists, 'Release')]]) {
      const untrusted = gpgv(repo.keyringPath, ...files);
      assert.notEqual(untrusted.status, 0, untrusted.out);
      assert.match(untrusted.out, /NO_PUBKEY|ERRSIG/);
      const trusted = gpgv(other.keyringPath, ...files);
      assert.equal(trusted.status, 0, trusted.out);
      assert.match(trusted.out, new RegExp(`VALIDSIG ${other.fingerprint} `));
    }
    assert.equal(signedText(readFileSync(join(dists, 'InRelease'), 'utf8')), release, 'same text, other signer');
  });

  test('helpers refuse unknown suites and foreign repositories', async () => {
    await assert.rejects(tamperInReleaseSignature(repos.clean!, 'nope'), /no suite "nope"/);
    await assert.rejects(
      resignWithKey({ root: dir, keyringPath: '', debs: new Map() }, 'stable', other),
      /not a repository made by createAptRepo/,
    );
  });
});
