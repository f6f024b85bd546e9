/**
 * The language presets distroless has, from the real Debian mirror, each run with runc as
 * nonroot doing its real job: java17 (java from PATH, an HTTPS request to a loopback TLS server
 * whose CA the spec adds, UTF-8 from LANG=C.UTF-8), nodejs (an http server answering the host),
 * python3 (distutils on bookworm, venv with pip on trixie), and the presets a suite lacks.
 *
 * The java assertions need the install-time effects of issue 9 item 1: `/usr/bin/java` (the
 * alternatives link), `/etc/ssl/certs/java/cacerts` (generated from the image's CA bundle,
 * the spec's CA included) and the C.UTF-8 locale.
 */
import { makeTestCa } from '../helpers/test-ca.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith } from '../helpers/cli.js';
import { networkTestsSkipped } from '../helpers/debian-mirror.js';
import { layoutImages } from '../helpers/layout.js';
import { freePort } from '../helpers/registry-server.js';
import { runWithRunc, startWithRunc } from '../helpers/runtime.js';

const HTTPS_PROBE_JAVA = `import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class HttpsProbe {
  public static void main(String[] args) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(args[0])).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println(r.statusCode() + " " + r.body());
  }
}
`;

const NODE_SERVER_JS = `const http = require('node:http');
http.createServer((req, res) => res.end('hello from node ' + process.version + ' as ' + process.getuid() + '\\n'))
  .listen(Number(process.argv[2]), '127.0.0.1');
`;

const PY_DISTUTILS = 'import distutils.sysconfig as s, os; print(s.get_python_lib(), os.getuid())';
const PY_VENV =
  "import subprocess, venv; venv.create('/tmp/venv', with_pip=True); " +
  "print(subprocess.run(['/tmp/venv/bin/python', '-m', 'pip', '--version'], capture_output=True, text=True, check=True).stdout.split(' from ')[0])";

describe('language presets (real mirror)', { skip: networkTestsSkipped() }, () => {
  let dir: string;
  let cache: string;
  const build = (name: string, spec: string) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'pith.yaml'), spec);
    const out = join(d, 'out.oci');
    const r = runPith(['build', join(d, 'pith.yaml'), '-o', out, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    return { out, digest: lastLine(r.stdout), dir: d };
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-presets-'));
    cache = join(dir, 'cache');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('java17 (bookworm)', () => {
    let server: Server;
    let port: number;
    before(async () => {
      // A CA only the spec knows, and a loopback server with a certificate it signed.
      makeTestCa(dir, 'pith java test CA');
      server = createServer(
        { key: readFileSync(join(dir, 'srv.key')), cert: readFileSync(join(dir, 'srv.crt')) },
        (_req, res) => res.end('hello over TLS'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      writeFileSync(join(dir, 'HttpsProbe.java'), HTTPS_PROBE_JAVA);
    });
    after(() => server?.close());

    const javaSpec = (withCa: boolean) =>
      `name: t/java17\npreset: java17\nvariants: [nonroot]\nfiles:\n  - {src: ../HttpsProbe.java, dest: /app/HttpsProbe.java}\n` +
      (withCa ? '  - {src: ../ca.crt, dest: /usr/share/ca-certificates/pith-test/ca.crt}\n' : '');

    test('entrypoint java -jar, LANG=C.UTF-8, nonroot; java -version from PATH; UTF-8 encoding', () => {
      const { out } = build('java17', javaSpec(true));
      const [image] = layoutImages(out);
      const c = image!.config.config as { Entrypoint?: string[]; Env?: string[]; User?: string };
      assert.deepEqual(c.Entrypoint, ['/usr/bin/java', '-jar']);
      assert.ok(c.Env?.includes('LANG=C.UTF-8'), String(c.Env));
      assert.equal(c.User, '65532:65532');
      // Waits for the alternatives effect (/usr/bin/java -> /usr/lib/jvm/java-17-openjdk-amd64/bin/java).
      const version = runWithRunc(out, 'latest', { args: ['java', '-version'] });
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stderr, /^openjdk version "17\.\d+/);
      // Waits for the C.UTF-8 locale effect: without it the JVM falls back to ASCII.
      const settings = runWithRunc(out, 'latest', { args: ['java', '-XshowSettings:properties', '-version'] });
      assert.match(settings.stderr, /^\s*sun\.jnu\.encoding = UTF-8$/m, settings.stderr);
    });

    test('an HTTPS request from Java to a loopback server whose CA the spec adds; refused without that CA', async () => {
      // Waits for the Java trust store effect (/etc/ssl/certs/java/cacerts from the CA bundle, the spec's CA in it).
      const url = `https://127.0.0.1:${port}/`;
      const { out } = build('java17', javaSpec(true));
      const ok = await startWithRunc(out, 'latest', {
        args: ['java', '/app/HttpsProbe.java', url],
        hostNetwork: true,
        timeoutMs: 120_000,
      }).done;
      assert.equal(ok.stderr, '');
      assert.equal(ok.stdout, '200 hello over TLS\n');
      const { out: noCa } = build('java17-no-ca', javaSpec(false));
      const refused = await startWithRunc(noCa, 'latest', {
        args: ['java', '/app/HttpsProbe.java', url],
        hostNetwork: true,
        timeoutMs: 120_000,
      }).done;
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /PKIX path building failed|unable to find valid certification path/);
    });
  });

  test('nodejs (bookworm): an http server in the image answers the host, as nonroot', async () => {
    writeFileSync(join(dir, 'server.js'), NODE_SERVER_JS);
    const { out } = build(
      'nodejs',
      'name: t/nodejs\npreset: nodejs\nvariants: [nonroot]\nfiles:\n  - {src: ../server.js, dest: /app/server.js}\n',
    );
    const [image] = layoutImages(out);
    const entrypoint = (image!.config.config as { Entrypoint?: string[] }).Entrypoint;
    assert.deepEqual(entrypoint, ['/usr/bin/node']);
    const port = await freePort();
    const container = startWithRunc(out, 'latest', {
      args: [...entrypoint!, '/app/server.js', String(port)],
      hostNetwork: true,
    });
    try {
      let body = '';
      for (let i = 0; i < 100 && body === ''; i++) {
        try {
          body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.match(body, /^hello from node v18\.\d+\.\d+ as 65532\n$/);
    } finally {
      const result = await container.stop();
      assert.equal(result.stderr, '');
    }
  });

  test('python3 (bookworm): distutils imports, as nonroot', () => {
    const { out } = build('python3', 'name: t/python3\npreset: python3\nvariants: [nonroot]\n');
    const run = runWithRunc(out, 'latest', {
      args: ['/usr/bin/python3', '-W', 'ignore::DeprecationWarning', '-c', PY_DISTUTILS],
    });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '/usr/lib/python3/dist-packages 65532\n');
  });

  test('python3 (trixie): no distutils there (Python 3.13); venv with pip works, as nonroot', () => {
    const { out } = build('python3-trixie', 'name: t/python3\ndebian: trixie\npreset: python3\nvariants: [nonroot]\n');
    const run = runWithRunc(out, 'latest', { args: ['/usr/bin/python3', '-c', PY_VENV] });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^pip \d+\.\d+/);
  });

  test('a preset the suite has no JRE for is one error naming the preset and what to use', () => {
    for (const [suite, preset, use] of [
      ['trixie', 'java17', 'java21'],
      ['bookworm', 'java21', 'java17'],
    ] as const) {
      const d = join(dir, `no-${preset}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'pith.yaml'), `name: t/x\ndebian: ${suite}\npreset: ${preset}\n`);
      const r = runPith(['build', join(d, 'pith.yaml'), '-o', join(d, 'out.oci'), '--cache-dir', cache]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^pith: .*pith\\.yaml:3:9: preset ${preset} is not available for ${suite} \\(.*use preset ${use} there`,
        ),
      );
    }
  });

  test('java21 (trixie): java -version from PATH, as nonroot', () => {
    const { out } = build('java21', 'name: t/java21\ndebian: trixie\npreset: java21\nvariants: [nonroot]\n');
    // Waits for the alternatives effect, as java17's does.
    const version = runWithRunc(out, 'latest', { args: ['java', '-version'] });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stderr, /^openjdk version "21\.\d+/);
  });
});
