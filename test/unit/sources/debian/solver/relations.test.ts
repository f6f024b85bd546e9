import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  archMatches,
  formatRelations,
  parseProvides,
  parseRelations,
} from '../../../../../src/sources/debian/solver/relations.js';
import { isPithError } from '../../../../../src/errors.js';

const inputError = (e: unknown) => isPithError(e) && e.kind === 'input';

describe('parseRelations', () => {
  it('parses the example from the brief', () => {
    assert.deepEqual(parseRelations('a (>= 1.2) | b:any, c [amd64] <!nocheck>', { arch: 'amd64' }), [
      [
        { name: 'a', op: '>=', version: '1.2' },
        { name: 'b', arch: 'any' },
      ],
      [{ name: 'c' }],
    ]);
  });

  it('reads every operator, with or without blanks, and maps legacy < and > to <= and >=', () => {
    const rels = parseRelations('a (<< 1), b (<=1), c(= 1:2.0-1), d ( >= 2~rc1 ), e (>>3), f (< 4), g (> 5)');
    assert.deepEqual(
      rels.map(([r]) => [r!.name, r!.op, r!.version]),
      [
        ['a', '<<', '1'],
        ['b', '<=', '1'],
        ['c', '=', '1:2.0-1'],
        ['d', '>=', '2~rc1'],
        ['e', '>>', '3'],
        ['f', '<=', '4'],
        ['g', '>=', '5'],
      ],
    );
  });

  it('reads :any, :native and architecture qualifiers', () => {
    assert.deepEqual(parseRelations('python3:any (>= 3.11), perl:native, libc6:amd64'), [
      [{ name: 'python3', arch: 'any', op: '>=', version: '3.11' }],
      [{ name: 'perl', arch: 'native' }],
      [{ name: 'libc6', arch: 'amd64' }],
    ]);
  });

  it('folds continuation lines and odd blanks', () => {
    const field = 'libc6 (>= 2.34),\n libgcc-s1\t(>= 3.0)  |\n  libgcc1 ,zlib1g';
    assert.equal(formatRelations(parseRelations(field)), 'libc6 (>= 2.34), libgcc-s1 (>= 3.0) | libgcc1, zlib1g');
  });

  it('accepts real-world names with + . - and digits', () => {
    assert.deepEqual(
      parseRelations('libstdc++6 (>= 13.1), gir1.2-glib-2.0, 0ad-data').map(([r]) => r!.name),
      ['libstdc++6', 'gir1.2-glib-2.0', '0ad-data'],
    );
  });

  it('gives [] for absent, empty and blank fields', () => {
    assert.deepEqual(parseRelations(undefined), []);
    assert.deepEqual(parseRelations(''), []);
    assert.deepEqual(parseRelations(' \n '), []);
  });

  it('evaluates architecture restrictions against the given architecture', () => {
    const field = 'a [amd64 arm64], b [!amd64], c [linux-any], d [any-arm], e [!linux-any], f [any-i386] | g';
    const names = (arch: string) => parseRelations(field, { arch }).map((alts) => alts.map((r) => r.name).join('|'));
    assert.deepEqual(names('amd64'), ['a', 'c', 'g']);
    assert.deepEqual(names('armhf'), ['b', 'c', 'd', 'g']);
    assert.deepEqual(names('hurd-i386'), ['b', 'e', 'f|g']);
    // Without an architecture the restrictions cannot be evaluated, so everything is kept.
    assert.equal(parseRelations(field).length, 6);
  });

  it('evaluates build profiles: none active by default', () => {
    const field = 'a <!nocheck>, b <nocheck>, c <stage1 cross> <!nodoc>, d <stage1 !cross>';
    const names = (profiles?: string[]) =>
      parseRelations(field, profiles ? { profiles } : {}).map((alts) => alts[0]!.name);
    assert.deepEqual(names(), ['a', 'c']);
    assert.deepEqual(names(['nocheck']), ['b', 'c']);
    assert.deepEqual(names(['stage1', 'cross', 'nodoc']), ['a', 'c']);
    assert.deepEqual(names(['stage1', 'nodoc']), ['a', 'd']);
  });

  it('drops an alternative that does not apply, and the requirement when none is left', () => {
    assert.deepEqual(parseRelations('a [i386] | b, c [i386]', { arch: 'amd64' }), [[{ name: 'b' }]]);
    assert.deepEqual(parseRelations('a [i386] | b [i386]', { arch: 'amd64' }), []);
    assert.throws(
      () => parseRelations('a [amd64] (>= 1)', { arch: 'amd64' }),
      inputError,
      'restriction before version',
    );
  });

  it('rejects malformed fields with an input error naming the field', () => {
    for (const bad of [
      'a,',
      ',a',
      'a,,b',
      'a | | b',
      'a (>= )',
      'a (=> 1)',
      'a (>= 1',
      'a b',
      'A',
      'a:',
      'a [amd64 !i386]',
      'a []',
      'a <>',
      'a [amd64',
    ]) {
      assert.throws(
        () => parseRelations(bad, { where: 'foo Depends' }),
        (e: unknown) => {
          assert.ok(inputError(e), bad);
          assert.match((e as Error & { oneLine(): string }).oneLine(), /^foo Depends: /);
          return true;
        },
        bad,
      );
    }
  });
});

describe('parseRelations with a cache', () => {
  it('shares identical requirements as frozen objects, and only unrestricted ones', () => {
    const cache = new Map();
    const a = parseRelations('libc6 (>= 2.34), zlib1g', { cache });
    const b = parseRelations('libc6 (>= 2.34), c [amd64]', { cache, arch: 'amd64' });
    const c = parseRelations('c [amd64]', { cache, arch: 'i386' });
    assert.equal(a[0], b[0], 'the same group object');
    assert.ok(Object.isFrozen(a[0]) && Object.isFrozen(a[0]![0]));
    assert.throws(() => {
      (a[0]![0] as { version?: string }).version = '0';
    }, TypeError);
    assert.deepEqual(c, []);
    assert.equal(cache.size, 2);
    assert.notEqual(a, parseRelations('libc6 (>= 2.34), zlib1g', { cache }), 'the outer array is always new');
  });
  it('returns fresh, unfrozen objects without one', () => {
    const a = parseRelations('libc6 (>= 2.34)');
    const b = parseRelations('libc6 (>= 2.34)');
    assert.notEqual(a[0], b[0]);
    assert.ok(!Object.isFrozen(a[0]![0]));
  });
});

describe('parseProvides', () => {
  it('reads plain and versioned provides', () => {
    assert.deepEqual(parseProvides('awk, libc-dev (= 2.36), python3-foo:any (= 1.0)'), [
      { name: 'awk' },
      { name: 'libc-dev', op: '=', version: '2.36' },
      { name: 'python3-foo', arch: 'any', op: '=', version: '1.0' },
    ]);
    assert.deepEqual(parseProvides(undefined), []);
  });
  it('rejects alternatives and non-= versions', () => {
    assert.throws(() => parseProvides('a | b'), inputError);
    assert.throws(() => parseProvides('a (>= 1)'), inputError);
  });
});

describe('archMatches', () => {
  it('matches names, any, and os/cpu wildcards', () => {
    assert.ok(archMatches('amd64', 'amd64'));
    assert.ok(archMatches('amd64', 'any'));
    assert.ok(archMatches('amd64', 'linux-any'));
    assert.ok(archMatches('amd64', 'any-amd64'));
    assert.ok(archMatches('armel', 'any-arm'));
    assert.ok(archMatches('arm64', 'any-arm64'));
    assert.ok(!archMatches('arm64', 'any-arm'));
    assert.ok(!archMatches('hurd-i386', 'linux-any'));
    assert.ok(archMatches('hurd-i386', 'hurd-any'));
    assert.ok(!archMatches('hurd-i386', 'i386'));
    assert.ok(!archMatches('amd64', 'i386'));
  });
});
