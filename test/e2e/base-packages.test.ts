/**
 * Packages on a base image, from the real Debian mirror: the cc preset built as a base, then
 * `base: oci:...` + jq. No package layer of the base comes again (the issue saw glibc's layer
 * twice and a second gcc-12 layer), jq runs with runc as nonroot, the SBOM lists the base's
 * packages (glibc and co.) beside jq's, and `trim: closure` on the base finds its libc.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith } from '../helpers/cli.js';
import { networkTestsSkipped } from '../helpers/debian-mirror.js';
import { imageFiles, layoutImages, type LayoutImage } from '../helpers/layout.js';
import { runWithRunc } from '../helpers/runtime.js';

/** The package names whose status.d entries a set of layers writes. */
async function statusNames(image: LayoutImage, layers: string[]): Promise<string[]> {
  const files = await imageFiles({ ...image, layers });
  return [...files.keys()]
    .filter((p) => /^var\/lib\/dpkg\/status\.d\/[^/]+$/.test(p) && !p.endsWith('.md5sums'))
    .map((p) => p.slice('var/lib/dpkg/status.d/'.length))
    .sort();
}

describe('Debian packages on a base image (real mirror)', { skip: networkTestsSkipped() }, () => {
  let dir: string;
  let cache: string;
  const build = (name: string, spec: string) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'pith.yaml'), spec);
    const out = join(d, 'out.oci');
    const r = runPith(['build', join(d, 'pith.yaml'), '-o', out, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    return { out, digest: lastLine(r.stdout), stderr: r.stderr };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-base-packages-'));
    cache = join(dir, 'cache');
    build('cc', 'name: t/cc\npreset: cc\nvariants: [nonroot]\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('cc as a base + jq: no package layer twice, only jq and its libraries added, runs as nonroot, SBOM lists glibc', async () => {
    const app = build(
      'jq',
      'name: t/jq\nbase: oci:../cc/out.oci\npackages: [jq]\nentrypoint: [/usr/bin/jq]\ncmd: ["-n", "{answer: (40 + 2)} | .answer"]\n',
    );
    const [base] = layoutImages(join(dir, 'cc', 'out.oci'));
    const [image] = layoutImages(app.out);
    const blobName = (l: string) => l.slice(l.lastIndexOf('/') + 1);
    const digests = image!.layers.map(blobName);
    assert.equal(new Set(digests).size, digests.length, 'no layer twice');
    assert.deepEqual(
      digests.slice(0, base!.layers.length),
      base!.layers.map(blobName),
      'the base layers first, unchanged',
    );
    assert.deepEqual(image!.config.rootfs.diff_ids.slice(0, base!.layers.length), base!.config.rootfs.diff_ids);
    const inBase = await statusNames(base!, base!.layers);
    const added = await statusNames(image!, image!.layers.slice(base!.layers.length));
    assert.ok(inBase.includes('libc6') && inBase.includes('libgcc-s1'), inBase.join(' '));
    assert.deepEqual(added, ['jq', 'libjq1', 'libonig5'], 'only what cc lacks');
    assert.equal(image!.layers.length, base!.layers.length + 2, 'the jq and libonig layers');

    const run = runWithRunc(app.out, 'latest', { uid: 65532, gid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '42\n');

    const spdx = JSON.parse(readFileSync(`${app.out}.spdx.json`, 'utf8')) as {
      packages: Array<{ name: string; comment?: string; externalRefs?: Array<{ referenceLocator: string }> }>;
    };
    const libc6 = spdx.packages.find((p) => p.name === 'libc6');
    assert.match(libc6?.comment ?? '', /^from the base image /);
    assert.match(libc6?.externalRefs?.[0]?.referenceLocator ?? '', /^pkg:deb\/debian\/libc6@2\.36-/);
    const names = spdx.packages.map((p) => p.name);
    for (const n of [...inBase, ...added]) assert.ok(names.includes(n), `SBOM lists ${n}`);
  });

  test("trim: closure on the cc base: jq finds the base's libc and runs; nothing of the base is written again", async () => {
    const app = build(
      'jq-closure',
      'name: t/jq-closure\nbase: oci:../cc/out.oci\npackages: [jq]\nentrypoint: [/usr/bin/jq]\ntrim: closure\n',
    );
    const [base] = layoutImages(join(dir, 'cc', 'out.oci'));
    const [image] = layoutImages(app.out);
    const files = await imageFiles({ ...image!, layers: image!.layers.slice(base!.layers.length) });
    assert.ok(files.has('usr/bin/jq'));
    assert.ok(
      ![...files.keys()].some((p) => /libc\.so|ld-linux|libstdc\+\+/.test(p)),
      'no base library in the added layers',
    );
    const run = runWithRunc(app.out, 'latest', { uid: 65532, gid: 65532, args: ['/usr/bin/jq', '-n', '1 + 41'] });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '42\n');
  });
});
