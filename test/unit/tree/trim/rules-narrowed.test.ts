/**
 * Rules narrowed to what programs load (issue 10's size goal): what a runtime tree keeps that no
 * program of the image reads, or whose absence the program handles by design, is left out, and
 * comes back when something does reach it (keep:, a compiler beside perl).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trimToClosure } from '../../../../src/tree/trim/closure.js';
import { buildElf } from '../../../helpers/elf-build.js';
import { treeOf, type TrimNode } from '../../../helpers/trim-tree.js';

const LD = '/lib64/ld-linux-x86-64.so.2';
const ML = 'lib/x86_64-linux-gnu';
const exe = (needed: string[], pkg: string): TrimNode => ({
  data: buildElf({ type: 2, interpreter: LD, needed }),
  mode: 0o755,
  pkg,
});
const lib = (soname: string, needed: string[], pkg: string): TrimNode => ({ data: buildElf({ soname, needed }), pkg });
const script = (interpreter: string, pkg: string): TrimNode => ({ data: `#!${interpreter}\n`, mode: 0o755, pkg });

const glibc: Record<string, TrimNode> = {
  [`${ML}/ld-linux-x86-64.so.2`]: lib('ld-linux-x86-64.so.2', [], 'libc6'),
  'lib64/ld-linux-x86-64.so.2': { symlink: `/${ML}/ld-linux-x86-64.so.2`, pkg: 'libc6' },
  [`${ML}/libc.so.6`]: lib('libc.so.6', ['ld-linux-x86-64.so.2'], 'libc6'),
};

const PG = 'usr/lib/postgresql/15';
const perl: Record<string, TrimNode> = {
  'usr/bin/perl': exe(['libc.so.6'], 'perl-base'),
  'usr/share/perl5/PgCommon.pm': { data: 'package PgCommon;', pkg: 'postgresql-client-common' },
};
const postgresql: Record<string, TrimNode> = {
  ...glibc,
  ...perl,
  [`${PG}/bin/postgres`]: exe(['libc.so.6'], 'postgresql-15'),
  [`${PG}/bin/initdb`]: exe(['libc.so.6'], 'postgresql-15'),
  [`${PG}/bin/psql`]: exe(['libc.so.6'], 'postgresql-client-15'),
  [`${PG}/lib/plpgsql.so`]: lib('plpgsql.so', ['libc.so.6'], 'postgresql-15'),
  [`${PG}/lib/llvmjit.so`]: lib('llvmjit.so', ['libLLVM-14.so.1', 'libc.so.6'], 'postgresql-15'),
  [`${PG}/lib/llvmjit_types.bc`]: { data: 'BC', pkg: 'postgresql-15' },
  [`${PG}/lib/bitcode/postgres.index.bc`]: { data: 'BC', pkg: 'postgresql-15' },
  [`${PG}/lib/bitcode/postgres/access/heapam.bc`]: { data: 'BC', pkg: 'postgresql-15' },
  [`usr/${ML}/libLLVM-14.so.1`]: lib('libLLVM-14.so.1', ['libz3.so.4', 'libc.so.6'], 'libllvm14'),
  [`usr/${ML}/libz3.so.4`]: lib('libz3.so.4', ['libc.so.6'], 'libz3-4'),
  'usr/share/postgresql/15/postgres.bki': { data: 'bki', pkg: 'postgresql-15' },
  'usr/share/postgresql/15/man/man1/postgres.1.gz': { data: 'man', pkg: 'postgresql-15' },
  'usr/share/postgresql-common/pg_wrapper': script('/usr/bin/perl', 'postgresql-client-common'),
  'usr/share/postgresql-common/supported-versions': script('/usr/bin/perl', 'postgresql-common'),
  'usr/bin/psql': { symlink: '../share/postgresql-common/pg_wrapper', pkg: 'postgresql-client-common' },
  'usr/bin/pg_ctlcluster': script('/usr/bin/perl', 'postgresql-common'),
};

test('postgresql: the server keeps its bin, lib and share directories, not the JIT provider (and libLLVM), its bitcode, man pages or perl', async () => {
  const server = await trimToClosure(treeOf(postgresql), { roots: [`/${PG}/bin/postgres`] });
  for (const p of [
    `${PG}/bin/initdb`,
    `${PG}/bin/psql`,
    `${PG}/lib/plpgsql.so`,
    'usr/share/postgresql/15/postgres.bki',
  ])
    assert.ok(server.kept.has(p), `${p} kept`);
  for (const p of [
    `${PG}/lib/llvmjit.so`,
    `${PG}/lib/llvmjit_types.bc`,
    `${PG}/lib/bitcode`,
    `${PG}/lib/bitcode/postgres.index.bc`,
    `usr/${ML}/libLLVM-14.so.1`,
    `usr/${ML}/libz3.so.4`,
    'usr/share/postgresql/15/man/man1/postgres.1.gz',
  ]) {
    assert.ok(!server.kept.has(p), `${p} dropped`);
  }
  // postgresql-common is for Debian's cluster tools: the server alone never reads it, so its perl scripts do not bring perl.
  for (const p of [
    'usr/share/postgresql-common/pg_wrapper',
    'usr/share/postgresql-common/supported-versions',
    'usr/bin/perl',
  ])
    assert.ok(!server.kept.has(p), `${p} dropped`);
  assert.ok(!server.packages.includes('libllvm14') && !server.packages.includes('postgresql-common'));
});

test('postgresql-jit: keeping the provider brings libLLVM (its ELF closure), llvmjit_types.bc and the bitcode', async () => {
  const jit = await trimToClosure(treeOf(postgresql), {
    roots: [`/${PG}/bin/postgres`],
    keep: [`/${PG}/lib/llvmjit.so`],
  });
  assert.deepEqual(jit.reasons.get(`${PG}/lib/llvmjit_types.bc`), ['rule: postgresql-jit']);
  assert.deepEqual(jit.reasons.get(`${PG}/lib/bitcode/postgres/access/heapam.bc`), ['rule: postgresql-jit']);
  assert.ok(jit.kept.has(`usr/${ML}/libLLVM-14.so.1`) && jit.kept.has(`usr/${ML}/libz3.so.4`));
});

test('postgresql-common: psql through pg_wrapper keeps usr/share/postgresql-common, perl and the client binaries', async () => {
  const psql = await trimToClosure(treeOf(postgresql), { roots: ['/usr/bin/psql'] });
  assert.deepEqual(psql.reasons.get('usr/share/postgresql-common/supported-versions'), ['rule: postgresql-common']);
  for (const p of ['usr/bin/perl', 'usr/share/perl5/PgCommon.pm', `${PG}/bin/psql`])
    assert.ok(psql.kept.has(p), `${p} kept`);
  assert.ok(!psql.kept.has(`${PG}/lib/llvmjit.so`));
});

test('java: the CDS archive for heaps without compressed oops goes; the default archive and ct.sym (java --source N) stay', async () => {
  const jvm = 'usr/lib/jvm/java-17-openjdk-amd64';
  const tree = treeOf({
    ...glibc,
    [`${jvm}/bin/java`]: exe(['libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/server/libjvm.so`]: lib('libjvm.so', ['libc.so.6'], 'openjdk-17-jre-headless'),
    [`${jvm}/lib/server/classes.jsa`]: { data: 'cds', pkg: 'openjdk-17-jre-headless' },
    [`${jvm}/lib/server/classes_nocoops.jsa`]: { data: 'cds', pkg: 'openjdk-17-jre-headless' },
    [`${jvm}/lib/ct.sym`]: { data: 'zip', pkg: 'openjdk-17-jre-headless' },
  });
  const java = await trimToClosure(tree, { roots: [`/${jvm}/bin/java`] });
  for (const p of [`${jvm}/lib/server/classes.jsa`, `${jvm}/lib/ct.sym`])
    assert.deepEqual(java.reasons.get(p), ['rule: java'], p);
  assert.ok(!java.kept.has(`${jvm}/lib/server/classes_nocoops.jsa`));
});

test("perl: CORE's C headers go unless a C compiler is kept (perl-headers)", async () => {
  const core = `usr/${ML}/perl/5.36.0/CORE`;
  const nodes: Record<string, TrimNode> = {
    ...glibc,
    'usr/bin/perl': exe(['libc.so.6'], 'perl-base'),
    [`usr/${ML}/perl/5.36.0/Config.pm`]: { data: 'package Config;', pkg: 'libperl5.36' },
    [`${core}/perl.h`]: { data: '#define PERL', pkg: 'libperl5.36' },
    [`${core}/XSUB.h`]: { data: '#define XS', pkg: 'libperl5.36' },
    'usr/bin/gcc-12': exe(['libc.so.6'], 'gcc-12'),
    'usr/lib/gcc/x86_64-linux-gnu/12/cc1': exe(['libc.so.6'], 'cpp-12'),
  };
  const plain = await trimToClosure(treeOf(nodes), { roots: ['/usr/bin/perl'] });
  assert.ok(plain.kept.has(`usr/${ML}/perl/5.36.0/Config.pm`));
  assert.ok(!plain.kept.has(`${core}/perl.h`) && !plain.kept.has(core));
  const building = await trimToClosure(treeOf(nodes), {
    roots: ['/usr/bin/perl'],
    keep: ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1'],
  });
  for (const p of [`${core}/perl.h`, `${core}/XSUB.h`])
    assert.deepEqual(building.reasons.get(p), ['rule: perl-headers'], p);
});

test('php: the extension directory stays; php.ini templates, the SAPI registry and maintainer helpers go', async () => {
  const tree = treeOf({
    ...glibc,
    'usr/bin/php8.2': exe(['libc.so.6'], 'php8.2-cli'),
    'usr/lib/php/20220829/ctype.so': lib('ctype.so', ['libc.so.6'], 'php8.2-common'),
    'usr/lib/php/8.2/php.ini-production': { data: '[PHP]', pkg: 'php8.2-common' },
    'usr/lib/php/8.2/sapi/cli': { data: '', pkg: 'php8.2-cli' },
    'usr/lib/php/php-helper': script('/bin/sh', 'php-common'),
    'usr/lib/php/php-maintscript-helper': script('/bin/sh', 'php-common'),
    'usr/lib/php/sessionclean': script('/bin/sh', 'php-common'),
    'usr/share/php/PEAR.php': { data: '<?php', pkg: 'php-pear' },
    'etc/php/8.2/mods-available/ctype.ini': { data: 'extension=ctype.so', pkg: 'php8.2-common' },
  });
  const php = await trimToClosure(tree, { roots: ['/usr/bin/php8.2'] });
  for (const p of ['usr/lib/php/20220829/ctype.so', 'usr/share/php/PEAR.php', 'etc/php/8.2/mods-available/ctype.ini'])
    assert.deepEqual(php.reasons.get(p), ['rule: php'], p);
  for (const p of [
    'usr/lib/php/8.2/php.ini-production',
    'usr/lib/php/8.2/sapi/cli',
    'usr/lib/php/php-helper',
    'usr/lib/php/php-maintscript-helper',
    'usr/lib/php/sessionclean',
  ]) {
    assert.ok(!php.kept.has(p), `${p} dropped`);
  }
  // The helpers' #!/bin/sh is no longer an unmet need of the image.
  assert.deepEqual(php.unmet, []);
});

test('package-etc leaves out init scripts, cron jobs, logrotate configuration and motd scripts unless a service manager or pam_motd is kept (service-scripts)', async () => {
  const nodes: Record<string, TrimNode> = {
    ...glibc,
    'usr/sbin/nginx': exe(['libc.so.6'], 'nginx'),
    'var/lib/dpkg/status.d/nginx': { data: 'Package: nginx\nVersion: 1\nDepends: nginx-common\n', pkg: 'nginx' },
    'var/lib/dpkg/status.d/nginx-common': {
      data: 'Package: nginx-common\nSource: nginx\nVersion: 1\n',
      pkg: 'nginx-common',
    },
    'etc/nginx/nginx.conf': { data: 'user www-data;', pkg: 'nginx-common' },
    'etc/default/nginx': { data: 'DAEMON_OPTS=', pkg: 'nginx-common' },
    'etc/init.d/nginx': script('/bin/sh', 'nginx-common'),
    'etc/logrotate.d/nginx': { data: '/var/log/nginx/*.log {}', pkg: 'nginx-common' },
    'etc/cron.daily/nginx': script('/bin/sh', 'nginx-common'),
    'usr/sbin/cron': exe(['libc.so.6'], 'cron'),
    // base-files contributes os-release; its motd script is run by pam_motd at login only.
    'usr/lib/os-release': { data: 'ID=debian', pkg: 'base-files' },
    'etc/update-motd.d/10-uname': script('/bin/sh', 'base-files'),
    [`${ML}/security/pam_motd.so`]: lib('pam_motd.so', ['libc.so.6'], 'libpam-modules'),
  };
  const service = ['etc/init.d/nginx', 'etc/logrotate.d/nginx', 'etc/cron.daily/nginx'];
  const nginx = await trimToClosure(treeOf(nodes), { roots: ['/usr/sbin/nginx'] });
  for (const p of ['etc/nginx/nginx.conf', 'etc/default/nginx'])
    assert.deepEqual(nginx.reasons.get(p), ['rule: package-etc'], p);
  for (const p of service) assert.ok(!nginx.kept.has(p), `${p} dropped`);
  // Their #!/bin/sh is no unmet need of the image any more.
  assert.deepEqual(nginx.unmet, []);
  const withCron = await trimToClosure(treeOf(nodes), { roots: ['/usr/sbin/nginx'], keep: ['/usr/sbin/cron'] });
  for (const p of service) assert.deepEqual(withCron.reasons.get(p), ['rule: service-scripts'], p);
  assert.ok(nginx.packages.includes('base-files') && !nginx.kept.has('etc/update-motd.d/10-uname'));
  const withMotd = await trimToClosure(treeOf(nodes), {
    roots: ['/usr/sbin/nginx'],
    keep: [`/${ML}/security/pam_motd.so`],
  });
  assert.deepEqual(withMotd.reasons.get('etc/update-motd.d/10-uname'), ['rule: service-scripts']);
});
