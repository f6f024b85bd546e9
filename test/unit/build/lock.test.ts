/** Step 2 (build/lock.ts): which source pins, and when pith.lock is written. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockSources, lockSpec, writeLock } from '../../../src/build/lock.js';
import type { Lockfile } from '../../../src/lock/lockfile.js';
import type { LockContext, Pins, Source } from '../../../src/sources/source.js';
import { entriesSource, loadedSpec, planOf, tempDir } from '../../helpers/fake-sources.js';

const lockfile = (pkg: string): Lockfile => ({
  lockfileVersion: 2,
  inputs: { packages: [pkg], exclude: [], sources: [{ suites: ['bookworm'], components: ['main'] }], archs: ['amd64'] },
  archives: [],
  indexes: [],
  packages: {
    amd64: [
      {
        name: pkg,
        version: '1',
        architecture: 'amd64',
        source: pkg,
        suite: 'bookworm',
        filename: `pool/${pkg}.deb`,
        size: 1,
        sha256: 'a'.repeat(64),
      },
    ],
  },
});

function pinning(name: string, pins: Pins, asked: LockContext[]): Source {
  return { name, lock: async (ctx) => (asked.push(ctx), pins), contribute: async () => ({}) };
}

test('no source pins: no pins; one does: its pins, asked with the run context', async () => {
  const loaded = loadedSpec('name: a\n');
  const ctx: LockContext = { archs: ['amd64', 'arm64'], cacheDir: '/nonexistent', frozen: true };
  assert.equal(await lockSources(planOf(loaded, [entriesSource('files', { '/a': 'a' })]), ctx), undefined);
  const asked: LockContext[] = [];
  const pins: Pins = { lock: lockfile('curl'), path: '/nonexistent/pith.lock', changed: false };
  assert.equal(
    await lockSources(planOf(loaded, [entriesSource('files', {}), pinning('debian', pins, asked)]), ctx),
    pins,
  );
  assert.deepEqual(asked, [ctx]);
});

test('two sources that pin: an error naming both (pith.lock has one section)', async () => {
  const loaded = loadedSpec('name: a\n');
  const pins: Pins = { lock: lockfile('x'), path: '/nonexistent/pith.lock', changed: true };
  await assert.rejects(
    lockSources(planOf(loaded, [pinning('debian', pins, []), pinning('alpine', pins, [])]), {
      archs: ['amd64'],
      cacheDir: '/nonexistent',
    }),
    /several sources pin packages \(debian, alpine\)/,
  );
});

test('the lock is written only when it changed, and says so', async () => {
  const dir = tempDir('lock');
  const lines: string[] = [];
  const path = join(dir, 'pith.lock');
  await writeLock(undefined, (m) => lines.push(m));
  await writeLock({ lock: lockfile('curl'), path, changed: false }, (m) => lines.push(m));
  assert.equal(existsSync(path), false);
  assert.equal(lines.length, 0);
  await writeLock({ lock: lockfile('curl'), path, changed: true }, (m) => lines.push(m));
  assert.deepEqual(lines, [`wrote ${path}`]);
  const written = JSON.parse(readFileSync(path, 'utf8')) as Lockfile;
  assert.deepEqual(written.inputs.packages, ['curl']);
  assert.equal(written.packages.amd64![0]!.filename, 'pool/curl.deb');
});

test('pith lock on a spec without Debian packages: nothing to lock, and no file written', async () => {
  const dir = tempDir('lock');
  const loaded = loadedSpec('name: a\nfiles: []\n', dir);
  await assert.rejects(
    lockSpec(loaded, { cacheDir: tempDir('lock-cache'), env: {} }),
    (err: Error) => err.name === 'PithError' && /uses no Debian packages: there is nothing to lock/.test(err.message),
  );
  assert.equal(existsSync(join(dir, 'pith.lock')), false);
});
