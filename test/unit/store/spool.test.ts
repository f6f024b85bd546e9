import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSpooled, readSpooledSync, Spool, SPOOL_SMALL_FILE } from '../../../src/store/spool.js';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

test('extents: offsets, sizes and sha256 of what was appended; readable once the writer is closed; dispose removes all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-spool-unit-'));
  try {
    const spool = await Spool.create(dir);
    const writer = await spool.writer();
    const a = await writer.add(chunks('hello ', 'world'));
    const empty = await writer.add(chunks());
    const big = 'x'.repeat(3 << 20);
    const b = await writer.add(chunks(big.slice(0, 1 << 20), big.slice(1 << 20)));
    await writer.close();
    assert.deepEqual([a.offset, a.size, empty.offset, empty.size, b.offset, b.size], [0, 11, 11, 0, 11, 3 << 20]);
    assert.equal(a.sha256, createHash('sha256').update('hello world').digest('hex'));
    assert.equal(new TextDecoder().decode(await readSpooled(a, a.size)), 'hello world');
    assert.equal(new TextDecoder().decode(readSpooledSync(b, b.size)), big);
    assert.ok(spool.dir.startsWith(join(dir, 'tmp', `spool-${process.pid}-`)));
    await spool.dispose();
    assert.ok(!existsSync(spool.dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the in-memory budget: small files while it lasts, never large ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-spool-unit-'));
  try {
    const spool = await Spool.create(dir, { memoryBudget: 1000 });
    assert.equal(spool.holdInMemory(600), true);
    assert.equal(spool.holdInMemory(600), false, 'past the budget');
    assert.equal(spool.holdInMemory(400), true);
    const roomy = await Spool.create(dir);
    assert.equal(roomy.holdInMemory(SPOOL_SMALL_FILE + 1), false, 'large files always go to disk');
    await spool.dispose();
    await roomy.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
