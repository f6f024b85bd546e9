import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { isPithError } from '../../../../../src/errors.js';
import {
  bufferByteSource,
  fileByteSource,
  listArMembers,
  openDebArchive,
  readArMember,
} from '../../../../../src/sources/debian/deb/ar.js';
import { type ArNameStyle, craftDeb, writeAr } from '../../../../helpers/deb-craft.js';
import { run } from '../../../../helpers/deb-tools.js';

const text = (data: Uint8Array) => new TextDecoder().decode(data);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

function integrity(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isPithError(error), String(error));
    assert.equal(error.kind, 'integrity');
    assert.match(error.message, pattern);
    assert.equal(error.where, 'pkg.deb');
    return true;
  };
}

describe('ar reader', () => {
  const members = [
    { name: 'debian-binary', data: '2.0\n' },
    { name: 'odd', data: 'abc' },
    { name: 'a-rather-long-member-name.txt', data: 'long name' },
    { name: 'empty', data: '' },
  ];

  for (const style of ['plain', 'gnu', 'gnu-table', 'bsd'] as ArNameStyle[]) {
    it(`lists ${style} member names, offsets and sizes`, async () => {
      const usable = style === 'plain' || style === 'gnu' ? members.filter((m) => m.name.length < 16) : members;
      const archive = writeAr(usable, style);
      const source = bufferByteSource(archive);
      const listed = await listArMembers(source, 'pkg.deb');
      assert.deepEqual(
        listed.map((m) => m.name),
        usable.map((m) => m.name),
      );
      for (const [index, member] of listed.entries()) {
        assert.equal(text(archive.subarray(member.offset, member.offset + member.size)), usable[index]!.data);
        assert.equal(text(await collect(readArMember(source, member))), usable[index]!.data);
      }
    });
  }

  it('agrees with GNU ar on an archive written by ar itself', async () => {
    const dir = craftDeb({ data: [] }).replace(/\/[^/]+$/, '');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/short`, 'x');
    writeFileSync(`${dir}/a-name-longer-than-sixteen-bytes`, 'yy');
    run('ar', ['rcD', `${dir}/gnu.a`, 'short', 'a-name-longer-than-sixteen-bytes'], { cwd: dir });
    const handle = await open(`${dir}/gnu.a`);
    try {
      const source = fileByteSource(handle, (await handle.stat()).size);
      const listed = await listArMembers(source, 'pkg.deb');
      assert.deepEqual(
        listed.map((m) => m.name),
        ['short', 'a-name-longer-than-sixteen-bytes'],
      );
      assert.equal(text(await collect(readArMember(source, listed[1]!))), 'yy');
    } finally {
      await handle.close();
    }
  });

  it('streams a large member in bounded chunks from a file handle', async () => {
    const big = randomBytes(5 * 1024 * 1024 + 3);
    const path = craftDeb({ data: [] });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      path,
      writeAr([
        { name: 'big', data: big },
        { name: 'after', data: 'z' },
      ]),
    );
    const handle = await open(path);
    try {
      const source = fileByteSource(handle, (await handle.stat()).size);
      const [member, after] = await listArMembers(source, 'pkg.deb');
      let largest = 0;
      const parts: Uint8Array[] = [];
      for await (const chunk of readArMember(source, member!, 65536)) {
        largest = Math.max(largest, chunk.byteLength);
        parts.push(chunk);
      }
      assert.equal(largest, 65536);
      assert.ok(Buffer.concat(parts).equals(big));
      // Chunks are fresh buffers, never views of one reused buffer.
      assert.notEqual(parts[0]!.buffer, parts[1]!.buffer);
      assert.equal(text(await collect(readArMember(source, after!))), 'z');
    } finally {
      await handle.close();
    }
  });

  it('tolerates a trailing newline after the last member', async () => {
    const archive = Buffer.concat([writeAr([{ name: 'x', data: 'ab' }]), Buffer.from('\n')]);
    assert.deepEqual(
      (await listArMembers(bufferByteSource(archive), 'pkg.deb')).map((m) => m.name),
      ['x'],
    );
  });

  it('refuses garbage, bad header magic, bad sizes and truncation', async () => {
    await assert.rejects(
      listArMembers(bufferByteSource(Buffer.from('hello world')), 'pkg.deb'),
      integrity(/does not start with the ar header/),
    );
    const good = Buffer.from(writeAr([{ name: 'x', data: 'abcd' }]));
    const badMagic = Buffer.from(good);
    badMagic[8 + 58] = 0x41;
    await assert.rejects(
      listArMembers(bufferByteSource(badMagic), 'pkg.deb'),
      integrity(/bad member header magic at offset 8/),
    );
    const badSize = Buffer.from(good);
    badSize.write('12x       ', 8 + 48, 'latin1');
    await assert.rejects(listArMembers(bufferByteSource(badSize), 'pkg.deb'), integrity(/member size field is "12x"/));
    await assert.rejects(
      listArMembers(bufferByteSource(good.subarray(0, good.byteLength - 1)), 'pkg.deb'),
      integrity(/truncated package: ar member "x" declares 4 bytes but only 3 remain/),
    );
    await assert.rejects(
      listArMembers(bufferByteSource(good.subarray(0, 30)), 'pkg.deb'),
      integrity(/member header at offset 8 has 22 of 60 bytes/),
    );
    await assert.rejects(
      listArMembers(bufferByteSource(writeAr([{ name: '/5', data: 'x' }])), 'pkg.deb'),
      integrity(/long name reference \/5 without a name table/),
    );
  });

  it('checks the .deb member layout', async () => {
    const deb = (list: { name: string; data: string }[]) => openDebArchive(bufferByteSource(writeAr(list)), 'pkg.deb');
    const ok = await deb([
      { name: 'debian-binary', data: '2.0\n' },
      { name: '_signature', data: 's' },
      { name: 'control.tar.zst', data: 'c' },
      { name: 'data.tar', data: 'd' },
    ]);
    assert.equal(ok.formatVersion, '2.0');
    assert.deepEqual([ok.control.name, ok.data.name], ['control.tar.zst', 'data.tar']);
    await assert.rejects(deb([]), integrity(/first ar member is missing, expected "debian-binary"/));
    await assert.rejects(
      deb([
        { name: 'debian-binary', data: '2.0' },
        { name: 'data.tar', data: 'd' },
      ]),
      integrity(/expected control\.tar member after debian-binary, found "data\.tar"/),
    );
    await assert.rejects(
      deb([{ name: 'debian-binary', data: '1.0\n' }]),
      integrity(/unsupported \.deb format version "1\.0"/),
    );
    await assert.rejects(
      deb([
        { name: 'debian-binary', data: '2.0\n' },
        { name: 'control.tar', data: 'c' },
        { name: 'junk', data: 'd' },
      ]),
      integrity(/expected data\.tar member after control\.tar, found "junk"/),
    );
  });
});
