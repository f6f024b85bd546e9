/**
 * The spec a serve request stands for: the object the worker builds and the YAML record kept
 * beside its lock are the same spec, so `pith build <work>/pith.yaml` rebuilds the same image.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { specObject, specText } from '../../../src/server/builder.js';
import { parseImageName } from '../../../src/server/names.js';
import { specFromObject } from '../../../src/spec/from-object.js';
import { parseSpec } from '../../../src/spec/load.js';

const limits = { maxPackages: 5, suites: ['bookworm', 'trixie'], archs: ['amd64', 'arm64'] };

describe('serve spec', () => {
  for (const [name, tag] of [
    ['cc/nonroot/curl/libstdc__6', 'trixie'],
    ['static', 'bookworm'],
    ['debug/jq', 'bookworm'],
  ] as const) {
    test(`${name}:${tag}: the object and the YAML record give the same spec`, () => {
      const request = parseImageName(name, tag, limits);
      const fromObject = specFromObject(specObject(request), {
        name: '/tmp/w/pith.yaml',
        baseDir: '/tmp/w',
        lockFile: '/tmp/w/pith.lock',
      });
      const fromYaml = parseSpec(specText(request), '/tmp/w/pith.yaml');
      assert.deepStrictEqual(fromObject.spec, fromYaml.spec);
      assert.equal(fromObject.lockFile, fromYaml.lockFile, 'the same lock either way');
      assert.equal(fromObject.dir, fromYaml.dir);
      assert.equal(fromObject.spec.created, 0);
    });
  }

  test('a field error names the record file and the field', () => {
    const request = parseImageName('curl', 'bookworm', limits);
    const loaded = specFromObject(specObject(request), { name: '/tmp/w/pith.yaml' });
    assert.equal(loaded.where(['packages', 0]), '/tmp/w/pith.yaml: packages[0]');
  });
});
