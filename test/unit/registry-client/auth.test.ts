/**
 * Challenge and scope parsing, and the Bearer token flow of the Authenticator against a small
 * token server (the only fake: real registries are exercised in test/e2e/registry-*.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Authenticator,
  formatScope,
  mergeScopes,
  parseChallenges,
  parseScope,
  parseScopes,
  pullScope,
  pushScope,
} from '../../../src/registry-client/auth.js';
import { Transport, type HttpResponse } from '../../../src/registry-client/http.js';
import { isPithError } from '../../../src/errors.js';
import type { Credentials } from '../../../src/registry-client/credentials.js';

describe('WWW-Authenticate and scopes', () => {
  test('Bearer challenge with quoted params, escapes and a host:port scope', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:127.0.0.1:5000/ns/app:pull,push",error="insufficient_scope"',
    );
    assert.equal(c!.scheme, 'bearer');
    assert.deepEqual(c!.params, {
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:127.0.0.1:5000/ns/app:pull,push',
      error: 'insufficient_scope',
    });
    const [s] = parseScopes(c!.params.scope);
    assert.deepEqual(s, { type: 'repository', name: '127.0.0.1:5000/ns/app', actions: ['pull', 'push'] });
  });

  test('several challenges in one header, unquoted values, spaces, a quoted comma', () => {
    const all = parseChallenges(['Basic realm="a, b"', 'Bearer realm=https://t.example/token , service=svc']);
    assert.deepEqual(all, [
      { scheme: 'basic', params: { realm: 'a, b' } },
      { scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'svc' } },
    ]);
    const two = parseChallenges('Basic realm="x", Bearer realm="y",scope="a:b:c"');
    assert.deepEqual(
      two.map((c) => c.scheme),
      ['basic', 'bearer'],
    );
    assert.equal(parseChallenges('Bearer realm="q\\"uote"')[0]!.params.realm, 'q"uote');
  });

  test('scopes: space separated, registry:catalog:*, merged with push first', () => {
    assert.deepEqual(parseScopes('repository:a/b:pull registry:catalog:*'), [
      { type: 'repository', name: 'a/b', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.deepEqual(parseScope('repository:localhost:5000/x:push'), {
      type: 'repository',
      name: 'localhost:5000/x',
      actions: ['push'],
    });
    const merged = mergeScopes([pushScope('t/app')], [pullScope('src/app'), pullScope('t/app')]);
    assert.deepEqual(merged.map(formatScope), ['repository:t/app:pull,push', 'repository:src/app:pull']);
  });
});

describe('Bearer token flow', () => {
  let server: Server;
  let realm: string;
  const seen: Array<{ method: string; url: string; authorization?: string; body: string }> = [];
  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({
          method: req.method!,
          url: req.url!,
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          body,
        });
        if (req.headers.authorization === `Basic ${Buffer.from('bad:bad').toString('base64')}`) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'POST') res.end(JSON.stringify({ access_token: `at-${seen.length}`, expires_in: 120 }));
        else res.end(JSON.stringify({ token: `t-${seen.length}` }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const make = (creds: Credentials | undefined, now?: () => number) => {
    const transport = new Transport({ retry: { attempts: 1 } });
    const auth = new Authenticator({
      registry: 'reg.example',
      transport,
      userAgent: 'test',
      credentials: async () => creds,
      ...(now ? { now } : {}),
    });
    auth.setChallenge(`Bearer realm="${realm}",service="reg.example"`);
    return { auth, transport };
  };

  test('GET with Basic, scopes as repeated params with the push scope first; cached per scope list', async () => {
    seen.length = 0;
    const { auth, transport } = make({ username: 'alice', password: 'pw', source: 'test' });
    const scopes = mergeScopes([pushScope('t/app')], [pullScope('127.0.0.1:5000/src')]);
    const h1 = await auth.header(scopes);
    const h2 = await auth.header(scopes);
    assert.equal(h1, h2);
    assert.match(h1!, /^Bearer t-\d+$/);
    assert.equal(seen.length, 1, 'one token request for the same scopes');
    const url = new URL(seen[0]!.url, 'http://x');
    assert.deepEqual(url.searchParams.getAll('scope'), [
      'repository:t/app:pull,push',
      'repository:127.0.0.1:5000/src:pull',
    ]);
    assert.equal(url.searchParams.get('service'), 'reg.example');
    assert.equal(url.searchParams.get('account'), 'alice');
    assert.equal(seen[0]!.authorization, `Basic ${Buffer.from('alice:pw').toString('base64')}`);
    await auth.header([pullScope('other')]);
    assert.equal(seen.length, 2, 'another scope list, another token');
    // Concurrent requests for one scope list share one token request.
    await Promise.all([auth.header([pullScope('c')]), auth.header([pullScope('c')]), auth.header([pullScope('c')])]);
    assert.equal(seen.length, 3);
    transport.close();
  });

  test('identity token: POSTed as a form with grant_type=refresh_token', async () => {
    seen.length = 0;
    const { auth, transport } = make({ identityToken: 'refresh-abc', source: 'test' });
    const h = await auth.header([pushScope('t/app'), pullScope('s/app')]);
    assert.match(h!, /^Bearer at-1$/);
    assert.equal(seen[0]!.method, 'POST');
    const form = new URLSearchParams(seen[0]!.body);
    assert.equal(form.get('grant_type'), 'refresh_token');
    assert.equal(form.get('refresh_token'), 'refresh-abc');
    assert.equal(form.get('service'), 'reg.example');
    assert.equal(form.get('scope'), 'repository:t/app:pull,push repository:s/app:pull');
    assert.ok(form.get('client_id'));
    transport.close();
  });

  test('anonymous: GET without Authorization', async () => {
    seen.length = 0;
    const { auth, transport } = make(undefined);
    await auth.header([pullScope('library/alpine')]);
    assert.equal(seen[0]!.authorization, undefined);
    transport.close();
  });

  test('expired tokens are fetched again; a refused token is dropped on 401 and the challenge scope added', async () => {
    seen.length = 0;
    let now = 1_000_000;
    const { auth, transport } = make({ username: 'alice', password: 'pw', source: 'test' }, () => now);
    const first = await auth.header([pullScope('a')]);
    now += 61_000; // the default lifetime is 60 s, renewed 10 s early
    const second = await auth.header([pullScope('a')]);
    assert.notEqual(first, second);
    assert.equal(seen.length, 2);
    const res = {
      status: 401,
      headers: {
        'www-authenticate': `Bearer realm="${realm}",service="reg.example",scope="repository:a:pull repository:b:pull",error="insufficient_scope"`,
      },
    } as unknown as HttpResponse;
    const retry = await auth.retryHeader(res, [pullScope('a')], second);
    assert.ok(retry && retry !== second);
    assert.deepEqual(new URL(seen[2]!.url, 'http://x').searchParams.getAll('scope'), [
      'repository:a:pull',
      'repository:b:pull',
    ]);
    transport.close();
  });

  test('Basic challenge: the stored password, no token server', async () => {
    const transport = new Transport();
    const auth = new Authenticator({
      registry: 'r',
      transport,
      userAgent: 't',
      credentials: async () => ({ username: 'u', password: 'p', source: 's' }),
    });
    assert.equal(await auth.header([]), undefined, 'nothing before a challenge');
    auth.setChallenge('Basic realm="registry"');
    assert.equal(await auth.header([pushScope('x')]), `Basic ${Buffer.from('u:p').toString('base64')}`);
    const res = { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } } as unknown as HttpResponse;
    assert.equal(
      await auth.retryHeader(res, [], `Basic ${Buffer.from('u:p').toString('base64')}`),
      undefined,
      'no point resending refused credentials',
    );
    transport.close();
  });

  test('rejected credentials at the token server: one line with the login hint', async () => {
    const { auth, transport } = make({ username: 'bad', password: 'bad', source: '/home/x/.docker/config.json' });
    await assert.rejects(auth.header([pushScope('x')]), (err: unknown) => {
      assert.ok(isPithError(err));
      assert.match(
        err.oneLine(),
        /token server http:\/\/127\.0\.0\.1:\d+: 401 unauthorized: bad credentials \(the credentials from \/home\/x\/\.docker\/config\.json were rejected; log in with "podman login reg\.example"/,
      );
      return true;
    });
    transport.close();
  });

  test('credentials never go to a plain-HTTP realm that is not loopback', async () => {
    const transport = new Transport();
    const auth = new Authenticator({
      registry: 'r',
      transport,
      userAgent: 't',
      credentials: async () => ({ username: 'u', password: 'p', source: 's' }),
    });
    auth.setChallenge('Bearer realm="http://auth.example/token",service="s"');
    await assert.rejects(
      auth.header([pullScope('x')]),
      /refusing to send credentials to http:\/\/auth\.example over plain HTTP/,
    );
    transport.close();
  });
});
