/** `base:` builds on an existing image, from an OCI layout or a real registry. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith } from '../helpers/cli.js';
import { compileC, PRINT_PASSWD_LINE_C } from '../helpers/compile.js';
import { runWithRunc } from '../helpers/runtime.js';
import { layoutImages, imageFiles } from '../helpers/layout.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';

describe('base images', () => {
  let dir: string;
  let cache: string;
  let registry: TestRegistry;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-base-'));
    cache = join(dir, 'cache');
    compileC(dir, 'passwd-line', PRINT_PASSWD_LINE_C, ['-static']);
    // The base: accounts, an entrypoint, env, a label, a port, a workdir.
    writeFileSync(
      join(dir, 'base.yaml'),
      `name: t/base\ntag: v1\nentrypoint: [/app/passwd-line]\ncmd: [root]\nuser: nonroot\nworkdir: /home/nonroot\nenv: {FROM_BASE: "yes", PATH: "/app:/usr/bin"}\nlabels: {layer: base}\nports: [8080]\nfiles:\n  - {src: passwd-line, dest: /app/passwd-line}\n`,
    );
    const r = runPith(['build', join(dir, 'base.yaml'), '-o', join(dir, 'base.oci'), '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    registry = await startRegistry();
    const pushed = runPith(['push', `${join(dir, 'base.oci')}:v1`, `${registry.host}/t/base:v1`, '--cache-dir', cache]);
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['layout', 'registry'] as const) {
    test(`from ${kind === 'layout' ? 'an OCI layout (oci:DIR:TAG)' : 'a registry'}: base layers first, config inherited, annotations set, it runs`, async () => {
      const ref = kind === 'layout' ? 'oci:base.oci:v1' : `${registry.host}/t/base:v1`;
      writeFileSync(
        join(dir, `app-${kind}.yaml`),
        `name: t/app\nbase: "${ref}"\ncmd: [nonroot]\nenv: {APP: "1"}\nlabels: {layer: app}\nports: [9090]\npaths:\n  - {path: /app/hello.txt, type: file, content: "hi\\n"}\n`,
      );
      const out = join(dir, `app-${kind}.oci`);
      const r = runPith(['build', join(dir, `app-${kind}.yaml`), '-o', out, '--cache-dir', cache]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(lastLine(r.stdout), /^sha256:/);
      const [base] = layoutImages(join(dir, 'base.oci'));
      const [app] = layoutImages(out);
      // The base's layers come first, unchanged; then only the app layer (no second /etc/passwd).
      assert.deepEqual(app!.config.rootfs.diff_ids.slice(0, base!.layers.length), base!.config.rootfs.diff_ids);
      assert.equal(app!.layers.length, base!.layers.length + 1);
      const c = app!.config.config;
      assert.deepEqual(c.Entrypoint, ['/app/passwd-line']);
      assert.deepEqual(c.Cmd, ['nonroot']);
      assert.equal(c.User, '65532:65532');
      assert.equal(c.WorkingDir, '/home/nonroot');
      assert.deepEqual(c.Env, ['PATH=/app:/usr/bin', 'FROM_BASE=yes', 'APP=1']);
      assert.deepEqual(c.Labels, { layer: 'app' });
      assert.deepEqual(c.ExposedPorts, { '8080/tcp': {}, '9090/tcp': {} });
      const manifest = (await import('node:fs')).readFileSync(
        join(out, 'blobs', 'sha256', app!.manifestDigest.slice(7)),
        'utf8',
      );
      const annotations = (JSON.parse(manifest) as { annotations: Record<string, string> }).annotations;
      assert.equal(annotations['org.opencontainers.image.base.name'], ref);
      assert.equal(annotations['org.opencontainers.image.base.digest'], base!.manifestDigest);
      const files = await imageFiles(app!);
      assert.ok(files.has('app/hello.txt') && files.has('etc/passwd'));
      const run = runWithRunc(out, 'latest');
      assert.equal(run.stderr, '');
      assert.equal(run.stdout, 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
    });
  }

  test('an unknown base image is one clear error', () => {
    writeFileSync(join(dir, 'bad.yaml'), `name: t/bad\nbase: "${registry.host}/t/nope:v1"\n`);
    const r = runPith(['build', join(dir, 'bad.yaml'), '-o', join(dir, 'bad.oci'), '--cache-dir', cache]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^pith: .*t\/nope/);
  });
});
