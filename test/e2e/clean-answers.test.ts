/**
 * The answers the rest of pith gives (one line, the right exit code, nothing left behind) for the
 * cases that used to end in an internal error, a stack trace or litter: a NUL in a link target,
 * `-o` through a symlink, a reader that closes stdout early, temporaries of a killed run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PITH_BIN, runPith } from '../helpers/cli.js';

let dir: string;
let cache: string;
const SPEC = 'name: clean\nentrypoint: [/usr/bin/echo, hi]\nbinaries:\n  - src: /usr/bin/echo\n';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pith-clean-'));
  cache = join(dir, 'cache');
  writeFileSync(join(dir, 'pith.yaml'), SPEC);
  const r = runPith([
    'build',
    join(dir, 'pith.yaml'),
    '-o',
    join(dir, 'real.oci'),
    '--cache-dir',
    cache,
    '-q',
    '--no-sbom',
  ]);
  assert.equal(r.code, 0, r.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('pith: '));

test('a NUL in a symlink target is a spec error: exit 2, file:line:col, no output', () => {
  const spec = join(dir, 'nul.yaml');
  writeFileSync(spec, 'name: x\npaths:\n  - {path: /a, type: symlink, target: "a\\0b"}\n');
  const r = runPith(['build', spec, '-o', join(dir, 'nul.oci'), '--cache-dir', cache]);
  assert.equal(r.code, 2, r.stderr);
  assert.deepEqual(errorLines(r.stderr), [`pith: ${spec}:3:39: paths[0].target: must not contain NUL bytes`]);
  assert.ok(!existsSync(join(dir, 'nul.oci')));
});

test('-o through a symlink is explained, and neither the link nor its target is touched', () => {
  const link = join(dir, 'link.oci');
  symlinkSync('real.oci', link);
  const r = runPith(['build', join(dir, 'pith.yaml'), '-o', link, '--cache-dir', cache, '-q', '--no-sbom']);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(errorLines(r.stderr), [
    `pith: cannot write ${link}: it is a symbolic link (to real.oci), and pith does not write outputs through links (pass the path it points to with -o, or remove the link)`,
  ]);
  assert.equal(readlinkSync(link), 'real.oci');
  assert.ok(!/internal error|ENOTDIR/.test(r.stderr));
});

test('a reader that closes stdout early (inspect | head) ends pith quietly, without a stack trace', async () => {
  for (let i = 0; i < 3; i++) {
    const child = spawn(process.execPath, [PITH_BIN, 'inspect', join(dir, 'real.oci'), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before pith writes
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  }
});

test('temporaries and unpack spools left by a killed run are removed by the next build', () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const old = (Date.now() - 2 * 60 * 60 * 1000) / 1000;
  const temp = join(cache, 'debs', 'sha256', `.${'c'.repeat(64)}.tmp-${dead}-12345678`);
  const spool = join(cache, 'tmp', `spool-${dead}-abcdef01`);
  mkdirSync(join(cache, 'debs', 'sha256'), { recursive: true });
  mkdirSync(spool, { recursive: true });
  writeFileSync(temp, 'partial download');
  writeFileSync(join(spool, '0.bytes'), 'unpacked');
  for (const p of [temp, join(spool, '0.bytes'), spool]) utimesSync(p, old, old);
  const r = runPith([
    'build',
    join(dir, 'pith.yaml'),
    '-o',
    join(dir, 'again.oci'),
    '--cache-dir',
    cache,
    '-q',
    '--no-sbom',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(temp), 'the partial download is gone');
  assert.ok(!existsSync(spool), 'the spool is gone');
});

test('inspect and audit escape control characters in paths taken from an image', () => {
  const spec = join(dir, 'escapes.yaml');
  writeFileSync(
    spec,
    'name: escapes\npaths:\n  - {path: "/evil\\e]0;pwned\\a\\nname", type: file, content: "x", mode: "4755"}\n',
  );
  const out = join(dir, 'escapes.oci');
  const built = runPith(['build', spec, '-o', out, '--cache-dir', cache, '-q', '--no-sbom']);
  assert.equal(built.code, 0, built.stderr);
  const inspect = runPith(['inspect', out]);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.ok(!/[\u001b\u0007]/.test(inspect.stdout), 'no raw escape sequence');
  assert.match(inspect.stdout, /evil\\x1b\]0;pwned\\x07\\nname/);
  const audit = runPith(['audit', out, '--deny', 'setuid']);
  assert.equal(audit.code, 3, audit.stderr);
  assert.ok(!/[\u001b\u0007]/.test(audit.stdout + audit.stderr));
  assert.match(audit.stderr, /^pith: audit: denied setuid: .*evil\\x1b\]0;pwned\\x07\\nname$/m);
});
