/** The Java trust store pith writes, read back by the JDK's own keytool. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { firstPemCertificate, jksTrustStore } from '../../../../../src/sources/debian/effects/jks.js';
import { allEffects } from '../../../../helpers/effects-ws.js';
import { sh } from '../../../../helpers/cli.js';

let dir: string;
const pem = (name: string) => readFileSync(join(dir, `${name}.crt`), 'utf8');
const fingerprint = (name: string) =>
  sh('openssl', ['x509', '-in', join(dir, `${name}.crt`), '-noout', '-fingerprint', '-sha256'])
    .trim()
    .replace(/^.*=/, '');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pith-jks-'));
  for (const name of ['one', 'two']) {
    sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=pith test ${name}`,
    ]);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

const keytool = (store: string, password: string) =>
  spawnSync('keytool', ['-list', '-v', '-keystore', store, '-storepass', password], { encoding: 'utf8' });

test('keytool reads the store (JKS), checks its integrity with "changeit", and finds each certificate by alias', () => {
  const store = jksTrustStore(
    [
      { alias: 'debian:two.pem', der: firstPemCertificate(pem('two'))! },
      { alias: 'debian:one.pem', der: firstPemCertificate(pem('one'))! },
    ],
    1_700_000_000_000,
  );
  const path = join(dir, 'cacerts');
  writeFileSync(path, store);
  const listed = keytool(path, 'changeit');
  assert.equal(listed.status, 0, listed.stderr + listed.stdout);
  assert.match(listed.stdout, /Keystore type: JKS/);
  assert.match(listed.stdout, /Your keystore contains 2 entries/);
  for (const name of ['one', 'two']) {
    const block = listed.stdout.split('Alias name: ').find((b) => b.startsWith(`debian:${name}.pem`))!;
    assert.ok(block, name);
    assert.match(block, /Entry type: trustedCertEntry/);
    assert.ok(block.includes(fingerprint(name)), `${name}'s SHA-256 fingerprint`);
  }
  const tampered = keytool(path, 'wrongpass');
  assert.notEqual(tampered.status, 0);
  assert.match(tampered.stdout + tampered.stderr, /tampered with, or password was incorrect/);
});

test('the same certificates give the same bytes in any order; a non-ASCII alias is written as Java does', () => {
  const a = { alias: 'debian:netlock_arany_=class_gold=_főtanúsítvány.pem', der: firstPemCertificate(pem('one'))! };
  const b = { alias: 'debian:two.pem', der: firstPemCertificate(pem('two'))! };
  const first = jksTrustStore([a, b], 0);
  assert.deepEqual(first, jksTrustStore([b, a], 0));
  writeFileSync(join(dir, 'utf'), first);
  const listed = keytool(join(dir, 'utf'), 'changeit');
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /Alias name: debian:netlock_arany_=class_gold=_főtanúsítvány\.pem/);
  assert.equal(firstPemCertificate('no certificate here'), undefined);
  assert.equal(
    firstPemCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
    undefined,
    'not a DER SEQUENCE',
  );
});

test('the trust-store effect: certificates of the CA bundle, distrusted ones left out, only when Java is there', () => {
  const certs = [
    { path: '/usr/share/ca-certificates/mozilla/One Root (G1).crt', text: pem('one') },
    { path: '/usr/share/ca-certificates/mozilla/Two.crt', text: pem('two') },
    { path: '/etc/ca-certificates.conf', text: '!mozilla/Two.crt\n' },
  ];
  const jre = { path: '/usr/lib/jvm/java-17/lib/security/cacerts', target: '/etc/ssl/certs/java/cacerts' };
  const { result } = allEffects({ 'ca-certificates': certs, 'openjdk-17-jre-headless': [jre] }, []);
  const store = result.entries.find((e) => e.path === 'etc/ssl/certs/java/cacerts');
  assert.ok(store && store.type === 'file' && store.source.kind === 'bytes');
  assert.equal(store.origin.package, 'openjdk-17-jre-headless');
  writeFileSync(join(dir, 'effect'), store.source.data);
  const listed = keytool(join(dir, 'effect'), 'changeit');
  assert.match(listed.stdout, /Your keystore contains 1 entry/);
  assert.match(
    listed.stdout,
    /Alias name: debian:one_root_=g1=\.pem/,
    "Debian's alias: update-ca-certificates' link name, lower-cased",
  );
  const withoutJava = allEffects({ 'ca-certificates': certs }, []);
  assert.ok(!withoutJava.result.entries.some((e) => e.path.startsWith('etc/ssl/certs/java')));
});

test('a CA the spec adds under /usr/local/share/ca-certificates is appended to the bundle (an effect) and in the Java store', () => {
  const certs = { 'ca-certificates': [{ path: '/usr/share/ca-certificates/mozilla/One.crt', text: pem('one') }] };
  const untouched = allEffects(certs, []);
  assert.ok(
    !untouched.result.entries.some((e) => e.path === 'etc/ssl/certs/ca-certificates.crt'),
    "the package layer's bundle is right as it is",
  );
  const withLocal = allEffects(
    {
      ...certs,
      'openjdk-17-jre-headless': [
        { path: '/usr/lib/jvm/x/lib/security/cacerts', target: '/etc/ssl/certs/java/cacerts' },
      ],
      spec: [{ path: '/usr/local/share/ca-certificates/ours.crt', text: pem('two') }],
    },
    [],
  );
  const bundle = withLocal.result.entries.find((e) => e.path === 'etc/ssl/certs/ca-certificates.crt');
  assert.ok(bundle && bundle.type === 'file' && bundle.source.kind === 'bytes');
  assert.equal(bundle.origin.package, 'ca-certificates');
  assert.equal(
    Buffer.from(bundle.source.data).toString(),
    `${pem('one')}${pem('two')}`,
    'the package certificates, then the local ones',
  );
  const store = withLocal.result.entries.find((e) => e.path === 'etc/ssl/certs/java/cacerts')!;
  writeFileSync(join(dir, 'local'), (store as { source: { data: Uint8Array } }).source.data);
  assert.match(keytool(join(dir, 'local'), 'changeit').stdout, /Alias name: debian:ours\.pem/);
});
