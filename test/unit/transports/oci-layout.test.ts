/** Reading OCI layouts (pith's, skopeo's, umoci's) back into image sets. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociLayoutTransport, parseLayoutArg, readOciLayout } from '../../../src/transports/oci-layout.js';
import { isPithError } from '../../../src/errors.js';
import { sh } from '../../helpers/cli.js';
import { buildEcho, buildMultiArch, type BuiltLayout } from '../../helpers/registry-images.js';

describe('reading OCI layouts', () => {
  let dir: string;
  let echo: BuiltLayout;
  let multi: BuiltLayout;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-layout-read-'));
    const cache = join(dir, 'cache');
    echo = buildEcho(join(dir, 'echo'), cache);
    multi = buildMultiArch(join(dir, 'multi'), cache);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("pith's single-platform layout: root, name, tag, every blob of the directory", async () => {
    const a = await readOciLayout(echo.layout);
    assert.equal(a.root.digest, echo.digest);
    assert.equal(
      a.root.annotations?.['org.opencontainers.image.ref.name'],
      undefined,
      'layout-only annotations dropped',
    );
    assert.equal(a.name, 'registry-test/echo');
    assert.equal(a.tag, 'v1');
    assert.equal(a.images.length, 1);
    assert.deepEqual(a.images[0]!.platform, { architecture: 'amd64', os: 'linux' });
    const files = readdirSync(join(echo.layout, 'blobs', 'sha256'))
      .map((h) => `sha256:${h}`)
      .sort();
    assert.deepEqual(
      a.blobs.map((b) => b.digest),
      files,
    );
    // Written back out by pith's own sink, it is the same layout.
    const again = join(dir, 'roundtrip.oci');
    await ociLayoutTransport.write(a, again);
    assert.equal(sh('skopeo', ['inspect', '--format', '{{.Digest}}', `oci:${again}:v1`]).trim(), echo.digest);
  });

  test('a multi-arch layout: the index as root, one image per platform', async () => {
    const a = await readOciLayout(multi.layout);
    assert.equal(a.root.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(a.root.digest, multi.digest);
    assert.deepEqual(a.images.map((i) => i.platform.architecture).sort(), ['amd64', 'arm64']);
    assert.equal(a.images.find((i) => i.platform.architecture === 'arm64')!.platform.variant, 'v8');
  });

  test("skopeo's layout with two tags: DIR:TAG picks one, no tag is an error listing them", async () => {
    const layout = join(dir, 'skopeo.oci');
    sh('skopeo', ['copy', `oci:${echo.layout}:v1`, `oci:${layout}:first`]);
    sh('skopeo', ['copy', '--all', `oci:${multi.layout}:both`, `oci:${layout}:second`]);
    const first = await readOciLayout(layout, 'first');
    assert.equal(first.tag, 'first');
    assert.equal(first.name, 'skopeo');
    assert.equal(first.images.length, 1);
    const second = await readOciLayout(layout, 'second');
    assert.equal(second.images.length, 2);
    await assert.rejects(
      readOciLayout(layout),
      (err: unknown) =>
        isPithError(err) &&
        /holds 2 images: pick one as .*:TAG/.test(err.message) &&
        /first, second/.test(err.hint ?? ''),
    );
    await assert.rejects(
      readOciLayout(layout, 'third'),
      (err: unknown) => isPithError(err) && /no image tagged "third"/.test(err.message),
    );
    assert.deepEqual(await parseLayoutArg(`${layout}:second`), { dir: layout, tag: 'second' });
    assert.deepEqual(await parseLayoutArg(layout), { dir: layout });
    const colonDir = join(dir, 'with:colon');
    mkdirSync(colonDir);
    assert.deepEqual(await parseLayoutArg(colonDir), { dir: colonDir }, 'an existing directory wins over DIR:TAG');
  });

  test("umoci's layout (an image without layers) reads too", async () => {
    const layout = join(dir, 'umoci.oci');
    sh('umoci', ['init', '--layout', layout]);
    sh('umoci', ['new', '--image', `${layout}:empty`]);
    const a = await readOciLayout(layout, 'empty');
    assert.equal(a.images.length, 1);
    assert.equal(a.images[0]!.layers.length, 0);
  });

  test('broken layouts: one clear line each', async () => {
    const sparse = join(dir, 'sparse.oci');
    cpSync(echo.layout, sparse, { recursive: true });
    const a = await readOciLayout(sparse);
    const layer = a.images[0]!.layers[0]!;
    unlinkSync(join(sparse, 'blobs', 'sha256', layer.digest.slice(7)));
    await assert.rejects(
      readOciLayout(sparse),
      (err: unknown) => isPithError(err) && err.message.includes(`blob ${layer.digest} is missing`),
    );
    const truncated = join(dir, 'truncated.oci');
    cpSync(echo.layout, truncated, { recursive: true });
    writeFileSync(join(truncated, 'blobs', 'sha256', a.images[0]!.manifest.config.digest.slice(7)), '{}');
    await assert.rejects(
      readOciLayout(truncated),
      (err: unknown) => isPithError(err) && /is 2 bytes, its descriptor says/.test(err.message),
    );
    const notLayout = join(dir, 'plain');
    mkdirSync(notLayout);
    await assert.rejects(
      readOciLayout(notLayout),
      (err: unknown) => isPithError(err) && /is not an OCI image layout/.test(err.message),
    );
    await assert.rejects(
      readOciLayout(join(dir, 'nope')),
      (err: unknown) => isPithError(err) && /no such directory/.test(err.message),
    );
  });
});
