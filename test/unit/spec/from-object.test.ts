/**
 * specFromObject: a value gives the same Spec as the YAML that parses to it, and every mistake is
 * one line naming the field (`request body: packages[2]: ...`), as a spec file's would.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { isPithError } from '../../../src/errors.js';
import { specFromObject } from '../../../src/spec/from-object.js';
import { parseSpec } from '../../../src/spec/load.js';
import { FULL_SPEC, FULL_YAML } from './fixtures.js';

function errorLine(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(isPithError(err), `not a PithError: ${String(err)}`);
    assert.equal(err.kind, 'spec');
    assert.equal(err.exitCode, 2);
    const line = err.oneLine();
    assert.ok(!line.includes('\n'), line);
    return line;
  }
  assert.fail('no error');
}

test('the value YAML parses to gives the same Spec as the YAML file', () => {
  const loaded = specFromObject(parse(FULL_YAML) as unknown, { name: 'request body', baseDir: 'specs' });
  assert.deepStrictEqual(loaded.spec, FULL_SPEC);
  assert.deepStrictEqual(loaded.spec, parseSpec(FULL_YAML, 'specs/pith.yaml').spec);
  assert.equal(loaded.file, 'request body');
  assert.equal(loaded.dir, path.resolve('specs'));
});

test('a hand-written object gets the same defaults as the same spec in YAML', () => {
  const yaml =
    'name: app\ncreated: 0\nentrypoint: [/app]\npaths:\n  - { path: /app, type: file, content: "hi\\n", mode: "0755" }\n';
  const object = {
    name: 'app',
    created: 0,
    entrypoint: ['/app'],
    paths: [{ path: '/app', type: 'file', content: 'hi\n', mode: '0755' }],
  };
  assert.deepStrictEqual(specFromObject(object).spec, parseSpec(yaml, 'pith.yaml').spec);
});

test('a Date is its ISO time, and properties set to undefined are left out', () => {
  const at = new Date('2024-01-01T00:00:00Z');
  const fromDate = specFromObject({ name: 'app', created: at, cmd: undefined });
  assert.deepStrictEqual(fromDate.spec, specFromObject({ name: 'app', created: at.toISOString() }).spec);
  assert.ok(!('cmd' in fromDate.spec));
  assert.equal(fromDate.written('cmd'), false);
});

test('written() answers from the object as given, before defaults', () => {
  const loaded = specFromObject({ name: 'app', accounts: { preset: 'none' } });
  assert.equal(loaded.written('accounts'), true);
  assert.equal(loaded.written('tag'), false);
  assert.equal(loaded.spec.tag, 'latest');
});

test('relative paths resolve against baseDir (default: the working directory); the lockfile is only where given', () => {
  assert.equal(specFromObject({ name: 'app' }).dir, process.cwd());
  assert.equal(specFromObject({ name: 'app' }).lockFile, undefined);
  const loaded = specFromObject({ name: 'app' }, { baseDir: '/srv/app', lockFile: '/srv/app/app.lock' });
  assert.equal(loaded.dir, '/srv/app');
  assert.equal(loaded.lockFile, '/srv/app/app.lock');
  assert.equal(parseSpec('name: app\n', 'specs/cc.yaml').lockFile, path.join('specs', 'cc.lock'));
});

test('where() names the field after the label', () => {
  const loaded = specFromObject({ name: 'app' }, { name: 'request body' });
  assert.equal(loaded.where(['files', 0, 'src']), 'request body: files[0].src');
  assert.equal(
    loaded.where(['labels', 'org.opencontainers.image.title']),
    'request body: labels["org.opencontainers.image.title"]',
  );
  assert.equal(loaded.where([]), 'request body');
});

test('a schema problem is one line naming the field, with the message the YAML path gives', () => {
  const object = { name: 'app', packages: ['curl', 'jq', 42] };
  const fromObject = errorLine(() => specFromObject(object, { name: 'request body' }));
  assert.match(fromObject, /^request body: packages\[2\]: /);
  const fromYaml = errorLine(() => parseSpec('name: app\npackages: [curl, jq, 42]\n', 'pith.yaml'));
  assert.equal(fromObject.replace(/^request body: /, ''), fromYaml.replace(/^pith\.yaml:\d+:\d+: /, ''));
});

test('unknown keys, wrong types and several problems read as in a spec file', () => {
  assert.match(
    errorLine(() => specFromObject({ name: 'app', entrypont: ['/app'] }, { name: 'request body' })),
    /^request body: entrypont: unknown key.*entrypoint/,
  );
  assert.match(
    errorLine(() => specFromObject({ name: 'app', files: [{ src: 'a', dest: '/a', mode: 'rwx' }] })),
    /^spec: files\[0\]\.mode: /,
  );
  assert.match(
    errorLine(() => specFromObject({ name: 7, tag: [] })),
    /^spec: \S+: .*\(and 1 more\)$/,
  );
});

test('a value that is no spec is refused at the top', () => {
  assert.match(
    errorLine(() => specFromObject(null, { name: 'request body' })),
    /^request body: the spec is empty/,
  );
  assert.match(
    errorLine(() => specFromObject(undefined)),
    /^spec: the spec is empty/,
  );
  assert.match(
    errorLine(() => specFromObject([{ name: 'app' }])),
    /^spec: expected an object .*got a list$/,
  );
  assert.match(
    errorLine(() => specFromObject('name: app')),
    /^spec: expected an object .*got a string$/,
  );
});

test('values YAML cannot hold are refused naming the field', () => {
  assert.match(
    errorLine(() => specFromObject({ name: 'app', cmd: [() => 'x'] })),
    /^spec: cmd\[0\]: a function is not a spec value \(use strings/,
  );
  assert.match(
    errorLine(() => specFromObject({ name: 'app', env: new Map([['A', '1']]) })),
    /^spec: env: a Map instance is not a spec value/,
  );
  assert.match(
    errorLine(() => specFromObject({ name: 'app', cmd: [undefined] })),
    /^spec: cmd\[0\]: undefined is not a spec value/,
  );
  assert.match(
    errorLine(() => specFromObject({ name: 'app', created: 10n })),
    /^spec: created: a bigint is not a spec value/,
  );
});

test('cycles, deep nesting and oversized values are refused as a spec file would be', () => {
  const looped: Record<string, unknown> = { name: 'app' };
  looped.labels = { self: looped };
  assert.match(
    errorLine(() => specFromObject(looped)),
    /^spec: labels\.self: refers back to an object that holds it \(a cycle\)/,
  );

  let deep: unknown = 'x';
  for (let i = 0; i < 10_000; i++) deep = [deep];
  assert.match(
    errorLine(() => specFromObject({ name: 'app', cmd: deep })),
    /^spec: cmd(\[0\])+: nested more than 64 deep$/,
  );

  // Counted as it goes: the refusal comes before the last of 200,000 values is even read.
  let reads = 0;
  const labels: Record<string, string> = {};
  for (let i = 0; i < 200_000; i++) {
    Object.defineProperty(labels, `k${i}`, { enumerable: true, get: () => (reads++, `v${i}`) });
  }
  assert.equal(
    errorLine(() => specFromObject({ name: 'app', labels })),
    'spec: the spec is larger than 1 MiB; refused (raise the limit with PITH_MAX_SPEC_BYTES=... if this is expected)',
  );
  assert.ok(reads > 0 && reads < 200_000, `read ${reads} of 200000 values`);
});

test('the spec is a copy: changing the object afterwards changes nothing', () => {
  const object = { name: 'app', packages: ['curl'] };
  const loaded = specFromObject(object);
  object.packages.push('jq');
  object.name = 'other';
  assert.deepStrictEqual(loaded.spec.packages, ['curl']);
  assert.equal(loaded.spec.name, 'app');
});
