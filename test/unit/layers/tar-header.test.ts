import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMember, type MemberHeader, TypeFlag } from '../../../src/layers/tar-header.js';

const base: MemberHeader = {
  name: 'f',
  typeflag: TypeFlag.file,
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 1_700_000_000,
  linkname: '',
};

/** The PAX records of an encoded member (its second block onwards, up to the ustar header). */
function paxRecords(blocks: Buffer[]): string[] {
  assert.equal(blocks.length, 3);
  assert.equal(String.fromCharCode(blocks[0]![156]!), 'x');
  const size = parseInt(blocks[0]!.toString('latin1', 124, 135), 8);
  const data = blocks[1]!.subarray(0, size);
  const records: string[] = [];
  for (let offset = 0; offset < data.length;) {
    const space = data.indexOf(0x20, offset);
    const length = parseInt(data.toString('latin1', offset, space), 10);
    const record = data.subarray(offset, offset + length);
    assert.equal(record.at(-1), 0x0a, 'each record ends with a newline');
    records.push(record.toString('utf8', space - offset + 1, length - 1));
    offset += length;
  }
  return records;
}

const octalField = (block: Buffer, offset: number, length: number) => block.toString('latin1', offset, offset + length);

describe('encodeMember', () => {
  it('stores sizes of 8 GiB and more as a PAX size record', () => {
    const small = encodeMember({ ...base, size: 2 ** 33 - 1 });
    assert.equal(small.length, 1);
    assert.equal(octalField(small[0]!, 124, 12), '77777777777\0');

    const blocks = encodeMember({ ...base, size: 2 ** 33 });
    assert.deepEqual(paxRecords(blocks), ['size=8589934592']);
    assert.equal(octalField(blocks[2]!, 124, 12), '00000000000\0');
  });

  it('writes numeric fields as zero-padded octal with a NUL and a valid checksum', () => {
    const [block] = encodeMember({ ...base, mode: 0o4755, uid: 1000, gid: 0o7777777, size: 5 });
    assert.ok(block);
    assert.equal(octalField(block, 100, 8), '0004755\0');
    assert.equal(octalField(block, 108, 8), '0001750\0');
    assert.equal(octalField(block, 116, 8), '7777777\0');
    assert.equal(octalField(block, 136, 12), '14524770400\0');
    assert.equal(octalField(block, 257, 8), 'ustar\x0000');
    assert.equal(octalField(block, 329, 16), '0000000\x000000000\0');
    const stored = octalField(block, 148, 8);
    const copy = Buffer.from(block);
    copy.fill(0x20, 148, 156);
    const sum = copy.reduce((a, b) => a + b, 0);
    assert.equal(stored, `${sum.toString(8).padStart(6, '0')}\0 `);
  });

  it('gets every PAX record length right, across digit-count boundaries', () => {
    // Lengths around 99/100 and 999/1000 are where a naive self-counting length goes wrong.
    // A non-ASCII name always goes to PAX, whatever its length.
    for (let n = 80; n <= 1010; n++) {
      const name = `é${'x'.repeat(n)}`;
      const records = paxRecords(encodeMember({ ...base, name }));
      assert.deepEqual(records, [`path=${name}`], `name of ${n + 2} bytes`);
    }
  });

  it('keeps the ustar name field a truncated, valid UTF-8 fallback', () => {
    const name = `${'é'.repeat(60)}`; // 120 bytes, non-ASCII
    const blocks = encodeMember({ ...base, name });
    const field = blocks[2]!.subarray(0, 100);
    const end = field.indexOf(0) === -1 ? 100 : field.indexOf(0);
    assert.equal(field.toString('utf8', 0, end), 'é'.repeat(50));
    assert.equal(blocks[0]!.toString('latin1', 0, 100).replace(/\0+$/, ''), `PaxHeaders/${'_'.repeat(89)}`);
  });
});
