/**
 * A spec object pins its packages only in a lockfile it names: without one, build --frozen and
 * pith lock refuse at once (one line naming the spec, no network, nothing written).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build, lockSpec } from '../../../src/build/build.js';
import { isPithError } from '../../../src/errors.js';
import { specFromObject } from '../../../src/spec/from-object.js';

const dir = mkdtempSync(join(tmpdir(), 'pith-lock-object-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cacheDir = join(dir, 'cache');
const withPackages = () => specFromObject({ name: 'x', packages: ['curl'] }, { name: 'request body', baseDir: dir });

const refused = (pattern: RegExp, kind: string) => (err: unknown) => {
  assert.ok(isPithError(err), String(err));
  assert.equal(err.kind, kind);
  assert.match(err.oneLine(), pattern);
  return true;
};

test('build --frozen of a spec object without lockFile refuses before resolving anything', async () => {
  await assert.rejects(
    build(withPackages(), { frozen: true, cacheDir }),
    refused(/^request body: no lockFile given, and frozen never resolves \(pass lockFile to specFromObject\)$/, 'spec'),
  );
  assert.ok(!existsSync(cacheDir), 'nothing fetched or cached');
});

test('lockSpec of a spec object without lockFile says there is nowhere to write the lock', async () => {
  await assert.rejects(
    lockSpec(withPackages(), { cacheDir }),
    refused(
      /^request body names no lockFile: there is nowhere to write the lock \(pass lockFile to specFromObject\)$/,
      'usage',
    ),
  );
  assert.ok(!existsSync(cacheDir));
});
