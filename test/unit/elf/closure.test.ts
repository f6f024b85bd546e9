/**
 * Closure of gcc-built binaries on the host, with the real loader (running the program, ldd) as the
 * oracle, plus a fake sysroot seen through hostFsView(root).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { resolveClosure, type ElfClosure } from '../../../src/elf/closure.js';
import { hostFsView } from '../../../src/elf/fs-view.js';
import { EM, withMachine } from '../../helpers/elf-build.js';
import { gcc, hasTool, ldd, loaderTrace, makeTempDir, run } from '../../helpers/elf-tools.js';

const supported = process.platform === 'linux' && process.arch === 'x64' && hasTool('gcc') && hasTool('ldd');
const T = 'x86_64-linux-gnu';

const HELLO = '#include <stdio.h>\nint main(void){puts("hello");return 0;}\n';
const DEP = 'int dep(void){return 40;}\n';
const GREET = 'int dep(void);\nint greet(void){return dep()+2;}\n';
const MAIN = 'int greet(void);\nint main(void){return greet()==42?0:1;}\n';
const MAIN2 = 'int greet2(void);\nint main(void){return greet2()==42?0:1;}\n';
const GREET2 = 'int dep(void);\nint greet2(void){return dep()+2;}\n';
const GONE = 'int gone(void){return 0;}\n';
const MAIN_GONE = 'int gone(void);\nint main(void){return gone();}\n';

const hostFs = hostFsView();
const paths = (c: ElfClosure) => c.objects.map((o) => o.path);
/** What the real loader loads, as paths (ldd prints the name each object was opened under). */
const lddPaths = (binary: string) => {
  const entries = ldd(binary);
  assert.ok(
    entries.every((e) => e.path !== undefined),
    `ldd ${binary}: ${JSON.stringify(entries)}`,
  );
  return entries.map((e) => e.path as string).sort();
};
/** Paths the real loader opened while running the program (asserts that it ran). */
const runPaths = (binary: string) => {
  const trace = loaderTrace(binary);
  assert.equal(trace.status, 0, `${binary} runs`);
  return trace.opened;
};

async function rejectsWith(promise: Promise<unknown>, check: (message: string) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isPithError(error), `expected a PithError, got ${String(error)}`);
    check(error.message);
    return true;
  });
}

describe(
  'closure of gcc-built programs on the host',
  { skip: !supported && 'needs linux x64 with gcc and ldd' },
  () => {
    const { dir, cleanup } = makeTempDir('pith-closure-');
    after(cleanup);
    const src = join(dir, 'src');
    const app = join(dir, 'app');
    const libReal = join(app, 'lib-1.2');
    const bin = join(app, 'bin');

    before(() => {
      mkdirSync(src);
      mkdirSync(libReal, { recursive: true });
      mkdirSync(bin);
      // app/lib -> lib-1.2: the rpath goes through a directory symlink.
      symlinkSync('lib-1.2', join(app, 'lib'));
      gcc(src, 'dep', DEP, ['-shared', '-fPIC', '-Wl,-soname,libdep.so', '-o', join(libReal, 'libdep.so')]);
      // libgreet.so -> libgreet.so.1 -> libgreet.so.1.2.3; it needs libdep.so and has no RPATH/RUNPATH.
      gcc(src, 'greet', GREET, [
        '-shared',
        '-fPIC',
        '-Wl,-soname,libgreet.so.1',
        '-o',
        join(libReal, 'libgreet.so.1.2.3'),
        `-L${libReal}`,
        '-ldep',
      ]);
      symlinkSync('libgreet.so.1.2.3', join(libReal, 'libgreet.so.1'));
      symlinkSync('libgreet.so.1', join(libReal, 'libgreet.so'));
      // libgreet2 finds libdep through its own RUNPATH $ORIGIN.
      gcc(src, 'greet2', GREET2, [
        '-shared',
        '-fPIC',
        '-Wl,-soname,libgreet2.so',
        '-Wl,--enable-new-dtags',
        '-Wl,-rpath,$ORIGIN',
        '-o',
        join(libReal, 'libgreet2.so'),
        `-L${libReal}`,
        '-ldep',
      ]);
      const link = [`-L${join(app, 'lib')}`, `-Wl,-rpath-link,${libReal}`];
      gcc(src, 'hello', HELLO, ['-o', join(bin, 'hello')]);
      gcc(src, 'prog-rpath', MAIN, [
        '-o',
        join(bin, 'prog-rpath'),
        ...link,
        '-lgreet',
        '-Wl,--disable-new-dtags',
        '-Wl,-rpath,$ORIGIN/../lib',
      ]);
      gcc(src, 'prog-runpath', MAIN2, [
        '-o',
        join(bin, 'prog-runpath'),
        ...link,
        '-lgreet2',
        '-Wl,--enable-new-dtags',
        '-Wl,-rpath,$ORIGIN/../lib',
      ]);
      gcc(src, 'prog-runpath-broken', MAIN, [
        '-o',
        join(bin, 'prog-runpath-broken'),
        ...link,
        '-lgreet',
        '-Wl,--enable-new-dtags',
        '-Wl,-rpath,$ORIGIN/../lib',
      ]);
      gcc(src, 'gone', GONE, ['-shared', '-fPIC', '-Wl,-soname,libgone.so.1', '-o', join(libReal, 'libgone.so.1')]);
      gcc(src, 'prog-missing', MAIN_GONE, [
        '-o',
        join(bin, 'prog-missing'),
        `-L${libReal}`,
        '-l:libgone.so.1',
        '-Wl,-rpath,$ORIGIN/../lib',
      ]);
      rmSync(join(libReal, 'libgone.so.1'));
      gcc(src, 'static', HELLO, ['-static', '-o', join(bin, 'static')]);
      writeFileSync(join(bin, 'script'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    });

    it('dynamic hello: libc and the interpreter with their symlink chains, as ldd sees them', async () => {
      const hello = join(bin, 'hello');
      const closure = await resolveClosure(hello, hostFs);
      assert.deepEqual(paths(closure).sort(), runPaths(hello));
      assert.deepEqual(paths(closure).sort(), lddPaths(hello));
      assert.deepEqual(paths(closure), [...paths(closure)].sort(), 'sorted by path');
      const interp = closure.objects.find((o) => o.kind === 'interpreter');
      assert.ok(interp);
      assert.equal(interp.path, closure.binary.interpreter);
      assert.equal(interp.path, '/lib64/ld-linux-x86-64.so.2');
      assert.equal(interp.soname, 'ld-linux-x86-64.so.2');
      assert.equal(interp.neededBy, hello);
      assert.equal(interp.chain.realPath, realpathSync.native(interp.path));
      if (lstatSync('/lib64').isSymbolicLink())
        assert.deepEqual(interp.chain.links[0], { path: '/lib64', target: readlinkSync('/lib64') });
      if (lstatSync('/lib64/ld-linux-x86-64.so.2').isSymbolicLink()) {
        assert.ok(interp.chain.links.some((l) => l.target === readlinkSync('/lib64/ld-linux-x86-64.so.2')));
      }
      const libc = closure.objects.find((o) => o.soname === 'libc.so.6');
      assert.ok(libc);
      assert.equal(libc.kind, 'library');
      assert.equal(libc.chain.realPath, realpathSync.native(libc.path));
      for (const object of closure.objects) {
        for (const l of object.chain.links) assert.equal(readlinkSync(l.path), l.target, `${object.path}: ${l.path}`);
      }
    });

    it('DT_RPATH $ORIGIN/../lib, a libfoo.so.1 -> libfoo.so.1.2.3 chain, and a transitive dependency found through the RPATH', async () => {
      const prog = join(bin, 'prog-rpath');
      const closure = await resolveClosure(prog, hostFs);
      assert.deepEqual(closure.binary.rpath, ['$ORIGIN/../lib']);
      assert.deepEqual(paths(closure).sort(), runPaths(prog));
      assert.deepEqual(paths(closure).sort(), lddPaths(prog));
      const greet = closure.objects.find((o) => o.soname === 'libgreet.so.1');
      assert.ok(greet);
      assert.equal(greet.path, `${bin}/../lib/libgreet.so.1`);
      assert.equal(greet.neededBy, prog);
      assert.deepEqual(greet.chain, {
        realPath: join(libReal, 'libgreet.so.1.2.3'),
        links: [
          { path: join(app, 'lib'), target: 'lib-1.2' },
          { path: join(libReal, 'libgreet.so.1'), target: 'libgreet.so.1.2.3' },
        ],
      });
      const dep = closure.objects.find((o) => o.soname === 'libdep.so');
      assert.ok(dep);
      assert.equal(dep.path, `${bin}/../lib/libdep.so`);
      assert.equal(dep.neededBy, greet.path);
      assert.equal(dep.chain.realPath, join(libReal, 'libdep.so'));
    });

    it('DT_RUNPATH (--enable-new-dtags) on the program and $ORIGIN RUNPATH on the library', async () => {
      const prog = join(bin, 'prog-runpath');
      const closure = await resolveClosure(prog, hostFs);
      assert.deepEqual(closure.binary.runpath, ['$ORIGIN/../lib']);
      assert.deepEqual(closure.binary.rpath, []);
      assert.deepEqual(paths(closure).sort(), runPaths(prog));
      assert.deepEqual(paths(closure).sort(), lddPaths(prog));
      // libgreet2's $ORIGIN is the directory it was opened from, `..` and symlinks unresolved.
      assert.ok(paths(closure).includes(`${bin}/../lib/libdep.so`), paths(closure).join(' '));
    });

    it('DT_RUNPATH is not inherited: the real loader fails, and so does the closure', async () => {
      const prog = join(bin, 'prog-runpath-broken');
      const result = run(prog);
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /libdep\.so: cannot open shared object file/);
      await rejectsWith(resolveClosure(prog, hostFs), (message) => {
        assert.ok(
          message.startsWith(`${prog}: libdep.so (needed by ${bin}/../lib/libgreet.so.1 <- ${prog}) not found in: `),
          message,
        );
        assert.ok(!message.includes(`${bin}/../lib,`), 'the program RUNPATH is not searched for libgreet');
      });
    });

    it('a missing library: the message names the binary, the soname and where it looked', async () => {
      const prog = join(bin, 'prog-missing');
      assert.notEqual(run(prog).status, 0);
      await rejectsWith(resolveClosure(prog, hostFs), (message) => {
        assert.ok(
          message.startsWith(`${prog}: libgone.so.1 (needed by ${prog}) not found in: ${bin}/../lib, `),
          message,
        );
        assert.match(message, new RegExp(`/lib/${T}`));
      });
    });

    it('a non-ELF file and a static binary', async () => {
      const script = join(bin, 'script');
      await rejectsWith(resolveClosure(script, hostFs), (message) =>
        assert.equal(message, `${script} is not an ELF executable`),
      );
      const closure = await resolveClosure(join(bin, 'static'), hostFs);
      assert.equal(closure.binary.isStatic, true);
      assert.deepEqual(closure.objects, []);
    });

    it('a program reached through a symlink takes $ORIGIN from its real directory (like /proc/self/exe)', async () => {
      const elsewhere = join(dir, 'elsewhere');
      mkdirSync(elsewhere);
      const prog = join(elsewhere, 'prog');
      symlinkSync(join(bin, 'prog-rpath'), prog);
      const closure = await resolveClosure(prog, hostFs);
      assert.deepEqual(paths(closure).sort(), runPaths(prog));
      assert.ok(paths(closure).includes(`${bin}/../lib/libgreet.so.1`));
      // Not compared with ldd: glibc 2.36's ldd runs `ld.so --list <symlink path>`, takes $ORIGIN from
      // the symlink's directory and reports libgreet.so.1 "not found"; the real exec above is the truth.
    });

    describe('fake sysroot through hostFsView(root)', () => {
      const root = join(dir, 'sysroot');
      const put = (path: string, data: Uint8Array | string) => {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), data);
      };

      before(() => {
        const hostLoader = realpathSync.native('/lib64/ld-linux-x86-64.so.2');
        const hostLibc = realpathSync.native(
          execFileSync('gcc', ['-print-file-name=libc.so.6'], { encoding: 'utf8' }).trim(),
        );
        mkdirSync(join(root, `usr/lib/${T}`), { recursive: true });
        mkdirSync(join(root, 'usr/lib64'), { recursive: true });
        mkdirSync(join(root, 'usr/bin'), { recursive: true });
        copyFileSync(hostLoader, join(root, `usr/lib/${T}/ld-linux-x86-64.so.2`));
        copyFileSync(hostLibc, join(root, `usr/lib/${T}/libc.so.6`));
        symlinkSync('usr/lib', join(root, 'lib'));
        symlinkSync('usr/lib64', join(root, 'lib64'));
        // Absolute: must be read inside the sysroot, not on the host.
        symlinkSync(`/lib/${T}/ld-linux-x86-64.so.2`, join(root, 'usr/lib64/ld-linux-x86-64.so.2'));
        copyFileSync(join(libReal, 'libdep.so'), join(root, `usr/lib/${T}/libdep.so`));
        const greet = readFileSync(join(libReal, 'libgreet.so.1.2.3'));
        put('opt/wrong/libgreet.so.1', withMachine(greet, EM.AARCH64));
        put('opt/right/libgreet.so.1', greet);
        put('etc/ld.so.conf', 'include /etc/ld.so.conf.d/*.conf\n');
        put('etc/ld.so.conf.d/a-wrong.conf', '/opt/wrong\n');
        put('etc/ld.so.conf.d/b-right.conf', '/opt/right\n');
        // A program linked against libgreet with no RPATH/RUNPATH: found through ld.so.conf only.
        gcc(src, 'plain', MAIN, [
          '-o',
          join(root, 'usr/bin/prog'),
          `-L${libReal}`,
          `-Wl,-rpath-link,${libReal}`,
          '-lgreet',
        ]);
      });

      it('skips a wrong-machine library and resolves everything inside the root', async () => {
        const closure = await resolveClosure('/usr/bin/prog', hostFsView(root));
        assert.deepEqual(paths(closure), [
          `/lib/${T}/libc.so.6`,
          `/lib/${T}/libdep.so`,
          '/lib64/ld-linux-x86-64.so.2',
          '/opt/right/libgreet.so.1',
        ]);
        const interp = closure.objects.find((o) => o.kind === 'interpreter');
        assert.deepEqual(interp?.chain, {
          realPath: `/usr/lib/${T}/ld-linux-x86-64.so.2`,
          links: [
            { path: '/lib64', target: 'usr/lib64' },
            { path: '/usr/lib64/ld-linux-x86-64.so.2', target: `/lib/${T}/ld-linux-x86-64.so.2` },
            { path: '/lib', target: 'usr/lib' },
          ],
        });
        assert.equal(closure.objects.find((o) => o.soname === 'libdep.so')?.neededBy, '/opt/right/libgreet.so.1');
      });

      it('with only the wrong-machine library, the error says why it was skipped', async () => {
        rmSync(join(root, 'opt/right/libgreet.so.1'));
        await rejectsWith(resolveClosure('/usr/bin/prog', hostFsView(root)), (message) => {
          assert.ok(
            message.startsWith(
              '/usr/bin/prog: libgreet.so.1 (needed by /usr/bin/prog) not found in: /opt/wrong, /opt/right, ',
            ),
            message,
          );
          assert.match(message, /skipped \/opt\/wrong\/libgreet\.so\.1: for aarch64 ELF64 LE, not x86-64 ELF64 LE/);
        });
      });
    });
  },
);
