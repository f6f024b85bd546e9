import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec } from '../../../src/spec/load.js';

const err = (text: string) => {
  try {
    parseSpec(text, 'pith.yaml');
  } catch (e) {
    return (e as { oneLine(): string }).oneLine();
  }
  return 'no error';
};

test('Debian keys normalise', () => {
  const { spec } = parseSpec(
    `name: x
debian: trixie
preset: cc
variants: [nonroot, debug]
packages: [curl, "libssl3 (>= 3.0)", "jq=1.6-2.1"]
exclude: [debconf]
trim: none
repositories:
  - url: http://mirror.example/debian/
    suites: [bookworm]
`,
    'pith.yaml',
  );
  assert.equal(spec.debian, 'trixie');
  assert.equal(spec.preset, 'cc');
  assert.deepEqual(spec.variants, ['nonroot', 'debug']);
  assert.deepEqual(spec.packages, ['curl', 'libssl3 (>= 3.0)', 'jq=1.6-2.1']);
  assert.deepEqual(spec.exclude, ['debconf']);
  assert.equal(spec.trim, 'none');
  assert.deepEqual(spec.repositories, [
    { url: 'http://mirror.example/debian', suites: ['bookworm'], components: ['main'] },
  ]);
});

test('Debian key errors name the field and position', () => {
  assert.equal(
    err('name: x\npreset: java\n'),
    'pith.yaml:2:9: preset: unknown preset "java" (valid: static, base-nossl, base, cc, python3, java17, java21, nodejs)',
  );
  assert.equal(
    err('name: x\nvariants: [shell]\n'),
    'pith.yaml:2:12: variants[0]: unknown variant "shell" (valid: nonroot, debug)',
  );
  assert.match(
    err('name: x\npackages: ["curl >= 7"]\n'),
    /^pith\.yaml:2:12: packages\[0\]: expected a package name with an optional version/,
  );
  assert.match(err('name: x\npackages: [curl, curl]\n'), /^pith\.yaml:2:18: packages\[1\]: duplicate package/);
  assert.equal(err('name: x\ntrim: all\n'), 'pith.yaml:2:7: trim: expected "docs", "closure" or "none", got "all"');
  assert.match(
    err('name: x\nrepositories: [{url: ftp://x, suites: [a]}]\n'),
    /repositories\[0\]\.url: expected an http/,
  );
  assert.match(err('name: x\ndebian: Bookworm\n'), /debian: expected a Debian suite name/);
});
