import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, limit, LIMITS, parseLimitValue } from '../../src/limits.js';

test('sizes take Ki/Mi/Gi (and K/M/G) suffixes; counts and factors take plain numbers', () => {
  assert.equal(parseLimitValue('512', 'bytes'), 512);
  assert.equal(parseLimitValue('64Mi', 'bytes'), 64 << 20);
  assert.equal(parseLimitValue('2G', 'bytes'), 2 * 1024 ** 3);
  assert.equal(parseLimitValue(' 8 KiB ', 'bytes'), 8192);
  assert.equal(parseLimitValue('1.5', 'factor'), 1.5);
  assert.equal(parseLimitValue('250000', 'count'), 250_000);
  for (const bad of ['', 'lots', '-5', '0', '10Ti', '1e9', '5Mi']) {
    assert.equal(parseLimitValue(bad, bad === '5Mi' ? 'count' : 'bytes'), undefined, bad);
  }
});

test('the environment overrides a default; a bad value keeps the default (never lowers it to 0)', () => {
  assert.equal(limit('debEntries', {}), LIMITS.debEntries.default);
  assert.equal(limit('debEntries', { PITH_MAX_DEB_ENTRIES: '250000' }), 250_000);
  assert.equal(limit('debUnpackedBytes', { PITH_MAX_DEB_UNPACKED_BYTES: '8Gi' }), 8 * 1024 ** 3);
  assert.equal(limit('specBytes', { PITH_MAX_SPEC_BYTES: 'oops' }), LIMITS.specBytes.default);
  assert.equal(limit('specBytes', { PITH_MAX_SPEC_BYTES: '0' }), LIMITS.specBytes.default);
});

test('every limit has its own PITH_ variable', () => {
  const names = Object.values(LIMITS).map((l) => l.env);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.every((n) => /^PITH_[A-Z_]+$/.test(n)));
  assert.equal(formatBytes(16 << 20), '16 MiB');
  assert.equal(formatBytes(1032 * 1024), '1032 KiB');
  assert.equal(formatBytes(1000), '1000 bytes');
});
