/** The solver on a base image: installed packages satisfy relations, are never added and never replaced. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPithError } from '../../../../../src/errors.js';
import { installedFromControl, type InstalledPackage } from '../../../../../src/sources/debian/solver/installed.js';
import { parseRequirement } from '../../../../../src/sources/debian/solver/requirement.js';
import { solve, type Resolution } from '../../../../../src/sources/debian/solver/solver.js';
import { PackageUniverse } from '../../../../../src/sources/debian/solver/universe.js';
import { recs } from '../../../../helpers/solver-records.js';

const u = new PackageUniverse(
  recs(`
    jq 1.6 | Depends: libjq1 (= 1.6), libc6 (>= 2.34)
    libjq1 1.6 | Depends: libonig5 (>= 6.9), libc6 (>= 2.14)
    libonig5 6.9.8 | Depends: libc6 (>= 2.14)
    libc6 2.36 | Depends: libgcc-s1
    libc6 2.40 suite=trixie | Depends: libgcc-s1
    libgcc-s1 12.2 | Depends: gcc-12-base
    gcc-12-base 12.2
    newtool 2.0 | Depends: libc6 (>= 2.38)
    mailer 1.0 | Depends: default-mta | mail-transport-agent
    exim4 4.96 | Provides: mail-transport-agent
    picky 1.0 | Depends: libfoo (>= 2) | libbar
    libfoo 2.0
    libbar 1.0
  `),
  'amd64',
);

/** A base image's dpkg database, as pith or distroless write it (one paragraph per package). */
function base(text: string): InstalledPackage[] {
  return text
    .trim()
    .split('\n')
    .flatMap((line) => {
      const [name, version, ...rest] = line.trim().split(/\s+/);
      const provides = rest.length ? `Provides: ${rest.join(' ')}\n` : '';
      return installedFromControl(
        `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\n${provides}`,
        `status.d/${name}`,
        'amd64',
      );
    });
}

const run = (requirements: string[], installed: InstalledPackage[]): Resolution =>
  solve(
    requirements.map((r, i) => parseRequirement(r, `pith.yaml:${i + 1}:3`)),
    u,
    { installed },
  );
const picked = (r: Resolution) => r.packages.map((p) => `${p.name}=${p.version}`);

describe('solve on a base image', () => {
  const cc = base(`
    libc6 2.36
    libgcc-s1 12.2
    gcc-12-base 12.2
  `);

  it('adds only what the base lacks', () => {
    const r = run(['jq'], cc);
    assert.deepEqual(picked(r), ['jq=1.6', 'libjq1=1.6', 'libonig5=6.9.8']);
    assert.deepEqual(r.notes, []);
  });

  it('a requested package the base has is a note, not a second copy', () => {
    const r = run(['libc6', 'jq'], cc);
    assert.deepEqual(picked(r), ['jq=1.6', 'libjq1=1.6', 'libonig5=6.9.8']);
    assert.deepEqual(r.notes, ['libc6: already in the base image (libc6 2.36)']);
  });

  it('a base version that does not satisfy a dependency is an error naming the chain (never a second version on top)', () => {
    assert.throws(
      () => run(['newtool'], cc),
      (e: unknown) =>
        isPithError(e) &&
        e.message ===
          'newtool -> libc6 (>= 2.38): the base image has libc6 2.36, which does not satisfy it (packages of the base are never replaced)' &&
        e.where === 'pith.yaml:1:3',
    );
    assert.throws(
      () => run(['libc6 (>= 2.40)'], cc),
      (e: unknown) => isPithError(e) && e.message.startsWith('libc6 (>= 2.40): the base image has libc6 2.36,'),
    );
  });

  it('without the base the same request adds the newer version (the check is the base, not the archive)', () => {
    assert.deepEqual(picked(run(['newtool'], [])), ['gcc-12-base=12.2', 'libc6=2.40', 'libgcc-s1=12.2', 'newtool=2.0']);
  });

  it('another alternative is used when the base version of the first does not fit', () => {
    const r = run(['picky'], base('libfoo 1.0'));
    assert.deepEqual(picked(r), ['libbar=1.0', 'picky=1.0']);
  });

  it('a virtual package the base provides is satisfied by it', () => {
    const r = run(['mailer'], base('postfix 3.7 mail-transport-agent'));
    assert.deepEqual(picked(r), ['mailer=1.0']);
  });

  it('removed or half-installed entries of a classic status file do not count', () => {
    const status = [
      'Package: libc6\nStatus: install ok installed\nVersion: 2.36\nArchitecture: amd64\n',
      'Package: libonig5\nStatus: deinstall ok config-files\nVersion: 6.9.8\nArchitecture: amd64\n',
    ].join('\n');
    const installed = installedFromControl(status, 'var/lib/dpkg/status', 'amd64');
    assert.deepEqual(
      installed.map((p) => p.name),
      ['libc6'],
    );
    assert.ok(picked(run(['jq'], installed)).includes('libonig5=6.9.8'));
  });

  it('packages of another architecture count only when Multi-Arch: foreign', () => {
    const i386 = installedFromControl('Package: libonig5\nVersion: 6.9.8\nArchitecture: i386\n', 's', 'amd64');
    assert.ok(picked(run(['jq'], [...cc, ...i386])).includes('libonig5=6.9.8'));
    const foreign = installedFromControl(
      'Package: libonig5\nVersion: 6.9.8\nArchitecture: i386\nMulti-Arch: foreign\n',
      's',
      'amd64',
    );
    assert.ok(!picked(run(['jq'], [...cc, ...foreign])).includes('libonig5=6.9.8'));
  });
});
