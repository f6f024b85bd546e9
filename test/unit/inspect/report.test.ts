import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditImage, isRootUser, parseDeny } from '../../../src/inspect/audit.js';
import { diffImages } from '../../../src/inspect/diff.js';
import { md5sumsPaths, parseParagraphs } from '../../../src/inspect/packages.js';
import { parseOsRelease } from '../../../src/inspect/analyze.js';
import { parsePlatform } from '../../../src/inspect/open.js';
import { fakeImage, fakePackage } from '../../helpers/inspect-layers.js';

const base = [
  { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' },
  { name: 'tmp', type: 'directory' as const, mode: 0o1777 },
  { name: 'app/big', content: 'x'.repeat(5000), mode: 0o755 },
];

test('analyze: packages with versions, source, layer and owned files; per-layer contents; largest files; os-release', async () => {
  const img = await fakeImage(
    [
      base,
      fakePackage('libfoo1', '1.2-3', { 'usr/lib/libfoo.so.1': 'foo'.repeat(100) }, 'foo (1.2-3)'),
      [...fakePackage('bar', '2.0', { 'usr/bin/bar': 'bar' }), { name: 'app/extra', content: 'e' }],
    ],
    { User: '65532', Entrypoint: ['/app/big'], Env: ['A=1'], ExposedPorts: { '80/tcp': {} } },
  );
  const r = img.report;
  assert.deepEqual(
    r.packages.map((p) => [p.name, p.version, p.source, p.layer, p.files, p.size]),
    [
      ['bar', '2.0', 'bar', 3, 1, 3],
      ['libfoo1', '1.2-3', 'foo', 2, 1, 300],
    ],
  );
  assert.deepEqual(
    r.layers.map((l) => [l.position, l.packages, l.otherFiles]),
    [
      [1, [], 2],
      [2, ['libfoo1'], 0],
      [3, ['bar'], 1],
    ],
  );
  assert.deepEqual(r.os, { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' });
  assert.equal(r.largestFiles[0]!.path, '/app/big');
  assert.equal(r.largestFiles[0]!.size, 5000);
  assert.equal(r.largestFiles[1]!.path, '/usr/lib/libfoo.so.1');
  assert.deepEqual(r.config.ports, ['80/tcp']);
  assert.equal(r.config.user, '65532');
  assert.equal(r.totals.compressedSize, 600);
});

test('audit: shells, package managers, setuid, setgid, world-writable (sticky apart), root user, deny rules', async () => {
  const img = await fakeImage([
    base,
    [
      { name: 'busybox/busybox', content: 'bb', mode: 0o755 },
      { name: 'busybox/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'usr/bin/dpkg', content: 'd', mode: 0o755 },
      { name: 'usr/bin/passwd', content: 'p', mode: 0o4755 },
      { name: 'usr/bin/wall', content: 'w', mode: 0o2755 },
      { name: 'var/open', type: 'directory', mode: 0o777 },
      { name: 'usr/share/doc/sh', content: 'not a shell: not in a bin dir' },
    ],
  ]);
  const a = auditImage(img, parseDeny('shell,package-manager,setuid,setgid,world-writable,root-user', 'audit'), 0);
  assert.deepEqual(
    a.shells.map((s) => s.path),
    ['/busybox/busybox', '/busybox/sh'],
  );
  assert.deepEqual(
    a.packageManagers.map((s) => s.path),
    ['/usr/bin/dpkg'],
  );
  assert.deepEqual(
    a.setuid.map((s) => s.path),
    ['/usr/bin/passwd'],
  );
  assert.deepEqual(
    a.setgid.map((s) => s.path),
    ['/usr/bin/wall'],
  );
  assert.deepEqual(
    a.worldWritable.map((s) => s.path),
    ['/var/open'],
  );
  assert.deepEqual(
    a.stickyWorldWritable.map((s) => s.path),
    ['/tmp'],
  );
  assert.equal(a.executables, 5);
  assert.equal(a.rootUser, true);
  assert.deepEqual(a.violations, [
    'shell: /busybox/busybox',
    'shell: /busybox/sh',
    'package-manager: /usr/bin/dpkg',
    'setuid: /usr/bin/passwd',
    'setgid: /usr/bin/wall',
    'world-writable: /var/open',
    'root-user: the image runs as root (no User set)',
  ]);
  assert.deepEqual(auditImage(img, []).violations, []);
  const clean = await fakeImage([base], { User: 'nonroot' });
  assert.deepEqual(
    auditImage(clean, parseDeny('shell,setuid,setgid,world-writable,root-user,package-manager', 'audit')).violations,
    [],
  );
  assert.deepEqual(auditImage(clean, [], 0).violations, []);
  const pk = await fakeImage([fakePackage('a', '1', {}), fakePackage('b', '1', {})], { User: 'nonroot' });
  assert.deepEqual(auditImage(pk, [], 1).violations, ['max-packages: 2 packages, more than 1']);
  assert.throws(() => parseDeny('shell,bogus', 'audit'), /unknown --deny rule "bogus"/);
  assert.ok(
    isRootUser('') && isRootUser('0:0') && isRootUser('root') && !isRootUser('65532:65532') && !isRootUser('nonroot'),
  );
});

test('diff: packages added, removed and changed; files added, removed and changed; per-layer size delta', async () => {
  const a = await fakeImage(
    [base, [...fakePackage('keep', '1.0', { 'usr/bin/k': 'k1' }), ...fakePackage('gone', '1', { 'usr/lib/g': 'g' })]],
    {},
    'A',
  );
  const b = await fakeImage(
    [
      base,
      [...fakePackage('keep', '1.1', { 'usr/bin/k': 'k2' }), ...fakePackage('new', '3', { 'usr/lib/n': 'n' })],
      [{ name: 'app/big', content: 'y'.repeat(5000), mode: 0o700 }],
    ],
    {},
    'B',
  );
  const d = diffImages(a, b);
  assert.deepEqual(d.packages.added, [{ name: 'new', version: '3' }]);
  assert.deepEqual(d.packages.removed, [{ name: 'gone', version: '1' }]);
  assert.deepEqual(d.packages.changed, [{ name: 'keep', from: '1.0', to: '1.1' }]);
  assert.ok(d.files.added.includes('/usr/lib/n') && d.files.added.includes('/var/lib/dpkg/status.d/new'));
  assert.ok(d.files.removed.includes('/usr/lib/g'));
  assert.deepEqual(d.files.changed.find((c) => c.path === '/usr/bin/k')!.what, ['content']);
  assert.deepEqual(d.files.changed.find((c) => c.path === '/app/big')!.what, ['content', 'mode']);
  assert.deepEqual(
    d.layers.map((l) => [l.position, l.compressedDelta, l.same]),
    [
      [1, 0, true],
      [2, 0, true],
      [3, 300, false],
    ],
  );
  assert.equal(d.layers[2]!.a, null);
  assert.equal(d.total.compressedDelta, 300);
  assert.equal(d.total.uncompressedDelta, b.report.totals.uncompressedSize - a.report.totals.uncompressedSize);
});

test('parsers: deb822 paragraphs, md5sums lines, os-release quoting, --platform', () => {
  assert.deepEqual(parseParagraphs('Package: a\nVersion: 1\nDescription: x\n more\n\nPackage: b\n'), [
    { package: 'a', version: '1', description: 'x' },
    { package: 'b' },
  ]);
  assert.deepEqual(md5sumsPaths(`${'0'.repeat(32)}  usr/bin/a\n${'1'.repeat(32)} */usr/bin/b\ngarbage\n`), [
    'usr/bin/a',
    'usr/bin/b',
  ]);
  assert.deepEqual(parseOsRelease('ID=debian\nVERSION_ID="12"\n# c\nNAME=\'x y\'\n'), {
    ID: 'debian',
    VERSION_ID: '12',
    NAME: 'x y',
  });
  assert.deepEqual(parsePlatform('linux/arm64', 'inspect'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/arm/v7', 'inspect'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.throws(() => parsePlatform('linux/arm/v7/x', 'inspect'), /invalid --platform/);
});
