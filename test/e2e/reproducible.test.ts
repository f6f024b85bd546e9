/** Same spec and inputs, same digest: across runs, caches, host metadata and working directories. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { lastLine, runPith } from '../helpers/cli.js';
import { compileC, PRINT_PASSWD_LINE_C } from '../helpers/compile.js';

const SPEC = `name: repro
entrypoint: [/app/bin/tool]
files:
  - src: tree
    dest: /app/data
  - src: tree/a.txt
    dest: /app/single.txt
    mode: "0640"
    owner: nonroot
binaries:
  - src: tool
    dest: /app/bin/tool
paths:
  - {path: /app/logs, type: dir, mode: "0775", owner: "65532:65532"}
  - {path: /app/hello.txt, type: file, content: "hi\\n"}
  - {path: /app/current, type: symlink, target: data}
`;

/** Writes the same project twice with different host metadata: order, mtimes, owners, modes. */
function writeProject(root: string, variant: 'a' | 'b'): void {
  mkdirSync(join(root, 'tree', 'sub'), { recursive: true });
  const files: Array<[string, string]> = [
    ['a.txt', 'alpha\n'],
    ['b.txt', 'beta\n'],
    ['sub/c.sh', '#!/bin/sh\necho c\n'],
    ['sub/d.bin', 'x'.repeat(100_000)],
  ];
  for (const [name, content] of variant === 'a' ? files : [...files].reverse())
    writeFileSync(join(root, 'tree', name), content);
  symlinkSync('../a.txt', join(root, 'tree', 'sub', 'link-to-a'));
  chmodSync(join(root, 'tree', 'sub', 'c.sh'), variant === 'a' ? 0o755 : 0o700);
  chmodSync(join(root, 'tree', 'b.txt'), variant === 'a' ? 0o644 : 0o600);
  const when = variant === 'a' ? new Date('2001-01-01T00:00:00Z') : new Date('2030-06-15T12:34:56Z');
  for (const [name] of files) {
    utimesSync(join(root, 'tree', name), when, when);
    if (variant === 'b') chownSync(join(root, 'tree', name), 1234, 5678);
  }
  writeFileSync(join(root, 'pith.yaml'), SPEC);
}

describe('reproducible builds', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-repro-'));
    for (const v of ['a', 'b'] as const) {
      mkdirSync(join(dir, v));
      writeProject(join(dir, v), v);
      compileC(join(dir, v), 'tool', PRINT_PASSWD_LINE_C);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const build = (
    project: string,
    out: string,
    opts: { cwd?: string; cache?: string; env?: NodeJS.ProcessEnv } = {},
  ) => {
    const spec = opts.cwd ? relative(opts.cwd, join(dir, project, 'pith.yaml')) : join(dir, project, 'pith.yaml');
    const r = runPith(['build', spec, '-o', join(dir, out), '--cache-dir', opts.cache ?? join(dir, 'cache')], {
      cwd: opts.cwd,
      env: opts.env,
    });
    assert.equal(r.code, 0, r.stderr);
    return lastLine(r.stdout);
  };

  test('two builds of the same spec give the same digest, warm or with an empty cache', () => {
    const first = build('a', 'a1.oci');
    const second = build('a', 'a2.oci');
    const cold = build('a', 'a3.oci', { cache: join(dir, 'other-cache') });
    assert.equal(second, first);
    assert.equal(cold, first);
  });

  test('host files differing only in mtime, owner, creation order and permission bits give the same digest', () => {
    assert.equal(build('b', 'b.oci'), build('a', 'a4.oci'));
  });

  test('building from a different working directory gives the same digest', () => {
    assert.equal(build('a', 'cwd1.oci', { cwd: '/' }), build('a', 'cwd2.oci', { cwd: join(dir, 'a') }));
  });

  test('SOURCE_DATE_EPOCH sets the timestamps (and so changes the digest); spec created wins over it', () => {
    const base = build('a', 'sde0.oci');
    const sde = build('a', 'sde1.oci', { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    assert.notEqual(sde, base);
    assert.equal(build('a', 'sde2.oci', { env: { SOURCE_DATE_EPOCH: '1700000000' } }), sde);
    writeFileSync(join(dir, 'a', 'created.yaml'), `created: 2023-11-14T22:13:20Z\n${SPEC}`);
    const r = runPith(
      ['build', join(dir, 'a', 'created.yaml'), '-o', join(dir, 'created.oci'), '--cache-dir', join(dir, 'cache')],
      {
        env: { SOURCE_DATE_EPOCH: '5' },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), sde, '2023-11-14T22:13:20Z is 1700000000');
  });

  test('changing the application changes only the application layer', () => {
    const r1 = runPith([
      'build',
      join(dir, 'a', 'pith.yaml'),
      '-o',
      join(dir, 'l1.oci'),
      '--json',
      '--cache-dir',
      join(dir, 'cache'),
    ]);
    writeFileSync(join(dir, 'a', 'changed.yaml'), SPEC.replace('content: "hi\\n"', 'content: "changed\\n"'));
    const r2 = runPith([
      'build',
      join(dir, 'a', 'changed.yaml'),
      '-o',
      join(dir, 'l2.oci'),
      '--json',
      '--cache-dir',
      join(dir, 'cache'),
    ]);
    type Summary = { images: Array<{ layers: Array<{ name: string; digest: string }> }> };
    const l1 = (JSON.parse(r1.stdout) as Summary).images[0]!.layers;
    const l2 = (JSON.parse(r2.stdout) as Summary).images[0]!.layers;
    // effects: the NSS modules the host libc of `binaries:` loads at run time (install effects).
    assert.deepEqual(
      l1.map((l) => l.name),
      ['effects', 'system', 'libraries', 'app'],
    );
    assert.equal(l2[0]!.digest, l1[0]!.digest);
    assert.equal(l2[1]!.digest, l1[1]!.digest);
    assert.equal(l2[2]!.digest, l1[2]!.digest);
    assert.notEqual(l2[3]!.digest, l1[3]!.digest);
  });
});
