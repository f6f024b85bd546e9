import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { licenseFromCopyright, spdxExpression, spdxLicenseId } from '../../../src/sbom/license.js';
import { downloadDeb } from '../../helpers/deb-download.js';

function copyrightOf(name: string): string | { skip: string } {
  const deb = downloadDeb(name);
  if ('skip' in deb) return deb;
  const tar = execFileSync('dpkg-deb', ['--fsys-tarfile', deb.path], { maxBuffer: 256 << 20 });
  return execFileSync('tar', ['-xO', `./usr/share/doc/${name}/copyright`], {
    input: tar,
    maxBuffer: 16 << 20,
  }).toString('utf8');
}

// Debian 12 packages' real copyright files: DEP-5 ones give an expression, free-form ones nothing.
const EXPECTED: Array<[string, string | undefined]> = [
  ['base-files', undefined],
  ['libc6', undefined],
  ['ca-certificates', 'GPL-2.0-or-later AND MPL-2.0'],
  ['libssl3', 'Apache-2.0'],
  ['tzdata', 'LicenseRef-public-domain'],
  ['zlib1g', 'Zlib'],
];

for (const [name, expected] of EXPECTED) {
  test(`licenseFromCopyright: real ${name} copyright file -> ${expected ?? 'undefined'}`, (t) => {
    const text = copyrightOf(name);
    if (typeof text !== 'string') return t.skip(text.skip);
    assert.equal(licenseFromCopyright(text), expected);
  });
}

test('Debian short names -> SPDX ids', () => {
  const table: Array<[string, string]> = [
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['GPL-2', 'GPL-2.0-only'],
    ['GPL-3.0+', 'GPL-3.0-or-later'],
    ['GPL-1+', 'GPL-1.0-or-later'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['LGPL-2.1', 'LGPL-2.1-only'],
    ['LGPL-3+', 'LGPL-3.0-or-later'],
    ['AGPL-3', 'AGPL-3.0-only'],
    ['GFDL-1.3+', 'GFDL-1.3-or-later'],
    ['BSD-3-clause', 'BSD-3-Clause'],
    ['BSD-2-Clause', 'BSD-2-Clause'],
    ['Expat', 'MIT'],
    ['Apache-2.0', 'Apache-2.0'],
    ['MPL-2.0', 'MPL-2.0'],
    ['public-domain', 'LicenseRef-public-domain'],
    ['ISC', 'ISC'],
    ['Zlib', 'Zlib'],
    ['zlib', 'Zlib'],
    ['PSF-2', 'PSF-2.0'],
    ['Artistic', 'Artistic-1.0-Perl'],
    ['CC0-1.0', 'CC0-1.0'],
    ['GPL-7+', 'LicenseRef-GPL-7'],
    ['Custom license (see below)', 'LicenseRef-Custom-license-see-below'],
    ['OFL 1.1', 'LicenseRef-OFL-1.1'],
  ];
  for (const [debian, spdx] of table) assert.equal(spdxLicenseId(debian), spdx, debian);
});

test('Debian license expressions -> SPDX expressions', () => {
  assert.equal(spdxExpression('GPL-2+ or Artistic'), 'GPL-2.0-or-later OR Artistic-1.0-Perl');
  assert.equal(spdxExpression('GPL-2+ and BSD-3-clause'), 'GPL-2.0-or-later AND BSD-3-Clause');
  assert.equal(
    spdxExpression('GPL-2+ or Artistic-2.0, and BSD-3-clause'),
    '(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause',
  );
  assert.equal(spdxExpression('GPL-3+ with GCC-Runtime exception'), 'GPL-3.0-or-later WITH GCC-exception-3.1');
  assert.equal(spdxExpression('GPL-2+ with Foo exception'), 'LicenseRef-GPL-2-with-Foo-exception');
});

test('licenseFromCopyright: Files: * wins; otherwise all distinct licenses ANDed; non-DEP-5 is undefined', () => {
  const header = 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n\n';
  assert.equal(
    licenseFromCopyright(
      `${header}Files: debian/*\nCopyright: 2020 Someone\nLicense: GPL-2+\n\nFiles: *\nCopyright: 2020 Upstream\nLicense: Expat\n\nLicense: Expat\n Permission is hereby granted...\n`,
    ),
    'MIT',
  );
  assert.equal(
    licenseFromCopyright(
      `${header}Files: src/*\nLicense: BSD-3-clause\n\nFiles: lib/*\nLicense: LGPL-2.1+ or MPL-2.0\n\nFiles: debian/*\nLicense: BSD-3-clause\n`,
    ),
    'BSD-3-Clause AND (LGPL-2.1-or-later OR MPL-2.0)',
  );
  assert.equal(
    licenseFromCopyright(
      'Format: http://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: x\nLicense: ISC\n',
    ),
    'ISC',
  );
  assert.equal(licenseFromCopyright(`${header}Files: *\nCopyright: nobody\n`), undefined);
  assert.equal(licenseFromCopyright('This is the Debian prepackaged version of foo.\n\nLicense: GPL-2\n'), undefined);
  assert.equal(licenseFromCopyright(''), undefined);
});
