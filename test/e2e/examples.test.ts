/** The README's examples, built exactly as documented and run with runc. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { runWithRunc } from '../helpers/runtime.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pith-examples-'));
  cpSync(join(REPO, 'examples'), join(dir, 'examples'), { recursive: true });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('examples/hello: echo with its libraries, as nonroot', () => {
  const r = runPith(['build', 'examples/hello/pith.yaml', '-o', 'hello.oci', '--cache-dir', join(dir, 'cache')], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  const run = runWithRunc(join(dir, 'hello.oci'), 'latest');
  assert.equal(run.stdout, 'hello from a pith image\n', run.stderr);
});

test('examples/cc: a C++ program in the cc preset, as nonroot', () => {
  sh('g++', ['-O2', '-o', 'examples/cc/hello', 'examples/cc/hello.cc'], { cwd: dir });
  const r = runPith(['build', 'examples/cc/pith.yaml', '-o', 'cc.oci', '--cache-dir', join(dir, 'cache')], {
    cwd: dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(lastLine(r.stdout), /^sha256:/);
  const run = runWithRunc(join(dir, 'cc.oci'), 'latest');
  assert.equal(run.stderr, '');
  assert.equal(run.stdout, 'hello from C++ in a pith cc image: exceptions unwind, uid 65532\n');
});

test('the built CLI is executable (npm link points /usr/bin/pith at it)', async () => {
  const { statSync } = await import('node:fs');
  const { PITH_BIN } = await import('../helpers/cli.js');
  assert.ok((statSync(PITH_BIN).mode & 0o111) !== 0, `${PITH_BIN} has an execute bit`);
  const r = sh(PITH_BIN, ['--version']);
  assert.match(r, /^pith \d+\.\d+\.\d+\n$/);
});
