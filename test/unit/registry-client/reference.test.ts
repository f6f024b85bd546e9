import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiHost,
  formatReference,
  isLoopback,
  manifestRef,
  parseReference,
} from '../../../src/registry-client/reference.js';
import { isPithError } from '../../../src/errors.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('image references', () => {
  const cases: Array<[string, { registry: string; repository: string; tag?: string; digest?: string }]> = [
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['library/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['acme/api:v1', { registry: 'docker.io', repository: 'acme/api', tag: 'v1' }],
    ['docker.io/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['index.docker.io/acme/api', { registry: 'docker.io', repository: 'acme/api' }],
    ['registry-1.docker.io/library/debian:12', { registry: 'docker.io', repository: 'library/debian', tag: '12' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/app:dev', { registry: 'localhost:5000', repository: 'app', tag: 'dev' }],
    ['127.0.0.1:5000/a/b/c:1.0', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: '1.0' }],
    ['127.0.0.1:5000/x', { registry: '127.0.0.1:5000', repository: 'x' }],
    [`127.0.0.1:5000/x@${D}`, { registry: '127.0.0.1:5000', repository: 'x', digest: D }],
    [`127.0.0.1:5000/x:v2@${D}`, { registry: '127.0.0.1:5000', repository: 'x', tag: 'v2', digest: D }],
    ['[::1]:5000/x:y', { registry: '[::1]:5000', repository: 'x', tag: 'y' }],
    [
      'ghcr.io/o/r/sub_dir/a-b.c__d:Tag_1.2-x',
      { registry: 'ghcr.io', repository: 'o/r/sub_dir/a-b.c__d', tag: 'Tag_1.2-x' },
    ],
    ['docker://quay.io/x/y:z', { registry: 'quay.io', repository: 'x/y', tag: 'z' }],
  ];
  for (const [input, expected] of cases) {
    test(input, () => assert.deepEqual(parseReference(input), expected));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['Alpine', /lowercase/],
    ['127.0.0.1:5000/App', /lowercase/],
    ['a//b', /empty component/],
    ['127.0.0.1:5000/', /empty/],
    ['x:-bad', /tag "-bad"/],
    [`x@sha512:${'a'.repeat(128)}`, /only sha256/],
    ['x@sha256:abc', /64 lowercase hex/],
    ['a b', /white space/],
    ['x/-y', /not a valid path component/],
    [`x:${'t'.repeat(129)}`, /tag/],
    [`host.io/${'a'.repeat(260)}`, /longer than 255/],
  ];
  for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) =>
          isPithError(err) &&
          err.kind === 'usage' &&
          message.test(err.message) &&
          /invalid image reference/.test(err.message) &&
          !!err.hint,
      );
    });
  }

  test('formats back canonically and picks the manifest reference', () => {
    assert.equal(formatReference(parseReference('alpine')), 'docker.io/library/alpine');
    assert.equal(formatReference(parseReference(`127.0.0.1:5000/x:v2@${D}`)), `127.0.0.1:5000/x:v2@${D}`);
    assert.equal(manifestRef(parseReference('x')), 'latest');
    assert.equal(manifestRef(parseReference('x:v1')), 'v1');
    assert.equal(manifestRef(parseReference(`x:v1@${D}`)), D);
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('127.0.0.1:5000'), '127.0.0.1:5000');
  });

  test('loopback hosts: localhost, 127.0.0.0/8 and ::1 only', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', 'x.localhost'])
      assert.ok(isLoopback(h), h);
    for (const h of [
      '10.0.0.1:5000',
      'docker.io',
      '128.0.0.1',
      'localhost.example.com',
      '[::2]:5000',
      '127.0.0.1.nip.io',
    ])
      assert.ok(!isLoopback(h), h);
  });
});
