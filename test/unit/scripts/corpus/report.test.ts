/** The corpus report: totals, the closure/docs ratio, and the comparison with known-failing.yaml. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithKnown, formatLine, formatTotals, median, sizeRatios } from '../../../helpers/corpus/report.js';
import type { EntryResult } from '../../../helpers/corpus/run.js';

const result = (
  entry: string,
  mode: 'docs' | 'closure',
  ok: boolean,
  size?: number,
  failure?: string,
): EntryResult => ({ entry, mode, ok, size, failure, buildMs: 1000, smokeMs: 500 });

test('median of an odd and an even count; none for no values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), undefined);
});

test('ratios only for entries built in both modes', () => {
  const ratios = sizeRatios([
    result('a', 'docs', true, 100),
    result('a', 'closure', false, 40),
    result('b', 'docs', true, 100),
    result('b', 'closure', false, undefined, 'build: x'),
  ]);
  assert.deepEqual([...ratios], [['a', 0.4]]);
});

test('totals per mode and the median ratio', () => {
  const lines = formatTotals(
    [
      result('a', 'docs', true, 2e6),
      result('a', 'closure', true, 1e6),
      result('b', 'docs', false, 4e6, 'x'),
      result('b', 'closure', false, 1e6, 'y'),
    ],
    61_000,
  );
  assert.deepEqual(lines, [
    'total docs     1/2 pass, 2 built, 6.0 MB compressed',
    'total closure  1/2 pass, 2 built, 2.0 MB compressed',
    'median closure/docs compressed size: 0.38 over 2 entries built in both modes; 61.0s in all',
  ]);
});

test('a line per entry and mode: result, size, time, first failure', () => {
  assert.equal(
    formatLine(result('nginx', 'docs', false, 12_100_000, 'step 2 (request :80): the container exited')),
    'nginx           docs      FAIL     12.1 MB     1.5s  step 2 (request :80): the container exited',
  );
  assert.equal(
    formatLine(result('jq', 'closure', false, undefined, 'build: pith: x')),
    'jq              closure   FAIL           -     1.5s  build: pith: x',
  );
});

test('an unlisted failure is a regression; a listed entry that passes must leave the list', () => {
  const problems = compareWithKnown(
    [
      result('a', 'docs', false, 1, 'boom'),
      result('a', 'closure', false, 1, 'known'),
      result('b', 'docs', true, 1),
      result('b', 'closure', true, 1),
    ],
    { a: { closure: 'why' }, b: { closure: 'fixed since' } },
  );
  assert.deepEqual(problems, [
    'a docs: fails and is not in test/corpus/known-failing.yaml: boom',
    'b closure: now passes; remove it from test/corpus/known-failing.yaml',
  ]);
});
