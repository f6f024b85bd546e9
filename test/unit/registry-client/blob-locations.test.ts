import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BlobLocations } from '../../../src/registry-client/blob-locations.js';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('the digest -> repositories hint map', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-locations-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a source other than the target, most recent first; kept per registry across runs', async () => {
    const a = await BlobLocations.load(dir, '127.0.0.1:5000');
    assert.equal(a.sourceFor(d(1), 'x/target'), undefined);
    a.record(d(1), 'old/repo');
    a.record(d(1), 'x/target');
    a.record(d(1), 'new/repo');
    assert.equal(a.sourceFor(d(1), 'x/target'), 'new/repo');
    assert.equal(a.sourceFor(d(1), 'new/repo'), 'x/target');
    await a.save();
    const b = await BlobLocations.load(dir, '127.0.0.1:5000');
    assert.equal(b.sourceFor(d(1), 'x/target'), 'new/repo');
    const other = await BlobLocations.load(dir, 'registry.example');
    assert.equal(other.sourceFor(d(1), 'x/target'), undefined, 'another registry knows nothing');
  });

  test('concurrent writers merge; at most 4 repositories per blob', async () => {
    const p = await BlobLocations.load(dir, 'merge.example');
    const q = await BlobLocations.load(dir, 'merge.example');
    p.record(d(2), 'p/one');
    q.record(d(3), 'q/one');
    await p.save();
    await q.save();
    const r = await BlobLocations.load(dir, 'merge.example');
    assert.equal(r.sourceFor(d(2), 'z'), 'p/one', "p's entry survived q's save");
    assert.equal(r.sourceFor(d(3), 'z'), 'q/one');
    for (const repo of ['a', 'b', 'c', 'd', 'e', 'f']) r.record(d(2), repo);
    await r.save();
    const file = JSON.parse(readFileSync(BlobLocations.fileFor(dir, 'merge.example'), 'utf8')) as {
      blobs: Record<string, string[]>;
    };
    assert.deepEqual(file.blobs[d(2)], ['f', 'e', 'd', 'c']);
  });

  test('a damaged file is ignored (it is only a hint)', async () => {
    const path = BlobLocations.fileFor(dir, 'damaged.example');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '{oops');
    const l = await BlobLocations.load(dir, 'damaged.example');
    assert.equal(l.sourceFor(d(1), 'x'), undefined);
    l.record(d(1), 'y');
    await l.save();
    assert.equal((await BlobLocations.load(dir, 'damaged.example')).sourceFor(d(1), 'x'), 'y');
  });
});
