import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatRequirement, parseRequirement } from '../../../../../src/sources/debian/solver/requirement.js';
import { isPithError } from '../../../../../src/errors.js';

describe('parseRequirement', () => {
  it('reads a bare name, name=version and every relation operator', () => {
    assert.deepEqual(parseRequirement('curl'), { name: 'curl' });
    assert.deepEqual(parseRequirement('  libstdc++6 '), { name: 'libstdc++6' });
    assert.deepEqual(parseRequirement('curl=7.88.1-10'), { name: 'curl', op: '=', version: '7.88.1-10' });
    assert.deepEqual(parseRequirement('curl = 1:2.0~rc1-1+b1'), { name: 'curl', op: '=', version: '1:2.0~rc1-1+b1' });
    assert.deepEqual(parseRequirement('curl (>= 7.88)'), { name: 'curl', op: '>=', version: '7.88' });
    assert.deepEqual(parseRequirement('curl (<< 8)'), { name: 'curl', op: '<<', version: '8' });
    assert.deepEqual(parseRequirement('curl(<=8)'), { name: 'curl', op: '<=', version: '8' });
    assert.deepEqual(parseRequirement('curl ( = 8 )'), { name: 'curl', op: '=', version: '8' });
    assert.deepEqual(parseRequirement('curl (>> 8)', 'pith.yaml:7:5'), {
      name: 'curl',
      op: '>>',
      version: '8',
      where: 'pith.yaml:7:5',
    });
  });

  it('formats back to relation syntax', () => {
    assert.equal(formatRequirement(parseRequirement('curl=7.88.1-10')), 'curl (= 7.88.1-10)');
    assert.equal(formatRequirement(parseRequirement('curl')), 'curl');
  });

  const HINT = 'write "name", "name=version" or "name (op version)" with op one of << <= = >= >>';
  const cases: Array<[string, string]> = [
    ['', 'bad package requirement "": it is empty'],
    ['Curl', 'bad package requirement "Curl": Debian package names are lower case'],
    [
      'c',
      'bad package requirement "c": "c" is not a Debian package name (lower case letters, digits, + - . ; at least two characters)',
    ],
    [
      '-curl',
      'bad package requirement "-curl": "-curl" is not a Debian package name (lower case letters, digits, + - . ; at least two characters)',
    ],
    [
      'curl:amd64',
      'bad package requirement "curl:amd64": architecture qualifiers are not supported (the image has one architecture)',
    ],
    ['curl|wget', 'bad package requirement "curl|wget": alternatives are not supported: name the package you want'],
    ['curl (> 7)', 'bad package requirement "curl (> 7)": use ">>" or ">=" instead of the ambiguous ">"'],
    ['curl (< 7)', 'bad package requirement "curl (< 7)": use "<<" or "<=" instead of the ambiguous "<"'],
    ['curl (=> 7)', 'bad package requirement "curl (=> 7)": unknown operator "=>"'],
    [
      'curl (>= 7',
      'bad package requirement "curl (>= 7": expected a package name, optionally followed by "=version" or "(op version)"',
    ],
    [
      'curl wget',
      'bad package requirement "curl wget": expected a package name, optionally followed by "=version" or "(op version)"',
    ],
    [
      'curl=',
      'bad package requirement "curl=": expected a package name, optionally followed by "=version" or "(op version)"',
    ],
    ['curl=a:1', 'bad package requirement "curl=a:1": version \'a:1\' has bad syntax: epoch in version is not number'],
  ];
  for (const [text, message] of cases) {
    it(`rejects ${JSON.stringify(text)} with a spec error naming where`, () => {
      assert.throws(
        () => parseRequirement(text, 'pith.yaml:4:7'),
        (e: unknown) => {
          assert.ok(isPithError(e));
          assert.equal(e.kind, 'spec');
          assert.equal(e.message, message);
          assert.equal(e.where, 'pith.yaml:4:7');
          assert.equal(e.hint, HINT);
          return true;
        },
      );
    });
  }

  it('leaves where out when not given', () => {
    assert.throws(
      () => parseRequirement('Curl'),
      (e: unknown) => isPithError(e) && e.where === undefined,
    );
  });
});
