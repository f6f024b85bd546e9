import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, isGlob, matchGlob, normalizePattern } from '../../../../src/tree/trim/glob.js';

test('* stays within one segment, ? is one non-slash character', () => {
  assert.ok(matchGlob('usr/lib/*/libnss_files*', 'usr/lib/x86_64-linux-gnu/libnss_files.so.2'));
  assert.ok(!matchGlob('usr/lib/*/libnss_files*', 'usr/lib/a/b/libnss_files.so.2'));
  assert.ok(!matchGlob('usr/*', 'usr/lib/x'));
  assert.ok(matchGlob('usr/lib/libfoo.so.?', 'usr/lib/libfoo.so.1'));
  assert.ok(!matchGlob('usr/lib/libfoo.so.?', 'usr/lib/libfoo.so.12'));
  assert.ok(!matchGlob('a?b', 'a/b'));
});

test('** spans zero or more whole segments, and a trailing /** matches the directory itself', () => {
  const m = compileGlob('usr/lib/*/gconv/**');
  assert.ok(m('usr/lib/x86_64-linux-gnu/gconv'));
  assert.ok(m('usr/lib/x86_64-linux-gnu/gconv/gconv-modules'));
  assert.ok(m('usr/lib/x86_64-linux-gnu/gconv/gconv-modules.d/x.conf'));
  assert.ok(!m('usr/lib/x86_64-linux-gnu/gconvx'));
  assert.ok(matchGlob('**/__pycache__/**', 'usr/lib/python3.11/__pycache__/os.cpython-311.pyc'));
  assert.ok(matchGlob('**/__pycache__/**', '__pycache__'));
  assert.ok(matchGlob('a/**/b', 'a/b'));
  assert.ok(matchGlob('a/**/b', 'a/x/y/b'));
  assert.ok(!matchGlob('a/**/b', 'a/x/yb'));
  assert.ok(matchGlob('**', 'anything/at/all'));
});

test('literal characters are literal; leading slashes and ./ are ignored', () => {
  assert.ok(matchGlob('/etc/ssl/openssl.cnf', 'etc/ssl/openssl.cnf'));
  assert.ok(matchGlob('./etc/hosts', '/etc/hosts'));
  assert.ok(!matchGlob('etc/ssl/openssl.cnf', 'etc/ssl/opensslXcnf'));
  assert.ok(matchGlob('usr/lib/libc++(1).so', 'usr/lib/libc++(1).so'));
  assert.equal(normalizePattern('//usr//lib/'), 'usr/lib');
  assert.ok(isGlob('a/*') && isGlob('a?') && !isGlob('/usr/bin/curl'));
});
