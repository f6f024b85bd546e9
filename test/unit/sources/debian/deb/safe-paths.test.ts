import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import {
  DebPathGuard,
  type GuardedEntry,
  normalizeMemberName,
  validateEntries,
} from '../../../../../src/sources/debian/deb/safe-paths.js';

const WHERE = 'package evil (evil.deb)';

function refusal(entry: string, reason: RegExp) {
  return (error: unknown) => {
    assert.ok(isPithError(error), String(error));
    assert.equal(error.kind, 'integrity');
    assert.equal(error.where, WHERE);
    assert.ok(error.message.startsWith(`unsafe entry ${JSON.stringify(entry)} in data.tar: `), error.message);
    assert.match(error.message, reason);
    return true;
  };
}

const f = (path: string): GuardedEntry => ({ path, type: 'file' });
const d = (path: string): GuardedEntry => ({ path, type: 'dir' });
const s = (path: string, target: string): GuardedEntry => ({ path, type: 'symlink', target });
const h = (path: string, target: string): GuardedEntry => ({ path, type: 'hardlink', target });

function admitAll(entries: GuardedEntry[]): void {
  const guard = new DebPathGuard(WHERE);
  for (const entry of entries) guard.admit(entry);
}

describe('normalizeMemberName', () => {
  it('strips ./, duplicate and trailing slashes', () => {
    assert.equal(normalizeMemberName('./usr/bin/', WHERE), 'usr/bin');
    assert.equal(normalizeMemberName('usr//lib/./x', WHERE), 'usr/lib/x');
    assert.equal(normalizeMemberName('./', WHERE), '');
    assert.equal(normalizeMemberName('.', WHERE), '');
    assert.equal(normalizeMemberName('./...', WHERE), '...');
    assert.equal(normalizeMemberName('./a..b/..c', WHERE), 'a..b/..c');
  });

  it('refuses absolute names and .. components', () => {
    assert.throws(() => normalizeMemberName('/etc/x', WHERE), refusal('/etc/x', /path "\/etc\/x" is absolute/));
    assert.throws(
      () => normalizeMemberName('./../../etc/passwd', WHERE),
      refusal('./../../etc/passwd', /has a "\.\." component/),
    );
    assert.throws(() => normalizeMemberName('usr/..', WHERE), refusal('usr/..', /"\.\." component/));
    assert.throws(() => normalizeMemberName('a\0b', WHERE), refusal('a\0b', /NUL/));
    assert.throws(
      () => normalizeMemberName('../x', WHERE, './link', 'hard link target'),
      refusal('./link', /hard link target "\.\.\/x" has a "\.\." component/),
    );
  });
});

describe('DebPathGuard', () => {
  it('accepts a typical package', () => {
    admitAll([
      d('usr'),
      d('usr/lib'),
      d('usr/lib/x86_64-linux-gnu'),
      f('usr/lib/x86_64-linux-gnu/libz.so.1.2.13'),
      s('usr/lib/x86_64-linux-gnu/libz.so.1', 'libz.so.1.2.13'),
      s('usr/lib/x86_64-linux-gnu/abs', '/etc/alternatives/x'),
      s('usr/lib/x86_64-linux-gnu/up', '../../../etc/x'),
      s('usr/lib/x86_64-linux-gnu/dots', './../.././x/.'),
      h('usr/lib/x86_64-linux-gnu/copy', 'usr/lib/x86_64-linux-gnu/libz.so.1.2.13'),
      h('usr/lib/x86_64-linux-gnu/copy2', 'usr/lib/x86_64-linux-gnu/copy'),
      d('usr'),
      s('top', 'usr/lib'),
    ]);
  });

  it('refuses relative symlinks that climb above the root from their directory', () => {
    assert.throws(
      () => admitAll([s('usr/lib/x', '../../../../etc')]),
      refusal('usr/lib/x', /symlink target "\.\.\/\.\.\/\.\.\/\.\.\/etc" points above the image root/),
    );
    assert.throws(() => admitAll([s('usr/lib/x', '../../../etc')]), refusal('usr/lib/x', /points above/));
    assert.throws(() => admitAll([s('x', '..')]), refusal('x', /points above/));
    // climbing out and back in still escapes on the way
    assert.throws(() => admitAll([s('usr/x', '../../usr/x')]), refusal('usr/x', /points above/));
    assert.throws(() => admitAll([s('usr/x', '/../etc')]), refusal('usr/x', /points above/));
    assert.throws(() => admitAll([s('usr/x', '')]), refusal('usr/x', /empty target/));
  });

  it('refuses hard links to anything but an earlier regular file', () => {
    assert.throws(() => admitAll([h('a', 'b')]), refusal('a', /hard link target "b" is not a regular file earlier/));
    assert.throws(() => admitAll([d('etc'), h('a', 'etc')]), refusal('a', /"etc" is not a regular file/));
    assert.throws(() => admitAll([s('l', '/etc/shadow'), h('a', 'l')]), refusal('a', /"l" is not a regular file/));
    assert.throws(() => admitAll([h('a', 'b'), f('b')]), refusal('a', /not a regular file earlier/));
  });

  it('refuses entries below an earlier symlink or a non-directory', () => {
    assert.throws(
      () => admitAll([s('usr/evil', '/etc'), f('usr/evil/cron.d/x')]),
      refusal('usr/evil/cron.d/x', /its parent "usr\/evil" is a symlink of this package/),
    );
    assert.throws(() => admitAll([s('lib', 'usr/lib'), d('lib/x')]), refusal('lib/x', /parent "lib" is a symlink/));
    assert.throws(
      () => admitAll([s('lib', 'usr/lib'), s('lib/y', 'z')]),
      refusal('lib/y', /parent "lib" is a symlink/),
    );
    assert.throws(() => admitAll([f('a'), f('a/b')]), refusal('a/b', /parent "a" is not a directory/));
  });

  it('refuses replacing an earlier non-directory entry', () => {
    assert.throws(() => admitAll([s('x', '/etc/passwd'), f('x')]), refusal('x', /duplicates an earlier symlink entry/));
    assert.throws(() => admitAll([f('x'), f('x')]), refusal('x', /duplicates an earlier file entry/));
    assert.throws(() => admitAll([d('x'), s('x', '/etc')]), refusal('x', /duplicates an earlier dir entry/));
    assert.throws(() => admitAll([d('')]), refusal('', /replaces the image root/));
  });

  it('uses the stored member name in messages when given', () => {
    const guard = new DebPathGuard(WHERE);
    guard.admit(s('usr/evil', '/etc'), './usr/evil');
    assert.throws(() => guard.admit(f('usr/evil/x'), './usr/evil/x'), refusal('./usr/evil/x', /parent "usr\/evil"/));
  });
});

describe('validateEntries', () => {
  it('validates a normalized list and refuses non-normalized paths', () => {
    validateEntries([d('usr'), f('usr/x'), h('usr/y', 'usr/x')], WHERE);
    assert.throws(() => validateEntries([f('./usr/x')], WHERE), refusal('./usr/x', /not normalized/));
    assert.throws(() => validateEntries([f('/usr/x')], WHERE), refusal('/usr/x', /absolute/));
    assert.throws(() => validateEntries([f('x'), h('y', '../x')], WHERE), refusal('y', /hard link target "\.\.\/x"/));
  });
});
