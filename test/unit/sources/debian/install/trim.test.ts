import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTrimmed, TRIMMED_DIRS } from '../../../../../src/sources/debian/install/trim.js';

const docs = { docs: true };

// [path, trimmed with docs: true]
const cases: Array<[string, boolean]> = [
  // usr/share/doc: the directory, per-package entries and copyright files stay
  ['usr/share/doc', false],
  ['usr/share/doc/libc6', false],
  ['usr/share/doc/libgcc-s1', false], // a symlink to gcc-12-base in the real package
  ['usr/share/doc/libc6/copyright', false],
  ['/usr/share/doc/libc6/copyright', false],
  ['./usr/share/doc/libc6/copyright', false],
  ['usr/share/doc/libc6/changelog.Debian.gz', true],
  ['usr/share/doc/libc6/NEWS.gz', true],
  ['usr/share/doc/libc6/README', true],
  ['usr/share/doc/ca-certificates/examples', true],
  ['usr/share/doc/ca-certificates/examples/local/copyright', true], // only <pkg>/copyright
  ['usr/share/doc/base-files/FAQ', true],
  ['usr/share/doc/pkg/copyright.gz', true],
  ['usr/share/doc/pkg/COPYRIGHT', true],
  ['usr/share/docs/x', false],
  ['usr/share/doc-extra/x', false],
  // dropped whole, the directory included
  ['usr/share/man', true],
  ['usr/share/man/', true],
  ['usr/share/man/man8/update-ca-certificates.8.gz', true],
  ['usr/share/man/de/man1/x.1.gz', true],
  ['usr/share/info', true],
  ['usr/share/info/dir', true],
  ['usr/share/locale', true],
  ['usr/share/locale/de/LC_MESSAGES/libc.mo', true],
  ['usr/share/lintian/overrides/libc6', true],
  ['usr/share/doc-base/libc6', true],
  ['usr/share/bug/libc6/control', true],
  // look-alikes and everything else stay
  ['usr/share/manual', false],
  ['usr/share/locales', false],
  ['usr/share/i18n/charmaps/UTF-8.gz', false],
  ['usr/lib/locale/C.utf8/LC_CTYPE', false],
  ['usr/lib/locale', false],
  ['usr/local/share/man/x', false],
  ['share/man/x', false],
  ['usr/share/zoneinfo/Europe/Paris', false],
  ['usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt', false],
  ['usr/share/common-licenses/GPL-3', false],
  ['etc/ssl/certs', false],
  ['lib/x86_64-linux-gnu/libc.so.6', false],
  ['usr/bin/man', false],
];

for (const [path, expected] of cases) {
  test(`docs: true ${expected ? 'drops' : 'keeps'} ${path}`, () => {
    assert.equal(isTrimmed(path, docs), expected);
  });
}

test('docs: false keeps everything', () => {
  for (const [path] of cases) assert.equal(isTrimmed(path, { docs: false }), false, path);
});

test('every listed directory is dropped with its content', () => {
  assert.deepEqual([...TRIMMED_DIRS].sort(), [
    'usr/share/bug',
    'usr/share/doc-base',
    'usr/share/info',
    'usr/share/lintian',
    'usr/share/locale',
    'usr/share/man',
  ]);
  for (const dir of TRIMMED_DIRS) {
    assert.equal(isTrimmed(dir, docs), true, dir);
    assert.equal(isTrimmed(`${dir}/a/b`, docs), true, dir);
    assert.equal(isTrimmed(`${dir}x/a`, docs), false, dir);
  }
});
