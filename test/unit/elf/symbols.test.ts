/** elfImports: the undefined global/weak symbols of .dynsym, checked against readelf. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { elfImports } from '../../../src/elf/symbols.js';
import { buildElf } from '../../helpers/elf-build.js';
import { gcc, hasTool, makeTempDir } from '../../helpers/elf-tools.js';

const haveReadelf = hasTool('readelf');
const haveGcc = hasTool('gcc');

/** `readelf --dyn-syms -W`: names of UND symbols bound GLOBAL or WEAK, version suffixes cut. */
function readelfImports(path: string): Set<string> {
  const out = execFileSync('readelf', ['--dyn-syms', '-W', path], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C' },
  });
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    // Num: Value Size Type Bind Vis Ndx Name
    if (f.length < 8 || !/^\d+:$/.test(f[0]!) || f[6] !== 'UND' || !['GLOBAL', 'WEAK'].includes(f[4]!)) continue;
    names.add(f[7]!.replace(/@.*$/, ''));
  }
  return names;
}

const HOST_FILES = [
  '/usr/bin/curl',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/usr/lib/x86_64-linux-gnu/libstdc++.so.6',
  '/usr/lib/x86_64-linux-gnu/libidn2.so.0',
  '/usr/lib/x86_64-linux-gnu/libcrypto.so.3',
  process.execPath,
].filter((p) => existsSync(p));

describe('elfImports on host files, checked against readelf', { skip: !haveReadelf && 'readelf not installed' }, () => {
  for (const file of HOST_FILES) {
    it(file, () => {
      const imports = elfImports(readFileSync(file));
      assert.ok(imports, `${file}: imports readable`);
      assert.deepEqual([...imports].sort(), [...readelfImports(file)].sort());
    });
  }
});

describe('elfImports on gcc output', { skip: !(haveGcc && haveReadelf) && 'gcc or readelf not installed' }, () => {
  const { dir, cleanup } = makeTempDir();
  after(cleanup);

  it('sees iconv_open only in the program that calls it', () => {
    gcc(
      dir,
      'conv',
      '#include <iconv.h>\nint main(void) { return iconv_open("UTF-8", "ISO-8859-1") == (iconv_t)-1; }\n',
      ['-o', 'conv'],
    );
    gcc(dir, 'plain', '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n', ['-o', 'plain']);
    assert.ok(elfImports(readFileSync(join(dir, 'conv')))?.has('iconv_open'));
    const plain = elfImports(readFileSync(join(dir, 'plain')))!;
    assert.ok(plain.has('puts'));
    assert.ok(!plain.has('iconv_open'));
  });

  it('a fully stripped object (no section headers) is "unknown", not "imports nothing"', () => {
    gcc(dir, 'bare', '#include <iconv.h>\nint main(void) { return iconv_open("UTF-8", "ASCII") == (iconv_t)-1; }\n', [
      '-o',
      'bare',
    ]);
    const data = Buffer.from(readFileSync(join(dir, 'bare')));
    // What sstrip does: e_shoff = 0, e_shnum = 0.
    data.writeBigUInt64LE(0n, 40);
    data.writeUInt16LE(0, 60);
    assert.equal(elfImports(data), undefined);
  });
});

describe('elfImports on odd input', () => {
  it('never throws: not ELF, truncated, synthetic objects without sections', () => {
    assert.equal(elfImports(new Uint8Array([1, 2, 3])), undefined);
    assert.equal(elfImports(Buffer.from('\x7fELF')), undefined);
    assert.equal(elfImports(buildElf({ soname: 'libx.so.1', needed: ['libc.so.6'] })), undefined);
    if (existsSync('/usr/lib/x86_64-linux-gnu/libc.so.6')) {
      const libc = readFileSync('/usr/lib/x86_64-linux-gnu/libc.so.6');
      for (const cut of [64, 4096, libc.length >> 1, libc.length - 100]) {
        assert.doesNotThrow(() => elfImports(libc.subarray(0, cut)), `cut at ${cut}`);
      }
    }
  });
});
