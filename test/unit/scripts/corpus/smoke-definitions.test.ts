/** The corpus' smoke definitions: the checked-in ones load, bad ones are refused, expectations and placeholders work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCorpus, loadKnownFailing, specRuleViolations } from '../../../helpers/corpus/corpus.js';
import { fill, mismatch } from '../../../helpers/corpus/smoke.js';
import { dnsReply } from '../../../helpers/corpus/loopback-servers.js';

test('every checked-in entry loads, sets no trim: or keep:, and known-failing.yaml names only entries', () => {
  const entries = loadCorpus();
  assert.ok(entries.length >= 23, `${entries.length} entries`);
  assert.deepEqual(specRuleViolations(entries), []);
  const names = new Set(entries.map((e) => e.name));
  assert.deepEqual(
    Object.keys(loadKnownFailing()).filter((n) => !names.has(n)),
    [],
  );
});

test('a smoke.yaml with an unknown step or key is refused with its path; keep: in a spec is a violation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-corpus-unit-'));
  try {
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'pith.yaml'), 'name: t/bad\nkeep: [/x]\n');
    writeFileSync(join(dir, 'bad', 'smoke.yaml'), 'about: x\nsteps:\n  - run: {argz: [/bin/x]}\n');
    assert.throws(() => loadCorpus([], dir), /bad\/smoke\.yaml: steps\.0/);
    writeFileSync(join(dir, 'bad', 'smoke.yaml'), 'about: x\nsteps:\n  - run: {args: [/bin/x]}\n');
    assert.deepEqual(specRuleViolations(loadCorpus([], dir)), [
      'bad/pith.yaml: keep: is not allowed (closure mode must find what programs need)',
    ]);
    assert.throws(() => loadCorpus(['nope'], dir), /no corpus entry nope/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('expectations: exit code first, then stdout and stderr patterns', () => {
  assert.equal(mismatch({ code: 0, stdout: '42\n', stderr: '' }, { stdout: '^42\\n$' }), undefined);
  assert.match(mismatch({ code: 2, stdout: '', stderr: 'boom\nmore' }) ?? '', /^exit 2: boom \| more$/);
  assert.match(
    mismatch({ code: 0, stdout: 'x', stderr: 'why' }, { stdout: '^42' }) ?? '',
    /^stdout does not match \/\^42\/: "x" \(stderr: why\)$/,
  );
  assert.equal(mismatch({ code: 1, stdout: '', stderr: '' }, { code: 1 }), undefined);
});

test('placeholders are {{name}}; other braces (curl -w %{http_code}) stay; unknown names throw', () => {
  assert.equal(fill('%{http_code} {{https}}', { https: 'https://127.0.0.1:1/' }), '%{http_code} https://127.0.0.1:1/');
  assert.throws(() => fill('{{nope}}', {}), /unknown placeholder \{\{nope\}\}/);
});

test('the loopback DNS server answers an A question with 192.0.2.7 and echoes the question', () => {
  const question = Buffer.from([6, 99, 111, 114, 112, 117, 115, 0, 0, 1, 0, 1]); // "corpus" A IN
  const query = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), question]);
  const reply = dnsReply(query)!;
  assert.equal(reply.readUInt16BE(0), 0x1234);
  assert.equal(reply.readUInt16BE(2) & 0x8000, 0x8000, 'QR set');
  assert.equal(reply.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...reply.subarray(12, 12 + question.length)], [...question]);
  assert.deepEqual([...reply.subarray(-4)], [192, 0, 2, 7]);
  assert.equal(dnsReply(Buffer.alloc(5)), undefined);
});
