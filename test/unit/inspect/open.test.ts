import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openImage } from '../../../src/inspect/open.js';
import { analyzeImage } from '../../../src/inspect/analyze.js';
import { layerPath } from '../../../src/image/layer.js';
import { fakePackage, tarBytes } from '../../helpers/inspect-layers.js';

test('openImage: a docker save tar from before Docker 25 (manifest.json, uncompressed layer tars)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-inspect-open-'));
  const layer = await tarBytes([
    ...fakePackage('zlib1g', '1:1.2.13', { 'usr/lib/libz.so.1': 'z' }),
    { name: 'bin/sh', content: 'sh', mode: 0o755 },
  ]);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { User: 'root', Cmd: ['/bin/sh'] } }),
  );
  const archive = await tarBytes([
    {
      name: 'manifest.json',
      content: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['x/y:v1'], Layers: ['abc/layer.tar'] }]),
    },
    { name: 'cfg.json', content: config },
    { name: 'abc/layer.tar', content: layer },
  ]);
  const file = join(dir, 'old.tar');
  writeFileSync(file, archive);
  const opened = await openImage(`docker-archive:${file}`, { command: 'inspect' });
  try {
    assert.equal(opened.kind, 'docker-archive');
    assert.equal(opened.layers.length, 1);
    assert.match(opened.layers[0]!.digest, /^sha256:[0-9a-f]{64}$/);
    const { report } = await analyzeImage(opened);
    assert.deepEqual(
      report.packages.map((p) => [p.name, p.version]),
      [['zlib1g', '1:1.2.13']],
    );
    assert.deepEqual(report.config.cmd, ['/bin/sh']);
    assert.equal(report.platform, 'linux/amd64');
  } finally {
    await opened.close();
  }
  assert.equal(existsSync(layerPath(opened.layers[0]!)), false, 'temporary files removed');
});

test('openImage: refuses a tar that is no image, and names a missing layout or archive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pith-inspect-open-'));
  const file = join(dir, 'junk.tar');
  writeFileSync(file, await tarBytes([{ name: 'hello', content: 'x' }]));
  await assert.rejects(openImage(file, { command: 'inspect' }), /neither an oci-archive nor a docker-archive/);
  await assert.rejects(
    openImage(join(dir, 'none.oci'), { command: 'inspect' }),
    /^PithError: inspect: no such layout: /,
  );
  await assert.rejects(
    openImage(`oci-archive:${join(dir, 'none.tar')}`, { command: 'diff' }),
    /diff: no such archive: /,
  );
});
