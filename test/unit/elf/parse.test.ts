import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isPithError } from '../../../src/errors.js';
import { isElf, parseElf, readElfFile, type ElfInfo } from '../../../src/elf/parse.js';
import { EM, buildElf } from '../../helpers/elf-build.js';
import { gcc, hasTool, makeTempDir, readelf, type ReadelfFacts } from '../../helpers/elf-tools.js';

const haveReadelf = hasTool('readelf');
const haveGcc = hasTool('gcc');

const TYPE_OF: Record<string, ElfInfo['type']> = { EXEC: 'exec', DYN: 'dyn', REL: 'rel', CORE: 'core' };

function assertMatchesReadelf(info: ElfInfo, facts: ReadelfFacts, what: string): void {
  assert.equal(info.class, facts.class, `${what}: class`);
  assert.equal(info.endian, facts.endian, `${what}: endian`);
  assert.equal(info.type, TYPE_OF[facts.type] ?? 'other', `${what}: type`);
  if (facts.machine !== undefined) assert.equal(info.machine, facts.machine, `${what}: machine (${facts.machineText})`);
  assert.equal(info.interpreter, facts.interpreter, `${what}: interpreter`);
  assert.deepEqual(info.needed, facts.needed, `${what}: NEEDED`);
  assert.equal(info.soname, facts.soname, `${what}: SONAME`);
  assert.deepEqual(info.rpath, facts.rpath ? facts.rpath.split(':').filter(Boolean) : [], `${what}: RPATH`);
  assert.deepEqual(info.runpath, facts.runpath ? facts.runpath.split(':').filter(Boolean) : [], `${what}: RUNPATH`);
  assert.equal(info.isStatic, facts.interpreter === undefined && facts.needed.length === 0, `${what}: isStatic`);
}

const HOST_FILES = [
  '/bin/ls',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
  process.execPath,
].filter((p) => existsSync(p));

describe('parseElf on host files, checked against readelf', { skip: !haveReadelf && 'readelf not installed' }, () => {
  for (const file of HOST_FILES) {
    it(file, async () => {
      const info = await readElfFile(file);
      assertMatchesReadelf(info, readelf(file), file);
    });
  }

  it('knows the host machine', async () => {
    const info = await readElfFile('/bin/ls');
    if (process.arch === 'x64') {
      assert.equal(info.machineName, 'x86-64');
      assert.equal(info.arch, 'amd64');
      assert.equal(info.interpreter, '/lib64/ld-linux-x86-64.so.2');
    }
    assert.ok(info.needed.includes('libc.so.6'));
  });

  it('reads libc SONAME and its NEEDED on the loader', async () => {
    const libc = '/usr/lib/x86_64-linux-gnu/libc.so.6';
    if (!existsSync(libc)) return;
    const info = await readElfFile(libc);
    assert.equal(info.soname, 'libc.so.6');
    assert.equal(info.type, 'dyn');
    assert.deepEqual(info.needed, ['ld-linux-x86-64.so.2']);
  });
});

describe('parseElf on gcc output', { skip: !(haveGcc && haveReadelf) && 'gcc or readelf not installed' }, () => {
  const { dir, cleanup } = makeTempDir();
  after(cleanup);
  const hello = '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n';
  const lib = 'int greet(void){return 42;}\n';

  it('static executable: no interpreter, no NEEDED', () => {
    gcc(dir, 'static', hello, ['-static', '-o', join(dir, 'static')]);
    const info = parseElf(readFileSync(join(dir, 'static')));
    assertMatchesReadelf(info, readelf(join(dir, 'static')), 'static');
    assert.equal(info.isStatic, true);
    assert.equal(info.interpreter, undefined);
    assert.deepEqual(info.needed, []);
  });

  it('static-pie executable: a dynamic section but still static', () => {
    gcc(dir, 'spie', hello, ['-static-pie', '-o', join(dir, 'spie')]);
    const info = parseElf(readFileSync(join(dir, 'spie')));
    assertMatchesReadelf(info, readelf(join(dir, 'spie')), 'static-pie');
    assert.equal(info.type, 'dyn');
    assert.equal(info.isStatic, true);
  });

  it('shared library with SONAME and DT_RPATH (several entries)', () => {
    const out = join(dir, 'librp.so.1.0');
    gcc(dir, 'librp', lib, [
      '-shared',
      '-fPIC',
      '-Wl,-soname,librp.so.1',
      '-Wl,--disable-new-dtags',
      '-Wl,-rpath,/opt/a:$ORIGIN/../lib',
      '-o',
      out,
    ]);
    const info = parseElf(readFileSync(out));
    assertMatchesReadelf(info, readelf(out), 'librp');
    assert.equal(info.soname, 'librp.so.1');
    assert.deepEqual(info.rpath, ['/opt/a', '$ORIGIN/../lib']);
    assert.deepEqual(info.runpath, []);
  });

  it('executable with DT_RUNPATH', () => {
    const out = join(dir, 'runp');
    gcc(dir, 'runp', hello, ['-Wl,--enable-new-dtags', '-Wl,-rpath,${ORIGIN}/x', '-o', out]);
    const info = parseElf(readFileSync(out));
    assertMatchesReadelf(info, readelf(out), 'runp');
    assert.deepEqual(info.runpath, ['${ORIGIN}/x']);
    assert.deepEqual(info.rpath, []);
  });

  it('relocatable object', () => {
    const obj = join(dir, 'obj.o');
    gcc(dir, 'obj', lib, ['-c', '-o', obj]);
    const info = parseElf(readFileSync(obj));
    assert.equal(info.type, 'rel');
    assert.equal(info.isStatic, true);
  });
});

describe('parseElf on synthetic objects of other classes and byte orders', () => {
  const cases = [
    { class: 32, endian: 'le', machine: EM.I386, name: 'i386', arch: '386' },
    { class: 32, endian: 'le', machine: EM.ARM, name: 'arm', arch: 'arm' },
    { class: 64, endian: 'le', machine: EM.AARCH64, name: 'aarch64', arch: 'arm64' },
    { class: 64, endian: 'le', machine: EM.RISCV, name: 'riscv64', arch: 'riscv64' },
    { class: 64, endian: 'le', machine: EM.PPC64, name: 'ppc64', arch: 'ppc64le' },
    { class: 64, endian: 'be', machine: EM.PPC64, name: 'ppc64', arch: 'ppc64' },
    { class: 64, endian: 'be', machine: EM.S390, name: 's390x', arch: 's390x' },
    { class: 32, endian: 'be', machine: EM.MIPS, name: 'mips', arch: 'mips' },
  ] as const;
  const { dir, cleanup } = makeTempDir();
  after(cleanup);

  for (const c of cases) {
    it(`ELF${c.class} ${c.endian} ${c.name}`, () => {
      const data = buildElf({
        class: c.class,
        endian: c.endian,
        machine: c.machine,
        type: 2,
        interpreter: '/lib/ld-test.so.1',
        needed: ['liba.so.1', 'libb.so.2'],
        soname: 'libself.so',
        rpath: '/r1::/r2',
        runpath: '$ORIGIN',
      });
      const info = parseElf(data);
      assert.equal(info.class, c.class);
      assert.equal(info.endian, c.endian);
      assert.equal(info.machine, c.machine);
      assert.equal(info.machineName, c.name);
      assert.equal(info.arch, c.arch);
      assert.equal(info.type, 'exec');
      assert.equal(info.interpreter, '/lib/ld-test.so.1');
      assert.deepEqual(info.needed, ['liba.so.1', 'libb.so.2']);
      assert.equal(info.soname, 'libself.so');
      assert.deepEqual(info.rpath, ['/r1', '/r2']);
      assert.deepEqual(info.runpath, ['$ORIGIN']);
      assert.equal(info.isStatic, false);
      if (haveReadelf) {
        // readelf reads the same synthetic file the same way (guards the builder as well).
        const file = join(dir, `${c.class}-${c.endian}-${c.machine}`);
        writeFileSync(file, data);
        assertMatchesReadelf(info, readelf(file), file);
      }
    });
  }

  it('more than 0xfffe program headers: e_phnum is PN_XNUM and the count is in section header 0', () => {
    const plain = buildElf({ interpreter: '/lib/ld.so', needed: ['liba.so'] });
    const data = new Uint8Array(plain.length + 64);
    data.set(plain);
    const view = new DataView(data.buffer);
    const phnum = view.getUint16(56, true);
    view.setUint16(56, 0xffff, true); // PN_XNUM
    view.setBigUint64(40, BigInt(plain.length), true); // e_shoff -> the section header appended
    view.setUint32(plain.length + 44, phnum, true); // sh_info of section 0
    const info = parseElf(data);
    assert.equal(info.interpreter, '/lib/ld.so');
    assert.deepEqual(info.needed, ['liba.so']);
  });

  it('an executable or shared object without program headers is refused, not taken as static', () => {
    for (const type of [2, 3]) {
      const data = buildElf({ type, noDynamic: true });
      new DataView(data.buffer).setUint16(56, 0, true); // e_phnum = 0
      assert.throws(
        () => parseElf(data),
        (e: unknown) => isPithError(e) && /has no loadable segment \(0 program headers\)/.test(e.message),
      );
    }
  });

  it('PN_XNUM (0xffff) without a section header, or with a count of 0, is refused', () => {
    const plain = buildElf({ type: 2, noDynamic: true });
    const noSection = new Uint8Array(plain);
    new DataView(noSection.buffer).setUint16(56, 0xffff, true);
    assert.throws(
      () => parseElf(noSection),
      (e: unknown) => isPithError(e) && /PN_XNUM .* no section header 0/.test(e.message),
    );
    const zero = new Uint8Array(plain.length + 64);
    zero.set(plain);
    const view = new DataView(zero.buffer);
    view.setUint16(56, 0xffff, true);
    view.setBigUint64(40, BigInt(plain.length), true); // sh_info of section 0 stays 0
    assert.throws(
      () => parseElf(zero),
      (e: unknown) => isPithError(e) && /has no loadable segment/.test(e.message),
    );
  });

  it('a static synthetic executable', () => {
    const info = parseElf(buildElf({ type: 2, noDynamic: true }));
    assert.equal(info.isStatic, true);
    assert.deepEqual(info.needed, []);
  });
});

describe('parseElf on bad input', () => {
  const expectPithError = (data: Uint8Array, pattern?: RegExp) => {
    assert.throws(
      () => parseElf(data),
      (error: unknown) => {
        assert.ok(isPithError(error), `expected a PithError, got ${String(error)}`);
        assert.equal(error.kind, 'build');
        if (pattern) assert.match(error.message, pattern);
        return true;
      },
    );
  };

  it('isElf', () => {
    assert.equal(isElf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2])), true);
    assert.equal(isElf(new TextEncoder().encode('#!/bin/sh\n')), false);
    assert.equal(isElf(new Uint8Array([0x7f, 0x45, 0x4c])), false);
    assert.equal(isElf(new Uint8Array()), false);
  });

  it('rejects non-ELF data with a clear message', () => {
    expectPithError(new TextEncoder().encode('#!/bin/sh\necho hi\n'), /not an ELF file/);
    expectPithError(new Uint8Array(), /not an ELF file/);
  });

  it('rejects bad class and data bytes', () => {
    const data = buildElf({ needed: ['liba.so'] });
    data[4] = 7;
    expectPithError(data, /class/);
    const data2 = buildElf({ needed: ['liba.so'] });
    data2[5] = 0;
    expectPithError(data2, /data encoding/);
  });

  it('every truncation of an object fails cleanly, never deep in DataView', () => {
    const full = buildElf({
      class: 64,
      interpreter: '/lib/ld.so',
      needed: ['liba.so', 'libb.so'],
      soname: 's',
      runpath: '/x',
    });
    for (let length = 0; length < full.length; length++) {
      const cut = full.subarray(0, length);
      let outcome: unknown;
      try {
        parseElf(cut);
        outcome = 'parsed';
      } catch (error) {
        outcome = error;
      }
      // A cut inside the dynamic section may legitimately parse (fewer entries); nothing else may.
      if (outcome !== 'parsed') assert.ok(isPithError(outcome), `length ${length}: ${String(outcome)}`);
    }
    expectPithError(full.subarray(0, 40), /outside the file/);
  });

  it('truncated /bin/ls fails with a message about the file size', { skip: !existsSync('/bin/ls') }, () => {
    const ls = readFileSync('/bin/ls');
    expectPithError(ls.subarray(0, 300), /outside the file/);
  });

  it('random corruption of headers never escapes as a non-PithError', () => {
    const base = buildElf({
      class: 64,
      interpreter: '/lib/ld.so',
      needed: ['liba.so', 'libb.so'],
      soname: 's',
      rpath: '/x',
    });
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 3000; round++) {
      const data = new Uint8Array(base);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) data[4 + Math.floor(random() * (data.length - 4))] = Math.floor(random() * 256);
      try {
        parseElf(data);
      } catch (error) {
        assert.ok(isPithError(error), `round ${round}: ${String(error)}`);
      }
    }
  });

  it('DT_STRTAB outside every PT_LOAD is reported', () => {
    const data = buildElf({ needed: ['liba.so'] });
    // Move the second PT_LOAD (which holds the string table) far away.
    const view = new DataView(data.buffer);
    const phoff = Number(view.getBigUint64(32, true));
    const second = phoff + 56 * 1; // no PT_INTERP: [LOAD, LOAD, DYNAMIC]
    view.setBigUint64(second + 16, 0x90000000n, true);
    expectPithError(data, /DT_STRTAB address .* not inside any PT_LOAD/);
  });

  it('readElfFile names the file', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const file = join(dir, 'script.sh');
      writeFileSync(file, '#!/bin/sh\n');
      await assert.rejects(
        readElfFile(file),
        (error: unknown) => isPithError(error) && error.message.startsWith(`${file}: not an ELF`),
      );
      await assert.rejects(
        readElfFile(join(dir, 'missing')),
        (error: unknown) => isPithError(error) && /ENOENT/.test(error.message),
      );
    } finally {
      cleanup();
    }
  });
});
