/**
 * The rules for what programs reach without naming it in their ELF headers: configuration of
 * same-source packages, state directories, helpers run by name, and the runtime trees of
 * interpreters and VMs; and what `keep:` and rules keep being data, never a build error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trimToClosure } from '../../../../src/tree/trim/closure.js';
import {
  dependencyNames,
  passwdHomes,
  sourceOf,
  withSameSourceDependencies,
} from '../../../../src/tree/trim/rule-inputs.js';
import { shebangOf } from '../../../../src/tree/trim/shebang.js';
import { buildElf } from '../../../helpers/elf-build.js';
import { treeOf, type TrimNode } from '../../../helpers/trim-tree.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const ML = 'lib/x86_64-linux-gnu';
const exe = (needed: string[], pkg: string, extra: { runpath?: string } = {}): TrimNode => ({
  data: buildElf({ type: 2, interpreter: LD, needed, ...extra }),
  mode: 0o755,
  pkg,
});
const lib = (soname: string, needed: string[], pkg: string): TrimNode => ({ data: buildElf({ soname, needed }), pkg });
const status = (pkg: string, fields: string): TrimNode => ({ data: `Package: ${pkg}\nVersion: 1\n${fields}`, pkg });

const glibc: Record<string, TrimNode> = {
  [`${ML}/ld-linux-x86-64.so.2`]: lib('ld-linux-x86-64.so.2', [], 'libc6'),
  'lib64/ld-linux-x86-64.so.2': { symlink: `/${ML}/ld-linux-x86-64.so.2`, pkg: 'libc6' },
  [`${ML}/libc.so.6`]: lib('libc.so.6', ['ld-linux-x86-64.so.2'], 'libc6'),
  'var/lib/dpkg/status.d/libc6': status('libc6', ''),
};

test('rule inputs: Source, Depends names, homes, same-source dependencies; #! lines', async () => {
  assert.equal(sourceOf('Package: nginx-common\nSource: nginx (1.22.1-9)\n', 'nginx-common'), 'nginx');
  assert.equal(sourceOf('Package: nginx\nVersion: 1\n', 'nginx'), 'nginx');
  assert.deepEqual(
    dependencyNames(
      'Package: a\nPre-Depends: dpkg (>= 1.17)\nDepends: libc6 (>= 2.34), nginx-common (<< 1.2~), foo:any | bar [amd64],\n baz\n',
    ),
    ['bar', 'baz', 'dpkg', 'foo', 'libc6', 'nginx-common'],
  );
  assert.deepEqual(
    passwdHomes('root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/x\nweb:x:33:33::/var/www:/x\nbad\n'),
    ['/root', '/var/www'],
  );
  const controls: Record<string, string> = {
    nginx: 'Package: nginx\nDepends: libc6, nginx-common (>= 1)\n',
    'nginx-common': 'Package: nginx-common\nSource: nginx\nDepends: debconf\n',
    libc6: 'Package: libc6\nSource: glibc\n',
    debconf: 'Package: debconf\n',
  };
  assert.deepEqual([...(await withSameSourceDependencies(['nginx'], async (p) => controls[p]))].sort(), [
    'nginx',
    'nginx-common',
  ]);
  assert.deepEqual(shebangOf(new TextEncoder().encode('#!/usr/bin/env -S node --flag\n')), {
    interpreter: '/usr/bin/env',
    command: 'node',
  });
  assert.deepEqual(shebangOf(new TextEncoder().encode('#! /bin/sh -e\necho')), { interpreter: '/bin/sh' });
  assert.equal(shebangOf(new TextEncoder().encode('echo')), undefined);
});

test('package-etc keeps the /etc of a config-only package of the same source; package-state-dirs its /var directories', async () => {
  const tree = treeOf({
    ...glibc,
    'usr/sbin/nginx': exe(['libc.so.6'], 'nginx'),
    'var/lib/dpkg/status.d/nginx': status('nginx', 'Depends: libc6, nginx-common (>= 1), iproute2\n'),
    'etc/nginx/nginx.conf': { data: 'user www-data;', pkg: 'nginx-common' },
    'etc/nginx/mime.types': { data: 'types {}', pkg: 'nginx-common' },
    'etc/nginx/conf.d': { dir: true, pkg: 'nginx-common' },
    'var/lib/nginx': { dir: true, pkg: 'nginx-common' },
    'var/log/nginx': { dir: true, pkg: 'nginx-common' },
    'usr/share/nginx/html/index.html': { data: 'welcome', pkg: 'nginx-common' },
    'var/lib/dpkg/status.d/nginx-common': status('nginx-common', 'Source: nginx\nDepends: debconf\n'),
    'etc/iproute2/rt_tables': { data: 'x', pkg: 'iproute2' },
    'var/lib/iproute2': { dir: true, pkg: 'iproute2' },
    'var/lib/dpkg/status.d/iproute2': status('iproute2', ''),
  });
  const result = await trimToClosure(tree, { roots: ['/usr/sbin/nginx'] });
  for (const p of ['etc/nginx/nginx.conf', 'etc/nginx/mime.types', 'etc/nginx/conf.d'])
    assert.deepEqual(result.reasons.get(p), ['rule: package-etc'], p);
  for (const p of ['var/lib/nginx', 'var/log/nginx'])
    assert.deepEqual(result.reasons.get(p), ['rule: package-state-dirs'], p);
  assert.ok(result.packages.includes('nginx-common'), 'nginx-common contributes its configuration');
  assert.ok(result.kept.has('var/lib/dpkg/status.d/nginx-common'));
  assert.ok(!result.kept.has('usr/share/nginx/html/index.html'), 'its data goes: nothing reads it');
  // iproute2 is another source: its configuration and directories go, and so does its status.d.
  assert.ok(!result.kept.has('etc/iproute2/rt_tables') && !result.kept.has('var/lib/iproute2'));
  assert.ok(!result.packages.includes('iproute2') && !result.kept.has('var/lib/dpkg/status.d/iproute2'));
});

test('git keeps the helpers it runs by name; postgresql its bin and share directories', async () => {
  const tree = treeOf({
    ...glibc,
    'usr/bin/git': exe(['libc.so.6'], 'git'),
    'usr/lib/git-core/git-remote-http': exe(['libc.so.6', 'libcurl-gnutls.so.4'], 'git'),
    'usr/lib/git-core/git-remote-https': { hardlink: 'usr/lib/git-core/git-remote-http', pkg: 'git' },
    [`usr/${ML}/libcurl-gnutls.so.4`]: lib('libcurl-gnutls.so.4', ['libc.so.6'], 'libcurl3-gnutls'),
    'usr/share/git-core/templates/description': { data: 'Unnamed repository', pkg: 'git' },
    'usr/lib/postgresql/15/bin/postgres': exe(['libc.so.6'], 'postgresql-15'),
    'usr/lib/postgresql/15/bin/initdb': exe(['libc.so.6'], 'postgresql-15'),
    'usr/share/postgresql/15/postgres.bki': { data: 'bki', pkg: 'postgresql-15' },
  });
  const git = await trimToClosure(tree, { roots: ['/usr/bin/git'] });
  assert.deepEqual(git.reasons.get('usr/lib/git-core/git-remote-https'), ['rule: git-helpers']);
  assert.ok(git.kept.has(`usr/${ML}/libcurl-gnutls.so.4`), 'with its ELF closure');
  assert.ok(git.kept.has('usr/share/git-core/templates/description'));
  assert.ok(!git.kept.has('usr/share/postgresql/15/postgres.bki'));
  const pg = await trimToClosure(tree, { roots: ['/usr/lib/postgresql/15/bin/initdb'] });
  assert.ok(pg.kept.has('usr/lib/postgresql/15/bin/postgres') && pg.kept.has('usr/share/postgresql/15/postgres.bki'));
  assert.ok(!pg.kept.has('usr/lib/git-core/git-remote-http'));
});

test('perl, node, ruby, php and ImageMagick keep their module trees; node the node_modules above a kept script', async () => {
  const tree = treeOf({
    ...glibc,
    'usr/bin/perl': exe(['libc.so.6'], 'perl-base'),
    'usr/share/perl/5.36/List/Util.pm': { data: 'package List::Util;', pkg: 'perl-modules-5.36' },
    'usr/share/perl/5.36/pod/perlfunc.pod': { data: '=head1', pkg: 'perl-modules-5.36' },
    [`usr/${ML}/perl/5.36/auto/POSIX/POSIX.so`]: lib('POSIX.so', ['libc.so.6'], 'perl'),
    [`usr/${ML}/perl-base/strict.pm`]: { data: 'package strict;', pkg: 'perl-base' },
    'usr/bin/node': exe(['libnode.so.108', 'libc.so.6'], 'nodejs'),
    [`usr/${ML}/libnode.so.108`]: lib('libnode.so.108', ['libc.so.6'], 'libnode108'),
    'usr/share/nodejs/cjs-module-lexer/lexer.js': { data: 'module.exports={}', pkg: 'node-cjs-module-lexer' },
    'usr/share/nodejs/acorn/bin/acorn': { data: '#!/usr/bin/env node\n', mode: 0o755, pkg: 'node-acorn' },
    'usr/share/nodejs/@types/node/fs.d.ts': { data: 'declare', pkg: 'nodejs' },
    'opt/app/server.js': { data: 'require("express")', pkg: 'app' },
    'opt/app/node_modules/express/index.js': { data: 'module.exports={}', pkg: 'app' },
    'opt/other/node_modules/x/index.js': { data: '', pkg: 'app' },
    'usr/bin/ruby3.1': exe(['libc.so.6'], 'ruby3.1'),
    'usr/lib/ruby/3.1.0/json.rb': { data: 'module JSON; end', pkg: 'libruby3.1' },
    'usr/bin/php8.2': exe(['libc.so.6'], 'php8.2-cli'),
    'usr/lib/php/20220829/opcache.so': lib('opcache.so', ['libc.so.6'], 'php8.2-opcache'),
    'usr/bin/convert-im6.q16': exe(['libMagickCore-6.Q16.so.6', 'libc.so.6'], 'imagemagick-6.q16'),
    [`usr/${ML}/libMagickCore-6.Q16.so.6`]: lib('libMagickCore-6.Q16.so.6', ['libc.so.6'], 'libmagickcore-6.q16-6'),
    [`usr/${ML}/ImageMagick-6.9.11/modules-Q16/coders/png.so`]: lib('png.so', ['libc.so.6'], 'libmagickcore-6.q16-6'),
    'usr/share/ImageMagick-6/english.xml': { data: '<locale/>', pkg: 'imagemagick-6-common' },
  });
  const perl = await trimToClosure(tree, { roots: ['/usr/bin/perl'] });
  for (const p of [
    'usr/share/perl/5.36/List/Util.pm',
    `usr/${ML}/perl/5.36/auto/POSIX/POSIX.so`,
    `usr/${ML}/perl-base/strict.pm`,
  ])
    assert.deepEqual(perl.reasons.get(p), ['rule: perl'], p);
  assert.ok(!perl.kept.has('usr/share/perl/5.36/pod/perlfunc.pod'), 'pod is documentation');
  assert.ok(!perl.kept.has('usr/share/nodejs/cjs-module-lexer/lexer.js'));

  const node = await trimToClosure(tree, {
    roots: ['/usr/bin/node'],
    named: [{ path: '/opt/app/server.js', why: 'entrypoint argument' }],
  });
  assert.deepEqual(node.reasons.get('usr/share/nodejs/cjs-module-lexer/lexer.js'), ['rule: node-runtime']);
  assert.ok(!node.kept.has('usr/share/nodejs/@types/node/fs.d.ts'));
  assert.deepEqual(node.reasons.get('opt/app/node_modules/express/index.js'), ['rule: node-modules']);
  assert.ok(!node.kept.has('opt/other/node_modules/x/index.js'));
  // acorn's `#!/usr/bin/env node` names an env the image lacks: listed, not an error.
  assert.deepEqual(node.unmet, [
    { path: '/usr/share/nodejs/acorn/bin/acorn', kind: 'interpreter', needs: '/usr/bin/env' },
  ]);

  const ruby = await trimToClosure(tree, { roots: ['/usr/bin/ruby3.1'] });
  assert.deepEqual(ruby.reasons.get('usr/lib/ruby/3.1.0/json.rb'), ['rule: ruby']);
  const php = await trimToClosure(tree, { roots: ['/usr/bin/php8.2'] });
  assert.deepEqual(php.reasons.get('usr/lib/php/20220829/opcache.so'), ['rule: php']);
  const magick = await trimToClosure(tree, { roots: ['/usr/bin/convert-im6.q16'] });
  for (const p of [`usr/${ML}/ImageMagick-6.9.11/modules-Q16/coders/png.so`, 'usr/share/ImageMagick-6/english.xml'])
    assert.deepEqual(magick.reasons.get(p), ['rule: imagemagick'], p);
});

test("java keeps its JVM directory as the launcher loads it; libattach.so's libjvm.so, found among the mapped objects, is no error", async () => {
  const jvm = 'usr/lib/jvm/java-17-openjdk-amd64';
  const tree = treeOf({
    ...glibc,
    [`${jvm}/bin/java`]: exe(['libjli.so', 'libc.so.6'], 'openjdk-17-jre-headless', { runpath: '$ORIGIN/../lib' }),
    [`${jvm}/lib/libjli.so`]: lib('libjli.so', ['libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/libjava.so`]: lib('libjava.so', ['libjvm.so', 'libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/libattach.so`]: lib('libattach.so', ['libjvm.so', 'libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/server/libjvm.so`]: lib('libjvm.so', ['libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/libawt.so`]: lib('libawt.so', ['libjvm.so', 'libcups.so.2'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/modules`]: { data: 'jimage', pkg: 'openjdk-17-jre-headless' },
    [`${jvm}/lib/jvm.cfg`]: { symlink: '/etc/java-17-openjdk/jvm-amd64.cfg', pkg: 'openjdk-17-jre-headless' },
    'etc/java-17-openjdk/jvm-amd64.cfg': { data: '-server KNOWN', pkg: 'openjdk-17-jre-headless' },
    [`${jvm}/man/man1/java.1.gz`]: { data: 'man', pkg: 'openjdk-17-jre-headless' },
    [`usr/${ML}/libfontconfig.so.1`]: { symlink: 'libfontconfig.so.1.12.0', pkg: 'libfontconfig1' },
    [`usr/${ML}/libfontconfig.so.1.12.0`]: lib('libfontconfig.so.1', ['libc.so.6'], 'libfontconfig1'),
    'etc/fonts/fonts.conf': { data: '<fontconfig/>', pkg: 'fontconfig-config' },
    'usr/share/fonts/truetype/dejavu/DejaVuSans.ttf': { data: 'ttf', pkg: 'fonts-dejavu-core' },
  });
  const result = await trimToClosure(tree, { roots: [`/${jvm}/bin/java`] });
  for (const p of [
    `${jvm}/lib/libjava.so`,
    `${jvm}/lib/server/libjvm.so`,
    `${jvm}/lib/modules`,
    `${jvm}/lib/jvm.cfg`,
    'etc/java-17-openjdk/jvm-amd64.cfg',
  ]) {
    assert.ok(result.kept.has(p), `${p} kept`);
  }
  assert.ok(!result.kept.has(`${jvm}/man/man1/java.1.gz`));
  // AWT dlopen()s fontconfig to draw text; fontconfig then needs its configuration and the fonts.
  assert.deepEqual(result.reasons.get(`usr/${ML}/libfontconfig.so.1`), ['rule: java']);
  assert.ok(result.kept.has(`usr/${ML}/libfontconfig.so.1.12.0`));
  for (const p of ['etc/fonts/fonts.conf', 'usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'])
    assert.deepEqual(result.reasons.get(p), ['rule: fonts'], p);
  // libjvm.so is provided by a kept object; libcups.so.2 (dlopen()ed by AWT on printing) is not in the image.
  assert.deepEqual(result.unmet, [{ path: `/${jvm}/lib/libawt.so`, kind: 'library', needs: 'libcups.so.2' }]);

  // The same libraries named by keep: are data too (the keep: [/usr/lib/jvm/**]).
  const kept = await trimToClosure(tree, {
    roots: ['/lib64/ld-linux-x86-64.so.2'],
    keep: ['/usr/lib/jvm/**'],
    rules: [],
  });
  assert.ok(kept.kept.has(`${jvm}/lib/libattach.so`));
  assert.deepEqual(
    kept.unmet.map((u) => u.needs),
    ['libcups.so.2'],
  );
});

test('a file kept as data first and then needed by the command is checked strictly', async () => {
  const tree = treeOf({
    ...glibc,
    // tool runs through wrapper (a script interpreter of its own, as the kernel allows), wrapper through helper.
    'usr/bin/tool': { data: '#!/usr/bin/wrapper\n', mode: 0o755, pkg: 'tool' },
    'usr/bin/wrapper': { data: '#!/usr/bin/helper\n', mode: 0o755, pkg: 'tool' },
    'usr/bin/helper': exe(['libgone.so.1', 'libc.so.6'], 'helper'),
  });
  // Kept by keep: alone, the helper's missing library is listed...
  const asData = await trimToClosure(tree, { roots: ['/lib64/ld-linux-x86-64.so.2'], keep: ['/usr/bin/helper'] });
  assert.deepEqual(asData.unmet, [{ path: '/usr/bin/helper', kind: 'library', needs: 'libgone.so.1' }]);
  // ...but as what the command runs it must load: an error, although keep: had it inspected first.
  await assert.rejects(
    trimToClosure(tree, { roots: ['/usr/bin/tool'], keep: ['/usr/bin/helper'] }),
    /trim: \/usr\/bin\/helper: libgone\.so\.1 \(needed by \/usr\/bin\/helper\) not found/,
  );
});
