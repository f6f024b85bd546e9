/**
 * The bounds of one package (deb-limits.ts, tar-entries.ts) and the spool (store/spool.ts): each
 * refusal is one line naming the package, the member and the variable that raises the limit;
 * spooled contents are byte for byte what an in-memory read gives.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import { debFilesToTreeEntries, readDebBytes } from '../../../../../src/sources/debian/deb/deb-reader.js';
import { installedSizeOf } from '../../../../../src/sources/debian/deb/deb-limits.js';
import { readSpooled, Spool } from '../../../../../src/store/spool.js';
import { craftDebBytes, MINIMAL_CONTROL, type TarEntrySpec } from '../../../../helpers/deb-craft.js';

const files = (count: number, size = 10): TarEntrySpec[] =>
  Array.from({ length: count }, (_, i) => ({ name: `./f${i}`, data: 'x'.repeat(size) }));
const withSize = (kib: number) => `${MINIMAL_CONTROL}Installed-Size: ${kib}\n`;

async function refusal(deb: Uint8Array, limits: Parameters<typeof readDebBytes>[2] = {}): Promise<string> {
  try {
    await readDebBytes(deb, 'package crafted (crafted.deb)', limits);
  } catch (err) {
    assert.ok(isPithError(err), String(err));
    return err.oneLine();
  }
  assert.fail('accepted');
}

test('more entries than the limit: refused, naming PITH_MAX_DEB_ENTRIES', async () => {
  const line = await refusal(craftDebBytes({ data: files(20) }), { limits: { entries: 10 } });
  assert.equal(
    line,
    'package crafted (crafted.deb): data.tar has more than 10 entries; refused (raise the limit with PITH_MAX_DEB_ENTRIES=... if this is expected)',
  );
});

test('more bytes than Installed-Size allows: refused on the header, naming the factor', async () => {
  const deb = craftDebBytes({ data: files(3, 500_000), control: withSize(100) });
  const line = await refusal(deb);
  assert.match(
    line,
    /data\.tar unpacks to more than 1224 KiB \(2 x its Installed-Size of 100 KiB, plus 1 MiB\); refused \(its Installed-Size understates it; raise the limit with PITH_DEB_INSTALLED_SIZE_FACTOR/,
  );
  // The same package with a larger factor is read.
  const contents = await readDebBytes(deb, 'crafted', { limits: { installedSizeFactor: 20 } });
  assert.equal(contents.files.length, 3);
});

test('an absolute limit applies whatever Installed-Size claims', async () => {
  const line = await refusal(craftDebBytes({ data: files(3, 1000), control: withSize(999_999) }), {
    limits: { unpackedBytes: 2500 },
  });
  assert.match(
    line,
    /unpacks to more than 2500 bytes \(the limit for one package\); refused \(raise the limit with PITH_MAX_DEB_UNPACKED_BYTES/,
  );
});

test('control.tar larger than its limit is refused', async () => {
  const line = await refusal(
    craftDebBytes({ data: files(1), control: `${MINIMAL_CONTROL}X-Pad: ${'p'.repeat(5000)}\n` }),
    { limits: { controlBytes: 1000 } },
  );
  assert.match(
    line,
    /control\.tar\.gz unpacks to more than 1000 bytes; refused \(raise the limit with PITH_MAX_DEB_CONTROL_BYTES/,
  );
});

test('Installed-Size is read from the control file, and only when it is a number', () => {
  assert.equal(installedSizeOf(withSize(1234)), 1234);
  assert.equal(installedSizeOf(`${MINIMAL_CONTROL}Installed-Size: lots\n`), undefined);
  assert.equal(installedSizeOf(MINIMAL_CONTROL), undefined);
});

test('spooled contents equal in-memory contents, with their sha256; tree entries point at the spool', async () => {
  const deb = craftDebBytes({
    data: [
      { name: './a', data: 'alpha' },
      { name: './empty', data: '' },
      { name: './big', data: 'z'.repeat(3 << 20) },
      { name: './h', type: 'hardlink', linkname: './a' },
    ],
    dataCompression: 'gz',
  });
  const dir = mkdtempSync(join(tmpdir(), 'pith-spool-'));
  const spool = await Spool.create(dir, { memoryBudget: 0 });
  try {
    const inMemory = await readDebBytes(deb, 'crafted');
    const spooled = await readDebBytes(deb, 'crafted', { spool });
    assert.deepEqual(
      spooled.files.map((f) => [f.path, f.type, f.size]),
      inMemory.files.map((f) => [f.path, f.type, f.size]),
    );
    for (const [i, file] of spooled.files.entries()) {
      if (file.type !== 'file' || file.size === 0) continue; // an empty file costs no memory
      assert.equal(file.data, undefined, 'no bytes held in memory');
      const expected = inMemory.files[i]!.data!;
      assert.deepEqual(await readSpooled(file.spooled!, file.spooled!.size), expected);
      assert.equal(file.spooled!.sha256, createHash('sha256').update(expected).digest('hex'));
    }
    const entries = debFilesToTreeEntries(spooled.files, { package: 'crafted', detail: 'crafted 1' });
    const big = entries.find((e) => e.path === 'big');
    assert.ok(big?.type === 'file' && big.source.kind === 'spool' && big.size === 3 << 20);
  } finally {
    await spool.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
