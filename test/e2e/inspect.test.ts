/**
 * pith inspect / diff / audit on images the real CLI builds (a host-binary image, and Debian
 * `static`, `cc` and `static + debug` images from the host's configured mirror), read from the
 * layout, from a docker-archive and from a local registry; checked against the lockfiles and
 * the layouts' manifests.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith } from '../helpers/cli.js';
import { imageFiles, layoutImages, readBlobJson } from '../helpers/layout.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import type { ImageReport } from '../../src/inspect/analyze.js';
import type { ImageDiff } from '../../src/inspect/diff.js';
import type { AuditReport } from '../../src/inspect/audit.js';
import type { Lockfile } from '../../src/lock/lockfile.js';
import { hostArch } from '../../src/image/platform.js';

describe('pith inspect, diff and audit on built images', () => {
  let dir: string;
  let cache: string;
  const built: Record<string, { out: string; lock: string }> = {};

  const build = (name: string, spec: string, extra: string[] = []) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'pith.yaml'), spec);
    const out = join(d, extra.includes('docker-archive') ? 'out.tar' : 'out.oci');
    const r = runPith(['build', join(d, 'pith.yaml'), '-o', out, '--cache-dir', cache, '-q', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    built[name] = { out, lock: join(d, 'pith.lock') };
  };
  const lockPackages = (name: string): Array<[string, string]> => {
    const lock = JSON.parse(readFileSync(built[name]!.lock, 'utf8')) as Lockfile;
    return lock.packages[hostArch()]!.map((p) => [p.name, p.version] as [string, string]).sort();
  };
  const json = <T>(args: string[]): T => {
    const r = runPith(args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };
  const manifestLayers = (layout: string) => {
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    return readBlobJson<{ layers: Array<{ digest: string; size: number }> }>(layout, index.manifests[0]!.digest).layers;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-inspect-'));
    cache = join(dir, 'cache');
    build('host', 'name: t/host\nentrypoint: [/usr/bin/echo, hi]\nuser: nonroot\nbinaries:\n  - src: /usr/bin/echo\n');
    build('static', 'name: t/static\npreset: static\nvariants: [nonroot]\n');
    build('cc', 'name: t/cc\npreset: cc\nvariants: [nonroot]\n');
    build('debug', 'name: t/debug\npreset: static\nvariants: [debug, nonroot]\n');
    build('multi', 'name: t/multi\narchs: [amd64, arm64]\npreset: static\n');
    build('static-tar', 'name: t/static\npreset: static\nvariants: [nonroot]\n', ['--format', 'docker-archive']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('inspect static: packages match the lockfile, layers match the manifest, largest files and os-release are right', async () => {
    const { out } = built['static']!;
    const r = json<ImageReport>(['inspect', out, '--json']);
    assert.deepEqual(
      r.packages.map((p) => [p.name, p.version]),
      lockPackages('static'),
    );
    assert.ok(r.packages.length >= 5);
    const layers = manifestLayers(out);
    assert.deepEqual(
      r.layers.map((l) => [l.digest, l.compressedSize]),
      layers.map((l) => [l.digest, l.size]),
    );
    for (const p of r.packages) {
      assert.ok(
        r.layers.some((l) => l.packages.includes(p.name)),
        `${p.name} is in a layer`,
      );
      assert.ok(r.layers[p.layer - 1]!.packages.includes(p.name), `${p.name}'s status entry is in its layer`);
      assert.ok(p.files > 0, `${p.name} owns files`);
    }
    assert.deepEqual([r.os.id, r.os.versionId], ['debian', '12']);
    assert.equal(r.config.user, '65532:65532');
    assert.equal(r.platform, `linux/${hostArch()}`);
    // The 10 largest files, computed independently from the layer tars.
    const files = await imageFiles(layoutImages(out)[0]!, () => true);
    const sizes = [...files.values()]
      .filter((f) => f.type === 'file')
      .map((f) => ({ path: `/${f.path}`, size: f.data!.length }));
    sizes.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
    assert.deepEqual(
      r.largestFiles.map((f) => [f.path, f.size]),
      sizes.slice(0, 10).map((f) => [f.path, f.size]),
    );
    assert.equal(r.totals.files, sizes.length);
    assert.equal(
      r.totals.size,
      sizes.reduce((n, f) => n + f.size, 0),
    );
    // Text output names the same things.
    const text = runPith(['inspect', `oci:${out}:latest`]);
    assert.equal(text.code, 0, text.stderr);
    for (const [name, version] of lockPackages('static'))
      assert.match(text.stdout, new RegExp(`^  ${name} ${version.replace(/[.+]/g, '\\$&')}$`, 'm'));
    assert.match(text.stdout, /^layers: \d+$/m);
    assert.match(text.stdout, /^os: +debian 12/m);
  });

  test('inspect host-binary image: no packages, libc the largest file, non-package layers are "other files"', () => {
    const { out } = built['host']!;
    const r = json<ImageReport>(['inspect', out, '--json']);
    assert.deepEqual(r.packages, []);
    assert.equal(r.layers.length, manifestLayers(out).length);
    assert.match(r.largestFiles[0]!.path, /\/libc\.so\.6$/);
    assert.ok(r.layers.every((l) => l.packages.length === 0));
    assert.ok(r.largestFiles.some((f) => f.path === '/usr/bin/echo'));
    assert.deepEqual(r.config.entrypoint, ['/usr/bin/echo', 'hi']);
    const audit = runPith([
      'audit',
      out,
      '--deny',
      'shell,package-manager,setuid,setgid,world-writable,root-user',
      '--max-packages',
      '0',
    ]);
    assert.equal(audit.code, 0, audit.stderr + audit.stdout);
  });

  test("diff static cc: exactly the lockfiles' extra packages, and the size delta per layer", () => {
    const d = json<ImageDiff>(['diff', built['static']!.out, built['cc']!.out, '--json']);
    const staticNames = new Set(lockPackages('static').map(([n]) => n));
    const added = lockPackages('cc').filter(([n]) => !staticNames.has(n));
    assert.deepEqual(
      d.packages.added.map((p) => [p.name, p.version]),
      added,
    );
    for (const n of ['libc6', 'libssl3', 'libgcc-s1', 'gcc-12-base', 'libgomp1', 'libstdc++6'])
      assert.ok(
        d.packages.added.some((p) => p.name === n),
        n,
      );
    assert.deepEqual(d.packages.removed, []);
    assert.deepEqual(d.packages.changed, []);
    assert.ok(d.files.added.includes('/var/lib/dpkg/status.d/libc6'));
    assert.ok(d.files.added.some((f) => /\/libstdc\+\+\.so\.6/.test(f)));
    const a = manifestLayers(built['static']!.out);
    const b = manifestLayers(built['cc']!.out);
    assert.equal(d.layers.length, Math.max(a.length, b.length));
    d.layers.forEach((l, i) =>
      assert.equal(l.compressedDelta, (b[i]?.size ?? 0) - (a[i]?.size ?? 0), `layer ${i + 1}`),
    );
    const sum = (ls: typeof a) => ls.reduce((n, l) => n + l.size, 0);
    assert.equal(d.total.compressedDelta, sum(b) - sum(a));
    assert.ok(d.total.uncompressedDelta > 0);
    const text = runPith(['diff', built['static']!.out, built['cc']!.out]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^packages: ${added.length} added, 0 removed, 0 changed$`, 'm'));
    assert.match(text.stdout, /^  \+ libc6 /m);
  });

  test('audit: the debug image has the busybox shell and fails --deny shell (exit 3); static passes --deny shell,setuid', () => {
    const dbg = json<AuditReport>(['audit', built['debug']!.out, '--json']);
    assert.ok(
      dbg.shells.some((s) => s.path === '/busybox/sh'),
      JSON.stringify(dbg.shells),
    );
    assert.ok(
      dbg.shells.some((s) => s.path === '/bin/busybox' && s.type === 'file'),
      'the busybox binary itself',
    );
    assert.ok(dbg.packages > 0);
    assert.deepEqual(dbg.violations, []);
    const denied = runPith(['audit', built['debug']!.out, '--deny', 'shell']);
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stderr, /^pith: audit: denied shell: \/busybox\/sh$/m);
    assert.ok(
      denied.stderr
        .trim()
        .split('\n')
        .every((l) => l.startsWith('pith: audit: denied shell: ')),
    );
    const ok = runPith(['audit', built['static']!.out, '--deny', 'shell,setuid']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^shells: none$/m);
    const st = json<AuditReport>(['audit', built['static']!.out, '--json', '--deny', 'root-user']);
    assert.deepEqual(st.shells, []);
    assert.deepEqual(st.setuid, []);
    assert.equal(st.rootUser, false);
    assert.ok(st.stickyWorldWritable.some((p) => p.path === '/tmp'));
    assert.deepEqual(st.worldWritable, []);
    assert.equal(st.packages, lockPackages('static').length);
    const many = runPith(['audit', built['static']!.out, '--max-packages', '2']);
    assert.equal(many.code, 3);
    assert.match(many.stderr, /^pith: audit: denied max-packages: \d+ packages, more than 2$/m);
  });

  test('a docker-archive and a registry copy give the same packages and layers as the layout', async () => {
    const fromLayout = json<ImageReport>(['inspect', built['static']!.out, '--json']);
    for (const ref of [`docker-archive:${built['static-tar']!.out}`, built['static-tar']!.out]) {
      const r = json<ImageReport>(['inspect', ref, '--json']);
      assert.deepEqual(r.packages, fromLayout.packages, ref);
      assert.deepEqual(
        r.layers.map((l) => l.digest),
        fromLayout.layers.map((l) => l.digest),
        ref,
      );
    }
    let registry: TestRegistry | undefined;
    try {
      registry = await startRegistry();
      const ref = `${registry.host}/t/static:v1`;
      const push = runPith(['push', built['static']!.out, ref, '-q']);
      assert.equal(push.code, 0, push.stderr);
      const r = json<ImageReport>(['inspect', ref, '--json']);
      assert.deepEqual(r.packages, fromLayout.packages);
      assert.deepEqual(r.layers, fromLayout.layers);
      assert.equal(r.manifestDigest, fromLayout.manifestDigest);
      const d = json<ImageDiff>(['diff', built['static']!.out, `docker://${ref}`, '--json']);
      assert.deepEqual(
        [d.packages.added, d.packages.removed, d.files.added, d.files.removed, d.files.changed],
        [[], [], [], [], []],
      );
      assert.ok(d.layers.every((l) => l.same));
    } finally {
      await registry?.stop();
    }
  });

  test("a multi-platform layout: the host's image by default, another with --platform", () => {
    const lock = JSON.parse(readFileSync(built['multi']!.lock, 'utf8')) as Lockfile;
    for (const arch of ['amd64', 'arm64']) {
      const r = json<ImageReport>(['inspect', built['multi']!.out, '--json', '--platform', `linux/${arch}`]);
      assert.match(r.platform, new RegExp(`^linux/${arch}`));
      assert.deepEqual(
        r.packages.map((p) => [p.name, p.version, p.architecture]),
        lock.packages[arch]!.map((p) => [p.name, p.version, p.architecture]).sort(),
      );
      const image = layoutImages(built['multi']!.out).find((i) => i.platform.architecture === arch)!;
      assert.equal(r.manifestDigest, image.manifestDigest);
    }
    const host = json<ImageReport>(['inspect', built['multi']!.out, '--json']);
    assert.match(host.platform, new RegExp(`^linux/${hostArch()}`));
  });

  test('errors: one line, exit 1 for a missing image or platform, exit 2 for usage', () => {
    const missing = runPith(['inspect', join(dir, 'nope.oci')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `pith: inspect: no such layout: ${join(dir, 'nope.oci')}\n`);
    const missingOci = runPith(['diff', `oci:${join(dir, 'nope')}`, built['static']!.out]);
    assert.equal(missingOci.code, 1);
    assert.equal(missingOci.stderr, `pith: diff: no such layout: ${join(dir, 'nope')}\n`);
    const noArchive = runPith(['audit', `docker-archive:${join(dir, 'nope.tar')}`]);
    assert.equal(noArchive.code, 1);
    assert.equal(noArchive.stderr, `pith: audit: no such archive: ${join(dir, 'nope.tar')}\n`);
    const other = hostArch() === 'arm64' ? 'linux/amd64' : 'linux/arm64';
    const wrongPlatform = runPith(['inspect', built['static']!.out, '--platform', other]);
    assert.equal(wrongPlatform.code, 1);
    assert.match(wrongPlatform.stderr, new RegExp(`^pith: .* has no image for ${other}`));
    assert.equal(wrongPlatform.stderr.trim().split('\n').length, 1);
    for (const args of [
      ['inspect'],
      ['diff', built['static']!.out],
      ['audit', built['static']!.out, '--deny', 'bogus'],
      ['audit', built['static']!.out, '--max-packages', 'x'],
      ['inspect', built['static']!.out, '--nope'],
    ]) {
      const r = runPith(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^pith: (inspect|diff|audit): /);
    }
  });
});
