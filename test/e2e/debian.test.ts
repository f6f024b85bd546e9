/**
 * Against the real Debian mirror configured on this host: distroless-equivalent presets built
 * by the CLI, run with runc as nonroot, multi-arch, and lockfile reproducibility.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { compileC, PRINT_PASSWD_LINE_C } from '../helpers/compile.js';
import { runWithRunc } from '../helpers/runtime.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import { parseElf } from '../../src/elf/parse.js';

const CXX_TLS = `#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <iostream>
#include <string>
int main() {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) { std::cerr << "SSL_CTX_new failed" << std::endl; return 2; }
  if (SSL_CTX_load_verify_locations(ctx, "/etc/ssl/certs/ca-certificates.crt", nullptr) != 1) {
    std::cerr << "cannot load the CA bundle" << std::endl; return 3;
  }
  int n = sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx)));
  std::string line = "certificates: " + std::to_string(n);
  std::cout << line << std::endl;
  return n > 100 ? 0 : 4;
}
`;

const PY_CHECK =
  "import ssl, json, sqlite3, hashlib; c = sqlite3.connect(':memory:'); " +
  "print(json.dumps({'sqlite': c.execute('select 40 + 2').fetchone()[0], 'tls': ssl.create_default_context().cert_store_stats()['x509_ca'] > 100, 'sha': hashlib.sha256(b'pith').hexdigest()[:8]}))";

describe('Debian presets from the real mirror', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-debian-'));
    cache = join(dir, 'cache');
    compileC(dir, 'passwd-line', PRINT_PASSWD_LINE_C, ['-static']);
    writeFileSync(join(dir, 'tls.cc'), CXX_TLS);
    sh('g++', ['-O2', '-o', join(dir, 'tls'), join(dir, 'tls.cc'), '-lssl', '-lcrypto']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const build = (name: string, spec: string, extra: string[] = []) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'pith.yaml'), spec);
    const out = join(d, 'out.oci');
    const r = runPith(['build', join(d, 'pith.yaml'), '-o', out, '--cache-dir', cache, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return { out, digest: lastLine(r.stdout), dir: d, stderr: r.stderr };
  };

  test('static: a static C program runs as nonroot; CA bundle, tzdata and dpkg status are there', async () => {
    const { out } = build(
      'static',
      `name: t/static\npreset: static\nvariants: [nonroot]\nentrypoint: [/app/passwd-line]\nfiles:\n  - {src: ${join(dir, 'passwd-line')}, dest: /app/passwd-line}\n`,
    );
    const run = runWithRunc(out, 'latest');
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
    const [image] = layoutImages(out);
    assert.equal(image!.config.config.User, '65532:65532');
    assert.equal(image!.config.config.WorkingDir, '/home/nonroot');
    const files = await imageFiles(
      image!,
      (p) => p === 'etc/ssl/certs/ca-certificates.crt' || p === 'etc/os-release' || p.startsWith('usr/lib/os-release'),
    );
    assert.match(files.get('etc/ssl/certs/ca-certificates.crt')!.data!.toString(), /^-----BEGIN CERTIFICATE-----/);
    assert.ok(files.has('usr/share/zoneinfo/Europe/Paris'));
    for (const p of ['base-files', 'tzdata', 'netbase', 'ca-certificates', 'media-types'])
      assert.ok(files.has(`var/lib/dpkg/status.d/${p}`), p);
    assert.match(files.get('usr/lib/os-release')!.data!.toString(), /^ID=debian$/m);
    assert.ok(![...files.keys()].some((p) => p.startsWith('var/lib/dpkg/status.d/libc6')), 'no libc in static');
    assert.ok(![...files.keys()].some((p) => /^usr\/share\/(man|info)\//.test(p)), 'man and info trimmed');
    assert.ok(files.has('usr/share/doc/tzdata/copyright'), 'copyright kept');
  });

  test('cc (bookworm): a C++ program using libstdc++ and OpenSSL loads the CA bundle, as nonroot', () => {
    const { out } = build(
      'cc',
      `name: t/cc\npreset: cc\nentrypoint: [/app/tls]\nfiles:\n  - {src: ${join(dir, 'tls')}, dest: /app/tls}\n`,
    );
    const run = runWithRunc(out, 'latest', { uid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^certificates: \d{3}\n$/);
  });

  test('cc (trixie): the same program runs on Debian 13 (merged /usr, t64 libraries)', async () => {
    const { out } = build(
      'cc-trixie',
      `name: t/cc-trixie\ndebian: trixie\npreset: cc\nentrypoint: [/app/tls]\nfiles:\n  - {src: ${join(dir, 'tls')}, dest: /app/tls}\n`,
    );
    const run = runWithRunc(out, 'latest', { uid: 65532 });
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^certificates: \d{3}\n$/);
    const files = await imageFiles(layoutImages(out)[0]!);
    assert.equal(files.get('lib')?.type, 'symlink', '/lib is the merged-/usr link');
    assert.ok(
      ![...files.keys()].some((p) => p.startsWith('lib/') || p.startsWith('bin/')),
      'nothing under a real /lib or /bin',
    );
  });

  test('python3: python imports ssl, json, sqlite3 and hashlib as nonroot', () => {
    const { out } = build('python3', 'name: t/python3\npreset: python3\nvariants: [nonroot]\n');
    const run = runWithRunc(out, 'latest', { args: ['/usr/bin/python3', '-c', PY_CHECK] });
    assert.equal(run.stderr, '');
    assert.equal(
      run.stdout.trim(),
      '{"sqlite": 42, "tls": true, "sha": "' + sh('sh', ['-c', 'printf pith | sha256sum | cut -c1-8']).trim() + '"}',
    );
  });

  test('debug variant: a busybox shell at /busybox/sh, on PATH, as the entrypoint', () => {
    const { out } = build('debug', 'name: t/debug\npreset: base-nossl\nvariants: [debug, nonroot]\n');
    const [image] = layoutImages(out);
    assert.deepEqual(image!.config.config.Entrypoint, ['/busybox/sh']);
    assert.ok((image!.config.config.Env as string[]).some((e) => e.startsWith('PATH=') && e.endsWith(':/busybox')));
    const run = runWithRunc(out, 'latest', {
      args: ['/busybox/sh', '-c', 'echo "shell $(id -u) $(ls /etc/ssl/certs)"'],
    });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'shell 65532 ca-certificates.crt\n');
  });

  test('amd64 + arm64: an index with one image per arch, each holding ELF files for its own machine', async () => {
    const { out, digest } = build('multi', 'name: t/multi\narchs: [amd64, arm64]\npreset: cc\n');
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as {
      manifests: Array<{ mediaType: string; digest: string }>;
    };
    assert.equal(index.manifests[0]!.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(index.manifests[0]!.digest, digest);
    const images = layoutImages(out);
    assert.deepEqual(images.map((i) => i.platform.architecture).sort(), ['amd64', 'arm64']);
    for (const image of images) {
      const files = await imageFiles(image);
      const elves = [...files.values()].filter(
        (f) => f.data && f.data.length > 64 && f.data.subarray(0, 4).toString('latin1') === '\x7fELF',
      );
      assert.ok(elves.length > 5, `${image.platform.architecture}: ELF files found`);
      for (const f of elves)
        assert.equal(
          parseElf(f.data!).arch,
          image.platform.architecture,
          `${f.path} in the ${image.platform.architecture} image`,
        );
    }
  });

  test('same spec + lock gives the same digest twice, and again after wiping the cache', () => {
    const first = build('repro', 'name: t/repro\npreset: cc\n');
    assert.ok(existsSync(join(first.dir, 'pith.lock')));
    const again = runPith([
      'build',
      join(first.dir, 'pith.yaml'),
      '-o',
      join(first.dir, 'again.oci'),
      '--cache-dir',
      cache,
      '--frozen',
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(lastLine(again.stdout), first.digest);
    const fresh = runPith([
      'build',
      join(first.dir, 'pith.yaml'),
      '-o',
      join(first.dir, 'fresh.oci'),
      '--cache-dir',
      join(dir, 'empty-cache'),
      '--frozen',
    ]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(lastLine(fresh.stdout), first.digest);
  });
});
