/**
 * Packages on a base image, against a signed apt repository served on 127.0.0.1: what the base
 * already has (its status.d, its classic status file, or failing both its SBOM, beside a layout
 * or as a registry referrer) is never added again; only the missing packages get layers; the
 * lock pins the base by digest; a base version that does not fit is one error naming the chain;
 * the SBOM lists the base's packages; the program runs with runc as nonroot.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAptRepo,
  createTestKey,
  serveDirectory,
  type AptRepo,
  type FakePackage,
  type ServedDirectory,
} from '../helpers/apt-repo.js';
import { compileC } from '../helpers/compile.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import {
  assertBuilt,
  assertRefused,
  lockedSet,
  readLock,
  runPithAsync,
  specYaml,
  writeSpecDir,
  type SpecDir,
} from '../helpers/offline-pith.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { runWithRunc } from '../helpers/runtime.js';

/** Prints a file a base package ships and who runs it. */
const FOO_TOOL_C = `#include <stdio.h>
#include <unistd.h>
int main(void) {
  char line[256];
  FILE *f = fopen("/usr/share/foo/message", "r");
  if (!f || !fgets(line, sizeof line, f)) { perror("message"); return 3; }
  printf("%suid=%d\\n", line, (int)getuid());
  return 0;
}
`;
const MESSAGE = 'hello from the base\n';
const MIT =
  'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: t\nLicense: Expat\n';

function libfoo(version: string): FakePackage {
  return {
    name: 'libfoo1',
    version,
    source: 'foo',
    files: [
      { path: 'usr/share/foo/message', content: MESSAGE },
      { path: 'usr/lib/x86_64-linux-gnu/libfoo.so.1', content: `libfoo ${version}\n` },
      { path: 'usr/share/doc/libfoo1/copyright', content: MIT },
    ],
  };
}

describe('packages on a base image (offline repository)', () => {
  let dir: string;
  let repo: AptRepo;
  let server: ServedDirectory;
  let registry: TestRegistry;
  let keyring: string;
  let cache: string;
  let baseDir: SpecDir;
  const build = (d: SpecDir, extra: string[] = [], out = d.out) =>
    runPithAsync(['build', d.spec, '-o', out, '--cache-dir', cache, ...extra]);
  const appSpec = (base: string, packages: string[], extra: string[] = []) =>
    specYaml({
      name: 't/app',
      url: server.url,
      suites: ['stable', 'newer'],
      keyring,
      packages,
      extra: [`base: "${base}"`, 'entrypoint: [/usr/bin/foo-tool]', 'user: "65532:65532"', ...extra],
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-offline-base-'));
    cache = join(dir, 'cache');
    const tool = readFileSync(compileC(dir, 'foo-tool', FOO_TOOL_C, ['-static']));
    const key = await createTestKey(join(dir, 'keys'));
    keyring = key.keyringPath;
    repo = await createAptRepo(
      join(dir, 'repo'),
      {
        suites: {
          stable: {
            components: {
              main: [
                libfoo('1.0-1'),
                {
                  name: 'foo-tool',
                  version: '1.0-1',
                  depends: 'libfoo1 (>= 1.0)',
                  files: [{ path: 'usr/bin/foo-tool', content: tool, mode: 0o755 }],
                },
                { name: 'needs-new', version: '1.0-1', depends: 'libfoo1 (>= 2.0)' },
                { name: 'libbar1', version: '1.0-1' },
              ],
            },
          },
          newer: { components: { main: [libfoo('2.0-1')] } },
        },
      },
      key,
    );
    server = await serveDirectory(repo.root);
    registry = await startRegistry();
    baseDir = writeSpecDir(
      dir,
      'base',
      specYaml({ name: 't/base', url: server.url, suites: ['stable'], keyring, packages: ['libfoo1'] }),
    );
    assertBuilt(await build(baseDir));
  });
  after(async () => {
    await server?.close();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('on a pith base: only the missing package is added, as one layer; the lock pins the base; SBOM lists both; runs as nonroot', async () => {
    const d = writeSpecDir(dir, 'app', appSpec('oci:../base/out.oci', ['foo-tool']));
    const r = await build(d);
    const digest = assertBuilt(r);
    assert.match(
      r.stderr,
      /amd64: base image t\/base:latest@sha256:[0-9a-f]{12}: 1 Debian packages \(from its dpkg database\)/,
    );
    assert.match(r.stderr, /amd64: resolved 1 packages not in the base image \(which has 1\)/);
    const [base] = layoutImages(baseDir.out);
    const [app] = layoutImages(d.out);
    // The base's layers, unchanged, then one layer: foo-tool's (libfoo1 2.0-1 of `newer` is not taken over the base's 1.0-1).
    assert.deepEqual(app!.config.rootfs.diff_ids.slice(0, base!.layers.length), base!.config.rootfs.diff_ids);
    assert.equal(app!.layers.length, base!.layers.length + 1);
    const added = await imageFiles({ ...app!, layers: app!.layers.slice(base!.layers.length) });
    assert.deepEqual([...added.keys()].filter((p) => /libfoo|status\.d\//.test(p)).sort(), [
      'var/lib/dpkg/status.d/foo-tool',
      'var/lib/dpkg/status.d/foo-tool.md5sums',
    ]);
    assert.deepEqual(lockedSet(d.lock), ['foo-tool 1.0-1']);
    const baseRoot = JSON.parse(readFileSync(join(baseDir.out, 'index.json'), 'utf8')).manifests[0].digest as string;
    assert.deepEqual(readLock(d.lock).inputs.base, { ref: 'oci:../base/out.oci', digest: baseRoot });

    const spdx = JSON.parse(readFileSync(`${d.out}.spdx.json`, 'utf8')) as {
      packages: Array<{
        name: string;
        versionInfo: string;
        comment?: string;
        licenseDeclared: string;
        checksums?: unknown;
      }>;
    };
    const libfoo1 = spdx.packages.find((p) => p.name === 'libfoo1');
    assert.equal(libfoo1?.versionInfo, '1.0-1');
    assert.equal(libfoo1?.licenseDeclared, 'MIT');
    assert.match(libfoo1?.comment ?? '', /^from the base image t\/base:latest@sha256:/);
    assert.equal(libfoo1?.checksums, undefined, 'no .deb checksum is claimed for a base package');
    assert.ok(spdx.packages.find((p) => p.name === 'foo-tool')?.checksums);

    const run = runWithRunc(d.out, 'latest');
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, `${MESSAGE}uid=65532\n`);

    // From the lock: no resolution, same bytes.
    const again = await build(d, ['--frozen'], join(d.dir, 'again.oci'));
    assert.equal(assertBuilt(again), digest);
  });

  test('a base with a classic /var/lib/dpkg/status: what it lists as installed is not added', async () => {
    const status = [
      'Package: libfoo1\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\nSource: foo\n',
      'Package: libbar1\nStatus: deinstall ok config-files\nVersion: 1.0-1\nArchitecture: amd64\n',
    ].join('\n');
    const classic = writeSpecDir(
      dir,
      'classic',
      `name: t/classic\npaths:\n  - {path: /var/lib/dpkg/status, type: file, content: ${JSON.stringify(status)}}\n  - {path: /usr/share/foo/message, type: file, content: ${JSON.stringify(MESSAGE)}}\n`,
    );
    assertBuilt(await build(classic));
    const d = writeSpecDir(dir, 'on-classic', appSpec('oci:../classic/out.oci', ['foo-tool', 'libbar1']));
    assertBuilt(await build(d));
    assert.deepEqual(lockedSet(d.lock), ['foo-tool 1.0-1', 'libbar1 1.0-1'], 'config-files only is not installed');
    const run = runWithRunc(d.out, 'latest');
    assert.equal(run.stdout, `${MESSAGE}uid=65532\n`, run.stderr);
  });

  test('a dependency the base version does not satisfy is one error naming the chain and the base version; nothing is written', async () => {
    const d = writeSpecDir(dir, 'conflict', appSpec('oci:../base/out.oci', ['needs-new']));
    const r = await build(d);
    assertRefused(r, {
      code: 1,
      out: d.out,
      message:
        /^pith: .*pith\.yaml:\d+:\d+: needs-new -> libfoo1 \(>= 2\.0\): the base image has libfoo1 1\.0-1, which does not satisfy it \(packages of the base are never replaced\)$/,
    });
  });

  test('the lock pins the base: a rebuilt base layout fails --frozen, and a plain build resolves again on the new one', async () => {
    const moving = writeSpecDir(
      dir,
      'moving',
      specYaml({ name: 't/moving', url: server.url, suites: ['stable'], keyring, packages: ['libfoo1'] }),
    );
    assertBuilt(await build(moving));
    const d = writeSpecDir(dir, 'pinned', appSpec('oci:../moving/out.oci', ['foo-tool', 'libbar1']));
    assertBuilt(await build(d));
    assert.deepEqual(lockedSet(d.lock), ['foo-tool 1.0-1', 'libbar1 1.0-1']);
    const firstPin = readLock(d.lock).inputs.base!.digest;

    // The base now has libbar1 too: another image in the same layout.
    writeFileSync(
      moving.spec,
      specYaml({ name: 't/moving', url: server.url, suites: ['stable'], keyring, packages: ['libfoo1', 'libbar1'] }),
    );
    assertBuilt(await build(moving));
    const frozen = await build(d, ['--frozen'], join(d.dir, 'frozen.oci'));
    assertRefused(frozen, {
      code: 2,
      out: join(d.dir, 'frozen.oci'),
      message: new RegExp(`no longer holds ${firstPin}, the image the lock pins`),
    });

    const r = await build(d, [], join(d.dir, 'rebased.oci'));
    assertBuilt(r);
    assert.match(
      r.stderr,
      /does not match the spec \(base image oci:.*no longer holds sha256:[0-9a-f]{64}, the image the lock pins\): resolving again/,
    );
    assert.deepEqual(lockedSet(d.lock), ['foo-tool 1.0-1'], 'libbar1 now comes with the base');
    assert.notEqual(readLock(d.lock).inputs.base!.digest, firstPin);
  });

  test('a base without a dpkg database: its SBOM (beside the layout, then as a registry referrer) lists what it has; a registry tag that moves stays pinned', async () => {
    const bare = writeSpecDir(
      dir,
      'bare',
      `name: t/bare\ntag: v1\npaths:\n  - {path: /usr/share/foo/message, type: file, content: ${JSON.stringify(MESSAGE)}}\n`,
    );
    assertBuilt(await build(bare));
    // Add libfoo1 to the SBOM pith wrote for it (as another tool's SBOM would list it).
    const sbomPath = `${bare.out}.spdx.json`;
    const doc = JSON.parse(readFileSync(sbomPath, 'utf8')) as { packages: object[] };
    doc.packages.push({
      SPDXID: 'SPDXRef-Package-deb-libfoo1',
      name: 'libfoo1',
      versionInfo: '1.0-1',
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseDeclared: 'MIT',
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: 'pkg:deb/debian/libfoo1@1.0-1?arch=amd64&upstream=foo',
        },
      ],
    });
    writeFileSync(sbomPath, JSON.stringify(doc));

    const onLayout = writeSpecDir(dir, 'on-bare', appSpec('oci:../bare/out.oci:v1', ['foo-tool']));
    const r = await build(onLayout);
    assertBuilt(r);
    assert.match(r.stderr, /1 Debian packages \(from its SBOM\)/);
    assert.deepEqual(lockedSet(onLayout.lock), ['foo-tool 1.0-1']);
    assert.equal(runWithRunc(onLayout.out, 'latest').stdout, `${MESSAGE}uid=65532\n`);

    const ref = `${registry.host}/t/bare:v1`;
    const pushed = await runPithAsync(['push', `${bare.out}:v1`, ref, '--cache-dir', cache]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const onRegistry = writeSpecDir(dir, 'on-registry', appSpec(ref, ['foo-tool']));
    const first = await build(onRegistry);
    const firstDigest = assertBuilt(first);
    assert.match(first.stderr, /1 Debian packages \(from its SBOM\)/);
    assert.deepEqual(lockedSet(onRegistry.lock), ['foo-tool 1.0-1']);

    // Another image under the same tag: the lock keeps the first, until pith lock.
    writeFileSync(
      bare.spec,
      `name: t/bare\ntag: v1\nlabels: {moved: "yes"}\npaths:\n  - {path: /usr/share/foo/message, type: file, content: ${JSON.stringify(MESSAGE)}}\n`,
    );
    assertBuilt(await build(bare));
    const moved = await runPithAsync(['push', `${bare.out}:v1`, ref, '--cache-dir', cache, '--no-sbom']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(assertBuilt(await build(onRegistry, ['--frozen'], join(onRegistry.dir, 'pinned.oci'))), firstDigest);
    const relock = await runPithAsync(['lock', onRegistry.spec, '--cache-dir', cache]);
    assert.equal(relock.code, 0, relock.stderr);
    assert.deepEqual(
      lockedSet(onRegistry.lock),
      ['foo-tool 1.0-1', 'libfoo1 2.0-1'],
      'the new base has no SBOM: libfoo1 is added (the newest)',
    );
  });
});
