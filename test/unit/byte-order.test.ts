import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byKey, compareBytes } from '../../src/byte-order.js';

const utf8Order = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

test('compareBytes is the byte order of UTF-8, also where UTF-16 code units disagree with it', () => {
  const samples = [
    '',
    'a',
    'B',
    'ab',
    'a\u0000',
    'é',
    'z',
    '\uE000',
    '\uFFFF',
    '\u{10000}',
    '\u{1F600}',
    'z\u{1F600}',
    'z\uE000',
    'usr/bin',
    'usr/bin/x',
    'usr/bin-x',
  ];
  for (const a of samples)
    for (const b of samples) assert.equal(Math.sign(compareBytes(a, b)), utf8Order(a, b), JSON.stringify([a, b]));
  // The case `<` gets wrong: an astral character sorts after U+FFFF.
  assert.equal(compareBytes('\u{1F600}', '\uFFFF'), 1);
  assert.equal('\u{1F600}' < '\uFFFF', true);
});

test('compareBytes sorts paths as tar members are ordered', () => {
  assert.deepEqual(['usr/lib', 'usr', 'usr/bin', 'etc', 'usr/bin-x', 'usr/bin/x'].sort(compareBytes), [
    'etc',
    'usr',
    'usr/bin',
    'usr/bin-x',
    'usr/bin/x',
    'usr/lib',
  ]);
});

test('byKey compares items by a string key, equal keys as equal', () => {
  const cmp = byKey((p: { name: string }) => p.name);
  assert.equal(cmp({ name: 'libc6' }, { name: 'libc6' }), 0);
  assert.deepEqual(
    [{ name: 'zlib1g' }, { name: 'libc6' }].sort(cmp).map((p) => p.name),
    ['libc6', 'zlib1g'],
  );
});
