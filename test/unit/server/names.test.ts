import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DistributionError } from '../../../src/server/errors.js';
import { packageSegment, parseImageName, segmentPackage, tagsFor } from '../../../src/server/names.js';
import { specText } from '../../../src/server/builder.js';
import { parseSpec } from '../../../src/spec/load.js';

const limits = { maxPackages: 5, suites: ['bookworm', 'trixie'], archs: ['amd64'] };
const parse = (name: string, tag = 'bookworm', l = limits) => parseImageName(name, tag, l);
const fails = (fn: () => unknown, code: string, status: number, message?: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof DistributionError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    if (message) assert.match(err.message, message);
    return true;
  });

describe('serve names', () => {
  test('packages, one per segment, sorted and deduplicated; the default preset is static', () => {
    const r = parse('jq/curl/jq');
    assert.deepEqual(r.packages, ['curl', 'jq']);
    assert.equal(r.preset, 'static');
    assert.deepEqual(r.variants, []);
    assert.equal(r.suite, 'bookworm');
    assert.equal(r.key.id, parse('curl/jq').key.id, 'order and repeats do not change the key');
    assert.match(r.key.id, /^[0-9a-f]{64}$/);
  });

  test('meta names: presets (largest wins), nonroot, debug and its alias shell', () => {
    const r = parse('cc/nonroot/shell/libstdc__6');
    assert.equal(r.preset, 'cc');
    assert.deepEqual(r.variants, ['debug', 'nonroot']);
    assert.deepEqual(r.packages, ['libstdc++6']);
    assert.equal(parse('base/cc').preset, 'cc');
    assert.equal(parse('python3/static').preset, 'python3');
    assert.equal(parse('debug/curl').key.id, parse('shell/curl').key.id);
    assert.equal(parse('static/curl').key.id, parse('curl').key.id, 'static is the default preset');
    assert.notEqual(parse('nonroot/curl').key.id, parse('curl').key.id);
    assert.deepEqual(parse('nonroot').packages, []);
  });

  test('tags: latest is bookworm; suites, archs and package sets are part of the key', () => {
    assert.equal(parse('curl', 'latest').key.id, parse('curl', 'bookworm').key.id);
    assert.equal(parse('curl', 'trixie').suite, 'trixie');
    assert.notEqual(parse('curl', 'trixie').key.id, parse('curl').key.id);
    assert.notEqual(parse('curl', 'bookworm', { ...limits, archs: ['amd64', 'arm64'] }).key.id, parse('curl').key.id);
    assert.deepEqual(parse('curl', 'bookworm', { ...limits, archs: ['arm64', 'amd64'] }).archs, ['amd64', 'arm64']);
    fails(() => parse('curl', 'sid'), 'MANIFEST_UNKNOWN', 404, /bookworm, trixie/);
    fails(() => parse('curl', '.bad'), 'MANIFEST_INVALID', 400);
    assert.deepEqual(tagsFor(['trixie', 'bookworm']), ['bookworm', 'latest', 'trixie']);
  });

  test('+ travels as _ (Docker clients refuse +); a raw + is accepted too', () => {
    assert.equal(segmentPackage('libstdc__6'), 'libstdc++6');
    assert.equal(segmentPackage('libstdc++6'), 'libstdc++6');
    assert.equal(packageSegment('libstdc++6'), 'libstdc__6');
    assert.equal(parse('libstdc++6').key.id, parse('libstdc__6').key.id);
  });

  test('invalid names are NAME_INVALID (400) and say why', () => {
    fails(() => parse('Curl'), 'NAME_INVALID', 400, /uppercase/);
    fails(() => parse('curl//jq'), 'NAME_INVALID', 400, /empty path segment/);
    fails(() => parse('a'), 'NAME_INVALID', 400, /not a Debian package name/);
    fails(() => parse('-curl'), 'NAME_INVALID', 400);
    fails(() => parse('cu%rl'), 'NAME_INVALID', 400);
    fails(() => parse(`${'a'.repeat(200)}/${'b'.repeat(60)}`), 'NAME_INVALID', 400, /limit is 255/);
  });

  test('more packages than --max-packages is DENIED (403); meta names do not count', () => {
    assert.equal(parse('cc/nonroot/debug/a1/a2/a3/a4/a5').packages.length, 5);
    fails(() => parse('a1/a2/a3/a4/a5/a6'), 'DENIED', 403, /6 packages.*at most 5 \(--max-packages\)/);
  });

  test('the generated spec parses and says what the name says', () => {
    const r = parse('cc/nonroot/curl/libstdc__6', 'trixie', { ...limits, archs: ['arm64', 'amd64'] });
    const text = specText(r);
    const { spec } = parseSpec(text, '/tmp/work/pith.yaml');
    assert.equal(spec.debian, 'trixie');
    assert.equal(spec.preset, 'cc');
    assert.deepEqual(spec.variants, ['nonroot']);
    assert.deepEqual(spec.packages, ['curl', 'libstdc++6']);
    assert.deepEqual(spec.archs, ['amd64', 'arm64']);
    assert.equal(spec.created, 0, 'created is pinned, whatever SOURCE_DATE_EPOCH says');
    assert.equal(parseSpec(specText(parse('static')), '/tmp/w/pith.yaml').spec.packages.length, 0);
  });
});
