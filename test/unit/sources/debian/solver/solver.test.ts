import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { solve, type Resolution, type SolveOptions } from '../../../../../src/sources/debian/solver/solver.js';
import { PackageUniverse } from '../../../../../src/sources/debian/solver/universe.js';
import { parseRequirement } from '../../../../../src/sources/debian/solver/requirement.js';
import type { PackageRecord } from '../../../../../src/sources/debian/archive/packages-index.js';
import { isPithError } from '../../../../../src/errors.js';
import { recs, shuffled } from '../../../../helpers/solver-records.js';
import { unsatisfiedDependencies } from '../../../../helpers/solver-check.js';

function universe(text: string, more: PackageRecord[] = []): PackageUniverse {
  return new PackageUniverse([...recs(text), ...more], 'amd64');
}

function run(u: PackageUniverse, requirements: string[], options?: SolveOptions): Resolution {
  return solve(
    requirements.map((r, i) => parseRequirement(r, `pith.yaml:${i + 1}:3`)),
    u,
    options,
  );
}

/** `name=version` of each selected package, in result order. */
const picked = (r: Resolution) => r.packages.map((p) => `${p.name}=${p.version}`);

function assertBuildError(fn: () => unknown, message: string, where?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isPithError(e), String(e));
    assert.equal(e.message, message);
    assert.equal(e.kind, 'build');
    if (where !== undefined) assert.equal(e.where, where);
    return true;
  });
}

describe('solve: basics', () => {
  const u = universe(`
    curl 7.88 | Depends: libcurl4 (>= 7.88), libc6 ; Recommends: ca-certificates
    libcurl4 7.88 | Pre-Depends: libc6 (>= 2.34) ; Depends: libssl3, zlib1g
    libssl3 3.0.9 | Depends: libc6
    zlib1g 1:1.2.13 | Depends: libc6
    libc6 2.36 | Depends: libgcc-s1 ; Suggests: glibc-doc
    libgcc-s1 12.2 | Depends: libc6 (>= 2.35), gcc-12-base
    gcc-12-base 12.2
    ca-certificates 2023
    glibc-doc 2.36
  `);

  it('follows Pre-Depends and Depends only, breadth-first, with reasons', () => {
    const r = run(u, ['curl']);
    assert.deepEqual(picked(r), [
      'curl=7.88',
      'gcc-12-base=12.2',
      'libc6=2.36',
      'libcurl4=7.88',
      'libgcc-s1=12.2',
      'libssl3=3.0.9',
      'zlib1g=1:1.2.13',
    ]);
    assert.deepEqual(Object.fromEntries(r.reasons), {
      curl: ['curl'],
      libcurl4: ['curl', 'libcurl4'],
      libc6: ['curl', 'libc6'],
      libssl3: ['curl', 'libcurl4', 'libssl3'],
      zlib1g: ['curl', 'libcurl4', 'zlib1g'],
      'libgcc-s1': ['curl', 'libc6', 'libgcc-s1'],
      'gcc-12-base': ['curl', 'libc6', 'libgcc-s1', 'gcc-12-base'],
    } as Record<string, string[]>);
    assert.deepEqual(r.notes, []);
    assert.deepEqual(unsatisfiedDependencies(r.packages, u), []);
  });

  it('handles cycles (libc6 <-> libgcc-s1, and a package depending on itself)', () => {
    const v = universe(`
      pa 1 | Depends: pb
      pb 1 | Depends: pc
      pc 1 | Depends: pa (>= 1), pc
    `);
    assert.deepEqual(picked(run(v, ['pa'])), ['pa=1', 'pb=1', 'pc=1']);
  });

  it('gives the same result whatever the order of the records', () => {
    const records = recs(`
      app 1 | Depends: libx | liby, mta, libz (>= 2)
      libx 1 | Depends: libz
      liby 1
      libz 1
      libz 2 suite=bookworm-security
      libz 3 suite=bookworm-updates
      exim 4 | Provides: mta
      postfix 3 | Provides: mta
    `);
    const first = run(new PackageUniverse(records, 'amd64'), ['app']);
    assert.deepEqual(picked(first), ['app=1', 'exim=4', 'libx=1', 'libz=3']);
    for (let seed = 1; seed <= 25; seed++) {
      const r = run(new PackageUniverse(shuffled(records, seed), 'amd64'), ['app']);
      assert.deepEqual(picked(r), picked(first));
      assert.deepEqual(r.notes, first.notes);
      assert.deepEqual([...r.reasons], [...first.reasons]);
    }
  });

  it('processes requirements in order: the first one gives the reason chain', () => {
    const r = run(u, ['libssl3', 'curl']);
    assert.deepEqual(r.reasons.get('libssl3'), ['libssl3']);
    assert.deepEqual(r.reasons.get('libc6'), ['libssl3', 'libc6']);
    assert.deepEqual(r.reasons.get('zlib1g'), ['curl', 'libcurl4', 'zlib1g']);
  });
});

describe('solve: versions', () => {
  const u = universe(`
    lib 1.0
    lib 2.0~rc1
    lib 2.0
    lib 3.0
  `);
  const cases: Array<[string, string]> = [
    ['<< 2.0', '2.0~rc1'],
    ['<= 2.0', '2.0'],
    ['= 2.0', '2.0'],
    ['>= 2.0', '3.0'],
    ['>> 2.0', '3.0'],
    ['<< 2.0~rc1', '1.0'],
    ['<= 2.0~', '1.0'],
    ['>= 2.0~', '3.0'],
    ['= 2.0~rc1', '2.0~rc1'],
    ['<< 1:0', '3.0'],
    ['>> 3.0-0', '-'],
  ];
  for (const [rel, want] of cases) {
    it(`lib (${rel}) -> ${want}, as a dependency and as a requirement`, () => {
      const v = universe(`app 1 | Depends: lib (${rel})`, u.candidates('lib'));
      if (want === '-') {
        assertBuildError(
          () => run(v, ['app']),
          `app -> lib (${rel}): only 3.0, 2.0, 2.0~rc1, 1.0 available`,
          'pith.yaml:1:3',
        );
        assertBuildError(
          () => run(v, [`lib (${rel})`]),
          `lib (${rel}): only 3.0, 2.0, 2.0~rc1, 1.0 available`,
          'pith.yaml:1:3',
        );
        return;
      }
      assert.deepEqual(picked(run(v, ['app'])), ['app=1', `lib=${want}`]);
      assert.deepEqual(picked(run(v, [`lib (${rel})`])), [`lib=${want}`]);
    });
  }

  it('takes the highest version across suites, the first suite on ties, and honours a pin', () => {
    const v = new PackageUniverse(
      [
        ...recs(`
          app 1 | Depends: libssl3
          libssl3 3.0.2
          libssl3 3.0.9
          tie 1.0
        `),
        ...recs(`libssl3 3.0.11`, { suite: 'bookworm-security' }),
        ...recs(`tie 1.0`, { suite: 'bookworm-updates' }),
      ],
      'amd64',
    );
    const hi = run(v, ['app', 'tie']);
    assert.deepEqual(
      hi.packages.map((p) => `${p.name}=${p.version}@${p.suite}`),
      ['app=1@bookworm', 'libssl3=3.0.11@bookworm-security', 'tie=1.0@bookworm'],
    );
    const pinned = run(v, ['libssl3=3.0.2', 'app']);
    assert.deepEqual(
      pinned.packages.map((p) => `${p.name}=${p.version}@${p.suite}`),
      ['app=1@bookworm', 'libssl3=3.0.2@bookworm'],
    );
    assert.deepEqual(picked(run(v, ['app', 'libssl3 (<< 3.0.10)'])), ['app=1', 'libssl3=3.0.9']);
  });

  it('backtracks to a version that satisfies every constraint seen for a name', () => {
    const v = universe(`
      pa 1 | Depends: lib, pb
      pb 1 | Depends: lib (<< 3)
      lib 1
      lib 2 | Depends: helper
      lib 3 | Depends: three-only
      helper 1
      three-only 1
    `);
    const r = run(v, ['pa']);
    assert.deepEqual(picked(r), ['helper=1', 'lib=2', 'pa=1', 'pb=1']);
    assert.deepEqual(unsatisfiedDependencies(r.packages, v), []);
    assert.deepEqual(r.reasons.get('lib'), ['pa', 'lib']);
    assert.deepEqual(r.notes, [
      'lib 3 (selected by pa -> lib) does not satisfy pa -> pb -> lib (<< 3): solved again, keeping lib (<< 3)',
    ]);
  });

  it('names both chains when no version satisfies both constraints', () => {
    const v = universe(`
      pa 1 | Depends: lib (>= 2)
      pb 1 | Depends: pc
      pc 1 | Depends: lib (<< 2)
      lib 1
      lib 2
    `);
    assertBuildError(
      () => run(v, ['pa', 'pb']),
      'pb -> pc -> lib (<< 2) conflicts with pa -> lib (>= 2): no version of lib satisfies both (available: 2, 1)',
      'pith.yaml:2:3',
    );
    assertBuildError(
      () => run(v, ['lib=1', 'pa']),
      'pa -> lib (>= 2) conflicts with lib (= 1): no version of lib satisfies both (available: 2, 1)',
      'pith.yaml:2:3',
    );
    assertBuildError(
      () => run(v, ['lib=1', 'lib (>= 2)']),
      'lib (>= 2) conflicts with lib (= 1): no version of lib satisfies both (available: 2, 1)',
    );
  });

  it('names every constraint when only their combination conflicts', () => {
    const v = universe(`
      pa 1 | Depends: lib (>= 2), lib (<= 3)
      pb 1 | Depends: lib (<< 2) | lib (>> 3)
      lib 1
      lib 2
      lib 3
      lib 4
    `);
    assertBuildError(
      () => run(v, ['pa', 'pb']),
      'pb -> lib (<< 2) | lib (>> 3): no alternative can be satisfied (lib (<< 2) conflicts with pa -> lib (>= 2): no version of lib satisfies both (available: 4, 3, 2, 1); ' +
        'lib (>> 3) conflicts with pa -> lib (<= 3): no version of lib satisfies both (available: 4, 3, 2, 1))',
    );
  });
});

describe('solve: alternatives', () => {
  const u = universe(`
    app 1 | Depends: missing | libb | libc
    app2 1 | Depends: liba (>= 2) | libb
    app3 1 | Depends: liba | libb
    liba 1
    libb 1
    libc 1
  `);

  it('takes the first alternative that can be satisfied and says so', () => {
    const r = run(u, ['app']);
    assert.deepEqual(picked(r), ['app=1', 'libb=1']);
    assert.deepEqual(r.notes, ['app -> missing | libb | libc: chose libb (missing cannot be satisfied)']);
    const r2 = run(u, ['app2']);
    assert.deepEqual(picked(r2), ['app2=1', 'libb=1']);
    assert.deepEqual(r2.notes, ['app2 -> liba (>= 2) | libb: chose libb (liba (>= 2) cannot be satisfied)']);
    const r3 = run(u, ['app3']);
    assert.deepEqual(picked(r3), ['app3=1', 'liba=1']);
    assert.deepEqual(r3.notes, ['app3 -> liba | libb: chose liba (first alternative)']);
  });

  it('prefers an alternative that is already selected (requested, or pulled in earlier)', () => {
    const r = run(u, ['app3', 'libb']);
    assert.deepEqual(picked(r), ['app3=1', 'libb=1']);
    assert.deepEqual(r.notes, ['app3 -> liba | libb: libb already selected']);
    const r2 = run(u, ['app', 'app3']);
    assert.deepEqual(picked(r2), ['app=1', 'app3=1', 'libb=1']);
    assert.deepEqual(r2.notes, [
      'app -> missing | libb | libc: chose libb (missing cannot be satisfied)',
      'app3 -> liba | libb: libb already selected',
    ]);
  });

  it('tries a real package before a provider for each alternative, left to right', () => {
    const v = universe(`
      app 1 | Depends: virt | real
      real 1
      prov 1 | Provides: virt
    `);
    const r = run(v, ['app']);
    assert.deepEqual(picked(r), ['app=1', 'prov=1']);
    assert.deepEqual(r.notes, ['app -> virt | real: chose prov (first alternative)']);
  });
});

describe('solve: virtual packages', () => {
  it('uses the single provider without fuss', () => {
    const v = universe(`
      app 1 | Depends: mail-transport-agent
      exim4 4.96 | Provides: mail-transport-agent
    `);
    const r = run(v, ['app']);
    assert.deepEqual(picked(r), ['app=1', 'exim4=4.96']);
    assert.deepEqual(r.reasons.get('exim4'), ['app', 'exim4']);
    assert.deepEqual(r.notes, []);
  });

  it('ranks several providers: Priority required/important, then highest version, then name', () => {
    const byPrio = universe(`
      app 1 | Depends: awk
      gawk 5.2 | Provides: awk
      mawk 1.3 prio=required | Provides: awk
      original-awk 2023 prio=important | Provides: awk
    `);
    const r = run(byPrio, ['app']);
    assert.deepEqual(picked(r), ['app=1', 'mawk=1.3']);
    assert.deepEqual(r.notes, [
      'app -> awk: awk is provided by gawk, mawk, original-awk; chose mawk (Priority: required)',
    ]);

    const byVersion = universe(`
      app 1 | Depends: awk
      gawk 5.2 | Provides: awk
      mawk 1.3 | Provides: awk
      busybox 1.35 | Provides: awk
    `);
    const r2 = run(byVersion, ['app']);
    assert.deepEqual(picked(r2), ['app=1', 'gawk=5.2']);
    assert.deepEqual(r2.notes, ['app -> awk: awk is provided by busybox, gawk, mawk; chose gawk (highest version)']);

    const byName = universe(`
      app 1 | Depends: awk
      zawk 1.0 | Provides: awk
      bawk 1.0 | Provides: awk
    `);
    const r3 = run(byName, ['app']);
    assert.deepEqual(picked(r3), ['app=1', 'bawk=1.0']);
    assert.deepEqual(r3.notes, ['app -> awk: awk is provided by bawk, zawk; chose bawk (first by name)']);
  });

  it('prefers a provider that is already selected', () => {
    const v = universe(`
      app 1 | Depends: awk
      gawk 5.2 | Provides: awk
      mawk 1.3 prio=required | Provides: awk
    `);
    const r = run(v, ['gawk', 'app']);
    assert.deepEqual(picked(r), ['app=1', 'gawk=5.2']);
    assert.deepEqual(r.notes, []);
  });

  it('lets a requirement name a virtual package', () => {
    const v = universe(`
      gawk 5.2 | Provides: awk
      mawk 1.3 prio=required | Provides: awk
    `);
    const r = run(v, ['awk']);
    assert.deepEqual(picked(r), ['mawk=1.3']);
    assert.deepEqual(r.reasons.get('mawk'), ['mawk']);
    assert.deepEqual(r.notes, ['awk: awk is provided by gawk, mawk; chose mawk (Priority: required)']);
  });

  it('uses versioned Provides for versioned dependencies, never unversioned ones (policy 7.5)', () => {
    const v = universe(`
      app 1 | Depends: libfoo-abi (>= 2)
      app-any 1 | Depends: libfoo-abi
      old 1 | Provides: libfoo-abi (= 1)
      new 1 | Provides: libfoo-abi (= 2)
      loose 9 | Provides: libfoo-abi
    `);
    const r = run(v, ['app']);
    assert.deepEqual(picked(r), ['app=1', 'new=1']);
    assert.deepEqual(r.notes, []);
    const any = run(v, ['app-any']);
    assert.deepEqual(picked(any), ['app-any=1', 'loose=9']);
    assert.deepEqual(any.notes, [
      'app-any -> libfoo-abi: libfoo-abi is provided by loose, new, old; chose loose (highest version)',
    ]);

    const onlyLoose = universe(`
      app 1 | Depends: libfoo-abi (>= 2)
      loose 9 | Provides: libfoo-abi
      other 1 | Provides: libfoo-abi
    `);
    assertBuildError(
      () => run(onlyLoose, ['app']),
      'app -> libfoo-abi (>= 2): provided without a version by loose, other, which cannot satisfy a versioned dependency',
    );
    const tooOld = universe(`
      app 1 | Depends: libfoo-abi (>= 2)
      old 1 | Provides: libfoo-abi (= 1)
      loose 9 | Provides: libfoo-abi
    `);
    assertBuildError(
      () => run(tooOld, ['app']),
      'app -> libfoo-abi (>= 2): only 1 (provided by old) available; also provided without a version by loose, which cannot satisfy a versioned dependency',
    );
  });

  it('lets a versioned Provides satisfy a dependency on a real package name', () => {
    const v = universe(`
      app 1 | Depends: libfoo (>= 2)
      libfoo 1
      libfoo-compat 5 | Provides: libfoo (= 2.5)
    `);
    assert.deepEqual(picked(run(v, ['app'])), ['app=1', 'libfoo-compat=5']);
  });
});

describe('solve: architectures', () => {
  const u = new PackageUniverse(
    recs(`
      app 1 | Depends: data, lib, perl:any, tool:any, plain:native, lib:amd64
      data 1 arch=all
      lib 1
      lib 2 arch=arm64
      perl 5.36 ma=allowed
      tool 1 ma=foreign
      plain 1
      armonly 1 arch=arm64
      needs-arm 1 | Depends: armonly
      needs-any 1 | Depends: plain:any
      needs-i386 1 | Depends: lib:i386
    `),
    'amd64',
  );

  it('uses the image architecture and all, ignores other architectures', () => {
    const r = run(u, ['app']);
    assert.deepEqual(
      r.packages.map((p) => `${p.name}=${p.version}/${p.architecture}`),
      ['app=1/amd64', 'data=1/all', 'lib=1/amd64', 'perl=5.36/amd64', 'plain=1/amd64', 'tool=1/amd64'],
    );
  });

  it('says when a package exists for other architectures only', () => {
    assertBuildError(
      () => run(u, ['needs-arm']),
      'needs-arm -> armonly: no package provides "armonly"; it exists for arm64 only',
      'pith.yaml:1:3',
    );
    assertBuildError(
      () => run(u, ['armonly']),
      'armonly: no such package in bookworm (amd64); it exists for arm64 only',
    );
  });

  it('needs Multi-Arch: allowed or foreign for :any, and refuses other architectures', () => {
    assertBuildError(
      () => run(u, ['needs-any']),
      'needs-any -> plain:any: no package named or providing "plain" is Multi-Arch: allowed or foreign, as plain:any requires',
    );
    assertBuildError(
      () => run(u, ['needs-i386']),
      'needs-i386 -> lib:i386: cross-architecture dependencies are not supported (the image is amd64)',
    );
  });
});

describe('solve: packages only maintainer scripts use', () => {
  const u = universe(`
    svc 1 | Depends: adduser, debconf (>= 0.5) | debconf-2.0, libsvc
    libsvc 1 | Depends: ucf
    adduser 3 | Depends: passwd
    passwd 1
    debconf 1.5 | Provides: debconf-2.0
    ucf 3
  `);
  const scriptOnly = new Map([
    ['adduser', 'is used only by maintainer scripts'],
    ['debconf', 'is debconf'],
    ['ucf', 'is ucf'],
  ]);

  it('does not follow them (nor what they pull in), and says why', () => {
    const r = run(u, ['svc'], { scriptOnly });
    assert.deepEqual(picked(r), ['libsvc=1', 'svc=1']);
    assert.deepEqual(r.notes, [
      'svc -> adduser: not followed (adduser is used only by maintainer scripts)',
      'svc -> debconf (>= 0.5) | debconf-2.0: not followed (debconf is debconf)',
      'svc -> libsvc -> ucf: not followed (ucf is ucf)',
    ]);
  });

  it('installs them when requested', () => {
    assert.deepEqual(picked(run(u, ['svc', 'adduser'], { scriptOnly })), [
      'adduser=3',
      'libsvc=1',
      'passwd=1',
      'svc=1',
    ]);
  });
});

describe('solve: Essential packages', () => {
  const u = universe(`
    app 1 | Pre-Depends: dpkg (>= 1.15) ; Depends: lib, sh, grep-ish | grep, ncurses-base | ncurses-term
    lib 1 | Depends: base-files
    dpkg 1.21 essential | Depends: tar
    tar 1.34 essential
    base-files 12 essential
    dash 0.5 essential | Provides: sh
    grep 3.8 essential
    grep-ish 1
    ncurses-base 6.4 essential
    ncurses-term 6.4
    newer 1 | Depends: dpkg (>= 2)
  `);

  it('does not follow dependencies that Essential packages satisfy, and says so', () => {
    const r = run(u, ['app']);
    assert.deepEqual(picked(r), ['app=1', 'lib=1']);
    assert.deepEqual(r.notes, [
      'app -> dpkg (>= 1.15): not followed (essential dpkg: installed only when the image needs a file it ships)',
      'app -> sh: not followed (essential dash: installed only when the image needs a file it ships)',
      'app -> grep-ish | grep: not followed (essential grep: installed only when the image needs a file it ships)',
      'app -> ncurses-base | ncurses-term: not followed (essential ncurses-base: installed only when the image needs a file it ships)',
      'app -> lib -> base-files: not followed (essential base-files: installed only when the image needs a file it ships)',
    ]);
    assert.deepEqual(unsatisfiedDependencies(r.packages, u), []);
  });

  it('installs requested Essential packages normally, and uses them', () => {
    const r = run(u, ['app', 'dpkg']);
    assert.deepEqual(picked(r), ['app=1', 'dpkg=1.21', 'lib=1']);
    assert.ok(!r.notes.some((n) => n.includes('essential dpkg')));
    assert.ok(
      r.notes.includes(
        'dpkg -> tar: not followed (essential tar: installed only when the image needs a file it ships)',
      ),
    );
    assert.deepEqual(picked(run(u, ['dpkg', 'tar'])), ['dpkg=1.21', 'tar=1.34']);
  });

  it('reports the Essential packages it did not follow, with the chain of the package that depends on them', () => {
    const r = run(u, ['app']);
    assert.deepEqual(
      r.essentialSkipped.map((e) => `${e.chain.join(' -> ')} => ${e.name}`),
      ['app => dpkg', 'app => dash', 'app => grep', 'app => ncurses-base', 'app -> lib => base-files'],
    );
  });

  it('follows the Essential packages the caller asks for (their own dependencies too), like any package', () => {
    const r = run(u, ['app'], { followEssential: new Set(['dpkg', 'dash']) });
    assert.deepEqual(picked(r), ['app=1', 'dash=0.5', 'dpkg=1.21', 'lib=1']);
    assert.equal(r.reasons.get('dash')!.join(' -> '), 'app -> dash');
    assert.ok(
      r.notes.includes(
        'app -> dpkg -> tar: not followed (essential tar: installed only when the image needs a file it ships)',
      ),
      r.notes.join('\n'),
    );
  });

  it('still fails when the Essential package is too old', () => {
    assertBuildError(() => run(u, ['newer']), 'newer -> dpkg (>= 2): only 1.21 available');
  });
});

describe('solve: exclude', () => {
  const u = universe(`
    app 1 | Depends: debconf (>= 0.5) | debconf-2.0, libc6, perl
    debconf 1.5 | Depends: perl-base
    cdebconf 0.2 | Provides: debconf-2.0
    libc6 2.36
    perl 5.36 | Depends: libperl
    libperl 5.36
  `);

  it('treats excluded packages as present and cuts them from the closure', () => {
    const r = run(u, ['app'], { exclude: ['debconf', 'perl'] });
    assert.deepEqual(picked(r), ['app=1', 'libc6=2.36']);
    assert.deepEqual(r.notes, [
      'app -> debconf (>= 0.5) | debconf-2.0: satisfied by excluded debconf',
      'app -> perl: satisfied by excluded perl',
    ]);
    assert.deepEqual(unsatisfiedDependencies(r.packages, u, ['debconf', 'perl']), []);
  });

  it('counts an excluded provider as satisfying a virtual dependency', () => {
    const v = universe(`
      app 1 | Depends: debconf-2.0
      cdebconf 0.2 | Provides: debconf-2.0
      debconf 1.5 | Provides: debconf-2.0
    `);
    const r = run(v, ['app'], { exclude: ['debconf'] });
    assert.deepEqual(picked(r), ['app=1']);
    assert.deepEqual(r.notes, ['app -> debconf-2.0: satisfied by excluded debconf']);
  });

  it('refuses to exclude a requested package, and notes unknown exclusions', () => {
    assert.throws(
      () => run(u, ['libc6', 'app'], { exclude: ['app'] }),
      (e: unknown) =>
        isPithError(e) &&
        e.kind === 'spec' &&
        e.message === 'app is both requested and excluded' &&
        e.where === 'pith.yaml:2:3',
    );
    const r = run(u, ['libc6'], { exclude: ['no-such'] });
    assert.deepEqual(r.notes, ['exclude: no package is named or provides "no-such" in bookworm (amd64)']);
  });
});

describe('solve: errors', () => {
  const u = new PackageUniverse(
    [
      ...recs(`
        curl 7.88 | Depends: libcurl4
        libcurl4 7.88 | Depends: libssl3 (>= 3.0.9)
        libssl3 3.0.2
        bar 1 | Depends: baz
        alt 1 | Depends: baz | libssl3 (>= 4) | qux:any
        qux 1
      `),
      ...recs(`libssl3 3.0.1`, { suite: 'bookworm-updates' }),
      ...recs(`zlib1g 1`, { suite: 'bookworm-security' }),
    ],
    'amd64',
  );

  it('names the chain and what is available', () => {
    assertBuildError(
      () => run(u, ['curl']),
      'curl -> libcurl4 -> libssl3 (>= 3.0.9): only 3.0.2, 3.0.1 available',
      'pith.yaml:1:3',
    );
    assertBuildError(() => run(u, ['zlib1g', 'bar']), 'bar -> baz: no package provides "baz"', 'pith.yaml:2:3');
  });

  it('names the suites and the architecture for a missing requirement', () => {
    assertBuildError(
      () => run(u, ['foo']),
      'foo: no such package in bookworm, bookworm-updates, bookworm-security (amd64)',
      'pith.yaml:1:3',
    );
    assertBuildError(() => run(u, ['curl (>= 8)']), 'curl (>= 8): only 7.88 available');
  });

  it('explains every alternative of a group that cannot be satisfied', () => {
    assertBuildError(
      () => run(u, ['alt']),
      'alt -> baz | libssl3 (>= 4) | qux:any: no alternative can be satisfied (baz: no package provides "baz"; libssl3 (>= 4): only 3.0.2, 3.0.1 available; ' +
        'qux:any: no package named or providing "qux" is Multi-Arch: allowed or foreign, as qux:any requires)',
    );
  });

  it('leaves where out when the requirement has none', () => {
    assert.throws(
      () => solve([parseRequirement('foo')], u),
      (e: unknown) => isPithError(e) && e.where === undefined,
    );
  });
});

describe('solve: Conflicts and Breaks', () => {
  it('reports them among the selected packages without enforcing them', () => {
    const u = universe(`
      app 1 | Depends: a, b, c
      a 1 | Conflicts: b ; Breaks: c (<< 2), a-virt
      b 1 | Provides: a-virt
      c 1 | Conflicts: self-virt ; Provides: self-virt
    `);
    const r = run(u, ['app']);
    assert.deepEqual(picked(r), ['a=1', 'app=1', 'b=1', 'c=1']);
    assert.deepEqual(r.notes, [
      'a Conflicts b, but b 1 is selected (not enforced)',
      'a Breaks c (<< 2), but c 1 is selected (not enforced)',
      'a Breaks a-virt, but b 1 is selected (not enforced)',
    ]);
  });
});
