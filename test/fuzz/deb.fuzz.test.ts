/**
 * Fuzzed .debs (ar container, control.tar and data.tar members, in every compression): readDeb
 * returns validated contents or one clean error naming the package, never a crash or a hang, and
 * with a spool as builds use it as well as in memory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readDebBytes } from '../../src/sources/debian/deb/deb-reader.js';
import { Spool } from '../../src/store/spool.js';
import { pythonTar, writeAr, type TarCompression, type TarEntrySpec } from '../helpers/deb-craft.js';
import { assertCleanError, caseRng, FUZZ_CASES, FUZZ_SEED, mutateBytes, withinTime } from '../helpers/fuzz.js';

const CONTROL =
  'Package: fuzz\nVersion: 1\nArchitecture: all\nInstalled-Size: 8\nMaintainer: t <t@example.invalid>\nDescription: fuzz\n';
const DATA: TarEntrySpec[] = [
  { name: './', type: 'dir', mode: 0o755 },
  { name: './usr/', type: 'dir', mode: 0o755 },
  { name: './usr/bin/', type: 'dir', mode: 0o755 },
  { name: './usr/bin/tool', data: '#!/bin/sh\necho tool\n', mode: 0o755 },
  { name: './usr/bin/link', type: 'symlink', linkname: 'tool' },
  { name: './usr/bin/hard', type: 'hardlink', linkname: './usr/bin/tool' },
  { name: `./usr/share/${'long-name-'.repeat(12)}/file`, data: 'x'.repeat(700) },
];

interface Seed {
  deb: Uint8Array;
  /** Where data.tar sits in the .deb, for mutations aimed at it. */
  data: { start: number; end: number };
}

let seeds: Seed[] = [];
let dir: string;
let spool: Spool;

function seedDeb(compression: TarCompression, format: 'gnu' | 'pax'): Seed {
  const control = pythonTar(
    [
      { name: './control', data: CONTROL },
      { name: './md5sums', data: 'd41d8cd98f00b204e9800998ecf8427e  usr/bin/tool\n' },
    ],
    'gz',
  );
  const data = pythonTar(DATA, compression, format);
  const dataName = `data.tar${compression ? `.${compression}` : ''}`;
  const deb = writeAr([
    { name: 'debian-binary', data: '2.0\n' },
    { name: 'control.tar.gz', data: control },
    { name: dataName, data },
  ]);
  const start = deb.length - data.length - (data.length % 2);
  return { deb, data: { start, end: start + data.length } };
}

before(async () => {
  seeds = [seedDeb('', 'gnu'), seedDeb('', 'pax'), seedDeb('gz', 'gnu'), seedDeb('xz', 'pax')];
  dir = mkdtempSync(join(tmpdir(), 'pith-deb-fuzz-'));
  spool = await Spool.create(dir, { memoryBudget: 4096 });
});
after(async () => {
  await spool.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('the seeds themselves read cleanly', async () => {
  for (const seed of seeds) {
    const contents = await readDebBytes(seed.deb, 'seed');
    assert.equal(contents.files.filter((f) => f.type === 'file').length, 2);
  }
});

test(`${FUZZ_CASES} fuzzed .debs: contents or one clean error, each within 5 s (seed ${FUZZ_SEED})`, async () => {
  let read = 0;
  let refused = 0;
  for (let i = 0; i < FUZZ_CASES; i++) {
    const rng = caseRng('deb', i);
    const seed = rng.pick(seeds);
    const data = mutateBytes(rng, seed.deb, rng.chance(0.7) ? seed.data : undefined);
    const label = `deb case ${i} (PITH_FUZZ_SEED=${FUZZ_SEED})`;
    const options = rng.chance(0.5) ? { packageName: 'fuzz', spool } : { packageName: 'fuzz' };
    await withinTime(5000, label, async () => {
      try {
        await readDebBytes(data, 'package fuzz', options);
        read++;
      } catch (err) {
        assertCleanError(err, label);
        refused++;
      }
    });
  }
  assert.ok(refused > 0, `some cases are refused (read ${read}, refused ${refused})`);
});
