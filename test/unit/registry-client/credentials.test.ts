import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authFiles, findCredentials } from '../../../src/registry-client/credentials.js';
import { isPithError } from '../../../src/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry credentials from docker and podman files', () => {
  let dir: string;
  let bin: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pith-creds-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // A credential helper as docker-credential-* behave: server URL on stdin, JSON on stdout.
    writeFileSync(
      join(bin, 'docker-credential-pithtest'),
      `#!/bin/sh
[ "$1" = get ] || exit 2
read server
echo "$server" >> "${join(dir, 'helper-calls')}"
case "$server" in
  helped.example:5000) echo '{"ServerURL":"helped.example:5000","Username":"hu","Secret":"hs"}' ;;
  store.example) echo '{"ServerURL":"store.example","Username":"<token>","Secret":"refresh-123"}' ;;
  https://index.docker.io/v1/) echo '{"Username":"hub","Secret":"hubpw"}' ;;
  *) echo "credentials not found in native keychain" ; exit 1 ;;
esac
`,
    );
    chmodSync(join(bin, 'docker-credential-pithtest'), 0o755);
    writeFileSync(join(bin, 'docker-credential-broken'), '#!/bin/sh\necho "store is locked" >&2\nexit 3\n');
    chmodSync(join(bin, 'docker-credential-broken'), 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const envFor = (
    name: string,
    files: { docker?: unknown; podman?: unknown; authFile?: unknown },
  ): NodeJS.ProcessEnv => {
    const home = join(dir, name);
    mkdirSync(join(home, 'docker'), { recursive: true });
    mkdirSync(join(home, 'run', 'containers'), { recursive: true });
    if (files.docker !== undefined) writeFileSync(join(home, 'docker', 'config.json'), JSON.stringify(files.docker));
    if (files.podman !== undefined)
      writeFileSync(join(home, 'run', 'containers', 'auth.json'), JSON.stringify(files.podman));
    if (files.authFile !== undefined) writeFileSync(join(home, 'auth-file.json'), JSON.stringify(files.authFile));
    return {
      HOME: home,
      PATH: `${bin}:${process.env.PATH}`,
      DOCKER_CONFIG: join(home, 'docker'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      ...(files.authFile !== undefined ? { REGISTRY_AUTH_FILE: join(home, 'auth-file.json') } : {}),
    };
  };

  test('base64 auth in auths, with the URL forms docker login writes', async () => {
    const env = envFor('auths', {
      docker: {
        auths: {
          '127.0.0.1:5000': { auth: b64('alice:pa:ss') },
          'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
          'https://reg.example/': { auth: b64('u:p') },
        },
      },
    });
    assert.deepEqual(await findCredentials('127.0.0.1:5000', 'x', env), {
      username: 'alice',
      password: 'pa:ss',
      source: join(env.DOCKER_CONFIG!, 'config.json'),
    });
    assert.equal((await findCredentials('docker.io', 'library/alpine', env))?.username, 'hubuser');
    assert.equal((await findCredentials('reg.example', undefined, env))?.password, 'p');
    assert.equal(await findCredentials('other.example', undefined, env), undefined);
  });

  test('identitytoken is kept as a refresh token', async () => {
    const env = envFor('identity', {
      docker: {
        auths: { 'acr.example': { auth: b64('00000000-0000-0000-0000-000000000000:'), identitytoken: 'refresh-xyz' } },
      },
    });
    const c = await findCredentials('acr.example', undefined, env);
    assert.equal(c?.identityToken, 'refresh-xyz');
  });

  test('credHelpers beat auths; credsStore answers for the rest; "not found" means anonymous', async () => {
    const env = envFor('helpers', {
      docker: {
        auths: { 'helped.example:5000': { auth: b64('wrong:wrong') }, 'store.example': {} },
        credHelpers: { 'helped.example:5000': 'pithtest', 'missing.example': 'pithtest' },
        credsStore: 'pithtest',
      },
    });
    assert.deepEqual(await findCredentials('helped.example:5000', undefined, env), {
      username: 'hu',
      password: 'hs',
      source: 'docker-credential-pithtest',
    });
    assert.deepEqual(await findCredentials('store.example', undefined, env), {
      identityToken: 'refresh-123',
      source: 'docker-credential-pithtest',
    });
    assert.equal((await findCredentials('docker.io', 'library/x', env))?.username, 'hub');
    assert.equal(await findCredentials('missing.example', undefined, env), undefined);
  });

  test('a failing helper is a one-line error naming it', async () => {
    const env = envFor('broken', { docker: { credHelpers: { 'b.example': 'broken' } } });
    await assert.rejects(
      findCredentials('b.example', undefined, env),
      (err: unknown) => isPithError(err) && /docker-credential-broken failed: store is locked/.test(err.message),
    );
    const env2 = envFor('absent', { docker: { credHelpers: { 'c.example': 'does-not-exist' } } });
    await assert.rejects(
      findCredentials('c.example', undefined, env2),
      (err: unknown) => isPithError(err) && /docker-credential-does-not-exist could not be run/.test(err.message),
    );
  });

  test('podman files come first: REGISTRY_AUTH_FILE, then XDG_RUNTIME_DIR, then docker; per-repository entries', async () => {
    const env = envFor('podman', {
      authFile: { auths: { 'quay.example': { auth: b64('fromauthfile:1') } } },
      podman: {
        auths: {
          'quay.example': { auth: b64('fromxdg:1') },
          'quay.example/team/app': { auth: b64('team:2') },
          'only-xdg.example': { auth: b64('x:3') },
        },
      },
      docker: {
        auths: { 'only-xdg.example': { auth: b64('docker:4') }, 'only-docker.example': { auth: b64('docker:5') } },
      },
    });
    assert.equal((await findCredentials('quay.example', 'other/app', env))?.username, 'fromauthfile');
    assert.equal((await findCredentials('only-xdg.example', undefined, env))?.username, 'x');
    assert.equal((await findCredentials('only-docker.example', undefined, env))?.username, 'docker');
    const noAuthFile = { ...env, REGISTRY_AUTH_FILE: undefined };
    assert.equal((await findCredentials('quay.example', 'team/app/sub', noAuthFile))?.username, 'team');
    assert.equal((await findCredentials('quay.example', 'other', noAuthFile))?.username, 'fromxdg');
  });

  test('without DOCKER_CONFIG, ~/.docker/config.json', async () => {
    const home = join(dir, 'plain-home');
    mkdirSync(join(home, '.docker'), { recursive: true });
    writeFileSync(
      join(home, '.docker', 'config.json'),
      JSON.stringify({ auths: { 'h.example': { auth: b64('home:pw') } } }),
    );
    const env = { HOME: home, PATH: process.env.PATH };
    assert.ok(authFiles(env).includes(join(home, '.docker', 'config.json')));
    assert.equal((await findCredentials('h.example', undefined, env))?.username, 'home');
  });

  test('a damaged file is a clear error', async () => {
    const env = envFor('damaged', {});
    writeFileSync(join(env.DOCKER_CONFIG!, 'config.json'), '{not json');
    await assert.rejects(
      findCredentials('x.example', undefined, env),
      (err: unknown) => isPithError(err) && /config\.json is not valid JSON/.test(err.message),
    );
  });
});
