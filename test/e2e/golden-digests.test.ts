/**
 * Golden digests: specs that depend on no host file and no live mirror (inline paths, and the
 * offline signed repository of test/helpers/apt-repo.ts, whose .debs are reproducible) must build
 * to exactly the manifest (or index) digests recorded in test/fixtures/golden-digests.json, on this
 * Node and under Debian trixie's own Node build (its system zlib, OpenSSL and ICU), run with runc.
 *
 * Any change that moves one of these digests fails here. If the move is intended (a new layer
 * format, another compressor), rewrite the file with PITH_UPDATE_GOLDEN=1 and say why in the commit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createAptRepo,
  createTestKey,
  serveDirectory,
  type FakePackage,
  type ServedDirectory,
} from '../helpers/apt-repo.js';
import { PITH_BIN } from '../helpers/cli.js';
import { networkTestsSkipped } from '../helpers/debian-mirror.js';
import { assertBuilt, runPithAsync, specYaml, writeSpecDir } from '../helpers/offline-pith.js';
import { debianNode, type SecondNode } from '../helpers/second-node.js';

const FIXTURE = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'test', 'fixtures', 'golden-digests.json');

/** Deterministic bytes that do not compress: a multi-member gzip layer, a multi-frame zstd one. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const PACKAGES: FakePackage[] = [
  {
    name: 'golden-app',
    version: '1.0-1',
    depends: 'golden-lib (>= 1.0), golden-data',
    files: [
      { path: 'usr/bin/golden-app', content: '#!/bin/sh\necho golden\n', mode: 0o755 },
      { path: 'usr/bin/golden-alias', symlink: 'golden-app' },
      { path: 'usr/share/doc/golden-app/copyright', content: 'Files: *\nLicense: MIT\n' },
      { path: 'usr/share/doc/golden-app/README', content: 'dropped by trim: docs\n' },
      { path: 'usr/share/man/man1/golden-app.1', content: '.TH GOLDEN 1\n' },
      { path: 'var/lib/golden', dir: true, mode: 0o1777 },
    ],
  },
  {
    name: 'golden-lib',
    version: '1.2-1',
    files: [
      { path: 'usr/lib/libgolden.so.1', content: noise(5 * 1024 * 1024 + 123, 7), mode: 0o644 },
      { path: 'usr/lib/libgolden.so.1.2', hardlinkTo: 'usr/lib/libgolden.so.1' },
    ],
  },
  {
    name: 'golden-data',
    version: '2:0.5-3',
    arch: 'all',
    files: [
      { path: 'usr/share/golden/data.txt', content: 'x'.repeat(100_000) },
      // The entrypoint's #! interpreter must be in the image (the build checks); never run here.
      { path: 'bin/sh', content: 'a stand-in for the shell: the golden images are never run\n', mode: 0o755 },
    ],
  },
  { name: 'golden-unused', version: '1.0-1' },
];

const PATHS = [
  'archs: [amd64]',
  'created: "2024-06-01T00:00:00Z"',
  'entrypoint: [/usr/bin/golden-app, --flag]',
  'env: {LANG: C.UTF-8, PORT: 8080}',
  'user: nonroot',
  'labels: {org.example.team: golden}',
  'paths:',
  '  - {path: /etc/golden/config.yaml, type: file, content: "greeting: hello\\n", mode: "0640", owner: nonroot}',
  '  - {path: /srv/data, type: dir, owner: "65532:65532"}',
  '  - {path: /usr/local/bin/golden, type: symlink, target: /usr/bin/golden-app}',
];

/** name -> spec YAML; `REPO` stands for the repository lines of the offline archive. */
const SPECS: Record<string, (repo: string) => string> = {
  'paths-gzip': () => ['name: golden/paths', ...PATHS, ''].join('\n'),
  'paths-zstd': () => ['name: golden/paths', ...PATHS, 'compression: zstd', ''].join('\n'),
  'paths-two-archs': () =>
    ['name: golden/paths', ...PATHS.map((l) => (l.startsWith('archs:') ? 'archs: [amd64, arm64]' : l)), ''].join('\n'),
  'debian-docs-gzip': (repo) => [repo, ...PATHS, ''].join('\n'),
  'debian-none-gzip6': (repo) =>
    [repo, ...PATHS, 'trim: none', 'compression: {algorithm: gzip, level: 6}', ''].join('\n'),
  'debian-docs-zstd9': (repo) => [repo, ...PATHS, 'compression: "zstd:9"', ''].join('\n'),
};

type Digests = Record<string, string>;

describe('golden digests', () => {
  let dir: string;
  let server: ServedDirectory;
  const specs = new Map<string, string>();
  const here: Digests = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-golden-'));
    const key = await createTestKey(join(dir, 'keys'));
    const repo = await createAptRepo(
      join(dir, 'repo'),
      { suites: { stable: { components: { main: PACKAGES } } } },
      key,
    );
    server = await serveDirectory(repo.root);
    const repoLines = specYaml({
      name: 'golden/debian',
      url: server.url,
      suites: ['stable'],
      keyring: key.keyringPath,
      packages: ['golden-app'],
    }).trimEnd();
    for (const [name, yaml] of Object.entries(SPECS)) specs.set(name, writeSpecDir(dir, name, yaml(repoLines)).spec);
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const buildAll = async (
    run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>,
    cache: string,
  ): Promise<Digests> => {
    const digests: Digests = {};
    for (const [name, spec] of specs) {
      digests[name] = assertBuilt(
        await run([
          'build',
          spec,
          '-o',
          join(dir, `${name}-${cache}.oci`),
          '--cache-dir',
          join(dir, cache),
          '--no-sbom',
        ]),
      );
    }
    return digests;
  };

  test('each spec builds to its recorded digest on this Node', async () => {
    Object.assign(here, await buildAll((args) => runPithAsync(args), 'cache-here'));
    // Built again from a cold cache: the same bytes, not a cached answer.
    assert.deepEqual(await buildAll((args) => runPithAsync(args), 'cache-here-again'), here);
    if (process.env.PITH_UPDATE_GOLDEN) writeFileSync(FIXTURE, `${JSON.stringify(here, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Digests;
    assert.deepEqual(
      here,
      golden,
      'a golden digest moved: if intended, PITH_UPDATE_GOLDEN=1 and say why in the commit',
    );
  });

  describe("under Debian trixie's nodejs", { skip: networkTestsSkipped() }, () => {
    let node: SecondNode | undefined;
    before(async () => {
      node = await debianNode('trixie');
    });
    after(() => node?.close());

    test('the same digests', async () => {
      assert.ok(node);
      assert.match(node.version, /^v20\./, 'a Node 20 of another build');
      assert.notEqual(
        `${node.version} ${node.zlib}`,
        `${process.version} ${process.versions.zlib}`,
        'really another Node build',
      );
      const there = await buildAll((args) => node!.run([PITH_BIN, ...args], { mounts: [dir] }), 'cache-trixie');
      const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Digests;
      assert.deepEqual(there, golden);
    });
  });
});
