/**
 * The solver against the real bookworm main amd64 indexes (bookworm, bookworm-updates,
 * bookworm-security from the host's mirror, verified against their InRelease), checked for closure
 * and against `apt-get install --simulate --no-install-recommends`.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { solve, type Resolution } from '../../../../../src/sources/debian/solver/solver.js';
import { PackageUniverse } from '../../../../../src/sources/debian/solver/universe.js';
import { parseRequirement } from '../../../../../src/sources/debian/solver/requirement.js';
import { compareVersions } from '../../../../../src/sources/debian/solver/version.js';
import { isPithError } from '../../../../../src/errors.js';
import { networkTestsSkipped } from '../../../../helpers/debian-mirror.js';
import { loadBookwormIndexes, type LoadedIndexes } from '../../../../helpers/solver-indexes.js';
import { aptSimulate, expectedFromApt, unsatisfiedDependencies } from '../../../../helpers/solver-check.js';
import { shuffled } from '../../../../helpers/solver-records.js';

describe('solve against the real bookworm amd64 indexes', { skip: networkTestsSkipped() }, () => {
  let idx: LoadedIndexes;
  let universe: PackageUniverse;
  let universeMs = 0;
  const results = new Map<string, { r: Resolution; ms: number }>();

  before(async () => {
    idx = await loadBookwormIndexes('amd64');
    const t = performance.now();
    universe = new PackageUniverse(idx.records, 'amd64');
    universeMs = performance.now() - t;
  });

  const resolve = (name: string) => {
    let hit = results.get(name);
    if (!hit) {
      const t = performance.now();
      const r = solve([parseRequirement(name, `test:${name}`)], universe);
      hit = { r, ms: performance.now() - t };
      results.set(name, hit);
    }
    return hit.r;
  };
  const names = (r: Resolution) => r.packages.map((p) => p.name);

  it('loads the three suites in order', (t) => {
    for (const line of idx.timings) t.diagnostic(line);
    t.diagnostic(
      `index parse total ${idx.parseMs.toFixed(0)} ms; PackageUniverse built in ${universeMs.toFixed(0)} ms`,
    );
    assert.deepEqual(idx.suites, ['bookworm', 'bookworm-updates', 'bookworm-security']);
    assert.deepEqual(universe.suites, idx.suites);
    assert.ok(idx.records.length > 60_000);
  });

  for (const root of ['curl', 'python3', 'libstdc++6', 'ca-certificates']) {
    it(`${root}: closed, one version per name, every reason chain starts at ${root}`, (t) => {
      const r = resolve(root);
      t.diagnostic(
        `${root}: ${r.packages.length} packages in ${results.get(root)!.ms.toFixed(1)} ms: ${names(r).join(' ')}`,
      );
      for (const note of r.notes) t.diagnostic(`note: ${note}`);
      assert.deepEqual(unsatisfiedDependencies(r.packages, universe), []);
      assert.equal(new Set(names(r)).size, r.packages.length);
      assert.deepEqual(names(r), names(r).slice().sort());
      for (const p of r.packages) {
        const chain = r.reasons.get(p.name);
        assert.ok(
          chain && chain[0] === root && chain[chain.length - 1] === p.name,
          `${p.name}: ${chain?.join(' -> ')}`,
        );
        assert.ok(!p.essential, `${p.name} is Essential and was not requested`);
        // The highest version of the name among all suites (nothing here forces an older one).
        assert.equal(p.version, universe.candidates(p.name)[0]!.version, p.name);
      }
    });
  }

  it('curl pulls libcurl4 and libssl3 through the expected chain, and libc6', () => {
    const r = resolve('curl');
    for (const n of ['curl', 'libcurl4', 'libssl3', 'libc6', 'zlib1g', 'libnghttp2-14'])
      assert.ok(names(r).includes(n), n);
    assert.deepEqual(r.reasons.get('libcurl4'), ['curl', 'libcurl4']);
    assert.deepEqual(r.reasons.get('libssl3'), ['curl', 'libcurl4', 'libssl3']);
    assert.ok(!names(r).includes('ca-certificates'), 'Recommends are not followed');
  });

  it('python3 pulls the interpreter and its stdlib, not dpkg or install-info', () => {
    const r = resolve('python3');
    for (const n of [
      'python3',
      'python3.11',
      'python3-minimal',
      'python3.11-minimal',
      'libpython3.11-stdlib',
      'libpython3.11-minimal',
      'media-types',
      'libc6',
      'libssl3',
      'zlib1g',
      'libexpat1',
    ]) {
      assert.ok(names(r).includes(n), n);
    }
    for (const n of ['dpkg', 'install-info', 'tar', 'mime-support']) assert.ok(!names(r).includes(n), n);
    assert.ok(
      r.notes.some((n) =>
        /readline-common -> dpkg \(>= [^)]+\) \| install-info: not followed \(essential dpkg: installed only when the image needs a file it ships\)$/.test(
          n,
        ),
      ),
      r.notes.join('\n'),
    );
    assert.ok(
      r.notes.includes('python3 -> python3.11 -> media-types | mime-support: chose media-types (first alternative)'),
      r.notes.join('\n'),
    );
  });

  it('libstdc++6 and ca-certificates give their small closures', () => {
    assert.deepEqual(names(resolve('libstdc++6')), ['gcc-12-base', 'libc6', 'libgcc-s1', 'libstdc++6']);
    const ca = names(resolve('ca-certificates'));
    for (const n of ['ca-certificates', 'openssl', 'libssl3', 'debconf', 'libc6']) assert.ok(ca.includes(n), n);
    assert.ok(!ca.includes('perl-base'), 'perl-base is Essential');
  });

  it('takes security updates over the release version', () => {
    const r = resolve('curl');
    const ssl = r.packages.find((p) => p.name === 'libssl3')!;
    const inRelease = universe.candidates('libssl3').find((p) => p.suite === 'bookworm')!;
    assert.ok(compareVersions(ssl.version, inRelease.version) >= 0);
    if (compareVersions(ssl.version, inRelease.version) > 0) assert.equal(ssl.suite, 'bookworm-security');
  });

  it('pins an older version when asked (libssl3 from the release suite)', () => {
    const release = universe.candidates('libssl3').find((p) => p.suite === 'bookworm')!;
    const r = solve([parseRequirement(`libssl3=${release.version}`), parseRequirement('curl')], universe);
    assert.equal(r.packages.find((p) => p.name === 'libssl3')!.version, release.version);
    assert.equal(r.packages.find((p) => p.name === 'libssl3')!.suite, 'bookworm');
  });

  it('does not depend on the order of the records', () => {
    const again = new PackageUniverse(shuffled(idx.records, 7), 'amd64');
    for (const root of ['curl', 'python3']) {
      const a = resolve(root);
      const b = solve([parseRequirement(root)], again);
      assert.deepEqual(
        b.packages.map((p) => `${p.name}=${p.version}@${p.suite}`),
        a.packages.map((p) => `${p.name}=${p.version}@${p.suite}`),
      );
      assert.deepEqual(b.notes, a.notes);
      assert.deepEqual([...b.reasons], [...a.reasons]);
    }
  });

  it('resolves all four together, and cuts an excluded package out', () => {
    const all = solve(
      ['curl', 'python3', 'libstdc++6', 'ca-certificates'].map((n) => parseRequirement(n)),
      universe,
    );
    const union = new Set(['curl', 'python3', 'libstdc++6', 'ca-certificates'].flatMap((n) => names(resolve(n))));
    assert.deepEqual(names(all), [...union].sort());
    assert.deepEqual(unsatisfiedDependencies(all.packages, universe), []);

    const cut = solve([parseRequirement('ca-certificates')], universe, { exclude: ['debconf'] });
    assert.ok(!names(cut).includes('debconf'));
    assert.ok(
      cut.notes.includes('ca-certificates -> debconf (>= 0.5) | debconf-2.0: satisfied by excluded debconf'),
      cut.notes.join('\n'),
    );
    assert.deepEqual(unsatisfiedDependencies(cut.packages, universe, ['debconf']), []);
  });

  it('fails with a clear message for a package that does not exist', () => {
    assert.throws(
      () => solve([parseRequirement('no-such-package-pith', 'pith.yaml:3:5')], universe),
      (e: unknown) => {
        assert.ok(isPithError(e) && e.kind === 'build');
        assert.equal(
          e.message,
          'no-such-package-pith: no such package in bookworm, bookworm-updates, bookworm-security (amd64)',
        );
        assert.equal(e.where, 'pith.yaml:3:5');
        return true;
      },
    );
  });

  /**
   * Packages apt installs for a dependency that pith saw satisfied by an Essential package (e.g. the
   * transitional lsb-base, which Essential sysvinit-utils provides): read from pith's notes.
   */
  const essentialSatisfied = (r: Resolution): Set<string> => {
    const out = new Set<string>();
    for (const note of r.notes) {
      const m = /^(.*): not followed \(essential \S+: installed only when the image needs a file it ships\)$/.exec(
        note,
      );
      if (!m) continue;
      const group = m[1]!.split(' -> ').pop()!;
      for (const alt of group.split(' | ')) out.add(alt.replace(/[:\s].*$/, ''));
    }
    return out;
  };

  // openssh-server is not one of the four: it shows an intended difference (lsb-base).
  for (const root of ['curl', 'python3', 'libstdc++6', 'ca-certificates', 'openssh-server']) {
    it(`${root}: has everything apt-get --simulate --no-install-recommends installs, Essential-only chains aside`, (t) => {
      const apt = aptSimulate([root]);
      if ('skip' in apt) {
        t.skip(apt.skip);
        return;
      }
      const r = resolve(root);
      const mine = new Set(names(r));
      const expected = expectedFromApt(apt.installs, [root], universe);
      const viaEssential = essentialSatisfied(r);
      const missing = [...expected].filter((n) => !mine.has(n)).sort();
      const intended = missing.filter((n) => viaEssential.has(n));
      const unexplained = missing.filter((n) => !viaEssential.has(n));
      const extra = [...mine].filter((n) => !apt.installs.has(n)).sort();
      const notExpected = [...apt.installs.keys()].filter((n) => !expected.has(n)).sort();
      t.diagnostic(`apt installs ${apt.installs.size}, pith selects ${mine.size}`);
      t.diagnostic(
        `apt only, Essential or pulled only by Essential packages (intended): ${notExpected.join(' ') || '-'}`,
      );
      t.diagnostic(
        `apt only, the dependency is satisfied by an Essential package's Provides (intended): ${intended.join(' ') || '-'}`,
      );
      t.diagnostic(`apt only, otherwise: ${unexplained.join(' ') || '-'}`);
      t.diagnostic(`pith only: ${extra.join(' ') || '-'}`);
      const versionDiffs = r.packages.filter((p) => apt.installs.has(p.name) && apt.installs.get(p.name) !== p.version);
      if (versionDiffs.length > 0) {
        // The host's apt lists may be older or newer than the indexes the mirror serves now.
        t.diagnostic(
          `versions differ (host apt lists vs mirror): ${versionDiffs.map((p) => `${p.name} ${apt.installs.get(p.name)} / ${p.version}`).join(', ')}`,
        );
      }
      assert.deepEqual(unexplained, []);
      assert.deepEqual(extra, []);
      if (root === 'openssh-server') assert.deepEqual(intended, ['lsb-base']);
    });
  }
});
