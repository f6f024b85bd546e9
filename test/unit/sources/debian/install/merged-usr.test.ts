/**
 * Merged /usr with synthetic packages built by dpkg-deb: a trixie-style base-files shipping
 * `bin -> usr/bin` and `lib -> usr/lib`, and a package still shipping /bin and /lib paths.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import { readDeb, type DebContents } from '../../../../../src/sources/debian/deb/deb-reader.js';
import type { FileEntry } from '../../../../../src/tree/entry.js';
import { FsTree } from '../../../../../src/tree/fs-tree.js';
import { installPackage } from '../../../../../src/sources/debian/install/install.js';
import { mergedUsrLinks } from '../../../../../src/sources/debian/install/merged-usr.js';
import { addMergedUsrLinks, assertNoAliasConflicts } from '../../../../../src/tree/merged-usr.js';
import { buildPackage } from '../../../../helpers/packages-debs.js';

let baseFiles: DebContents;
let foo: DebContents;
const trim = { trim: { docs: true } };

before(async () => {
  baseFiles = await readDeb(
    buildPackage({
      name: 'base-files',
      version: '13.8',
      items: [
        { path: 'bin', type: 'symlink', target: 'usr/bin' },
        { path: 'lib', type: 'symlink', target: 'usr/lib' },
        { path: 'etc/os-release', type: 'symlink', target: '../usr/lib/os-release' },
        { path: 'usr/lib/os-release', type: 'file', data: 'ID=debian\n' },
        { path: 'usr/bin', type: 'dir' },
        { path: 'usr/share/doc/base-files/copyright', type: 'file', data: 'copyright\n' },
        { path: 'usr/share/doc/base-files/README', type: 'file', data: 'readme\n' },
      ],
    }).path,
  );
  foo = await readDeb(
    buildPackage({
      name: 'foo',
      version: '2.0-1',
      items: [
        { path: 'bin/foo', type: 'file', data: '#!/bin/sh\necho foo\n', mode: 0o4755 },
        { path: 'bin/foo-again', type: 'hardlink', target: 'bin/foo' },
        { path: 'bin/foo-link', type: 'symlink', target: 'foo' },
        { path: 'lib/x/libfoo.so', type: 'file', data: 'not really ELF\n', mode: 0o644 },
        { path: 'sbin/foo-admin', type: 'file', data: 'admin\n', mode: 0o750 },
      ],
    }).path,
  );
});

const debs = () => [
  { name: 'base-files', files: baseFiles.files },
  { name: 'foo', files: foo.files },
];

test('mergedUsrLinks finds the top-level links into usr/ and nothing else', () => {
  assert.deepEqual(mergedUsrLinks(debs()), [
    { path: 'bin', target: 'usr/bin', package: 'base-files' },
    { path: 'lib', target: 'usr/lib', package: 'base-files' },
  ]);
  assert.deepEqual(mergedUsrLinks([{ name: 'foo', files: foo.files }]), []);
  const absolute = [
    {
      name: 'x',
      files: [{ path: 'sbin', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, size: 0, target: '/usr/sbin' }],
    },
  ];
  assert.deepEqual(mergedUsrLinks(absolute), [{ path: 'sbin', target: '/usr/sbin', package: 'x' }]);
  const notAlias = [
    {
      name: 'y',
      files: [{ path: 'lib64', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, size: 0, target: 'usr/lib' }],
    },
  ];
  assert.deepEqual(mergedUsrLinks(notAlias), []);
});

test('a link shipped by several packages is reported once, from the first', () => {
  const link = (target: string) => [
    { path: 'bin', type: 'symlink' as const, mode: 0o777, uid: 0, gid: 0, size: 0, target },
  ];
  assert.deepEqual(
    mergedUsrLinks([
      { name: 'a', files: link('usr/bin') },
      { name: 'b', files: link('/usr/bin') },
      { name: 'c', files: link('./usr/bin/') },
    ]),
    [{ path: 'bin', target: 'usr/bin', package: 'a' }],
  );
});

for (const order of [
  ['base-files', 'foo'],
  ['foo', 'base-files'],
]) {
  test(`with the links pre-created, /bin and /lib files land under /usr (install order ${order.join(', ')})`, () => {
    const tree = new FsTree();
    const links = mergedUsrLinks(debs());
    addMergedUsrLinks(tree, links, new Map([['base-files', '13.8']]));
    for (const name of order) {
      installPackage(
        tree,
        { name, version: name === 'foo' ? '2.0-1' : '13.8' },
        name === 'foo' ? foo : baseFiles,
        trim,
      );
    }
    const bin = tree.get('bin');
    assert.deepEqual(bin && { type: bin.type, target: (bin as { target?: string }).target }, {
      type: 'symlink',
      target: 'usr/bin',
    });
    assert.equal(bin?.origin.package, 'base-files');
    assert.equal(tree.get('lib')?.type, 'symlink');
    const paths = tree.list().map((e) => e.path);
    assert.deepEqual(
      paths.filter((p) => p.startsWith('bin/') || p.startsWith('lib/')),
      [],
      'nothing below the links',
    );

    const fooFile = tree.get('usr/bin/foo') as FileEntry | undefined;
    assert.equal(fooFile?.type, 'file');
    assert.equal(fooFile.mode, 0o4755, 'setuid kept');
    assert.equal(fooFile.origin.package, 'foo');
    assert.equal(fooFile.origin.detail, 'foo 2.0-1');
    const again = tree.get('usr/bin/foo-again');
    assert.deepEqual(
      again && { type: again.type, target: (again as { target?: string }).target },
      {
        type: 'hardlink',
        target: 'usr/bin/foo',
      },
      'the hard link target is canonicalised like the path',
    );
    assert.equal(tree.get('usr/bin/foo-link')?.type, 'symlink');
    assert.equal(tree.get('usr/lib/x/libfoo.so')?.type, 'file');
    assert.equal(tree.resolve('lib/x/libfoo.so'), 'usr/lib/x/libfoo.so');
    // sbin has no link in this release: it stays a real directory.
    assert.equal(tree.get('sbin')?.type, 'dir');
    assert.equal(tree.get('sbin/foo-admin')?.mode, 0o750);
    assert.equal(tree.get('usr/share/doc/base-files/copyright')?.type, 'file');
    assert.equal(tree.get('usr/share/doc/base-files/README'), undefined);
    // md5sums keep the package's own paths, minus trimmed files.
    const md5 = Buffer.from(
      ((tree.get('var/lib/dpkg/status.d/foo.md5sums') as FileEntry).source as { data: Uint8Array }).data,
    ).toString();
    assert.match(md5, /  bin\/foo\n/);
    const baseMd5 = Buffer.from(
      ((tree.get('var/lib/dpkg/status.d/base-files.md5sums') as FileEntry).source as { data: Uint8Array }).data,
    ).toString();
    assert.match(baseMd5, /usr\/share\/doc\/base-files\/copyright/);
    assert.doesNotMatch(baseMd5, /README/);
    assertNoAliasConflicts(tree, links);
  });
}

test('assertNoAliasConflicts fails on a real /bin directory where the image has bin -> usr/bin', () => {
  const tree = new FsTree();
  // Installed without the links first: /bin becomes a real directory.
  installPackage(tree, { name: 'foo', version: '2.0-1' }, foo, trim);
  assert.equal(tree.get('bin')?.type, 'dir');
  const links = mergedUsrLinks(debs());
  assert.throws(
    () => assertNoAliasConflicts(tree, links),
    (e: unknown) =>
      isPithError(e) &&
      e.message.includes('/bin is a real directory') &&
      e.message.includes('package foo') &&
      e.message.includes('/bin -> usr/bin'),
  );
});

test('assertNoAliasConflicts fails on a file or a different link at the alias path', () => {
  const origin = { kind: 'file' as const, detail: 'files[0]' };
  const file = new FsTree();
  file.add('lib', {
    type: 'file',
    mode: 0o644,
    uid: 0,
    gid: 0,
    origin,
    size: 0,
    source: { kind: 'bytes', data: new Uint8Array() },
  });
  assert.throws(
    () => assertNoAliasConflicts(file, [{ path: 'lib', target: 'usr/lib' }]),
    /\/lib is a file \(from files\[0\]\)/,
  );
  const other = new FsTree();
  other.add('lib', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, origin, target: 'opt/lib' });
  assert.throws(() => assertNoAliasConflicts(other, [{ path: 'lib', target: 'usr/lib' }]), /symlink to opt\/lib/);
  const same = new FsTree();
  same.add('lib', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, origin, target: '/usr/lib' });
  assertNoAliasConflicts(same, [{ path: 'lib', target: 'usr/lib' }]);
  assertNoAliasConflicts(new FsTree(), [{ path: 'lib', target: 'usr/lib' }]);
});

test('without pre-created links, a package /bin directory blocks the later link (why the caller creates them first)', () => {
  const tree = new FsTree();
  installPackage(tree, { name: 'foo', version: '2.0-1' }, foo, trim);
  assert.throws(
    () => installPackage(tree, { name: 'base-files', version: '13.8' }, baseFiles, trim),
    /\/bin is a directory/,
  );
});
