import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultDebianMirror,
  deriveSecurityUri,
  parseOneLineSources,
  readHostAptSources,
  suiteSet,
  type AptSource,
} from '../../../../../src/sources/debian/archive/apt-sources.js';
import { isPithError } from '../../../../../src/errors.js';
import { hostDebianArchive, networkTestsSkipped } from '../../../../helpers/debian-mirror.js';

// Fixture hosts use the reserved .invalid TLD: nothing here may name a real mirror.
const SOURCES_LIST = `# the classic file
deb http://one.invalid/debian bookworm main contrib
deb-src http://one.invalid/debian bookworm main
deb [ arch=amd64,arm64 signed-by=/usr/share/keyrings/one.gpg ] http://one.invalid/debian/ bookworm-updates main # trailing comment
   # indented comment

deb [trusted=yes] http://flat.invalid/repo ./
`;

const DEBIAN_SOURCES = `# deb822 file
Types: deb deb-src
# a comment between fields
URIs: http://two.invalid/debian http://three.invalid/debian/
Suites: trixie trixie-updates
Components: main non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
Architectures: amd64

Types: deb
URIs: http://two.invalid/debian-security
Suites: trixie-security
Components: main
Enabled: no

Types: deb-src
URIs: http://src.invalid/debian
Suites: trixie
Components: main

Types: deb
URIs: http://inline.invalid/debian
Suites: sid
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEAC
 -----END PGP PUBLIC KEY BLOCK-----
`;

const THIRD_PARTY_LIST = 'deb [signed-by=/usr/share/keyrings/vendor.gpg] https://vendor.invalid/apt stable main\n';

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pith-apt-sources-'));
  await mkdir(join(root, 'etc/apt/sources.list.d'), { recursive: true });
  await writeFile(join(root, 'etc/apt/sources.list'), SOURCES_LIST);
  await writeFile(join(root, 'etc/apt/sources.list.d/debian.sources'), DEBIAN_SOURCES);
  await writeFile(join(root, 'etc/apt/sources.list.d/a-vendor.list'), THIRD_PARTY_LIST);
  // Ignored like apt ignores them: wrong extension, or characters apt does not accept.
  await writeFile(
    join(root, 'etc/apt/sources.list.d/old.list.disabled'),
    'deb http://disabled.invalid/debian bookworm main\n',
  );
  await writeFile(
    join(root, 'etc/apt/sources.list.d/bad name.list'),
    'deb http://disabled.invalid/debian bookworm main\n',
  );
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('readHostAptSources (fixture root)', () => {
  it('reads both formats in apt order, skipping deb-src, comments, disabled stanzas and ignored files', async () => {
    const sources = await readHostAptSources(root);
    assert.deepEqual(
      sources.map((s) => [s.uri, s.suites.join(' '), s.components.join(' ')]),
      [
        ['http://one.invalid/debian', 'bookworm', 'main contrib'],
        ['http://one.invalid/debian', 'bookworm-updates', 'main'],
        ['http://flat.invalid/repo', './', ''],
        ['https://vendor.invalid/apt', 'stable', 'main'],
        ['http://two.invalid/debian', 'trixie trixie-updates', 'main non-free-firmware'],
        ['http://three.invalid/debian', 'trixie trixie-updates', 'main non-free-firmware'],
        ['http://inline.invalid/debian', 'sid', 'main'],
      ],
    );
    assert.equal(sources[0]!.file, join(root, 'etc/apt/sources.list'));
    assert.equal(sources[3]!.file, join(root, 'etc/apt/sources.list.d/a-vendor.list'));
    assert.equal(sources[4]!.file, join(root, 'etc/apt/sources.list.d/debian.sources'));
  });

  it('keeps options: signed-by, arch, Architectures, inline keys', async () => {
    const sources = await readHostAptSources(root);
    assert.equal(sources[0]!.signedBy, undefined);
    assert.equal(sources[0]!.architectures, undefined);
    assert.equal(sources[1]!.signedBy, '/usr/share/keyrings/one.gpg');
    assert.deepEqual(sources[1]!.architectures, ['amd64', 'arm64']);
    assert.equal(sources[4]!.signedBy, '/usr/share/keyrings/debian-archive-keyring.gpg');
    assert.deepEqual(sources[5]!.architectures, ['amd64']);
    assert.equal(
      sources[6]!.signedBy,
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGPL0BUBEAC\n-----END PGP PUBLIC KEY BLOCK-----',
    );
  });

  it('returns nothing for a root without apt configuration', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'pith-apt-empty-'));
    try {
      assert.deepEqual(await readHostAptSources(empty), []);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('reports a malformed line with file and line number', () => {
    assert.throws(
      () => parseOneLineSources('deb http://x.invalid/debian\n', '/etc/apt/sources.list'),
      (e: unknown) => isPithError(e) && e.kind === 'input' && e.where === '/etc/apt/sources.list:1',
    );
    assert.throws(
      () => parseOneLineSources('\n\ndeb [arch=amd64 http://x.invalid/debian bookworm main\n', 'f'),
      /unterminated/,
    );
    assert.throws(() => parseOneLineSources('rpm http://x.invalid/ a b\n', 'f'), /unknown type/);
    assert.throws(
      () => parseOneLineSources('deb http://x.invalid/debian bookworm\n', 'f'),
      /needs at least one component/,
    );
  });
});

const src = (uri: string, suites: string[], extra: Partial<AptSource> = {}): AptSource => ({
  uri,
  suites,
  components: ['main'],
  file: '/etc/apt/sources.list',
  ...extra,
});

describe('defaultDebianMirror and suiteSet', () => {
  const host = [
    src('https://vendor.invalid/apt', ['nodistro']),
    src('http://m.invalid/debian', ['bookworm', 'bookworm-updates'], { signedBy: '/k.gpg' }),
    src('http://m.invalid/debian-security', ['bookworm-security'], { signedBy: '/k.gpg' }),
  ];

  it('finds the archive and security URIs, ignoring third-party sources', () => {
    assert.deepEqual(defaultDebianMirror(host), {
      archive: 'http://m.invalid/debian',
      security: 'http://m.invalid/debian-security',
    });
  });

  it('prefers the source serving the asked codename', () => {
    const two = [src('http://old.invalid/debian', ['bullseye']), src('http://new.invalid/debian', ['trixie'])];
    assert.equal(defaultDebianMirror(two, 'trixie').archive, 'http://new.invalid/debian');
    assert.equal(defaultDebianMirror(two, 'bullseye').archive, 'http://old.invalid/debian');
    assert.equal(defaultDebianMirror(two, 'forky').archive, 'http://old.invalid/debian');
    assert.equal(defaultDebianMirror(two).security, undefined);
  });

  it('fails clearly when the host has no Debian source', () => {
    assert.throws(
      () => defaultDebianMirror([src('https://vendor.invalid/apt', ['nodistro'])]),
      (e: unknown) => isPithError(e) && e.kind === 'input',
    );
  });

  it('builds <codename>, -updates and -security with the right URIs and keyrings', () => {
    assert.deepEqual(suiteSet('bookworm', host), [
      { suite: 'bookworm', uri: 'http://m.invalid/debian', signedBy: '/k.gpg' },
      { suite: 'bookworm-updates', uri: 'http://m.invalid/debian', signedBy: '/k.gpg' },
      { suite: 'bookworm-security', uri: 'http://m.invalid/debian-security', signedBy: '/k.gpg' },
    ]);
    // The host's security source serves every codename, not just the one it lists.
    assert.equal(suiteSet('trixie', host)[2]!.uri, 'http://m.invalid/debian-security');
    assert.equal(suiteSet('trixie', host)[0]!.suite, 'trixie');
  });

  it('derives the security URI when the host has none, snapshots included', () => {
    const only = [src('http://m.invalid/debian/', ['bookworm'])];
    assert.deepEqual(suiteSet('trixie', only), [
      { suite: 'trixie', uri: 'http://m.invalid/debian' },
      { suite: 'trixie-updates', uri: 'http://m.invalid/debian' },
      { suite: 'trixie-security', uri: 'http://m.invalid/debian-security' },
    ]);
    assert.equal(
      deriveSecurityUri('http://snapshot.invalid/archive/debian/20250520T000000Z/'),
      'http://snapshot.invalid/archive/debian-security/20250520T000000Z',
    );
    assert.deepEqual(suiteSet('sid', only), [{ suite: 'sid', uri: 'http://m.invalid/debian' }]);
  });
});

describe('the real host configuration', { skip: networkTestsSkipped() }, () => {
  it('has a Debian mirror that serves bookworm', async () => {
    const sources = await readHostAptSources();
    assert.ok(sources.length > 0, 'no apt sources on this host');
    const mirror = defaultDebianMirror(sources, 'bookworm');
    assert.match(mirror.archive, /^https?:\/\//);
    const suites = suiteSet('bookworm', sources);
    assert.deepEqual(
      suites.map((s) => s.suite),
      ['bookworm', 'bookworm-updates', 'bookworm-security'],
    );
    // The mirror really serves the suite: its Release names it.
    const res = await fetch(`${mirror.archive}/dists/bookworm/Release`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^Codename: bookworm$/m);
    assert.equal(await hostDebianArchive(), mirror.archive);
  });
});
