import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PackageUniverse } from '../../../../../src/sources/debian/solver/universe.js';
import { rec, recs, shuffled } from '../../../../helpers/solver-records.js';

const RECORDS = [
  ...recs(`
    libfoo 1.0
    libfoo 2.0
    libfoo 2.0~rc1
    libfoo 3.0 arch=arm64
    armonly 1.0 arch=arm64
    armonly 1.0 arch=riscv64
    data 1.0 arch=all
    exim4 4.96 | Provides: mail-transport-agent
    postfix 3.7 | Provides: mail-transport-agent, libfoo (= 9)
    dma 0.13 arch=i386 | Provides: mail-transport-agent
  `),
  ...recs(
    `
    libfoo 2.0
    libfoo 1.5
    data 1.0 arch=all
  `,
    { suite: 'bookworm-security' },
  ),
];

const show = (list: Array<{ name: string; version: string; suite: string }>) =>
  list.map((r) => `${r.name} ${r.version} ${r.suite}`);

describe('PackageUniverse', () => {
  it('keeps the image architecture and all, nothing else', () => {
    const u = new PackageUniverse(RECORDS, 'amd64');
    assert.deepEqual(u.candidates('armonly'), []);
    assert.deepEqual(u.otherArchitectures('armonly'), ['arm64', 'riscv64']);
    assert.deepEqual(show(u.candidates('data')), ['data 1.0 bookworm', 'data 1.0 bookworm-security']);
    assert.ok(u.candidates('libfoo').every((r) => r.architecture === 'amd64'));
    assert.deepEqual(
      u.providers('mail-transport-agent').map((p) => p.record.name),
      ['exim4', 'postfix'],
    );
    const arm = new PackageUniverse(RECORDS, 'arm64');
    assert.deepEqual(show(arm.candidates('libfoo')), ['libfoo 3.0 bookworm']);
    assert.deepEqual(show(arm.candidates('armonly')), ['armonly 1.0 bookworm']);
    assert.deepEqual(arm.providers('mail-transport-agent'), []);
  });

  it('orders candidates highest version first, equal versions by suite order', () => {
    const u = new PackageUniverse(RECORDS, 'amd64');
    assert.deepEqual(show(u.candidates('libfoo')), [
      'libfoo 2.0 bookworm',
      'libfoo 2.0 bookworm-security',
      'libfoo 2.0~rc1 bookworm',
      'libfoo 1.5 bookworm-security',
      'libfoo 1.0 bookworm',
    ]);
    assert.deepEqual(u.suites, ['bookworm', 'bookworm-security']);
    assert.equal(u.describe(), 'bookworm, bookworm-security (amd64)');
    // Security first: the tie goes the other way.
    const secFirst = new PackageUniverse(
      [...RECORDS.filter((r) => r.suite !== 'bookworm'), ...RECORDS.filter((r) => r.suite === 'bookworm')],
      'amd64',
    );
    assert.deepEqual(show(secFirst.candidates('libfoo')).slice(0, 2), [
      'libfoo 2.0 bookworm-security',
      'libfoo 2.0 bookworm',
    ]);
  });

  it('does not depend on the order of records within the suites', () => {
    const a = new PackageUniverse(RECORDS, 'amd64');
    for (let seed = 1; seed < 20; seed++) {
      const mixed = [
        ...shuffled(
          RECORDS.filter((r) => r.suite === 'bookworm'),
          seed,
        ),
        ...shuffled(
          RECORDS.filter((r) => r.suite !== 'bookworm'),
          seed + 100,
        ),
      ];
      const b = new PackageUniverse(mixed, 'amd64');
      for (const name of ['libfoo', 'data', 'exim4']) assert.deepEqual(b.candidates(name), a.candidates(name));
      assert.deepEqual(b.providers('mail-transport-agent'), a.providers('mail-transport-agent'));
      assert.deepEqual(b.providers('libfoo'), a.providers('libfoo'));
    }
  });

  it('orders an arch build before an all build of the same version, and drops exact duplicates', () => {
    const u = new PackageUniverse([rec('mixed 1.0 arch=all'), rec('mixed 1.0'), rec('mixed 1.0')], 'amd64');
    assert.deepEqual(
      u.candidates('mixed').map((r) => r.architecture),
      ['amd64', 'all'],
    );
  });

  it('lists providers with the Provides entry, and knows real and virtual names', () => {
    const u = new PackageUniverse(RECORDS, 'amd64');
    assert.deepEqual(
      u.providers('libfoo').map((p) => [p.record.name, p.provided]),
      [['postfix', { name: 'libfoo', op: '=', version: '9' }]],
    );
    assert.ok(u.knows('libfoo') && u.knows('mail-transport-agent') && !u.knows('armonly') && !u.knows('nothing'));
    // candidates() returns a copy.
    u.candidates('libfoo').pop();
    assert.equal(u.candidates('libfoo').length, 5);
  });
});

describe('PackageUniverse duplicates', () => {
  it('keeps both Provides entries of a record that provides a name twice, and drops a repeated index', () => {
    const twice = recs(`
      multi 1 | Provides: foo, foo (= 2)
      other 1 | Provides: foo (= 1)
    `);
    const u = new PackageUniverse([...twice, ...twice], 'amd64');
    assert.deepEqual(
      u.providers('foo').map((p) => `${p.record.name} ${p.provided.version ?? '-'}`),
      ['multi -', 'multi 2', 'other 1'],
    );
    assert.equal(u.candidates('multi').length, 1);
  });
});
