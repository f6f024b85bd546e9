import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import { readDeb } from '../../../../../src/sources/debian/deb/deb-reader.js';
import type { FileEntry } from '../../../../../src/tree/entry.js';
import { FsTree } from '../../../../../src/tree/fs-tree.js';
import { controlField, filterMd5sums, md5sumsLinePath } from '../../../../../src/sources/debian/install/dpkg-status.js';
import { installPackage } from '../../../../../src/sources/debian/install/install.js';
import { buildPackage, controlMember } from '../../../../helpers/packages-debs.js';

const bytesOf = (entry: unknown): string => {
  const file = entry as FileEntry;
  assert.equal(file?.type, 'file');
  assert.equal(file.source.kind, 'bytes');
  return Buffer.from((file.source as { data: Uint8Array }).data).toString('utf8');
};

test('a hard link whose target is trimmed becomes a regular file with its bytes', async () => {
  // dpkg-deb sorts names: usr/share/doc/... is stored as the file, usr/share/tool/... as the link.
  const built = buildPackage({
    name: 'tool',
    items: [
      { path: 'usr/share/doc/tool/data.txt', type: 'file', data: 'shared inode\n', mode: 0o640 },
      { path: 'usr/share/tool/data.txt', type: 'hardlink', target: 'usr/share/doc/tool/data.txt' },
      { path: 'usr/bin/tool', type: 'file', data: 'tool\n', mode: 0o2755 },
      { path: 'usr/bin/tool2', type: 'hardlink', target: 'usr/bin/tool' },
      { path: 'usr/share/doc/tool/copyright', type: 'file', data: 'GPL\n' },
    ],
  });
  const deb = await readDeb(built.path);
  assert.deepEqual(
    deb.files.filter((f) => f.type === 'hardlink').map((f) => [f.path, f.target]),
    [
      ['usr/bin/tool2', 'usr/bin/tool'],
      ['usr/share/tool/data.txt', 'usr/share/doc/tool/data.txt'],
    ],
    'the fixture has the shape this test needs',
  );
  const tree = new FsTree();
  const result = installPackage(tree, { name: 'tool', version: '1.0', architecture: 'amd64' }, deb, {
    trim: { docs: true },
  });
  assert.equal(tree.get('usr/share/doc/tool/data.txt'), undefined);
  const promoted = tree.get('usr/share/tool/data.txt') as FileEntry;
  assert.equal(bytesOf(promoted), 'shared inode\n');
  assert.equal(promoted.size, 13);
  assert.equal(promoted.mode, 0o640);
  const kept = tree.get('usr/bin/tool2');
  assert.deepEqual(kept && { type: kept.type, target: (kept as { target?: string }).target }, {
    type: 'hardlink',
    target: 'usr/bin/tool',
  });
  assert.equal(tree.get('usr/bin/tool')?.mode, 0o2755, 'setgid kept');
  assert.deepEqual(
    result.trimmed.map((x) => [x.path, x.size]),
    [['usr/share/doc/tool/data.txt', 13]],
  );
  assert.equal(result.trimmedBytes, 13);
  assert.ok(result.added.some((x) => x.path === 'usr/share/tool/data.txt' && x.type === 'file' && x.size === 13));
  // md5sums: the trimmed name goes, the promoted one stays.
  const md5 = bytesOf(tree.get('var/lib/dpkg/status.d/tool.md5sums'));
  assert.doesNotMatch(md5, /usr\/share\/doc\/tool\/data\.txt/);
  assert.match(md5, /  usr\/share\/tool\/data\.txt\n/);
  assert.match(md5, /  usr\/share\/doc\/tool\/copyright\n/);
});

test('docs: false keeps every file and the whole md5sums', async () => {
  const built = buildPackage({
    name: 'docs',
    items: [
      { path: 'usr/share/man/man1/docs.1.gz', type: 'file', data: 'man\n' },
      { path: 'usr/share/doc/docs/changelog.gz', type: 'file', data: 'log\n' },
      { path: 'usr/share/locale/de/LC_MESSAGES/docs.mo', type: 'file', data: 'mo\n' },
    ],
  });
  const tree = new FsTree();
  const result = installPackage(tree, { name: 'docs', version: '1.0' }, await readDeb(built.path), {
    trim: { docs: false },
  });
  assert.deepEqual(result.trimmed, []);
  for (const p of [
    'usr/share/man/man1/docs.1.gz',
    'usr/share/doc/docs/changelog.gz',
    'usr/share/locale/de/LC_MESSAGES/docs.mo',
  ]) {
    assert.equal(tree.get(p)?.type, 'file', p);
  }
  assert.equal(bytesOf(tree.get('var/lib/dpkg/status.d/docs.md5sums')), built.md5sums);
  assert.equal(bytesOf(tree.get('var/lib/dpkg/status.d/docs')), controlMember(built.path, 'control')!.toString('utf8'));
});

test('a package without md5sums gets no .md5sums file; the control file keeps non-ASCII text', async () => {
  const built = buildPackage({
    name: 'plain',
    md5sums: false,
    items: [{ path: 'etc/plain.conf', type: 'file', data: 'x\n' }],
  });
  const deb = await readDeb(built.path);
  const control = deb.control.replace('synthetic plain', 'synthetic plain — Größe ✓');
  const tree = new FsTree();
  installPackage(tree, { name: 'plain', version: '1.0' }, { ...deb, control }, { trim: { docs: true } });
  assert.equal(tree.get('var/lib/dpkg/status.d/plain.md5sums'), undefined);
  const status = tree.get('var/lib/dpkg/status.d/plain') as FileEntry;
  assert.deepEqual(Buffer.from((status.source as { data: Uint8Array }).data), Buffer.from(control, 'utf8'));
  assert.equal(status.size, Buffer.byteLength(control));
});

test('a .deb that is not the selected package is refused', async () => {
  const deb = await readDeb(buildPackage({ name: 'real', version: '2.0', items: [] }).path);
  for (const pkg of [
    { name: 'other', version: '2.0' },
    { name: 'real', version: '2.1' },
    { name: 'real', version: '2.0', architecture: 'arm64' },
  ]) {
    assert.throws(
      () => installPackage(new FsTree(), pkg, deb, { trim: { docs: true } }),
      (e: unknown) => isPithError(e) && e.kind === 'integrity' && e.message.includes(pkg.name),
    );
  }
});

test('controlField reads fields of the first paragraph, continuation lines included', () => {
  const control = 'Package: a\nVersion: 1:2.0-1\nDescription: short\n long\n .\n more\nversion-x: no\n\nPackage: b\n';
  assert.equal(controlField(control, 'Package'), 'a');
  assert.equal(controlField(control, 'version'), '1:2.0-1');
  assert.equal(controlField(control, 'Description'), 'short\n long\n .\n more');
  assert.equal(controlField(control, 'Architecture'), undefined);
});

test('filterMd5sums drops exactly the listed paths and keeps every other byte', () => {
  const text = `${'a'.repeat(32)}  usr/bin/x\n${'b'.repeat(32)}  usr/share/doc/x/README\n${'c'.repeat(32)} *usr/share/man/x.1\n`;
  assert.equal(
    filterMd5sums(text, (p) => p.startsWith('usr/share/')),
    `${'a'.repeat(32)}  usr/bin/x\n`,
  );
  assert.equal(
    filterMd5sums(text, () => false),
    text,
  );
  assert.equal(
    filterMd5sums('', () => true),
    '',
  );
  assert.equal(md5sumsLinePath(`${'d'.repeat(32)}  path with spaces/f`), 'path with spaces/f');
  assert.equal(md5sumsLinePath('garbage'), null);
});
