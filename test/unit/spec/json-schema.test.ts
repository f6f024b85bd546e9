import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { specJsonSchema, SPEC_SCHEMA_ID } from '../../../src/spec/json-schema.js';
import { specFields } from '../../../src/spec/schema.js';
import { FULL_YAML } from './fixtures.js';

/** Compiled to dist/test/unit/spec/, so the repository is four levels up. */
const COMMITTED = fileURLToPath(new URL('../../../../schema/pith.schema.json', import.meta.url));

type Schema = Record<string, unknown>;

/**
 * A small validator for the JSON Schema keywords zod emits here; enough to check that the published
 * schema accepts what pith accepts and rejects the shapes it rejects. Returns the failing paths.
 */
function validate(schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${at}: ${why}`);
  const type = schema['type'];
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    const actual =
      value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [`${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if ('const' in schema && value !== schema['const']) fail(`expected ${JSON.stringify(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].includes(value)) fail('not in enum');
  if (typeof value === 'string') {
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) fail('pattern');
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) fail('minLength');
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength']) fail('maxLength');
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) fail('minimum');
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) fail('maximum');
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) fail('minItems');
    if (schema['uniqueItems'] === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) {
      fail('uniqueItems');
    }
    if (schema['items']) value.forEach((v, i) => errors.push(...validate(schema['items'] as Schema, v, `${at}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const key of (schema['required'] ?? []) as string[]) if (!(key in obj)) fail(`missing ${key}`);
    for (const [key, v] of Object.entries(obj)) {
      if (schema['propertyNames']) errors.push(...validate(schema['propertyNames'] as Schema, key, `${at}.<${key}>`));
      if (key in properties) errors.push(...validate(properties[key]!, v, `${at}.${key}`));
      else if (schema['additionalProperties'] === false) fail(`unknown ${key}`);
      else if (typeof schema['additionalProperties'] === 'object') {
        errors.push(...validate(schema['additionalProperties'] as Schema, v, `${at}.${key}`));
      }
    }
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const options = schema[keyword];
    if (!Array.isArray(options)) continue;
    const passing = options.filter((option: Schema) => validate(option, value, at).length === 0).length;
    if (keyword === 'anyOf' ? passing === 0 : passing !== 1) fail(`${keyword}: ${passing} options match`);
  }
  return errors;
}

test('the JSON Schema is draft 2020-12 with an $id, a title and every key, strict', () => {
  const schema = specJsonSchema() as Schema;
  assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(schema['$id'], SPEC_SCHEMA_ID);
  assert.equal(schema['title'], 'pith spec');
  assert.equal(schema['type'], 'object');
  assert.equal(schema['additionalProperties'], false);
  assert.deepEqual(schema['required'], ['name']);
  const properties = schema['properties'] as Record<string, Schema>;
  assert.deepEqual(Object.keys(properties), Object.keys(specFields));
  assert.ok(properties['stop-signal'], 'keys are as written in the file');
  for (const [key, property] of Object.entries(properties)) {
    assert.equal(typeof property['description'], 'string', `${key} has a description`);
  }
  const files = properties['files']!['items'] as Schema;
  assert.equal(files['additionalProperties'], false);
  assert.deepEqual(files['required'], ['src', 'dest']);
  const accounts = properties['accounts']!;
  assert.equal(accounts['additionalProperties'], false);
  const users = (accounts['properties'] as Record<string, Schema>)['users']!['items'] as Schema;
  assert.equal(users['additionalProperties'], false);
  const pathOptions = (properties['paths']!['items'] as Schema)['oneOf'] as Schema[];
  assert.equal(pathOptions.length, 3);
  for (const option of pathOptions) assert.equal(option['additionalProperties'], false);
});

test('the JSON Schema accepts the example spec and rejects what pith rejects', () => {
  const schema = specJsonSchema() as Schema;
  const example: unknown = parse(FULL_YAML);
  assert.deepEqual(validate(schema, example), []);
  assert.deepEqual(validate(schema, { name: 'a' }), []);

  const bad: [unknown, string][] = [
    [{ tag: 'x' }, '$: missing name'],
    [{ name: 'a', entripoint: ['x'] }, '$: unknown entripoint'],
    [{ name: 'A' }, '$.name: pattern'],
    [{ name: 'a', archs: ['x86_64'] }, '$.archs[0]: not in enum'],
    [{ name: 'a', archs: ['amd64', 'amd64'] }, '$.archs: uniqueItems'],
    [{ name: 'a', files: [{ src: 'a', dest: '/a', mode: 493 }] }, '$.files[0].mode: expected string, got integer'],
    [{ name: 'a', files: [{ src: 'a', dest: 'a' }] }, '$.files[0].dest: pattern'],
    [{ name: 'a', paths: [{ path: '/a', type: 'file' }] }, '$.paths[0]: oneOf: 0 options match'],
    [{ name: 'a', env: { 'A=B': 'x' } }, '$.env.<A=B>: pattern'],
    [{ name: 'a', accounts: { users: [{ name: 'x' }] } }, '$.accounts.users[0]: missing uid'],
  ];
  for (const [value, expected] of bad) assert.deepEqual(validate(schema, value), [expected], JSON.stringify(value));
});

test('schema/pith.schema.json is the generated schema (PITH_UPDATE_SCHEMA=1 rewrites it)', async () => {
  const generated = JSON.stringify(specJsonSchema(), null, 2) + '\n';
  if (process.env['PITH_UPDATE_SCHEMA'] === '1') await writeFile(COMMITTED, generated);
  const committed = await readFile(COMMITTED, 'utf8').catch(() => '');
  assert.ok(
    committed === generated,
    'schema/pith.schema.json is out of date: run `PITH_UPDATE_SCHEMA=1 node --test dist/test/unit/spec/json-schema.test.js` and commit it',
  );
});
