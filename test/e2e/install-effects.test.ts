/**
 * Debian packages work as installed (issue 9): real packages from the host's mirror (bookworm
 * amd64), built with nothing in the spec beyond what a Dockerfile user would write, run with runc
 * as the user they are meant to run as.
 */
import { makeTestCa, startTlsServer } from '../helpers/test-ca.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith, sh } from '../helpers/cli.js';
import { compileC } from '../helpers/compile.js';
import { runWithRunc, startWithRunc } from '../helpers/runtime.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';

const GETPWUID_C = `#include <grp.h>
#include <pwd.h>
#include <stdio.h>
int main(void) {
  struct passwd *pw = getpwuid(65532);   /* through NSS: nsswitch.conf says compat */
  struct group *gr = getgrgid(65532);
  if (!pw || !gr) { fprintf(stderr, "no user or group 65532\\n"); return 1; }
  printf("%s %s %s\\n", pw->pw_name, gr->gr_name, pw->pw_dir);
  return 0;
}
`;

const JAVA_FETCH = `import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class Fetch {
  public static void main(String[] args) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    int trusted = ((X509TrustManager) tmf.getTrustManagers()[0]).getAcceptedIssuers().length;
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(args[0])).build(), HttpResponse.BodyHandlers.ofString());
    System.out.println(trusted + " " + r.statusCode() + " " + System.getProperty("file.encoding"));
  }
}
`;

const freePort = () => 20000 + Math.floor(Math.random() * 20000);

/** Sends lines to a TCP server on loopback and resolves with everything it answered. */
function talk(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function until<T>(what: string, fn: () => Promise<T>, seconds = 20): Promise<T> {
  let last: unknown;
  for (let i = 0; i < seconds * 4; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${what}: ${String(last)}`);
}

describe('install effects with real Debian packages', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-effects-'));
    cache = join(dir, 'cache');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const build = (name: string, spec: string, extra: string[] = []) => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'pith.yaml'), spec);
    const out = join(d, 'out.oci');
    const r = runPith(['build', join(d, 'pith.yaml'), '-o', out, '--cache-dir', cache, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const lock = existsSync(join(d, 'pith.lock')) ? readFileSync(join(d, 'pith.lock'), 'utf8') : '';
    return { out, dir: d, stderr: r.stderr, lock };
  };
  const passwd = async (out: string) =>
    await imageFiles(layoutImages(out)[0]!, (p) => p === 'etc/passwd' || p === 'etc/group');

  test("nginx: Debian's nginx.conf (user www-data, /run/nginx.pid) serves the default page its postinst installs", async () => {
    const port = freePort();
    const d = join(dir, 'nginx');
    mkdirSync(d, { recursive: true });
    // The spec's own site replaces the default one (port 80) the postinst enabled.
    writeFileSync(
      join(d, 'site'),
      `server { listen 127.0.0.1:${port}; root /var/www/html; index index.nginx-debian.html; }\n`,
    );
    const { out, stderr } = build(
      'nginx',
      `name: t/nginx\npackages: [nginx]\nentrypoint: [/usr/sbin/nginx, -g, "daemon off;"]\nfiles:\n  - {src: site, dest: /etc/nginx/sites-available/pith}\npaths:\n  - {path: /etc/nginx/sites-enabled/default, type: symlink, target: /etc/nginx/sites-available/pith}\n`,
    );
    assert.doesNotMatch(stderr, /warning/, 'nothing nginx needs is left out');
    const files = await passwd(out);
    assert.match(
      files.get('etc/passwd')!.data!.toString(),
      /^www-data:x:33:33:www-data:\/var\/www:\/usr\/sbin\/nologin$/m,
    );
    assert.match(files.get('etc/group')!.data!.toString(), /^adm:x:4:$/m);
    const server = startWithRunc(out, 'latest', { hostNetwork: true, dockerCapabilities: true });
    try {
      const page = await until('nginx answers', () => talk(port, `GET / HTTP/1.0\r\nHost: localhost\r\n\r\n`));
      assert.match(page, /^HTTP\/1\.1 200 OK/);
      assert.match(page, /Welcome to nginx!/);
    } finally {
      const log = await server.stop();
      assert.doesNotMatch(log.stdout + log.stderr, /\[emerg\]/);
    }
  });

  test("redis-server: Debian's own redis.conf (dir /var/lib/redis, its log) as user redis answers PING and saves", async () => {
    const port = freePort();
    const { out, stderr } = build(
      'redis',
      `name: t/redis\npackages: [redis-server]\nuser: redis\nentrypoint: [/usr/bin/redis-server, /etc/redis/redis.conf, --port, "${port}", --daemonize, "no"]\n`,
    );
    assert.match(stderr, /effects: redis-tools: system user redis \(uid \d+, gid \d+, home \/var\/lib\/redis\)/);
    const [image] = layoutImages(out);
    const files = await passwd(out);
    const line = /^redis:x:(\d+):(\d+)::\/var\/lib\/redis:\/usr\/sbin\/nologin$/m.exec(
      files.get('etc/passwd')!.data!.toString(),
    );
    assert.ok(line, 'redis in /etc/passwd');
    assert.equal(image!.config.config.User, `${line[1]}:${line[2]}`, 'user: redis resolved through the image passwd');
    const server = startWithRunc(out, 'latest', { hostNetwork: true });
    try {
      assert.equal(await until('redis answers', () => talk(port, 'PING\r\n')), '+PONG\r\n');
      assert.equal(
        await talk(port, 'SET pith works\r\nSAVE\r\n'),
        '+OK\r\n+OK\r\n',
        'SAVE writes dump.rdb into /var/lib/redis as redis',
      );
    } finally {
      await server.stop();
    }
  });

  test('psql through /usr/bin/psql: the Essential perl-base its #!/usr/bin/perl needs is brought, and pinned', async () => {
    const { out, stderr, lock } = build(
      'psql',
      'name: t/psql\npackages: [postgresql-client-15]\nentrypoint: [/usr/bin/psql]\n',
    );
    assert.match(
      stderr,
      /perl-base: brought \(essential, but \/usr\/share\/postgresql-common\/pg_wrapper needs \/usr\/bin\/perl, which it ships\)/,
    );
    assert.match(stderr, /dpkg: not installed \(dpkg is the package manager/);
    assert.doesNotMatch(stderr, /assumed present/);
    assert.match(lock, /"name":"perl-base"/);
    assert.doesNotMatch(lock, /"name":"dpkg"/);
    const run = runWithRunc(out, 'latest', { uid: 65532, args: ['/usr/bin/psql', '--version'] });
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^psql \(PostgreSQL\) 15\.\d+/);
    // The lock is the resolution: a frozen build needs no index and gives the same image.
    const again = runPith([
      'build',
      join(dir, 'psql', 'pith.yaml'),
      '-o',
      join(dir, 'psql', 'again.oci'),
      '--cache-dir',
      cache,
      '--frozen',
    ]);
    assert.equal(again.code, 0, again.stderr);
  });

  test('Java 17: java -version through /usr/bin/java; an HTTPS client trusts the CA bundle, a CA the spec adds included; UTF-8', async () => {
    const d = join(dir, 'java');
    mkdirSync(d, { recursive: true });
    makeTestCa(d, 'pith java test CA');
    writeFileSync(join(d, 'Fetch.java'), JAVA_FETCH);
    sh('javac', ['--release', '17', '-d', join(d, 'classes'), join(d, 'Fetch.java')]);
    const { out, stderr } = build(
      'java',
      `name: t/java\npackages: [openjdk-17-jre-headless]\nenv: {LANG: C.UTF-8}\nentrypoint: [/usr/bin/java]\nfiles:\n  - {src: ca.crt, dest: /usr/share/ca-certificates/pith-test/ca.crt}\n  - {src: classes/Fetch.class, dest: /app/Fetch.class}\n`,
    );
    assert.match(
      stderr,
      /effects: openjdk-17-jre-headless: alternative java: \/usr\/bin\/java -> \/usr\/lib\/jvm\/java-17-openjdk-amd64\/bin\/java/,
    );
    assert.match(
      stderr,
      /effects: ca-certificates-java: Java trust store \/etc\/ssl\/certs\/java\/cacerts with \d{3} certificates/,
    );
    const version = runWithRunc(out, 'latest', { uid: 65532, args: ['/usr/bin/java', '-version'] });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stderr, /^openjdk version "17\./);
    const port = freePort();
    let server: ChildProcess | undefined;
    try {
      server = startTlsServer(d, port);
      await new Promise((r) => setTimeout(r, 800));
      const fetch = runWithRunc(out, 'latest', {
        uid: 65532,
        hostNetwork: true,
        args: ['/usr/bin/java', '-cp', '/app', 'Fetch', `https://localhost:${port}/`],
      });
      assert.equal(fetch.code, 0, fetch.stderr + fetch.stdout);
      const [trusted, status, encoding] = fetch.stdout.trim().split(' ');
      assert.ok(Number(trusted) > 100, `${trusted} trusted CAs`);
      assert.equal(status, '200');
      assert.equal(encoding, 'UTF-8', 'LANG=C.UTF-8 works: libc-bin C.utf8 is there');
    } finally {
      server?.kill();
    }
  });

  test('python3 preset: LANG=C.UTF-8 names a locale the image has, so setlocale(LC_ALL, "") works', () => {
    const { out, stderr, lock } = build('python3', 'name: t/python3\npreset: python3\nvariants: [nonroot]\n');
    assert.match(stderr, /libc-bin: brought \(the environment names C\.UTF-8/);
    assert.match(lock, /"name":"libc-bin"/);
    const run = runWithRunc(out, 'latest', {
      args: [
        '/usr/bin/python3',
        '-c',
        'import locale; print(locale.setlocale(locale.LC_ALL, ""), locale.getpreferredencoding())',
      ],
    });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'C.UTF-8 UTF-8\n');
  });

  test('what a package does that pith cannot emulate is one warning line naming it; --strict makes it an error with no output', () => {
    const d = join(dir, 'strict');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'pith.yaml'), 'name: t/strict\npackages: [ssl-cert]\n');
    const warned = runPith(['build', join(d, 'pith.yaml'), '-o', join(d, 'warned.oci'), '--cache-dir', cache, '-q']);
    assert.equal(warned.code, 0, warned.stderr);
    const lines = warned.stderr.trim().split('\n');
    assert.equal(lines.length, 1, warned.stderr);
    assert.match(
      lines[0]!,
      /^pith: warning: amd64: ssl-cert: "make-ssl-cert generate-default-snakeoil" \(postinst line \d+\); pith does not emulate this: if the image needs it, add it to the spec \(files:, paths: or accounts:\)$/,
    );
    const strict = runPith([
      'build',
      join(d, 'pith.yaml'),
      '-o',
      join(d, 'strict.oci'),
      '--cache-dir',
      cache,
      '-q',
      '--strict',
    ]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /^pith: warning: amd64: ssl-cert: /);
    assert.match(
      strict.stderr.trim().split('\n').pop()!,
      /^pith: --strict: amd64: ssl-cert: "make-ssl-cert generate-default-snakeoil"/,
    );
    assert.ok(!existsSync(join(d, 'strict.oci')), 'no output');
  });

  test('a glibc program from binaries: resolves uid 65532 by name (the host NSS modules nsswitch.conf names come along), trimmed or not', async () => {
    const program = compileC(dir, 'who', GETPWUID_C);
    for (const trim of ['docs', 'closure']) {
      const { out, stderr } = build(
        `who-${trim}`,
        `name: t/who\nentrypoint: [/app/who]\ntrim: ${trim}\nbinaries:\n  - {src: ${program}, dest: /app/who}\n`,
      );
      assert.match(stderr, /effects: nss: libnss_compat\.so\.2/);
      const run = runWithRunc(out, 'latest', { uid: 65532 });
      assert.equal(run.stderr, '');
      assert.equal(run.stdout, 'nonroot nonroot /home/nonroot\n', trim);
      const [image] = layoutImages(out);
      const history = (image!.config as unknown as { history: Array<{ created_by?: string }> }).history.map(
        (h) => h.created_by ?? '',
      );
      assert.ok(
        history.some((h) => h.startsWith('pith: install effects')),
        `${trim}: an effects layer (${history.join(' | ')})`,
      );
    }
  });
});
