/** Fuzzed ELF headers: parseElf and elfImports give a result or one clean build error, never a crash or a hang. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseElf } from '../../src/elf/parse.js';
import { elfImports } from '../../src/elf/symbols.js';
import { buildElf, EM } from '../helpers/elf-build.js';
import { assertCleanError, caseRng, FUZZ_CASES, FUZZ_SEED, mutateBytes } from '../helpers/fuzz.js';

const SEEDS: Uint8Array[] = [
  buildElf({
    interpreter: '/lib64/ld-linux-x86-64.so.2',
    needed: ['libc.so.6', 'libm.so.6'],
    runpath: '$ORIGIN/../lib',
  }),
  buildElf({ class: 32, endian: 'le', machine: EM.I386, soname: 'libx.so.1', rpath: '/opt/lib:/usr/lib' }),
  buildElf({ class: 64, endian: 'be', machine: EM.S390, interpreter: '/lib/ld64.so.1', needed: ['liba.so'] }),
  buildElf({ type: 2, noDynamic: true }),
  ...['/bin/ls', '/usr/bin/echo'].filter(existsSync).map((p) => new Uint8Array(readFileSync(p))),
];

test(`${FUZZ_CASES} fuzzed ELF files: a result or one clean error, each within 2 s (seed ${FUZZ_SEED})`, () => {
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < FUZZ_CASES; i++) {
    const rng = caseRng('elf', i);
    const seed = rng.pick(SEEDS);
    // Mostly the ELF header and program/dynamic headers, where the parser looks.
    const focus = rng.chance(0.8) ? { start: 0, end: Math.min(seed.length, 4096) } : undefined;
    const data = mutateBytes(rng, seed, focus);
    const label = `elf case ${i} (PITH_FUZZ_SEED=${FUZZ_SEED})`;
    const started = performance.now();
    try {
      parseElf(data);
      parsed++;
    } catch (err) {
      assertCleanError(err, label);
      refused++;
    }
    try {
      elfImports(data);
    } catch (err) {
      assert.fail(`${label}: elfImports threw ${err instanceof Error ? err.stack : String(err)}`);
    }
    const ms = performance.now() - started;
    assert.ok(ms < 2000, `${label}: took ${ms.toFixed(0)} ms`);
  }
  assert.ok(parsed > 0 && refused > 0, `both outcomes occur (parsed ${parsed}, refused ${refused})`);
});
