/**
 * Specs are bounded: a size limit read before the file is, parsing linear in the keys (yaml's own
 * duplicate-key check is quadratic: 40,000 keys took 23 s), and values echoed in errors escaped so
 * that an error is one line without terminal control sequences.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isPithError, printable } from '../../../src/errors.js';
import { loadSpec, parseSpec } from '../../../src/spec/load.js';

function labels(count: number, extra = ''): string {
  const lines = ['name: x', 'labels:'];
  for (let i = 0; i < count; i++) lines.push(`  k${i}: v${i}`);
  return `${lines.join('\n')}\n${extra}`;
}

function specErrorLine(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(isPithError(err), `not a PithError: ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err.oneLine();
  }
  assert.fail('no error');
}

test('a 200,000-key mapping (3.5 MB) is refused by size in well under a second', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-spec-bounds-'));
  try {
    const file = join(dir, 'pith.yaml');
    writeFileSync(file, labels(200_000));
    const started = performance.now();
    await assert.rejects(loadSpec(file), (err: unknown) => {
      assert.ok(isPithError(err) && err.exitCode === 2);
      assert.equal(
        err.oneLine(),
        `${file}: the spec is larger than 1 MiB; refused (raise the limit with PITH_MAX_SPEC_BYTES=... if this is expected)`,
      );
      return true;
    });
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a spec from a file that never ends (/dev/zero) is refused at the limit', async () => {
  await assert.rejects(
    loadSpec('/dev/zero'),
    (err: unknown) => isPithError(err) && /^\/dev\/zero: the spec is larger than 1 MiB/.test(err.oneLine()),
  );
});

test('duplicate keys are found in linear time: 50,000 keys with the duplicate last', () => {
  const text = labels(50_000, '  k17: again\n');
  const started = performance.now();
  const line = specErrorLine(() => parseSpec(text, 'pith.yaml'));
  const ms = performance.now() - started;
  assert.equal(line, 'pith.yaml:50003:3: invalid YAML: duplicate key "k17"');
  // The quadratic check took ~35 s for this; linear parsing takes well under 2 s even on a loaded machine.
  assert.ok(ms < 5000, `parsed in ${ms.toFixed(0)} ms`);
});

test('the first duplicate in file order is reported, in nested mappings too', () => {
  const line = specErrorLine(() =>
    parseSpec('name: x\nenv:\n  A: 1\n  B: 2\n  A: 3\nlabels:\n  a: b\nname: y\n', 'p.yaml'),
  );
  assert.equal(line, 'p.yaml:5:3: invalid YAML: duplicate key "A"');
});

test('values echoed in errors are escaped: one line, no terminal control sequences', () => {
  const text = 'name: x\nentrypoint: [/a]\nuser: "bad\\e]0;pwned\\a\\nsecond\\u202eline\\x9b31m"\n';
  const line = specErrorLine(() => parseSpec(text, 'p.yaml'));
  assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202e]/.test(line), JSON.stringify(line));
  assert.match(line, /^p\.yaml:3:7: user: .*bad\\x1b\]0;pwned\\x07\\nsecond\\u202eline\\x9b31m/);
});

test('printable: escapes, keeps ordinary text, cuts very long lines', () => {
  assert.equal(printable('plain é ü 日本'), 'plain é ü 日本');
  assert.equal(printable('a\tb\r\n\u0000\u2028'), 'a\\tb\\r\\n\\x00\\u2028');
  const long = printable('x'.repeat(10_000));
  assert.equal(long.length, 4096);
  assert.ok(long.endsWith('…'));
});

test('a NUL in a symlink target is a spec error at its position', () => {
  const line = specErrorLine(() =>
    parseSpec('name: x\npaths:\n  - {path: /a, type: symlink, target: "a\\0b"}\n', 'p.yaml'),
  );
  assert.equal(line, 'p.yaml:3:39: paths[0].target: must not contain NUL bytes');
});
