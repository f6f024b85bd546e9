/** Which Essential packages an image needs, decided from the packages' install facts. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { installNeeds } from '../../../../../src/sources/debian/solver/install-needs.js';
import type { PackageRecord } from '../../../../../src/sources/debian/archive/packages-index.js';
import type { Resolution } from '../../../../../src/sources/debian/solver/solver.js';
import { writeCheckedJson } from '../../../../../src/store/checked-json.js';
import {
  FACTS_FORMAT,
  type FactsEntry,
  type InstallFacts,
} from '../../../../../src/sources/debian/effects/package-facts.js';

const cache = mkdtempSync(join(tmpdir(), 'pith-needs-'));
after(() => rmSync(cache, { recursive: true, force: true }));

const sha = (name: string) => createHash('sha256').update(name).digest('hex');

/** A package record whose install facts are already in the cache (nothing is downloaded). */
async function pkg(name: string, files: string[], needs: Partial<InstallFacts['needs']> = {}): Promise<PackageRecord> {
  const facts: InstallFacts = {
    format: FACTS_FORMAT,
    control: `Package: ${name}\nVersion: 1\n`,
    scripts: {},
    files: files.map((path): FactsEntry => ({ path, type: 'file', mode: 0o755, uid: 0, gid: 0, size: 1 })),
    texts: {},
    needs: { interpreters: [], needed: [], sonames: [], shell: [], ...needs },
  };
  await writeCheckedJson(join(cache, 'install-facts', `${sha(name)}.json`), facts);
  return {
    name,
    version: '1',
    sha256: sha(name),
    baseUrl: 'http://unused.invalid/debian',
    filename: `pool/${name}.deb`,
    size: 1,
  } as PackageRecord;
}

const SCRIPT_ONLY = new Map([['dpkg', 'is the package manager']]);

test('an Essential package is followed when a program needs its interpreter or a library needs its soname; not otherwise', async () => {
  const app = await pkg('app', ['usr/bin/app', 'usr/share/app/tool'], {
    interpreters: [
      ['usr/share/app/tool', '/usr/bin/perl'],
      ['usr/bin/app', '/lib64/ld-linux-x86-64.so.2'],
    ],
    needed: ['libc.so.6', 'libess.so.1'],
  });
  const libc = await pkg('libc6', ['lib64/ld-linux-x86-64.so.2', 'lib/x86_64-linux-gnu/libc.so.6'], {
    sonames: ['libc.so.6'],
  });
  const records = new Map([
    ['perl-base', await pkg('perl-base', ['usr/bin/perl'])],
    ['dash', await pkg('dash', ['bin/dash', 'bin/sh'])],
    ['libess', await pkg('libess', ['lib/x86_64-linux-gnu/libess.so.1'], { sonames: ['libess.so.1'] })],
    ['dpkg', await pkg('dpkg', ['usr/bin/dpkg'])],
  ]);
  const resolution: Resolution = {
    packages: [app, libc],
    reasons: new Map([
      ['app', ['app']],
      ['libc6', ['app', 'libc6']],
    ]),
    notes: [],
    essentialSkipped: ['perl-base', 'dash', 'libess', 'dpkg'].map((name) => ({ name, chain: ['app'] })),
  };
  const needs = await installNeeds(resolution, (n) => records.get(n), {
    cacheDir: cache,
    env: {},
    scriptOnly: SCRIPT_ONLY,
  });
  assert.deepEqual(needs.follow, ['libess', 'perl-base']);
  assert.deepEqual(needs.extra, []);
  assert.deepEqual(needs.notes, [
    'dpkg: not installed (dpkg is the package manager)',
    'dash: not installed (essential; nothing in the image needs a file it ships)',
    'libess: brought (essential, but a library of the image needs libess.so.1, which it ships)',
    'perl-base: brought (essential, but /usr/share/app/tool needs /usr/bin/perl, which it ships)',
  ]);
});

test('#!/usr/bin/env looks on the PATH; merged /usr makes /bin/sh and /usr/bin/sh one file; C.UTF-8 brings libc-bin', async () => {
  const app = await pkg('app2', ['usr/bin/app2', 'usr/bin/app3'], {
    interpreters: [
      ['usr/bin/app2', 'env:python3'],
      ['usr/bin/app3', '/bin/sh'],
    ],
  });
  const baseFiles: PackageRecord = await pkg('base-files', ['etc/debian_version']);
  // base-files of trixie ships the merged-/usr links.
  await writeCheckedJson(join(cache, 'install-facts', `${sha('base-files')}.json`), {
    format: FACTS_FORMAT,
    control: 'Package: base-files\n',
    scripts: {},
    files: [{ path: 'bin', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, target: 'usr/bin' }],
    texts: {},
    needs: { interpreters: [], needed: [], sonames: [], shell: [] },
  } satisfies InstallFacts);
  const libc = await pkg('libc6', ['lib/x86_64-linux-gnu/libc.so.6']);
  const records = new Map([
    ['python3-ess', await pkg('python3-ess', ['usr/local/bin/python3'])],
    ['dash', await pkg('dash', ['usr/bin/sh'])],
  ]);
  const resolution: Resolution = {
    packages: [app, baseFiles, libc],
    reasons: new Map(),
    notes: [],
    essentialSkipped: [
      { name: 'python3-ess', chain: ['app2'] },
      { name: 'dash', chain: ['app2'] },
    ],
  };
  const needs = await installNeeds(resolution, (n) => records.get(n), {
    cacheDir: cache,
    env: { LANG: 'C.UTF-8' },
    scriptOnly: SCRIPT_ONLY,
  });
  assert.deepEqual(needs.follow, ['dash', 'python3-ess']);
  assert.deepEqual(needs.extra, ['libc-bin']);
  assert.match(needs.notes[0]!, /^libc-bin: brought \(the environment names C\.UTF-8/);
});

test("a program of a package the spec names that runs /bin/sh brings dash, unless excluded; a dependency's does not", async () => {
  const git = await pkg('git', ['usr/bin/git'], { shell: ['usr/bin/git'] });
  const lib = await pkg('libshelly', ['usr/bin/helper'], { shell: ['usr/bin/helper'] });
  const dash = await pkg('dash', ['bin/dash', 'bin/sh']);
  const resolution = (packages: PackageRecord[], reasons: Array<[string, string[]]>): Resolution => ({
    packages,
    reasons: new Map(reasons),
    notes: [],
    essentialSkipped: [],
  });
  const records = new Map([['dash', dash]]);
  const needs = await installNeeds(resolution([git], [['git', ['git']]]), (n) => records.get(n), {
    cacheDir: cache,
    env: {},
    scriptOnly: SCRIPT_ONLY,
  });
  assert.deepEqual(needs.extra, ['dash']);
  assert.deepEqual(needs.notes, [
    'dash: brought (essential, but /usr/bin/git runs /bin/sh, which it ships; exclude: [dash] leaves it out)',
  ]);
  const excluded = await installNeeds(resolution([git], [['git', ['git']]]), (n) => records.get(n), {
    cacheDir: cache,
    env: {},
    scriptOnly: SCRIPT_ONLY,
    exclude: ['dash'],
  });
  assert.deepEqual(excluded.extra, []);
  const indirect = await installNeeds(
    resolution(
      [git, lib],
      [
        ['git', ['other', 'git']],
        ['libshelly', ['other', 'libshelly']],
      ],
    ),
    (n) => records.get(n),
    { cacheDir: cache, env: {}, scriptOnly: SCRIPT_ONLY },
  );
  assert.deepEqual(indirect.extra, [], 'only programs of the packages the spec names');
});
