import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostFsView } from '../../../src/elf/fs-view.js';
import { globComponentToRegExp, globPaths, readLdSoConf, readMuslPath } from '../../../src/elf/ld-conf.js';
import { memFsView } from '../../helpers/elf-memfs.js';

describe('readLdSoConf', () => {
  it('expands include globs in sorted order, in place, relative to the including file', async () => {
    const fs = memFsView({
      '/etc/ld.so.conf': '# top\n/first\ninclude /etc/ld.so.conf.d/*.conf\n  /after   # trailing comment\n',
      '/etc/ld.so.conf.d/b.conf': '/b1\n\n/b2/\n',
      '/etc/ld.so.conf.d/a.conf': '/a1\ninclude more/*.conf\n',
      '/etc/ld.so.conf.d/more/m.conf': '/m1\n',
      '/etc/ld.so.conf.d/.hidden.conf': '/hidden\n',
      '/etc/ld.so.conf.d/c.txt': '/not-conf\n',
      '/first': { dir: true },
      '/a1': { dir: true },
      '/m1': { dir: true },
      '/b1': { dir: true },
      '/b2': { dir: true },
      '/after': { dir: true },
      '/hidden': { dir: true },
      '/not-conf': { dir: true },
    });
    assert.deepEqual(await readLdSoConf(fs), ['/first', '/a1', '/m1', '/b1', '/b2', '/after']);
  });

  it('skips missing directories, hwcap lines, =type suffixes, relative dirs and duplicates of the same real dir', async () => {
    const fs = memFsView({
      '/etc/ld.so.conf': 'hwcap 0 nosegneg\n/gone\n/usr/lib/x=libc6\nrelative/dir\n/lib/x\n/usr/lib/x\n/\n',
      '/usr/lib/x': { dir: true },
      '/lib': { symlink: 'usr/lib' },
    });
    // /lib/x is /usr/lib/x on a merged-/usr tree: ldconfig keeps the first spelling only.
    assert.deepEqual(await readLdSoConf(fs), ['/usr/lib/x']);
  });

  it('follows symlinked config files and survives include loops', async () => {
    const fs = memFsView({
      '/etc/ld.so.conf': 'include /etc/alt.conf\n/one\n',
      '/etc/alt.conf': { symlink: 'real.conf' },
      '/etc/real.conf': 'include /etc/ld.so.conf\n/two\n',
      '/one': { dir: true },
      '/two': { dir: true },
    });
    assert.deepEqual(await readLdSoConf(fs), ['/two', '/one']);
  });

  it('no /etc/ld.so.conf means no directories', async () => {
    assert.deepEqual(await readLdSoConf(memFsView({ '/etc/hostname': 'x' })), []);
  });

  it('reads the host configuration', async () => {
    const dirs = await readLdSoConf(hostFsView());
    for (const dir of dirs) assert.ok(dir.startsWith('/'), dir);
    assert.equal(new Set(dirs).size, dirs.length);
  });
});

describe('glob helpers', () => {
  it('fnmatch classes, ranges, negation and escapes', () => {
    const m = (pattern: string, name: string) => globComponentToRegExp(pattern).test(name);
    assert.ok(m('*.conf', 'x86_64-linux-gnu.conf'));
    assert.ok(!m('*.conf', 'a.conf.bak'));
    assert.ok(m('lib?.so', 'libc.so'));
    assert.ok(m('[a-c]*.conf', 'b.conf'));
    assert.ok(!m('[!a-c]*.conf', 'b.conf'));
    assert.ok(m('a\\*b', 'a*b'));
    assert.ok(!m('a\\*b', 'axb'));
    assert.ok(m('x.(y)', 'x.(y)'));
  });

  it('globs in several components', async () => {
    const fs = memFsView({ '/d/one/x.conf': '', '/d/two/y.conf': '', '/d/two/z.txt': '' });
    assert.deepEqual(await globPaths('/d/*/*.conf', fs), ['/d/one/x.conf', '/d/two/y.conf']);
  });
});

describe('readMuslPath', () => {
  it('reads /etc/ld-musl-<arch>.path with newlines and colons', async () => {
    const fs = memFsView({ '/etc/ld-musl-x86_64.path': '/lib\n/usr/lib:/opt/lib\n' });
    assert.deepEqual(await readMuslPath(fs, '/lib/ld-musl-x86_64.so.1'), ['/lib', '/usr/lib', '/opt/lib']);
  });

  it('looks for the path file under the prefix of the loader', async () => {
    const fs = memFsView({
      '/etc/ld-musl-x86_64.path': '/wrong\n',
      '/opt/musl/etc/ld-musl-x86_64.path': '/opt/musl/lib\n',
    });
    assert.deepEqual(await readMuslPath(fs, '/opt/musl/lib/ld-musl-x86_64.so.1'), ['/opt/musl/lib']);
  });

  it('falls back to musl built-in dirs', async () => {
    assert.deepEqual(await readMuslPath(memFsView({}), '/lib/ld-musl-aarch64.so.1'), [
      '/lib',
      '/usr/local/lib',
      '/usr/lib',
    ]);
  });
});
