/**
 * Auth end to end against docker-registry: htpasswd (Basic, bcrypt entries from htpasswd -B),
 * and token auth (the registry verifies ES256 JWTs from a token server this test runs), with
 * credentials from docker's config.json and podman's auth file (written by `podman login`).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { startTokenServer, type TokenServer } from '../helpers/registry-token.js';
import { runPithAsync, shAsync } from '../helpers/registry-cli.js';
import { buildEcho, type BuiltLayout } from '../helpers/registry-images.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface PushJson {
  digest: string;
  blobs: Array<{ action: string; from?: string }>;
}

/** An environment whose only credentials are the ones a test writes. */
function credentialEnv(root: string, docker?: unknown): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(root, 'home-'));
  mkdirSync(join(home, 'docker'));
  mkdirSync(join(home, 'run'));
  if (docker !== undefined) writeFileSync(join(home, 'docker', 'config.json'), JSON.stringify(docker));
  return {
    HOME: home,
    DOCKER_CONFIG: join(home, 'docker'),
    XDG_RUNTIME_DIR: join(home, 'run'),
    REGISTRY_AUTH_FILE: '',
    XDG_CONFIG_HOME: join(home, 'config'),
  };
}

function oneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
}

describe('pushing to a registry with htpasswd auth', () => {
  let dir: string;
  let cache: string;
  let registry: TestRegistry;
  let echo: BuiltLayout;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-e2e-htpasswd-'));
    cache = join(dir, 'cache');
    echo = buildEcho(join(dir, 'echo'), cache);
    registry = await startRegistry({ htpasswd: { alice: 's3cret-pw', bob: 'other' } });
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('no credentials: one line, 401 and how to log in, exit 1', () => {
    const r = runPith(['push', echo.layout, `${registry.host}/auth/echo:v1`, '--cache-dir', cache], {
      env: credentialEnv(dir),
    });
    const host = registry.host.replace(/\./g, '\\.');
    oneLineError(
      r,
      new RegExp(
        `^pith: push ${host}/auth/echo: 401 unauthorized: authentication required \\(log in with "podman login ${host}" or "docker login ${host}"\\)$`,
      ),
    );
  });

  test('a wrong password in config.json: rejected, naming the file', () => {
    const env = credentialEnv(dir, { auths: { [registry.host]: { auth: b64('alice:wrong') } } });
    const r = runPith(['push', echo.layout, `${registry.host}/auth/echo:v1`, '--cache-dir', cache], { env });
    oneLineError(
      r,
      new RegExp(
        `^pith: push ${registry.host.replace(/\./g, '\\.')}/auth/echo: 401 unauthorized: .*\\(the credentials from ${env.DOCKER_CONFIG}/config\\.json were rejected; log in with`,
      ),
    );
  });

  test("docker's config.json: the push works, and skopeo reads it back as another user", () => {
    const env = credentialEnv(dir, { auths: { [`http://${registry.host}`]: { auth: b64('alice:s3cret-pw') } } });
    const r = runPith(['push', echo.layout, `${registry.host}/auth/echo:v1`, '--cache-dir', cache], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), echo.digest);
    const inspected = JSON.parse(
      sh('skopeo', ['inspect', '--tls-verify=false', '--creds', 'bob:other', `docker://${registry.host}/auth/echo:v1`]),
    ) as { Digest: string };
    assert.equal(inspected.Digest, echo.digest);
  });

  test("podman login's auth file ($REGISTRY_AUTH_FILE) is used", () => {
    const env = credentialEnv(dir);
    const authFile = join(env.HOME!, 'podman-auth.json');
    sh('podman', ['login', '--authfile', authFile, '--tls-verify=false', '-u', 'bob', '-p', 'other', registry.host], {
      env,
    });
    const r = runPith(['push', echo.layout, `${registry.host}/auth/from-podman:v1`, '--cache-dir', cache], {
      env: { ...env, REGISTRY_AUTH_FILE: authFile },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), echo.digest);
  });
});

describe('pushing to a registry with token auth', () => {
  let dir: string;
  let cache: string;
  let registry: TestRegistry;
  let tokens: TokenServer;
  let echo: BuiltLayout;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-e2e-token-'));
    cache = join(dir, 'cache');
    echo = buildEcho(join(dir, 'echo'), cache);
    tokens = await startTokenServer({
      users: { alice: 'alice-pw', reader: 'reader-pw' },
      refreshTokens: { 'refresh-for-alice': 'alice' },
      grant: (user, _name, actions) => (user === 'alice' ? actions : user === 'reader' ? ['pull'] : []),
    });
    registry = await startRegistry({
      token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPath },
    });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // The token server lives in this process: children must run without blocking it.
  const push = (layout: string, ref: string, env: NodeJS.ProcessEnv, extra: string[] = []) =>
    runPithAsync(['push', layout, ref, '--cache-dir', cache, ...extra], { env });

  test('anonymous: the token carries no access, one line with the login hint', async () => {
    const r = await push(echo.layout, `${registry.host}/tok/echo:v1`, credentialEnv(dir));
    oneLineError(
      r,
      /^pith: push 127\.0\.0\.1:\d+\/tok\/echo: 401 unauthorized: .*\(log in with "podman login 127\.0\.0\.1:\d+"/,
    );
  });

  test('user and password: Basic to the token server for repository:NAME:pull,push; skopeo pulls it back', async () => {
    tokens.requests.length = 0;
    const env = credentialEnv(dir, { auths: { [registry.host]: { auth: b64('alice:alice-pw') } } });
    const r = await push(echo.layout, `${registry.host}/tok/echo:v1`, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout), echo.digest);
    assert.ok(
      tokens.requests.length >= 1 && tokens.requests.length <= 2,
      `token requests: ${JSON.stringify(tokens.requests)}`,
    );
    assert.ok(tokens.requests.every((t) => t.method === 'GET' && t.user === 'alice' && t.service === tokens.service));
    assert.ok(tokens.requests.some((t) => t.scopes.join(' ') === 'repository:tok/echo:pull,push'));
    const out = join(dir, 'pulled.oci');
    await shAsync('skopeo', [
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      'reader:reader-pw',
      `docker://${registry.host}/tok/echo:v1`,
      `oci:${out}:v1`,
    ]);
    assert.equal(JSON.parse(sh('skopeo', ['inspect', `oci:${out}:v1`])).Digest, echo.digest);
  });

  test('a second repository: mounts, with the push scope first and pull on the source', async () => {
    tokens.requests.length = 0;
    const env = credentialEnv(dir, { auths: { [registry.host]: { auth: b64('alice:alice-pw') } } });
    const r = await push(echo.layout, `${registry.host}/tok/copy:v1`, env, ['--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as PushJson;
    assert.ok(
      result.blobs.every((b) => b.action === 'mounted' && b.from === 'tok/echo'),
      r.stdout,
    );
    const mountToken = tokens.requests.find((t) => t.scopes.length === 2);
    assert.deepEqual(mountToken?.scopes, ['repository:tok/copy:pull,push', 'repository:tok/echo:pull']);
    assert.deepEqual(
      mountToken?.granted.map((g) => g.name),
      ['tok/copy', 'tok/echo'],
    );
    assert.ok(tokens.requests.length <= 3, 'tokens are cached by scope, not fetched per request');
  });

  test('an identity token in config.json: POSTed to the token server as grant_type=refresh_token', async () => {
    tokens.requests.length = 0;
    const env = credentialEnv(dir, {
      auths: { [registry.host]: { auth: b64('<token>:'), identitytoken: 'refresh-for-alice' } },
    });
    const r = await push(echo.layout, `${registry.host}/tok/refreshed:v1`, env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(tokens.requests.length > 0);
    assert.ok(
      tokens.requests.every(
        (t) => t.method === 'POST' && t.grantType === 'refresh_token' && t.user === 'alice' && t.clientId === 'pith',
      ),
    );
  });

  test('a user who may only pull: one line saying so', async () => {
    const env = credentialEnv(dir, { auths: { [registry.host]: { auth: b64('reader:reader-pw') } } });
    const r = await push(echo.layout, `${registry.host}/tok/denied:v1`, env);
    oneLineError(
      r,
      new RegExp(
        `^pith: push 127\\.0\\.0\\.1:\\d+/tok/denied: 401 unauthorized: .*\\(the credentials from ${env.DOCKER_CONFIG}/config\\.json are not allowed this on tok/denied\\)$`,
      ),
    );
  });

  test('a wrong password: the token server refuses, one line', async () => {
    const env = credentialEnv(dir, { auths: { [registry.host]: { auth: b64('alice:nope') } } });
    const r = await push(echo.layout, `${registry.host}/tok/echo:v1`, env);
    oneLineError(
      r,
      /^pith: push 127\.0\.0\.1:\d+\/tok\/echo: token server http:\/\/127\.0\.0\.1:\d+: 401 unauthorized: invalid credentials \(the credentials from .*config\.json were rejected; log in with/,
    );
  });
});
