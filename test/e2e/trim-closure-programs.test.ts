/**
 * trim: closure never breaks a working image: real Debian programs (bookworm amd64, from the
 * host's mirror) trimmed with no keep:, run with runc as the user they are meant to run as, do
 * their real job. Each test also builds the same spec with trim: docs and prints both compressed
 * sizes (`# size NAME: closure N B, docs M B, ratio R`), the figures docs/notes.md records.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPith } from '../helpers/cli.js';
import { imageFiles, layoutImages } from '../helpers/layout.js';
import { runWithRunc, startWithRunc } from '../helpers/runtime.js';

const NONROOT = 65532;
/** The one line a build prints for all needs of kept data files the image lacks. */
const SUMMARY = /^amd64: trim: \d+ kept files? would need what the image lacks/;

describe('trim: closure keeps real programs working', () => {
  let dir: string;
  let cache: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-closure-programs-'));
    cache = join(dir, 'cache');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const buildOne = (name: string, spec: string, extra: string[] = []) => {
    writeFileSync(join(dir, `${name}.yaml`), spec);
    const out = join(dir, `${name}.oci`);
    const r = runPith(['build', join(dir, `${name}.yaml`), '-o', out, '--cache-dir', cache, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return {
      out,
      stderr: r.stderr,
      size: layoutImages(out)[0]!.layers.reduce((n, layer) => n + statSync(layer).size, 0),
    };
  };
  /** The spec trimmed to its closure (returned), and with trim: docs for the size figure. */
  const closure = (name: string, spec: string) => {
    const trimmed = buildOne(`${name}-closure`, `${spec}trim: closure\n`);
    const docs = buildOne(`${name}-docs`, `${spec}trim: docs\n`);
    console.log(
      `# size ${name}: closure ${trimmed.size} B, docs ${docs.size} B, ratio ${(trimmed.size / docs.size).toFixed(2)}`,
    );
    // Nothing the spec names is dropped (the build would say so in one line).
    assert.doesNotMatch(trimmed.stderr, /of the spec's own paths/);
    return trimmed;
  };
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  test('curl: /tmp is 1777 and the home writable for nonroot (curl -o works); the SBOM lists only packages that contribute a file', async () => {
    const image = closure(
      'curl',
      'name: t/curl\npreset: static\npackages: [curl]\nvariants: [nonroot]\nentrypoint: [/usr/bin/curl]\n',
    );
    const files = await imageFiles(layoutImages(image.out)[0]!);
    assert.equal(files.get('tmp')!.mode & 0o7777, 0o1777);
    assert.equal(files.get('var/tmp')!.mode & 0o7777, 0o1777);
    assert.equal(files.get('home/nonroot')?.uid, NONROOT);
    for (const target of ['/tmp/x', '/var/tmp/x', '/home/nonroot/x']) {
      const run = runWithRunc(image.out, 'latest', {
        uid: NONROOT,
        args: ['/usr/bin/curl', '-sS', '-o', target, '-w', '%{size_download}', 'file:///etc/os-release'],
      });
      assert.equal(run.code, 0, `${target}: ${run.stderr}`);
      assert.match(run.stdout, /^[1-9]\d*$/);
    }
    // libdb5.3 and libsasl2-modules-db are installed but contribute nothing: not in status.d, not in the SBOM.
    assert.match(
      image.stderr,
      /2 package\(s\) contribute nothing and are left out of status\.d and the SBOM: libdb5\.3, libsasl2-modules-db/,
    );
    const spdx = JSON.parse(readFileSync(`${image.out}.spdx.json`, 'utf8')) as {
      packages: Array<{ name: string; externalRefs?: Array<{ referenceLocator: string }> }>;
    };
    const debs = spdx.packages.filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith('pkg:deb/')));
    const listed = new Set(debs.map((p) => p.name));
    const statusDir = 'var/lib/dpkg/status.d/';
    const inStatus = new Set(
      [...files.keys()]
        .filter((p) => p.startsWith(statusDir) && !p.endsWith('.md5sums'))
        .map((p) => p.slice(statusDir.length)),
    );
    assert.ok(listed.has('curl') && listed.has('libcurl4'));
    for (const gone of ['libdb5.3', 'libsasl2-modules-db']) {
      assert.ok(!listed.has(gone), `${gone} not in the SBOM`);
      assert.ok(!inStatus.has(gone), `${gone} not in status.d`);
    }
    // The SBOM and status.d list the same packages.
    assert.deepEqual([...listed].sort(), [...inStatus].sort());
  });

  test('python3: entrypoint [python3, /app/app.py] runs the app file; tempfile and the home work; one summary line, no per-file warnings', () => {
    const app = file(
      'app.py',
      [
        'import json, os, tempfile, pathlib',
        'with tempfile.NamedTemporaryFile() as f: f.write(b"x"); tmp = os.path.dirname(f.name)',
        'home = pathlib.Path.home() / "state.json"; home.write_text(json.dumps({"ok": True}))',
        'print(tmp, json.loads(home.read_text())["ok"], os.getuid())',
      ].join('\n'),
    );
    const image = closure(
      'python',
      `name: t/py\npreset: python3\nvariants: [nonroot]\nentrypoint: [/usr/bin/python3, /app/app.py]\nfiles:\n  - {src: ${app}, dest: /app/app.py}\n`,
    );
    const run = runWithRunc(image.out, 'latest', { uid: NONROOT });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, `/tmp True ${NONROOT}\n`);
    assert.doesNotMatch(image.stderr, /its #! interpreter/);
    assert.equal(image.stderr.split('\n').filter((l) => SUMMARY.test(l)).length, 1, image.stderr);
  });

  test('git: clone over file:// (with dash for the sh git runs) and git-remote-https is there', () => {
    const src = join(dir, 'repo-src');
    const git = (args: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.email=t@example.org', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args],
        { encoding: 'utf8' },
      );
    git(['init', '-q', src]);
    writeFileSync(join(src, 'hello.txt'), 'hello\n');
    git(['-C', src, 'add', 'hello.txt']);
    git(['-C', src, 'commit', '-q', '-m', 'hello']);
    git(['clone', '-q', '--bare', src, join(dir, 'repo.git')]);
    const head = git(['-C', src, 'rev-parse', 'HEAD']).trim();
    const image = closure(
      'git',
      `name: t/git\npreset: static\npackages: [git, dash]\nvariants: [nonroot]\nentrypoint: [/usr/bin/git]\nfiles:\n  - {src: ${join(dir, 'repo.git')}, dest: /srv/repo.git, owner: nonroot}\n`,
    );
    const clone = runWithRunc(image.out, 'latest', {
      uid: NONROOT,
      args: ['/usr/bin/git', 'clone', 'file:///srv/repo.git', '/tmp/clone'],
    });
    assert.equal(clone.code, 0, clone.stderr);
    assert.match(clone.stderr, /^Cloning into '\/tmp\/clone'\.\.\.\n$/);
    const remote = runWithRunc(image.out, 'latest', {
      uid: NONROOT,
      args: ['/usr/bin/git', 'ls-remote', 'file:///srv/repo.git'],
    });
    assert.equal(remote.code, 0, remote.stderr);
    assert.match(remote.stdout, new RegExp(`^${head}\\tHEAD$`, 'm'));
    // git-remote-https runs (it answers its usage, not "not a git command").
    const https = runWithRunc(image.out, 'latest', { uid: NONROOT, args: ['/usr/bin/git', 'remote-https'] });
    assert.match(https.stderr, /usage: git remote-curl/);
    assert.doesNotMatch(https.stderr, /is not a git command/);
  });

  test("nodejs: Debian's node runs an ES module importing CommonJS (its externalised cjs-module-lexer)", () => {
    mkdirSync(join(dir, 'node-app'), { recursive: true });
    writeFileSync(join(dir, 'node-app', 'lib.cjs'), 'exports.greet = (n) => `hello ${n}`;\n');
    writeFileSync(
      join(dir, 'node-app', 'main.mjs'),
      "import { greet } from './lib.cjs';\nimport { tmpdir } from 'node:os';\nimport { writeFileSync } from 'node:fs';\nwriteFileSync(`${tmpdir()}/x`, 'x');\nconsole.log(greet('node'), process.version, tmpdir());\n",
    );
    const image = closure(
      'nodejs',
      `name: t/node\npreset: static\npackages: [nodejs]\nvariants: [nonroot]\nentrypoint: [/usr/bin/node, /app/main.mjs]\nfiles:\n  - {src: ${join(dir, 'node-app')}, dest: /app}\n`,
    );
    const run = runWithRunc(image.out, 'latest', { uid: NONROOT });
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /^hello node v18\.\d+\.\d+ \/tmp\n$/);
  });

  test('java: openjdk-17-jre-headless runs java -version through its real path', () => {
    const java = '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';
    const image = closure(
      'java',
      `name: t/java\npreset: static\npackages: [openjdk-17-jre-headless]\nvariants: [nonroot]\nentrypoint: [${java}]\ncmd: [-version]\n`,
    );
    const run = runWithRunc(image.out, 'latest', { uid: NONROOT });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^openjdk version "17\.[^"]+"/);
    assert.match(run.stderr, /OpenJDK 64-Bit Server VM/);
  });

  test('perl: a script using core modules (List::Util, POSIX, File::Temp) runs', () => {
    const script = file(
      'hello.pl',
      'use strict; use warnings; use List::Util qw(sum); use POSIX qw(floor); use File::Temp qw(tempfile);\nmy ($fh, $name) = tempfile(); print "perl ", sum(1..4), " ", floor(2.5), " ", ($name =~ m{^/tmp/} ? "tmp" : $name), "\\n";\n',
    );
    // perl-base (Essential, where /usr/bin/perl lives) is named: pith does not follow Essential dependencies yet.
    const image = closure(
      'perl',
      `name: t/perl\npreset: static\npackages: [perl, perl-base]\nvariants: [nonroot]\nentrypoint: [/usr/bin/perl, /app/hello.pl]\nfiles:\n  - {src: ${script}, dest: /app/hello.pl}\n`,
    );
    const run = runWithRunc(image.out, 'latest', { uid: NONROOT });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, 'perl 10 2 tmp\n');
  });

  test("nginx: serves the spec's page with its own config as nonroot, and with Debian's nginx.conf as root dropping to www-data", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const conf = file(
      'pith-nginx.conf',
      [
        'daemon off;',
        'pid /tmp/nginx.pid;',
        'error_log stderr;',
        'events { worker_connections 64; }',
        'http {',
        '  include /etc/nginx/mime.types;',
        '  access_log off;',
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path /tmp/${t};`),
        '  include /etc/nginx/conf.d/*.conf;',
        '}',
        '',
      ].join('\n'),
    );
    const site = file('site.conf', `server {\n  listen 127.0.0.1:${port};\n  root /srv/www;\n}\n`);
    const page = file('index.html', '<h1>hello from a trimmed nginx</h1>\n');
    const image = closure(
      'nginx',
      'name: t/nginx\npreset: static\npackages: [nginx]\nentrypoint: [/usr/sbin/nginx, -g, "daemon off;"]\n' +
        'accounts:\n  users: [{name: www-data, uid: 33, gid: 33, home: /var/www, shell: /usr/sbin/nologin}]\n  groups: [{name: www-data, gid: 33}]\n' +
        `files:\n  - {src: ${conf}, dest: /etc/nginx/pith.conf}\n  - {src: ${site}, dest: /etc/nginx/conf.d/site.conf}\n  - {src: ${page}, dest: /srv/www/index.html}\n`,
    );
    const files = await imageFiles(layoutImages(image.out)[0]!);
    for (const p of ['etc/nginx/nginx.conf', 'etc/nginx/mime.types', 'var/lib/nginx', 'var/log/nginx', 'run'])
      assert.ok(files.has(p), `${p} in the image`);
    const fetchPage = async () => {
      for (let i = 0; i < 100; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          return `${res.status} ${res.headers.get('content-type')} ${await res.text()}`;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      return 'no answer';
    };
    const asNonroot = startWithRunc(image.out, 'latest', {
      uid: NONROOT,
      hostNetwork: true,
      args: ['/usr/sbin/nginx', '-e', 'stderr', '-c', '/etc/nginx/pith.conf'],
    });
    const mine = await fetchPage();
    const nonrootRun = await asNonroot.stop();
    assert.equal(mine, '200 text/html <h1>hello from a trimmed nginx</h1>\n', nonrootRun.stderr);
    // Debian's own nginx.conf (from nginx-common, a config-only package of nginx's source): a
    // root master (with Docker's default capabilities) that chowns /var/lib/nginx and runs its
    // workers as www-data.
    const asRoot = startWithRunc(image.out, 'latest', { uid: 0, hostNetwork: true, dockerCapabilities: true });
    const debian = await fetchPage();
    const stopped = await asRoot.stop();
    assert.equal(debian, '200 text/html <h1>hello from a trimmed nginx</h1>\n', stopped.stderr);
  });

  test('--explain works with trim: docs and trim: none: what was dropped and why', () => {
    const spec = 'name: t/explain\npreset: static\npackages: [curl]\nentrypoint: [/usr/bin/curl]\n';
    const docs = buildOne('explain-docs', `${spec}trim: docs\n`, ['--explain']);
    assert.match(docs.stderr, /^curl: kept \d+ files \(\d+ B\), dropped [1-9]\d* files \(\d+ B\)$/m);
    assert.match(
      docs.stderr,
      /^ {2}- \/usr\/share\/man\/man1\/curl\.1\.gz {2}\d+ B {2}trim: docs drops usr\/share\/man\/\*\*$/m,
    );
    assert.match(
      docs.stderr,
      /^ {2}- \/usr\/share\/doc\/curl\/changelog\.Debian\.gz {2}\d+ B {2}trim: docs drops usr\/share\/doc\/\*\* but copyright files$/m,
    );
    assert.match(
      docs.stderr,
      /^ {2}\+ \/usr\/bin\/curl {2}\d+ B {2}installed by curl \(trim: docs keeps all but documentation\)$/m,
    );
    assert.match(docs.stderr, /^ {2}\+ \/etc\/passwd {2}\d+ B {2}accounts: \/etc\/passwd$/m);
    const none = buildOne('explain-none', `${spec}trim: none\n`, ['--explain']);
    assert.match(
      none.stderr,
      /^ {2}\+ \/usr\/share\/man\/man1\/curl\.1\.gz {2}\d+ B {2}installed by curl \(trim: none keeps every file\)$/m,
    );
    assert.match(none.stderr, /^total +kept +\d+ files +\d+ B +dropped +0 files +0 B$/m);
  });
});
