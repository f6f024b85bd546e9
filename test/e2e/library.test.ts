/**
 * pith as a user's program meets it: `import ... from 'pith'` resolved through package.json
 * "exports" (node_modules/pith links to this checkout), the README's library example run as it is
 * written, its OCI layout read back by skopeo and umoci, and its digest equal to `pith build`'s
 * for the same spec in YAML. No network: the spec has inline paths only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastLine, runPith, sh } from '../helpers/cli.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The README example's spec, as pith.yaml. */
const SAME_SPEC_YAML = `name: greeting
created: 0
paths:
  - { path: /etc/greeting, type: file, content: "hello\\n" }
`;

/** The ```js block of the README's Library section. */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const block = /```js\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  assert.ok(block, 'the README has a js example in its Library section');
  return block[1]!;
}

describe('the library through its public entry point', () => {
  let dir: string;
  let app: string;
  const env = () => ({ PITH_CACHE_DIR: join(dir, 'cache') });
  const node = (file: string) => sh(process.execPath, [file], { cwd: app, env: env() });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-library-'));
    app = join(dir, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(REPO, join(app, 'node_modules', 'pith'), 'dir');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the README example builds an OCI layout that skopeo and umoci read, with the CLI's digest", () => {
    writeFileSync(join(app, 'example.mjs'), readmeExample());
    const digest = lastLine(node('example.mjs'));
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);

    const layout = join(app, 'greeting.oci');
    const inspected = JSON.parse(sh('skopeo', ['inspect', `oci:${layout}:latest`])) as {
      Digest: string;
      Layers: string[];
    };
    assert.equal(inspected.Digest, digest, 'the layout holds the image build() returned');
    assert.ok(inspected.Layers.length > 0);
    const bundle = join(dir, 'bundle');
    sh('umoci', ['unpack', '--rootless', '--image', `${layout}:latest`, bundle]);
    assert.equal(readFileSync(join(bundle, 'rootfs', 'etc', 'greeting'), 'utf8'), 'hello\n');

    const cli = join(dir, 'cli');
    mkdirSync(cli);
    writeFileSync(join(cli, 'pith.yaml'), SAME_SPEC_YAML);
    const built = runPith(['build', 'pith.yaml', '-o', join(cli, 'greeting.oci')], { cwd: cli, env: env() });
    assert.equal(built.code, 0, built.stderr);
    assert.equal(lastLine(built.stdout), digest, 'the same spec as YAML gives the same digest');
  });

  test('a mistake in a spec object is a PithError naming the field; the main export is small, the server a subpath', () => {
    writeFileSync(
      join(app, 'faces.mjs'),
      `import * as pith from 'pith';
import * as server from 'pith/server';
import * as inspect from 'pith/inspect';
import * as errors from 'pith/errors';
import * as image from 'pith/image';
import * as transports from 'pith/transports';
import * as registry from 'pith/registry';
let line;
try {
  pith.specFromObject({ name: 'app', packages: ['curl', 42] }, { name: 'request body' });
} catch (err) {
  line = err instanceof pith.PithError ? err.oneLine() : 'not a PithError: ' + String(err);
}
const keys = (m) => Object.keys(m).sort();
const subpaths = { inspect: keys(inspect), errors: keys(errors), image: keys(image), transports: keys(transports), registry: keys(registry) };
console.log(JSON.stringify({ line, main: keys(pith), server: keys(server), subpaths }));
`,
    );
    const faces = JSON.parse(lastLine(node('faces.mjs'))) as {
      line: string;
      main: string[];
      server: string[];
      subpaths: Record<string, string[]>;
    };
    assert.match(faces.line, /^request body: packages\[1\]: expected a package name/);
    for (const name of ['build', 'lockSpec', 'loadSpec', 'specFromObject', 'PithError', 'loadImage']) {
      assert.ok(faces.main.includes(name), `pith exports ${name}`);
    }
    for (const name of ['startServe', 'serveParts', 'createHandler', 'LibraryBuilder', 'MemoryStorage']) {
      assert.ok(faces.server.includes(name), `pith/server exports ${name}`);
      assert.ok(!faces.main.includes(name), `pith does not export ${name}`);
    }
    // The other subpaths the README names resolve through package.json "exports" with what it says.
    const expected: Record<string, string[]> = {
      inspect: ['analyzeImage', 'diffImages', 'auditImage', 'loadImage'],
      errors: ['PithError', 'isPithError'],
      image: ['emptyImage', 'appendLayers', 'setConfig', 'setCreated', 'setAnnotations'],
      transports: ['openImage', 'pushImage', 'writeLayout', 'sinks'],
      registry: ['RegistryClient', 'parseReference', 'pullImage', 'attachSboms'],
    };
    for (const [subpath, names] of Object.entries(expected)) {
      for (const name of names) assert.ok(faces.subpaths[subpath]!.includes(name), `pith/${subpath} exports ${name}`);
    }
  });
});
