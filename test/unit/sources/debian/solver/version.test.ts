import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  compareVersions,
  parseVersion,
  satisfies,
  formatVersion,
} from '../../../../../src/sources/debian/solver/version.js';
import { isPithError } from '../../../../../src/errors.js';

/** Hand-written pairs that exercise each rule of policy 5.6.12 and dpkg's quirks. */
const TRICKY: Array<[string, string]> = [
  ['1.0~rc1', '1.0'],
  ['1.0~rc1', '1.0~rc2'],
  ['1.0~rc1', '1.0~'],
  ['1.0~~', '1.0~'],
  ['1.0~~', '1.0~~a'],
  ['0~~', '0~'],
  ['0~~', '0'],
  ['0~', '0'],
  ['0~~~', '0~~'],
  ['1~', '1'],
  ['1~~', '1~~~'],
  ['1.0', '1.0.0'],
  ['1.0', '1.0~0'],
  ['1.0', '1.0+0'],
  ['1.0', '1.0a'],
  ['1.0a', '1.0+'],
  ['1.0a', '1.0.'],
  ['1.0+', '1.0.'],
  ['1.0.', '1.0-.'],
  ['1.0+b1', '1.0.1'],
  ['1.0+dfsg', '1.0'],
  ['1.0+dfsg-1', '1.0-1'],
  ['1.0-1', '1.0'],
  ['1.0-0', '1.0'],
  ['1.0-1', '1.0-1.1'],
  ['1.0-1', '1.0-1+b1'],
  ['1.0-1+b1', '1.0-1.1'],
  ['1.0-1~bpo1', '1.0-1'],
  ['1.0-1+deb12u1', '1.0-1+deb12u10'],
  ['1.0-1+deb12u9', '1.0-1+deb12u10'],
  ['1:0.1', '2.0'],
  ['1:0.1', '0:2.0'],
  ['0:1.0', '1.0'],
  ['00:1.0', '1.0'],
  ['2:1.0', '10:1.0'],
  ['1:1.0', '1:1.0-0'],
  ['1.0-1-1', '1.0-1'],
  ['1.0-1-1', '1.0-2'],
  ['1-2-3', '1-2-4'],
  ['1.2-3-4', '1.2-34'],
  ['1.01', '1.1'],
  ['1.001', '1.1'],
  ['1.0010', '1.01'],
  ['1.09', '1.10'],
  ['10', '9'],
  ['010', '9'],
  ['1a', '1b'],
  ['1a', '1A'],
  ['1Z', '1a'],
  ['1a1', '1a01'],
  ['1a', '1aa'],
  ['1.a', '1.1'],
  ['1.0a1', '1.0a'],
  ['12345678901234567890', '12345678901234567891'],
  ['12345678901234567890', '9999999999999999999'],
  ['1.99999999999999999999999', '1.100000000000000000000000'],
  ['1.00000000000000000000001', '1.1'],
  ['2.36-9+deb12u14', '2.36-9+deb12u4'],
  ['2.36-9+deb12u14', '2.36-9'],
  ['3.0.11-1~deb12u2', '3.0.11-1'],
  ['7.88.1-10+deb12u12', '7.88.1-10+deb12u5'],
  ['1:9.18.33-1~deb12u2', '1:9.18.28-1~deb12u2'],
  ['2:8.2.3995-1+deb12u2', '2:9.0.1378-2'],
  ['1.2.3+git20230101.abcdef-1', '1.2.3+git20221231.fedcba-1'],
  ['1:1.2.13.dfsg-1', '1:1.2.13-1'],
  ['0.0', '0'],
  ['0', '00'],
  ['1.0', '1.0'],
  ['1:1.0-1', '1:1.0-1'],
  ['1.0~rc1-1', '1.0-1'],
  ['1.0-1~', '1.0-1'],
  ['1.0-~', '1.0-0'],
  ['1.0-a', '1.0-0'],
  ['1.0-+', '1.0-a'],
  ['1:1.0:1', '1:1.0'],
  ['1:1:1', '1:1'],
  ['1+', '1.'],
  ['1~a', '1~b'],
  ['1~~a', '1~'],
  ['1.2+~', '1.2+'],
  ['1.2.~', '1.2.'],
];

/** A tiny deterministic PRNG (mulberry32) so that generated pairs are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '0',
  '00',
  '1',
  '2',
  '9',
  '10',
  '01',
  '99',
  '123456789012345678901234',
  '~',
  '~~',
  '.',
  '+',
  'a',
  'b',
  'z',
  'A',
  'Z',
  'rc',
  '~rc',
  'dfsg',
  'deb12u',
  '+b',
];

function randomVersion(next: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  let v = '';
  if (next() < 0.15) v += `${pick(['0', '1', '2', '10'])}:`;
  v += pick(['0', '1', '2', '10', '1.0', '2.36']);
  const n = Math.floor(next() * 4);
  for (let i = 0; i < n; i++) v += pick(PIECES);
  if (next() < 0.5) {
    v += '-';
    v += pick(['0', '1', '2', '1.1', '1+b1', '1~bpo', 'a', '~']);
    if (next() < 0.3) v += pick(PIECES);
  }
  return v;
}

function generatedPairs(count: number): Array<[string, string]> {
  const next = rng(5612);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const a = randomVersion(next);
    // Half the time make b a small edit of a, so that the interesting cases (shared prefixes) dominate.
    const b = next() < 0.5 ? randomVersion(next) : a + PIECES[Math.floor(next() * PIECES.length)]!;
    out.push([a, b]);
  }
  return out;
}

/** Ask dpkg about every pair in one shell loop: prints -1, 0 or 1 per line. */
function dpkgOracle(pairs: Array<[string, string]>): number[] {
  // dpkg exits 0 (true), 1 (false) or 2 (bad version): a 2 prints E so that it can never pass.
  const script =
    'while read -r a b; do ' +
    'dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?; ' +
    'if [ $r = 0 ]; then echo -1; elif [ $r != 1 ]; then echo E; ' +
    'elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0; else echo 1; fi; done';
  const input = pairs.map(([a, b]) => `${a} ${b}\n`).join('');
  const res = spawnSync('sh', ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 24 });
  assert.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trim().split('\n');
  assert.equal(lines.length, pairs.length);
  const bad = pairs.filter((_, i) => lines[i] === 'E');
  assert.deepEqual(bad, [], 'dpkg rejected these pairs: the test data is wrong');
  const out = lines.map(Number);
  return out;
}

describe('compareVersions against dpkg --compare-versions', () => {
  it('agrees on hand-written tricky pairs, both ways round', () => {
    const pairs = TRICKY.flatMap(([a, b]): Array<[string, string]> => [
      [a, b],
      [b, a],
    ]);
    const expected = dpkgOracle(pairs);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, dpkg: expected[i], ours: compareVersions(a, b) }))
      .filter((r) => r.dpkg !== r.ours);
    assert.deepEqual(mismatches, []);
  });

  it('agrees on 600 generated pairs', () => {
    const pairs = generatedPairs(600);
    const expected = dpkgOracle(pairs);
    const mismatches = pairs
      .map(([a, b], i) => ({ a, b, dpkg: expected[i], ours: compareVersions(a, b) }))
      .filter((r) => r.dpkg !== r.ours);
    assert.deepEqual(mismatches, []);
    // The generator must produce all three outcomes, or it is not testing much.
    for (const outcome of [-1, 0, 1]) assert.ok(expected.includes(outcome), `no pair compared ${outcome}`);
  });

  it('sorts a list into the order dpkg agrees with', () => {
    const list = [...new Set(TRICKY.flat())].sort(compareVersions);
    const adjacent = list.slice(1).map((v, i): [string, string] => [list[i]!, v]);
    for (const r of dpkgOracle(adjacent)) assert.ok(r <= 0);
  });
});

describe('compareVersions rules', () => {
  it('puts ~ before the end of the string and letters before other characters', () => {
    assert.equal(compareVersions('1.0~rc1', '1.0'), -1);
    assert.equal(compareVersions('0~~', '0~'), -1);
    assert.equal(compareVersions('1.0a', '1.0+'), -1);
    assert.equal(compareVersions('1.0', '1.0a'), -1);
  });
  it('uses the epoch first', () => {
    assert.equal(compareVersions('1:0.1', '2.0'), 1);
    assert.equal(compareVersions('0:2.0', '2.0'), 0);
  });
  it('compares digit runs longer than 2^53 exactly', () => {
    assert.equal(compareVersions('1.9007199254740993', '1.9007199254740992'), 1);
    assert.equal(compareVersions('123456789012345678901234567890', '123456789012345678901234567891'), -1);
    assert.equal(compareVersions('0001', '1'), 0);
  });
  it('treats a missing revision like -0', () => {
    assert.equal(compareVersions('1.0', '1.0-0'), 0);
    assert.equal(compareVersions('1.0', '1.0-1'), -1);
  });
});

describe('parseVersion', () => {
  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    assert.deepEqual(parseVersion('1:2.3-4-5'), { epoch: 1, upstream: '2.3-4', revision: '5' });
    assert.deepEqual(parseVersion('2.36-9+deb12u14'), { epoch: 0, upstream: '2.36', revision: '9+deb12u14' });
    assert.deepEqual(parseVersion('1.0'), { epoch: 0, upstream: '1.0', revision: '' });
    assert.deepEqual(parseVersion('1:1:1'), { epoch: 1, upstream: '1:1', revision: '' });
    assert.equal(formatVersion(parseVersion('0:1.0-1')), '1.0-1');
    assert.equal(formatVersion(parseVersion('3:1.0-1')), '3:1.0-1');
  });
  it('rejects what dpkg rejects, with an input error', () => {
    for (const bad of ['', ' ', '1.0 1', ':1', 'a:1', '1:', '1.0-', '-1', '99999999999:1', '2147483648:1']) {
      assert.throws(
        () => parseVersion(bad),
        (e: unknown) => isPithError(e) && e.kind === 'input',
        bad,
      );
    }
    assert.equal(parseVersion('2147483647:1').epoch, 2147483647);
  });
});

describe('satisfies', () => {
  it('implements the five operators', () => {
    const table: Array<[string, '<<' | '<=' | '=' | '>=' | '>>', string, boolean]> = [
      ['1.0', '<<', '1.1', true],
      ['1.1', '<<', '1.1', false],
      ['1.1', '<=', '1.1', true],
      ['1.2', '<=', '1.1', false],
      ['1.1', '=', '1.1-0', true],
      ['1.1', '=', '1.1-1', false],
      ['2.0', '>=', '2.0~', true],
      ['2.0~', '>=', '2.0', false],
      ['2.0', '>>', '2.0', false],
      ['1:0.1', '>>', '2.0', true],
    ];
    for (const [v, op, ref, want] of table) assert.equal(satisfies(v, op, ref), want, `${v} ${op} ${ref}`);
  });
});
