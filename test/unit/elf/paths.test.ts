import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { hostFsView } from '../../../src/elf/fs-view.js';
import { lookupPath, resolvePathChain } from '../../../src/elf/paths.js';
import { memFsView } from '../../helpers/elf-memfs.js';
import { makeTempDir } from '../../helpers/elf-tools.js';

describe('resolvePathChain over a temp directory (checked against the kernel)', () => {
  const { dir, cleanup } = makeTempDir('pith-paths-');
  after(cleanup);
  before(() => {
    // usr/lib/x/libfoo.so.1.2.3 real file; lib -> usr/lib; lib64 -> usr/lib64;
    // usr/lib64/ld.so -> <abs>/lib/x/ld-real.so; usr/lib/x/libfoo.so.1 -> libfoo.so.1.2.3;
    // usr/lib/x/libfoo.so -> ./libfoo.so.1; opt/app/bin -> ../app-1.0/bin (relative dir link).
    mkdirSync(join(dir, 'usr/lib/x'), { recursive: true });
    mkdirSync(join(dir, 'usr/lib64'), { recursive: true });
    mkdirSync(join(dir, 'opt/app-1.0/bin'), { recursive: true });
    mkdirSync(join(dir, 'opt/app-1.0/lib'), { recursive: true });
    mkdirSync(join(dir, 'opt/app'), { recursive: true });
    writeFileSync(join(dir, 'usr/lib/x/libfoo.so.1.2.3'), 'lib');
    writeFileSync(join(dir, 'usr/lib/x/ld-real.so'), 'ld');
    writeFileSync(join(dir, 'opt/app-1.0/lib/libapp.so'), 'app');
    symlinkSync('usr/lib', join(dir, 'lib'));
    symlinkSync('usr/lib64', join(dir, 'lib64'));
    symlinkSync(join(dir, 'lib/x/ld-real.so'), join(dir, 'usr/lib64/ld.so'));
    symlinkSync('libfoo.so.1.2.3', join(dir, 'usr/lib/x/libfoo.so.1'));
    symlinkSync('./libfoo.so.1', join(dir, 'usr/lib/x/libfoo.so'));
    symlinkSync('../app-1.0/bin', join(dir, 'opt/app/bin'));
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    symlinkSync('nowhere', join(dir, 'dangling'));
  });

  const fs = hostFsView();

  it('follows a chain of file symlinks through a directory symlink', async () => {
    const chain = await resolvePathChain(join(dir, 'lib/x/libfoo.so'), fs);
    assert.equal(chain.realPath, realpathSync.native(join(dir, 'lib/x/libfoo.so')));
    assert.deepEqual(chain.links, [
      { path: join(dir, 'lib'), target: 'usr/lib' },
      { path: join(dir, 'usr/lib/x/libfoo.so'), target: './libfoo.so.1' },
      { path: join(dir, 'usr/lib/x/libfoo.so.1'), target: 'libfoo.so.1.2.3' },
    ]);
  });

  it('absolute targets restart at the root; a directory link met twice is listed once', async () => {
    const chain = await resolvePathChain(join(dir, 'lib64/ld.so'), fs);
    assert.equal(chain.realPath, join(dir, 'usr/lib/x/ld-real.so'));
    assert.deepEqual(chain.links, [
      { path: join(dir, 'lib64'), target: 'usr/lib64' },
      { path: join(dir, 'usr/lib64/ld.so'), target: join(dir, 'lib/x/ld-real.so') },
      { path: join(dir, 'lib'), target: 'usr/lib' },
    ]);
  });

  it('`..` after a symlinked directory goes to the parent of its target, like the kernel', async () => {
    // opt/app/bin -> ../app-1.0/bin, so opt/app/bin/../lib is opt/app-1.0/lib (not opt/app/lib).
    const path = `${dir}/opt/app/bin/../lib/libapp.so`; // not join(): it would drop `..` textually
    const chain = await resolvePathChain(path, fs);
    // realpathSync.native is libc realpath(3); Node's JS realpathSync would drop `..` textually first.
    assert.equal(chain.realPath, realpathSync.native(path));
    assert.equal(chain.realPath, join(dir, 'opt/app-1.0/lib/libapp.so'));
    assert.deepEqual(chain.links, [{ path: join(dir, 'opt/app/bin'), target: '../app-1.0/bin' }]);
  });

  it('every recorded link is a real symlink with that target', async () => {
    for (const p of ['lib/x/libfoo.so', 'lib64/ld.so', 'opt/app/bin/../lib/libapp.so']) {
      const chain = await resolvePathChain(`${dir}/${p}`, fs);
      for (const link of chain.links) {
        assert.ok(lstatSync(link.path).isSymbolicLink(), link.path);
        assert.equal(readlinkSync(link.path), link.target);
      }
    }
  });

  it('a plain path has no links', async () => {
    const chain = await resolvePathChain(join(dir, 'usr/lib/x/libfoo.so.1.2.3'), fs);
    assert.deepEqual(chain, { realPath: join(dir, 'usr/lib/x/libfoo.so.1.2.3'), links: [] });
  });

  it('symlink loops throw a PithError naming the path', async () => {
    await assert.rejects(resolvePathChain(join(dir, 'loop-a'), fs), (error: unknown) => {
      assert.ok(isPithError(error));
      assert.match(error.message, /too many levels of symbolic links/);
      assert.ok(error.message.startsWith(join(dir, 'loop-a')));
      return true;
    });
  });

  it('missing components and dangling links', async () => {
    await assert.rejects(resolvePathChain(join(dir, 'nope/x'), fs), /does not exist/);
    await assert.rejects(resolvePathChain(join(dir, 'dangling'), fs), (error: unknown) => {
      assert.ok(isPithError(error));
      assert.match(error.message, new RegExp(`${join(dir, 'nowhere')} does not exist`));
      return true;
    });
    const missing = await lookupPath(join(dir, 'lib/x/nothing.so'), fs);
    assert.equal(missing.ok, false);
    if (!missing.ok) {
      assert.equal(missing.reason, 'missing');
      assert.equal(missing.at, join(dir, 'usr/lib/x/nothing.so'));
      assert.deepEqual(missing.links, [{ path: join(dir, 'lib'), target: 'usr/lib' }]);
    }
  });

  it('a file used as a directory is ENOTDIR', async () => {
    const found = await lookupPath(join(dir, 'usr/lib/x/libfoo.so.1.2.3/more'), fs);
    assert.equal(found.ok, false);
    if (!found.ok) assert.equal(found.reason, 'not-a-directory');
    await assert.rejects(resolvePathChain(`${dir}/usr/lib/x/libfoo.so.1.2.3/.`, fs), /is not a directory/);
  });

  it('relative input is refused', async () => {
    await assert.rejects(resolvePathChain('lib/x', fs), /absolute/);
  });
});

describe('resolvePathChain over a view', () => {
  it('sysroot absolute links resolve inside the sysroot (hostFsView with a root)', async () => {
    const { dir, cleanup } = makeTempDir('pith-sysroot-');
    try {
      mkdirSync(join(dir, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
      mkdirSync(join(dir, 'usr/lib64'), { recursive: true });
      writeFileSync(join(dir, 'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'), 'ld');
      symlinkSync('usr/lib', join(dir, 'lib'));
      symlinkSync('usr/lib64', join(dir, 'lib64'));
      symlinkSync('/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', join(dir, 'usr/lib64/ld-linux-x86-64.so.2'));
      const chain = await resolvePathChain('/lib64/ld-linux-x86-64.so.2', hostFsView(dir));
      assert.deepEqual(chain, {
        realPath: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
        links: [
          { path: '/lib64', target: 'usr/lib64' },
          { path: '/usr/lib64/ld-linux-x86-64.so.2', target: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
          { path: '/lib', target: 'usr/lib' },
        ],
      });
    } finally {
      cleanup();
    }
  });

  it('works over an in-memory view; `..` at the root stays at the root', async () => {
    const fs = memFsView({
      '/a/b/file': 'x',
      '/c': { symlink: '../../a/./b' },
      '/d': { symlink: '/c/file' },
    });
    const chain = await resolvePathChain('/../d', fs);
    assert.deepEqual(chain, {
      realPath: '/a/b/file',
      links: [
        { path: '/d', target: '/c/file' },
        { path: '/c', target: '../../a/./b' },
      ],
    });
  });

  it('a self-loop of 41 hops fails, a chain of 40 hops succeeds (Linux MAXSYMLINKS)', async () => {
    const tree: Record<string, { symlink: string } | string> = { '/target': 'x' };
    for (let i = 0; i < 40; i++) tree[`/l${i}`] = { symlink: i === 39 ? '/target' : `/l${i + 1}` };
    assert.equal((await resolvePathChain('/l0', memFsView(tree))).realPath, '/target');
    tree['/m'] = { symlink: '/l0' };
    await assert.rejects(resolvePathChain('/m', memFsView(tree)), /too many levels/);
  });
});

describe('resolvePathChain on the host loader', { skip: !existsSync('/lib64/ld-linux-x86-64.so.2') }, () => {
  it('records /lib64 when it is a symlink and ends at the kernel realpath', async () => {
    const path = '/lib64/ld-linux-x86-64.so.2';
    const chain = await resolvePathChain(path, hostFsView());
    assert.equal(chain.realPath, realpathSync.native(path));
    if (lstatSync('/lib64').isSymbolicLink())
      assert.deepEqual(chain.links[0], { path: '/lib64', target: readlinkSync('/lib64') });
    for (const link of chain.links) assert.equal(readlinkSync(link.path), link.target);
  });
});
