/**
 * Host binaries: the closure must load exactly the files the real loader loads (ldd, ignoring the
 * vDSO). Compared as real paths, so /lib vs /usr/lib spellings of merged-/usr do not matter.
 */
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { describe, it } from 'node:test';
import { resolveClosure } from '../../../src/elf/closure.js';
import { hostFsView } from '../../../src/elf/fs-view.js';
import { readElfFile } from '../../../src/elf/parse.js';
import { hasTool, ldd } from '../../helpers/elf-tools.js';

const CANDIDATES = [
  '/bin/ls',
  process.execPath,
  '/usr/bin/ssh',
  '/usr/bin/git',
  '/usr/bin/curl',
  '/usr/bin/python3',
  '/usr/bin/perl',
  '/usr/bin/openssl',
  '/usr/bin/gpg',
  '/usr/bin/tar',
];

describe(
  'closure of host binaries matches ldd',
  { skip: !(process.platform === 'linux' && hasTool('ldd')) && 'needs ldd' },
  () => {
    const binaries = CANDIDATES.filter((p) => existsSync(p));
    it('has at least two host binaries to compare', () => assert.ok(binaries.length >= 2, binaries.join(' ')));

    for (const binary of binaries) {
      it(binary, async (t) => {
        const info = await readElfFile(binary);
        if (info.isStatic) return t.skip('static binary');
        const entries = ldd(binary);
        if (entries.some((e) => e.path === undefined))
          return t.skip(`ldd reports missing libraries: ${JSON.stringify(entries)}`);
        const expected = [...new Set(entries.map((e) => realpathSync.native(e.path as string)))].sort();
        const closure = await resolveClosure(binary, hostFsView());
        const actual = [...new Set(closure.objects.map((o) => o.chain.realPath))].sort();
        assert.deepEqual(actual, expected);
        // The interpreter is listed under its PT_INTERP path, as ldd lists it.
        const interp = closure.objects.find((o) => o.kind === 'interpreter');
        assert.equal(interp?.path, info.interpreter);
        assert.ok(entries.some((e) => e.path === info.interpreter));
      });
    }
  },
);
