import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { iterateDeb822, parseDeb822, parseDeb822Single } from '../../../../../src/sources/debian/archive/deb822.js';
import { isPithError } from '../../../../../src/errors.js';

const PACKAGES = `Package: libc6
Source: glibc
Version: 2.36-9+deb12u14
Architecture: amd64
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries.
 .
   verbatim line
Multi-Arch: same

Package: base-files
Essential: yes
Version: 12.4+deb12u11
`;

const inputError = (e: unknown) => isPithError(e) && e.kind === 'input';

describe('parseDeb822', () => {
  it('splits paragraphs and reads single-line fields trimmed', () => {
    const ps = parseDeb822(PACKAGES);
    assert.equal(ps.length, 2);
    assert.equal(ps[0]!.get('Package'), 'libc6');
    assert.equal(ps[0]!.get('Version'), '2.36-9+deb12u14');
    assert.equal(ps[1]!.get('Essential'), 'yes');
    assert.equal(ps[0]!.line, 1);
    assert.equal(ps[1]!.line, 12);
  });

  it('looks fields up case-insensitively but keeps their spelling', () => {
    const [p] = parseDeb822('Multi-Arch: same\nSHA256: abc\n');
    assert.equal(p!.get('multi-arch'), 'same');
    assert.equal(p!.get('MULTI-ARCH'), 'same');
    assert.equal(p!.get('sha256'), 'abc');
    assert.equal(p!.has('Sha256'), true);
    assert.equal(p!.has('Multi'), false);
    assert.equal(p!.get('Multi-Arc'), undefined);
    assert.deepEqual(p!.names(), ['Multi-Arch', 'SHA256']);
    assert.deepEqual(p!.entries(), [
      ['Multi-Arch', 'same'],
      ['SHA256', 'abc'],
    ]);
    assert.equal(p!.size, 2);
  });

  it('joins continuation lines, turning " ." into an empty line and keeping extra indentation', () => {
    const [p] = parseDeb822(PACKAGES);
    assert.equal(
      p!.get('Description'),
      'GNU C Library: Shared libraries\nContains the standard libraries.\n\n  verbatim line',
    );
    assert.equal(p!.get('Multi-Arch'), 'same', 'the field after a multi-line one is separate');
  });

  it('reads a value that starts on the next line (Release hash lists)', () => {
    const [p] = parseDeb822('SHA256:\n 0a1b 12 main/Packages\n ffee 34 main/Packages.xz\nDate: x\n');
    assert.equal(p!.get('SHA256'), '0a1b 12 main/Packages\nffee 34 main/Packages.xz');
    assert.equal(p!.get('Date'), 'x');
  });

  it('keeps each paragraph verbatim in raw, with a final newline', () => {
    const ps = parseDeb822(PACKAGES);
    assert.equal(ps[0]!.raw, PACKAGES.slice(0, PACKAGES.indexOf('\n\n') + 1));
    assert.equal(ps[1]!.raw, 'Package: base-files\nEssential: yes\nVersion: 12.4+deb12u11\n');
    const [q] = parseDeb822('A: 1\nB:  2  ');
    assert.equal(q!.raw, 'A: 1\nB:  2  \n');
    assert.equal(q!.get('B'), '2');
  });

  it('treats runs of blank and whitespace-only lines as one separator, and accepts CRLF', () => {
    const ps = parseDeb822('\n\nA: 1\n\n \n\t\n\nA: 2\r\nB: x\r\n continued\r\n\r\nA: 3');
    assert.deepEqual(
      ps.map((p) => p.get('A')),
      ['1', '2', '3'],
    );
    assert.equal(ps[1]!.get('B'), 'x\ncontinued');
  });

  it('skips comment lines only when asked (apt .sources)', () => {
    const text =
      '# leading comment\nTypes: deb\n# inside\nURIs: http://example.invalid/debian\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n# not part of the key\n .\n abc\n\n# only comments\n# here\n';
    const ps = parseDeb822(text, { comments: true });
    assert.equal(ps.length, 1);
    assert.equal(ps[0]!.get('URIs'), 'http://example.invalid/debian');
    assert.equal(ps[0]!.get('Signed-By'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc');
    assert.deepEqual(ps[0]!.names(), ['Types', 'URIs', 'Signed-By']);
    assert.throws(() => parseDeb822(text), inputError);
  });

  it('reports malformed input with the line number', () => {
    assert.throws(
      () => parseDeb822('A: 1\nnot a field\n', { source: 'x.txt' }),
      (e: unknown) => {
        assert.ok(inputError(e));
        assert.match((e as Error & { oneLine(): string }).oneLine(), /^x\.txt:2: .*not a field/);
        return true;
      },
    );
    assert.throws(() => parseDeb822(' continuation first\n'), /continuation line before any field/);
    assert.throws(() => parseDeb822('A: 1\n\n continuation after blank\n'), /continuation line before any field/);
    assert.throws(() => parseDeb822('A: 1\na: 2\n'), /duplicate field "a"/);
    assert.throws(() => parseDeb822(': value\n'), /empty field name/);
  });

  it('parses empty input to no paragraphs and an empty value to ""', () => {
    assert.deepEqual(parseDeb822(''), []);
    assert.deepEqual(parseDeb822('\n\n  \n'), []);
    assert.equal(parseDeb822('A:\n')[0]!.get('A'), '');
    assert.equal(parseDeb822('A:b:c\n')[0]!.get('A'), 'b:c');
  });

  it('iterates lazily with the same result', () => {
    const it = iterateDeb822(PACKAGES);
    assert.equal(it.next().value?.get('Package'), 'libc6');
    assert.equal(it.next().value?.get('Package'), 'base-files');
    assert.equal(it.next().done, true);
  });

  it('parseDeb822Single insists on exactly one paragraph', () => {
    assert.equal(parseDeb822Single('A: 1\n').get('A'), '1');
    assert.throws(() => parseDeb822Single(PACKAGES), inputError);
    assert.throws(() => parseDeb822Single(''), inputError);
  });

  it('parses a Packages-sized text (63,000 stanzas, ~50 MB) quickly', (t) => {
    const stanza = (i: number) =>
      `Package: pkg-${i}\nSource: src-${i >> 2} (1.${i}-1)\nVersion: 1.${i}-1+b1\nInstalled-Size: ${i}\n` +
      `Maintainer: Somebody <somebody@example.invalid>\nArchitecture: amd64\nMulti-Arch: same\n` +
      `Depends: libc6 (>= 2.34), libgcc-s1 (>= 3.0), pkg-${i + 1} | pkg-${i + 2}, zlib1g (>= 1:1.2.0)\n` +
      `Breaks: ${Array.from({ length: 12 }, (_, k) => `old-${k} (<< ${k}.0)`).join(', ')}\n` +
      `Description: package number ${i}\nMulti-Line: first\n second\n .\n third\n` +
      `Description-md5: 0123456789abcdef0123456789abcdef\nTag: role::shared-lib, implemented-in::c\n` +
      `Section: libs\nPriority: optional\nFilename: pool/main/p/pkg-${i}/pkg-${i}_1.${i}-1+b1_amd64.deb\n` +
      `Size: ${1000 + i}\nMD5sum: 0123456789abcdef0123456789abcdef\n` +
      `SHA256: ${'0123456789abcdef'.repeat(4)}\n`;
    const parts: string[] = [];
    for (let i = 0; i < 63_000; i++) parts.push(stanza(i));
    const text = parts.join('\n');
    const started = performance.now();
    let count = 0;
    let lastVersion = '';
    for (const p of iterateDeb822(text)) {
      count++;
      lastVersion = p.get('Version')!;
    }
    const ms = performance.now() - started;
    t.diagnostic(`deb822: ${count} paragraphs, ${(text.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms`);
    assert.equal(count, 63_000);
    assert.equal(lastVersion, '1.62999-1+b1');
    // Generous bound for a loaded 2-core machine; typically well under half a second.
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
