import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweepStaleTemps } from '../../../src/store/stale-temp.js';

/** A pid that was just used and is gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

test('temporaries and spools of dead runs are removed; live, recent and final files stay', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'pith-sweep-'));
  try {
    const now = Date.now();
    const dead = deadPid();
    const age = (path: string, ms: number) => utimesSync(path, (now - ms) / 1000, (now - ms) / 1000);
    const file = (rel: string, ms: number) => {
      const path = join(cache, rel);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, 'x');
      age(path, ms);
      return path;
    };
    const hour = 60 * 60 * 1000;
    const deadOld = file(`debs/sha256/.${'a'.repeat(64)}.tmp-${dead}-0badf00d`, hour);
    const deadRecent = file(`indexes/.x.packages.tmp-${dead}-00000001`, 1000);
    const liveOld = file(`blobs/sha256/.blob.tmp-${process.pid}-00000002`, hour);
    const abandoned = file(`layers/.k.json.tmp-${process.pid}-00000003`, 25 * hour);
    const final = file(`debs/sha256/${'b'.repeat(64)}`, 48 * hour);
    const spoolDir = join(cache, 'tmp', `spool-${dead}-deadbeef`);
    mkdirSync(spoolDir, { recursive: true });
    const spoolFile = join(spoolDir, '0.bytes');
    writeFileSync(spoolFile, 'bytes');
    age(spoolFile, hour);
    age(spoolDir, hour);

    const removed = await sweepStaleTemps(cache, now);
    assert.deepEqual(removed, [abandoned, deadOld, spoolDir].sort());
    for (const kept of [deadRecent, liveOld, final]) assert.ok(existsSync(kept), `${kept} stays`);
    for (const gone of removed) assert.ok(!existsSync(gone), `${gone} is gone`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('a missing cache directory is not an error', async () => {
  assert.deepEqual(await sweepStaleTemps(join(tmpdir(), 'pith-sweep-missing-dir-x')), []);
});
