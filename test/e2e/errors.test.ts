/** Bad input: one clear line, the right exit code, no stack trace, nothing at the output path. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith, sh } from '../helpers/cli.js';
import { compileC, PRINT_PASSWD_LINE_C } from '../helpers/compile.js';

describe('bad input', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-errors-'));
    writeFileSync(join(dir, 'not-elf.sh'), '#!/bin/sh\necho hi\n');
    // A program linked against a library that is nowhere on the search path.
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'foo.c'), 'int foo(void) { return 42; }\n');
    sh('gcc', [
      '-shared',
      '-fPIC',
      '-Wl,-soname,libpithmissing.so.1',
      '-o',
      join(dir, 'lib', 'libpithmissing.so.1'),
      join(dir, 'foo.c'),
    ]);
    sh('ln', ['-s', 'libpithmissing.so.1', join(dir, 'lib', 'libpithmissing.so')]);
    compileC(dir, 'needs-missing', 'int foo(void);\nint main(void) { return foo() == 42 ? 0 : 1; }\n', [
      `-L${join(dir, 'lib')}`,
      '-lpithmissing',
    ]);
    compileC(dir, 'ok', PRINT_PASSWD_LINE_C);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<{ name: string; spec?: string; args?: (d: string) => string[]; code: number; message: RegExp }> = [
    {
      name: 'missing spec',
      args: (d) => ['build', join(d, 'nope.yaml')],
      code: 2,
      message: /nope\.yaml: no such file/,
    },
    { name: 'YAML syntax error', spec: 'name: x\nentrypoint: [a, b\n', code: 2, message: /spec\.yaml:\d+:\d+: / },
    {
      name: 'unknown key',
      spec: 'name: x\nentripoint: [/a]\n',
      code: 2,
      message: /spec\.yaml:2:1: entripoint: unknown key.*entrypoint/,
    },
    { name: 'wrong type', spec: 'name: x\nentrypoint: {a: 1}\n', code: 2, message: /spec\.yaml:2:\d+: entrypoint: / },
    {
      name: 'mode written as a number',
      spec: 'name: x\npaths: [{path: /a, type: dir, mode: 0755}]\n',
      code: 2,
      message: /paths\[0\]\.mode: .*quoted/,
    },
    {
      name: 'missing host file',
      spec: 'name: x\nfiles: [{src: does-not-exist, dest: /x}]\n',
      code: 1,
      message: /spec\.yaml:2:\d+: files\[0\]\.src: .*does-not-exist does not exist/,
    },
    {
      name: 'non-ELF under binaries',
      spec: 'name: x\nbinaries: [{src: not-elf.sh, dest: /x}]\n',
      code: 1,
      message: /binaries\[0\]: .*not-elf\.sh is not an ELF/,
    },
    {
      name: 'unresolvable soname',
      spec: 'name: x\nbinaries: [{src: needs-missing, dest: /x}]\n',
      code: 1,
      message: /needs-missing.*libpithmissing\.so\.1.*not found/,
    },
    { name: 'unknown user', spec: 'name: x\nuser: ghost\n', code: 2, message: /user: unknown user "ghost"/ },
    {
      name: 'binary for another arch',
      spec: 'name: x\narchs: [arm64]\nbinaries: [{src: ok, dest: /ok}]\n',
      code: 1,
      message: /binaries\[0\]\.src: .*built for amd64.*arm64/,
    },
    {
      name: 'unwritable output path',
      spec: 'name: x\n',
      args: (d) => ['build', join(d, 'spec.yaml'), '-o', join(d, 'no-such-dir', 'out.oci')],
      code: 1,
      message: /cannot write .*no-such-dir/,
    },
    {
      name: 'unknown format',
      spec: 'name: x\n',
      args: (d) => ['build', join(d, 'spec.yaml'), '-o', join(d, 'out'), '--format', 'zip'],
      code: 2,
      message: /unknown --format "zip"/,
    },
    {
      name: 'unknown option',
      spec: 'name: x\n',
      args: (d) => ['build', join(d, 'spec.yaml'), '--frobnicate'],
      code: 2,
      message: /frobnicate/,
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const caseDir = mkdtempSync(join(dir, 'case-'));
      for (const f of ['not-elf.sh', 'needs-missing', 'ok']) sh('cp', [join(dir, f), caseDir]);
      if (c.spec !== undefined) writeFileSync(join(caseDir, 'spec.yaml'), c.spec);
      const out = join(caseDir, 'out.oci');
      const args = c.args ? c.args(caseDir) : ['build', join(caseDir, 'spec.yaml'), '-o', out];
      const before = readdirSync(caseDir).sort();
      const r = runPith(args, { env: { PITH_CACHE_DIR: join(dir, 'cache') } });
      assert.equal(r.code, c.code, `exit code; stderr: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0]!, /^pith: /);
      assert.match(lines[0]!, c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
      assert.equal(r.stdout, '');
      assert.ok(!existsSync(out), 'nothing at the output path');
      assert.deepEqual(readdirSync(caseDir).sort(), before, 'no temporary files left behind');
    });
  }

  test('--debug shows the stack of a user error', () => {
    const r = runPith(['build', join(dir, 'nope.yaml'), '--debug']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\n\s+at /);
  });
});
