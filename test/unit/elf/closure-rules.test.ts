/**
 * The loader's search rules, one at a time, over in-memory trees of synthetic ELF objects (the way
 * the closure runs over an image tree). Host binaries and the real loader are in closure.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { resolveClosure, type ElfClosure } from '../../../src/elf/closure.js';
import { EM, buildElf, type SyntheticElf } from '../../helpers/elf-build.js';
import { memFsView, type MemNode } from '../../helpers/elf-memfs.js';

const T = 'x86_64-linux-gnu';
const LD = '/lib64/ld-linux-x86-64.so.2';

const exe = (spec: SyntheticElf = {}) => buildElf({ type: 3, interpreter: LD, ...spec });
const lib = (soname: string, spec: SyntheticElf = {}) => buildElf({ soname, ...spec });

/** A merged-/usr Debian-like base: the loader and libc reached through /lib64 and /lib symlinks. */
function base(extra: Record<string, MemNode>): Record<string, MemNode> {
  return {
    '/lib': { symlink: 'usr/lib' },
    '/lib64': { symlink: 'usr/lib64' },
    '/usr/lib64/ld-linux-x86-64.so.2': { symlink: `/lib/${T}/ld-linux-x86-64.so.2` },
    [`/usr/lib/${T}/ld-linux-x86-64.so.2`]: lib('ld-linux-x86-64.so.2'),
    [`/usr/lib/${T}/libc.so.6`]: lib('libc.so.6', { needed: ['ld-linux-x86-64.so.2'] }),
    ...extra,
  };
}

const paths = (closure: ElfClosure) => closure.objects.map((o) => o.path);
const find = (closure: ElfClosure, path: string) => {
  const object = closure.objects.find((o) => o.path === path);
  assert.ok(object, `${path} not in closure: ${paths(closure).join(', ')}`);
  return object;
};

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp | string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isPithError(error), `expected a PithError, got ${String(error)}`);
    assert.equal(error.kind, 'build');
    if (typeof pattern === 'string') assert.equal(error.message, pattern);
    else assert.match(error.message, pattern);
    return true;
  });
}

describe('closure basics', () => {
  it('interpreter and libc with their symlink chains; libc NEEDED ld.so is the interpreter', async () => {
    const fs = memFsView(base({ '/usr/bin/app': exe({ needed: ['libc.so.6'] }) }));
    const closure = await resolveClosure('/usr/bin/app', fs);
    assert.deepEqual(closure.objects, [
      {
        path: `/lib/${T}/libc.so.6`,
        soname: 'libc.so.6',
        neededBy: '/usr/bin/app',
        kind: 'library',
        chain: { realPath: `/usr/lib/${T}/libc.so.6`, links: [{ path: '/lib', target: 'usr/lib' }] },
      },
      {
        path: LD,
        soname: 'ld-linux-x86-64.so.2',
        neededBy: '/usr/bin/app',
        kind: 'interpreter',
        chain: {
          realPath: `/usr/lib/${T}/ld-linux-x86-64.so.2`,
          links: [
            { path: '/lib64', target: 'usr/lib64' },
            { path: '/usr/lib64/ld-linux-x86-64.so.2', target: `/lib/${T}/ld-linux-x86-64.so.2` },
            { path: '/lib', target: 'usr/lib' },
          ],
        },
      },
    ]);
    assert.equal(closure.binary.interpreter, LD);
    // Only real paths are ever read (the FsView contract).
    for (const read of fs.reads) assert.ok(read.startsWith('/usr/') && !read.startsWith('/usr/lib64'), read);
  });

  it('static binary: empty closure, nothing but the binary read', async () => {
    const fs = memFsView({ '/app': buildElf({ type: 2, noDynamic: true }) });
    const closure = await resolveClosure('/app', fs);
    assert.deepEqual(closure.objects, []);
    assert.equal(closure.binary.isStatic, true);
    assert.deepEqual(fs.reads, ['/app']);
  });

  it('breadth-first, each soname once, sorted by path', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['libz.so', 'liba.so', 'libc.so.6'] }),
        [`/usr/lib/${T}/libz.so`]: lib('libz.so', { needed: ['liba.so', 'libc.so.6'] }),
        [`/usr/lib/${T}/liba.so`]: lib('liba.so', { needed: ['libz.so'] }),
      }),
    );
    const closure = await resolveClosure('/usr/bin/app', fs);
    assert.deepEqual(paths(closure), [`/lib/${T}/liba.so`, `/lib/${T}/libc.so.6`, `/lib/${T}/libz.so`, LD]);
    assert.equal(find(closure, `/lib/${T}/liba.so`).neededBy, '/usr/bin/app');
  });

  it('a SONAME already loaded satisfies a later NEEDED without searching', async () => {
    // libfoo.so (a dev name) has SONAME libfoo.so.1; libbar needs libfoo.so.1, which exists nowhere.
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['libfoo.so', 'libbar.so'], runpath: '/opt/a' }),
        '/opt/a/libfoo.so': lib('libfoo.so.1'),
        '/opt/a/libbar.so': lib('libbar.so', { needed: ['libfoo.so.1'] }),
      }),
    );
    const closure = await resolveClosure('/usr/bin/app', fs);
    assert.deepEqual(paths(closure), [LD, '/opt/a/libbar.so', '/opt/a/libfoo.so']);
  });

  it('one file reached under two names: both access paths listed, one real file', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['libfoo.so.1', 'libfoo.so.1.2'], runpath: '/opt/a' }),
        '/opt/a/libfoo.so.1': { symlink: 'libfoo.so.1.2' },
        '/opt/a/libfoo.so.1.2': lib('libfoo.so.1'),
      }),
    );
    const closure = await resolveClosure('/usr/bin/app', fs);
    assert.deepEqual(paths(closure), [LD, '/opt/a/libfoo.so.1', '/opt/a/libfoo.so.1.2']);
    assert.equal(find(closure, '/opt/a/libfoo.so.1').chain.realPath, '/opt/a/libfoo.so.1.2');
    assert.equal(find(closure, '/opt/a/libfoo.so.1.2').chain.realPath, '/opt/a/libfoo.so.1.2');
  });
});

describe('search order', () => {
  it('DT_RPATH of the loaders applies to libraries without DT_RUNPATH', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['liba.so'], rpath: '/opt/a' }),
        '/opt/a/liba.so': lib('liba.so', { needed: ['libb.so'] }),
        '/opt/a/libb.so': lib('libb.so'),
      }),
    );
    const closure = await resolveClosure('/usr/bin/app', fs);
    assert.deepEqual(paths(closure), [LD, '/opt/a/liba.so', '/opt/a/libb.so']);
    assert.equal(find(closure, '/opt/a/libb.so').neededBy, '/opt/a/liba.so');
  });

  it('DT_RUNPATH is not inherited, and a library with DT_RUNPATH ignores its loaders DT_RPATH', async () => {
    const withRunpathApp = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['liba.so'], runpath: '/opt/a' }),
        '/opt/a/liba.so': lib('liba.so', { needed: ['libb.so'] }),
        '/opt/a/libb.so': lib('libb.so'),
      }),
    );
    await rejectsWith(
      resolveClosure('/usr/bin/app', withRunpathApp),
      `/usr/bin/app: libb.so (needed by /opt/a/liba.so <- /usr/bin/app) not found in: /lib/${T}, /usr/lib/${T}, /lib64, /usr/lib64, /lib, /usr/lib`,
    );
    const withRunpathLib = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['liba.so'], rpath: '/opt/a' }),
        '/opt/a/liba.so': lib('liba.so', { needed: ['libb.so'], runpath: '/nowhere' }),
        '/opt/a/libb.so': lib('libb.so'),
      }),
    );
    await rejectsWith(
      resolveClosure('/usr/bin/app', withRunpathLib),
      /libb\.so \(needed by \/opt\/a\/liba\.so <- \/usr\/bin\/app\) not found in: \/nowhere, /,
    );
  });

  it('an object with both DT_RPATH and DT_RUNPATH uses DT_RUNPATH only', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['libx.so'], rpath: '/opt/r', runpath: '/opt/u' }),
        '/opt/r/libx.so': lib('libx.so'),
        '/opt/u/libx.so': lib('libx.so'),
      }),
    );
    assert.deepEqual(paths(await resolveClosure('/usr/bin/app', fs)), [LD, '/opt/u/libx.so']);
  });

  it('the DT_RPATH of a loader that also has DT_RUNPATH is not inherited either', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['liba.so'], rpath: '/opt/r', runpath: '/opt/u' }),
        '/opt/u/liba.so': lib('liba.so', { needed: ['libb.so'] }),
        '/opt/r/libb.so': lib('libb.so'),
      }),
    );
    await rejectsWith(
      resolveClosure('/usr/bin/app', fs),
      /^\/usr\/bin\/app: libb\.so \(needed by \/opt\/u\/liba\.so <- \/usr\/bin\/app\) not found in: \/lib\/x86_64/,
    );
  });

  it('RPATH, then extra dirs, then RUNPATH, then ld.so.conf, then the defaults', async () => {
    const everywhere = {
      '/opt/r/libx.so': lib('libx.so'),
      '/opt/extra/libx.so': lib('libx.so'),
      '/opt/u/libx.so': lib('libx.so'),
      '/opt/conf/libx.so': lib('libx.so'),
      [`/usr/lib/${T}/libx.so`]: lib('libx.so'),
      '/etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
      '/etc/ld.so.conf.d/x.conf': '/opt/conf\n',
    };
    const pick = async (app: SyntheticElf, tree: Record<string, MemNode>, extra?: string[]) => {
      const fs = memFsView(base({ ...tree, '/usr/bin/app': exe({ needed: ['libx.so'], ...app }) }));
      const closure = await resolveClosure('/usr/bin/app', fs, extra ? { extraLibraryDirs: extra } : {});
      return paths(closure).find((p) => p.endsWith('/libx.so'));
    };
    assert.equal(await pick({ rpath: '/opt/r' }, everywhere, ['/opt/extra']), '/opt/r/libx.so');
    assert.equal(await pick({ runpath: '/opt/u' }, everywhere, ['/opt/extra']), '/opt/extra/libx.so');
    assert.equal(await pick({ runpath: '/opt/u' }, everywhere), '/opt/u/libx.so');
    assert.equal(await pick({}, everywhere), '/opt/conf/libx.so');
    const { ['/opt/conf/libx.so']: _dropped, ...noConf } = everywhere;
    assert.equal(await pick({}, noConf), `/lib/${T}/libx.so`);
  });

  it('skips candidates of another machine, class or that are not ELF, and says so when nothing fits', async () => {
    const tree = {
      [`/usr/lib/${T}/libw.so`]: 'INPUT(-lw_real)\n', // a linker script, as libc.so is
      '/usr/lib64/libw.so': lib('libw.so', { machine: EM.AARCH64 }),
      '/usr/lib/libw.so': lib('libw.so', { class: 32, machine: EM.I386 }),
    };
    const fs = memFsView(base({ ...tree, '/usr/bin/app': exe({ needed: ['libw.so'] }) }));
    await rejectsWith(
      resolveClosure('/usr/bin/app', fs),
      (() => {
        const skipped = [
          `/lib/${T}/libw.so: not an ELF file`,
          `/usr/lib/${T}/libw.so: not an ELF file`,
          '/lib64/libw.so: for aarch64 ELF64 LE, not x86-64 ELF64 LE',
          '/usr/lib64/libw.so: for aarch64 ELF64 LE, not x86-64 ELF64 LE',
          '/lib/libw.so: for i386 ELF32 LE, not x86-64 ELF64 LE',
          '/usr/lib/libw.so: for i386 ELF32 LE, not x86-64 ELF64 LE',
        ];
        return `/usr/bin/app: libw.so (needed by /usr/bin/app) not found in: /lib/${T}, /usr/lib/${T}, /lib64, /usr/lib64, /lib, /usr/lib; skipped ${skipped.join('; ')}`;
      })(),
    );
    const ok = memFsView(
      base({
        ...tree,
        '/usr/bin/app': exe({ needed: ['libw.so'], runpath: '/opt/bad:/opt/good' }),
        '/opt/bad/libw.so': lib('libw.so', { machine: EM.RISCV }),
        '/opt/good/libw.so': lib('libw.so'),
      }),
    );
    assert.deepEqual(paths(await resolveClosure('/usr/bin/app', ok)), [LD, '/opt/good/libw.so']);
  });
});

describe('dynamic string tokens', () => {
  it('$ORIGIN of the executable is its real directory; of a library, the directory it was opened from', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': { symlink: '/opt/app/bin/app' },
        '/opt/app/bin/app': exe({ needed: ['liba.so'], runpath: '$ORIGIN/../links' }),
        '/opt/app/links': { symlink: '../real' },
        '/opt/real/liba.so': lib('liba.so', { needed: ['libb.so'], runpath: '${ORIGIN}/sub' }),
        '/opt/real/sub/libb.so': lib('libb.so'),
      }),
    );
    const closure = await resolveClosure('/usr/bin/app', fs);
    assert.deepEqual(paths(closure), [LD, '/opt/app/bin/../links/liba.so', '/opt/app/bin/../links/sub/libb.so']);
    const libb = find(closure, '/opt/app/bin/../links/sub/libb.so');
    assert.equal(libb.chain.realPath, '/opt/real/sub/libb.so');
    assert.deepEqual(libb.chain.links, [{ path: '/opt/app/links', target: '../real' }]);
    assert.equal(libb.neededBy, '/opt/app/bin/../links/liba.so');
    assert.equal(find(closure, LD).neededBy, '/usr/bin/app');
  });

  it('$LIB is lib/<triplet> on a multiarch tree and lib64 elsewhere; $PLATFORM is the machine', async () => {
    const app = exe({ needed: ['liba.so'], runpath: '/opt/$LIB/$PLATFORM' });
    const multiarch = memFsView(base({ '/usr/bin/app': app, [`/opt/lib/${T}/x86_64/liba.so`]: lib('liba.so') }));
    assert.deepEqual(paths(await resolveClosure('/usr/bin/app', multiarch)), [LD, `/opt/lib/${T}/x86_64/liba.so`]);
    const fedora = memFsView({
      '/lib64/ld-linux-x86-64.so.2': lib('ld-linux-x86-64.so.2'),
      '/usr/bin/app': app,
      '/opt/lib64/x86_64/liba.so': lib('liba.so'),
    });
    assert.deepEqual(paths(await resolveClosure('/usr/bin/app', fedora)), [LD, '/opt/lib64/x86_64/liba.so']);
  });

  it('NEEDED names with a slash are paths ($ORIGIN expanded); relative ones are refused', async () => {
    const fs = memFsView(
      base({
        '/opt/app/app': exe({ needed: ['/opt/p/libp.so', '$ORIGIN/libq.so'] }),
        '/opt/p/libp.so': lib('libp.so'),
        '/opt/app/libq.so': lib('libq.so'),
      }),
    );
    assert.deepEqual(paths(await resolveClosure('/opt/app/app', fs)), [LD, '/opt/app/libq.so', '/opt/p/libp.so']);
    const relative = memFsView(base({ '/opt/app/app': exe({ needed: ['sub/libr.so'] }) }));
    await rejectsWith(
      resolveClosure('/opt/app/app', relative),
      /sub\/libr\.so \(needed by \/opt\/app\/app\) is a relative path/,
    );
  });
});

describe('musl', () => {
  const MUSL = '/lib/ld-musl-x86_64.so.1';
  it('libc.* is the loader; /etc/ld-musl-<arch>.path or the musl defaults, not ld.so.conf', async () => {
    const tree = {
      [MUSL]: lib('libc.musl-x86_64.so.1'),
      '/lib/libc.musl-x86_64.so.1': { symlink: 'ld-musl-x86_64.so.1' },
      '/usr/lib/libz.so.1': lib('libz.so.1', { needed: ['libc.musl-x86_64.so.1'] }),
      '/etc/ld.so.conf': '/opt/glibc\n',
      '/opt/glibc/libq.so': lib('libq.so'),
    } satisfies Record<string, MemNode>;
    const app = buildElf({ type: 3, interpreter: MUSL, needed: ['libz.so.1', 'libc.musl-x86_64.so.1'] });
    const closure = await resolveClosure('/app', memFsView({ ...tree, '/app': app }));
    assert.deepEqual(paths(closure), [MUSL, '/usr/lib/libz.so.1']);
    assert.equal(find(closure, MUSL).kind, 'interpreter');
    const needsQ = buildElf({ type: 3, interpreter: MUSL, needed: ['libq.so'] });
    await rejectsWith(
      resolveClosure('/app', memFsView({ ...tree, '/app': needsQ })),
      /libq\.so .* not found in: \/lib, \/usr\/local\/lib, \/usr\/lib$/,
    );
    const withPathFile = memFsView({ ...tree, '/app': needsQ, '/etc/ld-musl-x86_64.path': '/opt/glibc\n' });
    assert.deepEqual(paths(await resolveClosure('/app', withPathFile)), [MUSL, '/opt/glibc/libq.so']);
  });

  it('LD_LIBRARY_PATH (extraLibraryDirs) before RPATH, and RPATH/RUNPATH of every loader', async () => {
    const tree = {
      [MUSL]: lib('libc.musl-x86_64.so.1'),
      '/app': buildElf({ type: 3, interpreter: MUSL, needed: ['liba.so'], runpath: '/opt/r' }),
      '/opt/r/liba.so': lib('liba.so', { needed: ['libb.so'] }),
      '/opt/r/libb.so': lib('libb.so'),
      '/opt/extra/liba.so': lib('liba.so', { needed: ['libb.so'] }),
    } satisfies Record<string, MemNode>;
    // musl inherits RUNPATH too: libb is found through the app's /opt/r (glibc would not).
    assert.deepEqual(paths(await resolveClosure('/app', memFsView(tree))), [MUSL, '/opt/r/liba.so', '/opt/r/libb.so']);
    const extra = await resolveClosure('/app', memFsView(tree), { extraLibraryDirs: ['/opt/extra'] });
    assert.deepEqual(paths(extra), [MUSL, '/opt/extra/liba.so', '/opt/r/libb.so']);
  });
});

describe('closure errors', () => {
  it('not an ELF file, not an executable, missing', async () => {
    const fs = memFsView({ '/bin/script': '#!/bin/sh\n', '/x.o': buildElf({ type: 1 }), '/dir/a': 'x' });
    await rejectsWith(resolveClosure('/bin/script', fs), '/bin/script is not an ELF executable');
    await rejectsWith(resolveClosure('/x.o', fs), /^\/x\.o is not an ELF executable \(ELF type rel\)$/);
    await rejectsWith(resolveClosure('/dir', fs), /^\/dir is not an ELF executable/);
    await rejectsWith(resolveClosure('/nope', fs), /^\/nope does not exist$/);
  });

  it('a missing or foreign interpreter', async () => {
    await rejectsWith(resolveClosure('/app', memFsView({ '/app': exe() })), `/app: interpreter ${LD} not found`);
    const foreign = memFsView({ '/app': exe(), [LD]: lib('ld.so', { machine: EM.AARCH64 }) });
    await rejectsWith(
      resolveClosure('/app', foreign),
      /^\/app: interpreter \/lib64\/ld-linux-x86-64\.so\.2 is for aarch64/,
    );
  });

  it('a symlink loop on the search path names the binary', async () => {
    const fs = memFsView(
      base({
        '/usr/bin/app': exe({ needed: ['libloop.so'] }),
        [`/usr/lib/${T}/libloop.so`]: { symlink: 'libloop.so' },
      }),
    );
    await rejectsWith(
      resolveClosure('/usr/bin/app', fs),
      /^\/usr\/bin\/app: \/lib\/x86_64-linux-gnu\/libloop\.so: too many levels of symbolic links/,
    );
  });
});
