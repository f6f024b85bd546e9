/**
 * Dependency resolution by the real CLI against a signed apt repository served on 127.0.0.1
 * (test/helpers/apt-repo.ts): every case asserts the exact package set and versions pith writes
 * to `<spec>.lock`, or the exact error when nothing fits. Offline: only loopback is used.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAptRepo,
  createTestKey,
  serveDirectory,
  type FakePackage,
  type RepoLayout,
  type ServedDirectory,
} from '../helpers/apt-repo.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import {
  assertBuilt,
  assertRefused,
  lockedEntry,
  lockedSet,
  runPithAsync,
  writeSpecDir,
  type OfflineSpec,
} from '../helpers/offline-pith.js';

const pkg = (name: string, version: string, more: Partial<FakePackage> = {}): FakePackage => ({
  name,
  version,
  ...more,
});

/** Every relation the cases below need, in two suites; nothing outside it is ever reachable. */
function resolutionLayout(): RepoLayout {
  return {
    suites: {
      stable: {
        components: {
          main: [
            // Alternatives: the first satisfiable one, skipping a missing name and a version that does not exist.
            pkg('alt-user', '1.0-1', { depends: 'alt-missing | libver (>= 5) | alt-second | alt-third' }),
            pkg('alt-second', '1.0-1'),
            pkg('alt-third', '1.0-1'),
            // An alternative already selected wins over the first one.
            pkg('alt-pref', '1.0-1', { depends: 'alt-a | alt-b' }),
            pkg('alt-a', '1.0-1'),
            pkg('alt-b', '1.0-1'),
            // Virtual packages: one provider; several (highest version; Priority important wins over a higher version).
            pkg('needs-mta', '1.0-1', { depends: 'mail-transport-agent' }),
            pkg('tiny-mta', '2.1-1', { provides: 'mail-transport-agent' }),
            pkg('needs-shell', '1.0-1', { depends: 'virt-shell' }),
            pkg('shell-a', '1.0-1', { provides: 'virt-shell' }),
            pkg('shell-b', '2.0-1', { provides: 'virt-shell' }),
            pkg('needs-editor', '1.0-1', { depends: 'virt-editor' }),
            pkg('ed-a', '1.0-1', { provides: 'virt-editor', priority: 'important' }),
            pkg('ed-b', '9.0-1', { provides: 'virt-editor' }),
            // Versions.
            pkg('libver', '1.0-1', { source: 'libver' }),
            pkg('libver', '2.0-1', { source: 'libver' }),
            pkg('libver', '3.0-1', { source: 'libver' }),
            pkg('ver-user', '1.0-1', { depends: 'libver (<< 2.0)' }),
            // A cycle.
            pkg('cyc-a', '1.0-1', { depends: 'cyc-b' }),
            pkg('cyc-b', '1.0-1', { depends: 'cyc-a (= 1.0-1)' }),
            // Architecture: all.
            pkg('uses-data', '1.0-1', { depends: 'common-data (>= 1.0)' }),
            pkg('common-data', '1.5-1', { arch: 'all' }),
            // Two suites: 1.0-1 here, 1.1-1 in stable-updates.
            pkg('twosuite', '1.0-1'),
            // Exclude and Recommends.
            pkg('ex-user', '1.0-1', { depends: 'ex-dep, ex-sibling' }),
            pkg('ex-dep', '1.0-1', { depends: 'ex-deeper' }),
            pkg('ex-deeper', '1.0-1'),
            pkg('ex-sibling', '1.0-1'),
            pkg('rec-user', '1.0-1', { recommends: 'rec-target' }),
            pkg('rec-target', '1.0-1'),
            // Unsatisfiable: unsat-top -> unsat-a -> unsat-b (>= 9), with unsat-b 1.0-1 and 2.0-1 only.
            pkg('unsat-top', '1.0-1', { depends: 'unsat-a' }),
            pkg('unsat-a', '1.0-1', { depends: 'unsat-b (>= 9)' }),
            pkg('unsat-b', '1.0-1'),
            pkg('unsat-b', '2.0-1'),
          ],
        },
      },
      'stable-updates': {
        components: { main: [pkg('twosuite', '1.1-1')] },
      },
    },
  };
}

describe('resolution against an offline signed repository', () => {
  let dir: string;
  let cache: string;
  let server: ServedDirectory;
  let keyring: string;
  let url: string;
  let counter = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-offline-resolve-'));
    cache = join(dir, 'cache');
    const key = await createTestKey(join(dir, 'keys'));
    keyring = key.keyringPath;
    // Served below a path prefix, as most mirrors are.
    await createAptRepo(join(dir, 'www', 'some', 'prefix', 'debian'), resolutionLayout(), key);
    server = await serveDirectory(join(dir, 'www'));
    url = `${server.url}/some/prefix/debian`;
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const spec = (packages: string[], more: Partial<OfflineSpec> = {}): OfflineSpec => ({
    url,
    suites: ['stable', 'stable-updates'],
    keyring,
    packages,
    ...more,
  });

  /** `pith lock` of a fresh spec; returns the lock path and the run. */
  const lock = async (packages: string[], more: Partial<OfflineSpec> = {}) => {
    const d = writeSpecDir(dir, `case-${++counter}`, spec(packages, more));
    const r = await runPithAsync(['lock', d.spec, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(d.lock), 'pith lock wrote the lockfile');
    return { ...d, r };
  };

  test('alternatives: the first satisfiable one, past a missing package and an impossible version', async () => {
    const { lock: path, r } = await lock(['alt-user']);
    assert.deepEqual(lockedSet(path), ['alt-second 1.0-1', 'alt-user 1.0-1']);
    assert.match(
      r.stderr,
      /alt-user -> alt-missing \| libver \(>= 5\) \| alt-second \| alt-third: chose alt-second \(alt-missing, libver \(>= 5\) cannot be satisfied\)/,
    );
  });

  test('alternatives: the first one by default, an already-selected one when there is one', async () => {
    const first = await lock(['alt-pref']);
    assert.deepEqual(lockedSet(first.lock), ['alt-a 1.0-1', 'alt-pref 1.0-1']);
    const selected = await lock(['alt-pref', 'alt-b']);
    assert.deepEqual(lockedSet(selected.lock), ['alt-b 1.0-1', 'alt-pref 1.0-1']);
    assert.match(selected.r.stderr, /alt-pref -> alt-a \| alt-b: alt-b already selected/);
  });

  test('virtual package with one provider', async () => {
    const { lock: path } = await lock(['needs-mta']);
    assert.deepEqual(lockedSet(path), ['needs-mta 1.0-1', 'tiny-mta 2.1-1']);
  });

  test('virtual packages with several providers: the choice is printed on stderr', async () => {
    const { lock: path, r } = await lock(['needs-shell', 'needs-editor']);
    assert.deepEqual(lockedSet(path), ['ed-a 1.0-1', 'needs-editor 1.0-1', 'needs-shell 1.0-1', 'shell-b 2.0-1']);
    assert.match(
      r.stderr,
      /^amd64: needs-shell -> virt-shell: virt-shell is provided by shell-a, shell-b; chose shell-b \(highest version\)$/m,
    );
    assert.match(
      r.stderr,
      /^amd64: needs-editor -> virt-editor: virt-editor is provided by ed-a, ed-b; chose ed-a \(Priority: important\)$/m,
    );
  });

  test('virtual package: a provider that is already selected is kept', async () => {
    const { lock: path } = await lock(['needs-shell', 'shell-a']);
    assert.deepEqual(lockedSet(path), ['needs-shell 1.0-1', 'shell-a 1.0-1']);
  });

  test('version relations: >=, <<, = and name=version in packages, << in a dependency', async () => {
    const cases: Array<[string, string]> = [
      ['libver', '3.0-1'],
      ['libver (>= 2.0)', '3.0-1'],
      ['libver (<< 3)', '2.0-1'],
      ['libver (= 2.0-1)', '2.0-1'],
      ['libver=1.0-1', '1.0-1'],
      ['libver (<= 2.0-1)', '2.0-1'],
    ];
    const runs = await Promise.all(cases.map(([requirement]) => lock([requirement])));
    for (const [i, [requirement, version]] of cases.entries()) {
      assert.deepEqual(lockedSet(runs[i]!.lock), [`libver ${version}`], requirement);
      assert.deepEqual(runs[i]!.r.stdout.split('\n')[0], 'amd64: 1 packages', requirement);
    }
    const dependency = await lock(['ver-user']);
    assert.deepEqual(lockedSet(dependency.lock), ['libver 1.0-1', 'ver-user 1.0-1']);
  });

  test('a dependency cycle (a -> b -> a) resolves to both, once', async () => {
    const { lock: path } = await lock(['cyc-a']);
    assert.deepEqual(lockedSet(path), ['cyc-a 1.0-1', 'cyc-b 1.0-1']);
  });

  test('Architecture: all packages are locked as such', async () => {
    const { lock: path } = await lock(['uses-data']);
    assert.deepEqual(lockedSet(path), ['common-data 1.5-1', 'uses-data 1.0-1']);
    const entry = lockedEntry(path, 'common-data');
    assert.equal(entry.architecture, 'all');
    assert.equal(entry.filename, 'pool/main/c/common-data/common-data_1.5-1_all.deb');
    assert.ok(!('repository' in entry), 'the lock names no mirror');
    assert.equal(lockedEntry(path, 'uses-data').architecture, 'amd64');
  });

  test('two suites: the higher version wins, a pinned lower one comes from its own suite', async () => {
    const newest = await lock(['twosuite']);
    assert.deepEqual(lockedSet(newest.lock), ['twosuite 1.1-1']);
    assert.equal(lockedEntry(newest.lock, 'twosuite').suite, 'stable-updates');
    assert.equal(lockedEntry(newest.lock, 'twosuite').filename, 'pool/main/t/twosuite/twosuite_1.1-1_amd64.deb');
    const pinned = await lock(['twosuite=1.0-1']);
    assert.deepEqual(lockedSet(pinned.lock), ['twosuite 1.0-1']);
    assert.equal(lockedEntry(pinned.lock, 'twosuite').suite, 'stable');
  });

  test('exclude cuts a dependency and everything only it pulled in', async () => {
    const full = await lock(['ex-user']);
    assert.deepEqual(lockedSet(full.lock), ['ex-deeper 1.0-1', 'ex-dep 1.0-1', 'ex-sibling 1.0-1', 'ex-user 1.0-1']);
    const cut = await lock(['ex-user'], { exclude: ['ex-dep'] });
    assert.deepEqual(lockedSet(cut.lock), ['ex-sibling 1.0-1', 'ex-user 1.0-1']);
    assert.match(cut.r.stderr, /ex-user -> ex-dep: satisfied by excluded ex-dep/);
  });

  test('Recommends are not followed', async () => {
    const { lock: path } = await lock(['rec-user']);
    assert.deepEqual(lockedSet(path), ['rec-user 1.0-1']);
  });

  test('an unsatisfiable version: an error naming the chain, exit 1, no image, no lockfile', async () => {
    const d = writeSpecDir(dir, 'unsat', spec(['unsat-top']));
    const r = await runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', cache]);
    const line = assertRefused(r, {
      code: 1,
      out: d.out,
      message: /unsat-top -> unsat-a -> unsat-b \(>= 9\): only 2\.0-1, 1\.0-1 available$/,
    });
    assert.ok(line.startsWith(`pith: ${d.spec}:`), `the error names the spec and the requirement's place: ${line}`);
    assert.ok(!existsSync(d.lock), 'no lockfile');
  });

  test('an unknown package: an error naming it and the suites searched, exit 1, no image, no lockfile', async () => {
    const d = writeSpecDir(dir, 'unknown', spec(['alt-a', 'no-such-package']));
    const r = await runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', cache]);
    assertRefused(r, {
      code: 1,
      out: d.out,
      message: /^pith: .*pith\.yaml:\d+:\d+: no-such-package: no such package in stable, stable-updates \(amd64\)$/,
    });
    assert.ok(!existsSync(d.lock), 'no lockfile');
  });

  test('a build writes the same resolution as pith lock, and installs every locked package', async () => {
    const packages = ['alt-user', 'needs-shell', 'twosuite', 'cyc-a', 'uses-data', 'rec-user'];
    const locked = await lock(packages);
    const d = writeSpecDir(dir, 'build', spec(packages));
    const r = await runPithAsync(['build', d.spec, '-o', d.out, '--cache-dir', cache]);
    assertBuilt(r);
    assert.deepEqual(lockedSet(d.lock), lockedSet(locked.lock));
    assert.deepEqual(lockedSet(d.lock), [
      'alt-second 1.0-1',
      'alt-user 1.0-1',
      'common-data 1.5-1',
      'cyc-a 1.0-1',
      'cyc-b 1.0-1',
      'needs-shell 1.0-1',
      'rec-user 1.0-1',
      'shell-b 2.0-1',
      'twosuite 1.1-1',
      'uses-data 1.0-1',
    ]);
    const files = await imageFiles(layoutImages(d.out)[0]!);
    const installed = [...files.keys()]
      .filter((p) => /^var\/lib\/dpkg\/status\.d\/[^.]+$/.test(p))
      .map((p) => p.slice('var/lib/dpkg/status.d/'.length));
    assert.deepEqual(
      installed.sort(),
      lockedSet(d.lock).map((line) => line.split(' ')[0]),
    );
    assert.ok(
      files.has('usr/share/rec-user/data') && !files.has('usr/share/rec-target/data'),
      'the recommended package is not in the image',
    );
  });
});
