/** trim: closure: images keep only what the entrypoint reaches, and still work. */
import { makeTestCa, startTlsServer } from '../helpers/test-ca.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith, sh } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { runWithRunc } from '../helpers/runtime.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';

const GETPWNAM_C = `#include <pwd.h>
#include <stdio.h>
int main(void) {
  struct passwd *pw = getpwnam("nonroot");   /* through NSS: libnss_files, loaded by dlopen */
  if (!pw) { fprintf(stderr, "getpwnam failed\\n"); return 1; }
  printf("%s %u %s\\n", pw->pw_name, (unsigned)pw->pw_uid, pw->pw_dir);
  return 0;
}
`;

/** iconv_open() makes glibc dlopen() a gconv module for any charset it does not build in. */
const ICONV_C = `#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  const char *from = argc > 1 ? argv[1] : "ISO-8859-1";
  iconv_t cd = iconv_open("UTF-8", from);
  if (cd == (iconv_t)-1) { printf("%s: %s\\n", from, strerror(errno)); return 2; }
  char in[] = "caf\\xe9", out[16] = {0}, *ip = in, *op = out;
  size_t il = 4, ol = sizeof out - 1;
  if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) { perror("iconv"); return 3; }
  printf("%s %s\\n", from, out);
  return 0;
}
`;

const CXX = `#include <iostream>
#include <stdexcept>
int main() { try { throw std::runtime_error("unwinds"); } catch (const std::exception &e) { std::cout << "c++ " << e.what() << std::endl; } }
`;

const PY =
  "import ssl, json, sqlite3, hashlib; print(json.dumps([sqlite3.connect(':memory:').execute('select 6*7').fetchone()[0], hashlib.sha256(b'x').hexdigest()[:6], ssl.OPENSSL_VERSION.split()[0]]))";

describe('trim: closure', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-closure-'));
    cache = join(dir, 'cache');
    compileC(dir, 'who', GETPWNAM_C);
    compileC(dir, 'conv', ICONV_C);
    writeFileSync(join(dir, 'cxx.cc'), CXX);
    sh('g++', ['-O2', '-o', join(dir, 'cxx'), join(dir, 'cxx.cc')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const build = (name: string, spec: string, extra: string[] = []) => {
    writeFileSync(join(dir, `${name}.yaml`), spec);
    const out = join(dir, `${name}.oci`);
    const r = runPith(['build', join(dir, `${name}.yaml`), '-o', out, '--cache-dir', cache, '--json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { images: Array<{ layers: Array<{ size: number }> }> };
    return { out, stderr: r.stderr, size: summary.images[0]!.layers.reduce((n, l) => n + l.size, 0) };
  };
  const both = (name: string, spec: string) => {
    const trimmed = build(`${name}-closure`, `${spec}trim: closure\n`, ['--explain']);
    const untrimmed = build(`${name}-none`, `${spec}trim: none\n`);
    return { trimmed, untrimmed, saving: 1 - trimmed.size / untrimmed.size };
  };

  test('curl: runs as nonroot; smaller than untrimmed; md5sums, status.d and SBOM agree with what is left', async () => {
    const { trimmed, untrimmed, saving } = both(
      'curl',
      'name: t/curl\npreset: static\npackages: [curl]\nvariants: [nonroot]\nentrypoint: [/usr/bin/curl]\n',
    );
    console.log(
      `# curl: trimmed ${trimmed.size} B, untrimmed ${untrimmed.size} B, saving ${(saving * 100).toFixed(1)}%`,
    );
    assert.ok(saving > 0.25, `saving ${saving}`);
    const run = runWithRunc(trimmed.out, 'latest', { args: ['/usr/bin/curl', '--version'] });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^curl 7\./);
    assert.match(trimmed.stderr, /curl/);
    assert.match(trimmed.stderr, /dropped|kept/i, '--explain says what was kept and dropped');
    const files = await imageFiles(layoutImages(trimmed.out)[0]!, (p) => p.endsWith('.md5sums'));
    assert.ok(files.has('var/lib/dpkg/status.d/curl'));
    assert.ok(![...files.keys()].some((p) => p.startsWith('usr/share/man/')));
    for (const [path, f] of files) {
      if (!path.endsWith('.md5sums') || !f.data) continue;
      for (const line of f.data.toString().split('\n').filter(Boolean)) {
        const listed = line.replace(/^[0-9a-f]{32} [ *]/, '');
        assert.ok(
          files.has(listed) || files.has(listed.replace(/^(bin|lib|lib64|sbin)\//, 'usr/$1/')),
          `${path} lists ${listed}, which is not in the image`,
        );
      }
    }
    const spdx = JSON.parse(readFileSync(`${trimmed.out}.spdx.json`, 'utf8')) as {
      files?: Array<{ fileName: string }>;
    };
    assert.ok(spdx.files?.some((f) => f.fileName.endsWith('usr/bin/curl')));
  });

  test('a program resolving a user through NSS keeps libnss_files (an implicit need); keep: holds what nothing reaches', async () => {
    const { trimmed } = both(
      'nss',
      `name: t/nss\npreset: base-nossl\nentrypoint: [/app/who]\nkeep: ["/lib/*/libanl.so*"]\nfiles:\n  - {src: ${join(dir, 'who')}, dest: /app/who}\n`,
    );
    const run = runWithRunc(trimmed.out, 'latest', { uid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'nonroot 65532 /home/nonroot\n');
    // keep: holds a library nothing reaches; its unreached sibling is gone.
    const files = await imageFiles(layoutImages(trimmed.out)[0]!);
    assert.ok(
      [...files.keys()].some((p) => /^lib\/x86_64-linux-gnu\/libanl\.so/.test(p)),
      'kept by keep:',
    );
    assert.ok(
      ![...files.keys()].some((p) => /^lib\/x86_64-linux-gnu\/libutil\.so/.test(p)),
      'unreached libutil dropped',
    );
    // Nothing in this image calls iconv_open(): no gconv module at all.
    assert.deepEqual(
      [...files.keys()].filter((p) => p.includes('/gconv/')),
      [],
    );
  });

  test('a program calling iconv_open keeps the base gconv modules (ISO-8859-1 works); keep: adds others', async () => {
    const spec = `name: t/conv\npreset: base-nossl\nentrypoint: [/app/conv]\ntrim: closure\nfiles:\n  - {src: ${join(dir, 'conv')}, dest: /app/conv}\n`;
    const base = build('conv', spec);
    const latin1 = runWithRunc(base.out, 'latest', { uid: 65532 });
    assert.equal(latin1.code, 0, latin1.stdout + latin1.stderr);
    assert.equal(latin1.stdout, 'ISO-8859-1 caf\u00e9\n');
    // IBM850 is one of glibc's "extra" modules: not kept unless asked for.
    const extra = runWithRunc(base.out, 'latest', { uid: 65532, args: ['/app/conv', 'IBM850'] });
    assert.equal(extra.code, 2, extra.stdout + extra.stderr);
    assert.equal(extra.stdout, 'IBM850: Invalid argument\n');
    const files = await imageFiles(layoutImages(base.out)[0]!);
    const modules = [...files.keys()].filter((p) => /\/gconv\/[^/]+\.so$/.test(p));
    assert.ok(modules.length > 0 && modules.length < 20, modules.join(' '));

    const withKeep = build('conv-keep', `${spec}keep: ["/usr/lib/*/gconv/IBM850.so"]\n`);
    const ibm = runWithRunc(withKeep.out, 'latest', { uid: 65532, args: ['/app/conv', 'IBM850'] });
    assert.equal(ibm.code, 0, ibm.stdout + ibm.stderr);
    assert.equal(ibm.stdout, 'IBM850 caf\u00da\n');
  });

  test('python3: a script importing ssl, json, sqlite3 and hashlib runs as nonroot', () => {
    const { trimmed, untrimmed, saving } = both('py', 'name: t/py\npreset: python3\nvariants: [nonroot]\n');
    console.log(
      `# python3: trimmed ${trimmed.size} B, untrimmed ${untrimmed.size} B, saving ${(saving * 100).toFixed(1)}%`,
    );
    const run = runWithRunc(trimmed.out, 'latest', { args: ['/usr/bin/python3', '-c', PY] });
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^\[42, "2d7116", "OpenSSL"\]\n$/);
    assert.ok(saving > 0.15, `saving ${saving}`);
  });

  test('cc: a C++ program runs in a trimmed cc image', () => {
    const { trimmed, saving } = both(
      'cxx',
      `name: t/cxx\npreset: cc\nentrypoint: [/app/cxx]\nfiles:\n  - {src: ${join(dir, 'cxx')}, dest: /app/cxx}\n`,
    );
    console.log(`# cc: saving ${(saving * 100).toFixed(1)}%`);
    assert.ok(saving > 0.3, `saving ${saving}`);
    const run = runWithRunc(trimmed.out, 'latest', { uid: 65532 });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'c++ unwinds\n');
  });

  test('a warm closure build comes from the closure cache with the same digest and SBOMs; changed inputs and corrupted entries rebuild', () => {
    const warm = join(dir, 'warm-cache');
    const spec = (keep: string) =>
      `name: t/warm\npreset: base-nossl\nentrypoint: [/app/who]\ntrim: closure\nkeep: [${keep}]\nfiles:\n  - {src: app/who, dest: /app/who}\n`;
    mkdirSync(join(dir, 'app'), { recursive: true });
    copyFileSync(join(dir, 'who'), join(dir, 'app', 'who'));
    writeFileSync(join(dir, 'warm.yaml'), spec('"/lib/*/libanl.so*"'));
    const run = (out: string, cacheDir = warm) => {
      const r = runPith(['build', join(dir, 'warm.yaml'), '-o', join(dir, out), '--cache-dir', cacheDir]);
      assert.equal(r.code, 0, r.stderr);
      const digest = r.stdout.trim().split('\n').pop()!;
      assert.match(digest, /^sha256:[0-9a-f]{64}$/);
      // The trim's own lines are printed from the cache too.
      assert.match(r.stderr, /trim: kept \d+ files \(\d+ bytes\), dropped \d+/);
      return {
        digest,
        cached: /closure image from the cache/.test(r.stderr),
        spdx: readFileSync(join(dir, `${out}.spdx.json`), 'utf8'),
        cdx: readFileSync(join(dir, `${out}.cdx.json`), 'utf8'),
      };
    };
    const cold = run('w1.oci');
    assert.equal(cold.cached, false);
    const hot = run('w2.oci');
    assert.ok(hot.cached, 'second build from the closure cache');
    assert.equal(hot.digest, cold.digest);
    assert.equal(hot.spdx, cold.spdx);
    assert.equal(hot.cdx, cold.cdx);
    assert.equal(runWithRunc(join(dir, 'w2.oci'), 'latest', { uid: 65532 }).stdout, 'nonroot 65532 /home/nonroot\n');

    // A corrupted entry, or a layer blob gone bad in the store: rebuilt, same digest.
    const entries = readdirSync(join(warm, 'closure')).map((n) => join(warm, 'closure', n));
    assert.equal(entries.length, 1);
    const text = readFileSync(entries[0]!, 'utf8');
    writeFileSync(
      entries[0]!,
      text.replace(/"entries":(\d)/, (_m, d: string) => `"entries":${(Number(d) + 1) % 10}`),
    );
    const afterEntry = run('w3.oci');
    assert.equal(afterEntry.cached, false, 'an entry failing its checksum is a miss');
    assert.equal(afterEntry.digest, cold.digest);
    const entry = JSON.parse(readFileSync(entries[0]!, 'utf8')) as {
      value: { layers: Array<{ blob: { digest: string } }> };
    };
    const blob = join(warm, 'blobs', 'sha256', entry.value.layers[0]!.blob.digest.slice(7));
    const bytes = readFileSync(blob);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(blob, bytes);
    const afterBlob = run('w4.oci');
    assert.equal(afterBlob.cached, false, 'a layer blob that no longer hashes to its digest is a miss');
    assert.equal(afterBlob.digest, cold.digest);

    // Other keep: globs, or other bytes in a spec file: a miss and another image.
    writeFileSync(join(dir, 'warm.yaml'), spec('"/lib/*/libutil.so*"'));
    const otherKeep = run('w5.oci');
    assert.equal(otherKeep.cached, false);
    assert.notEqual(otherKeep.digest, cold.digest);
    writeFileSync(join(dir, 'warm.yaml'), spec('"/lib/*/libanl.so*"'));
    appendFileSync(join(dir, 'app', 'who'), Buffer.from([0]));
    const otherFile = run('w6.oci');
    assert.equal(otherFile.cached, false);
    assert.notEqual(otherFile.digest, cold.digest);
  });

  test('no entrypoint, cmd or keep: one clear error', () => {
    writeFileSync(join(dir, 'noroot.yaml'), 'name: t/x\npreset: static\ntrim: closure\n');
    const r = runPith(['build', join(dir, 'noroot.yaml'), '-o', join(dir, 'noroot.oci'), '--cache-dir', cache]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr.trimEnd().split('\n').pop()!,
      /^pith: .*noroot\.yaml:3:\d+: trim: closure needs an entrypoint/,
    );
  });
});

describe('trim: closure with a CA the spec adds', () => {
  let dir: string;
  let server: import('node:child_process').ChildProcess | undefined;
  after(() => {
    server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('curl fetches over HTTPS from a loopback server whose CA only the spec provides', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-closure-tls-'));
    makeTestCa(dir, 'pith test CA');
    const port = 20000 + Math.floor(Math.random() * 20000);
    server = startTlsServer(dir, port);
    await new Promise((r) => setTimeout(r, 800));
    writeFileSync(
      join(dir, 'pith.yaml'),
      `name: t/tls\npreset: static\npackages: [curl]\nvariants: [nonroot]\nentrypoint: [/usr/bin/curl]\ntrim: closure\nfiles:\n  - {src: ca.crt, dest: /usr/share/ca-certificates/pith-test/ca.crt}\n`,
    );
    const out = join(dir, 'tls.oci');
    const r = runPith(['build', join(dir, 'pith.yaml'), '-o', out, '--cache-dir', join(dir, 'cache')]);
    assert.equal(r.code, 0, r.stderr);
    const run = runWithRunc(out, 'latest', {
      args: [
        '/usr/bin/curl',
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{ssl_verify_result}',
        `https://localhost:${port}/`,
      ],
      hostNetwork: true,
    });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '200 0');
    // Control: the same image without the spec's CA cannot verify the server.
    writeFileSync(
      join(dir, 'noca.yaml'),
      `name: t/tls\npreset: static\npackages: [curl]\nentrypoint: [/usr/bin/curl]\ntrim: closure\n`,
    );
    const r2 = runPith([
      'build',
      join(dir, 'noca.yaml'),
      '-o',
      join(dir, 'noca.oci'),
      '--cache-dir',
      join(dir, 'cache'),
    ]);
    assert.equal(r2.code, 0, r2.stderr);
    const refused = runWithRunc(join(dir, 'noca.oci'), 'latest', {
      args: ['/usr/bin/curl', '-sS', `https://localhost:${port}/`],
      hostNetwork: true,
      uid: 65532,
    });
    assert.equal(refused.code, 60, `curl exits 60 (peer certificate cannot be authenticated): ${refused.stderr}`);
  });
});
