/**
 * A tiny OAuth2-style token server for docker-registry's token auth: GET with Basic (or
 * anonymous) and POST grant_type=refresh_token forms, issuing ES256 JWTs whose `kid` is the
 * libtrust key id of a certificate the registry trusts (rootcertbundle). Only the token server
 * is ours; the registry that checks the tokens is the real one.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sh } from './cli.js';

export interface TokenRequest {
  method: string;
  /** The user the request authenticated as (Basic or refresh token), or undefined. */
  user: string | undefined;
  grantType: string | undefined;
  scopes: string[];
  service: string | undefined;
  clientId: string | undefined;
  /** What the token granted. */
  granted: Array<{ type: string; name: string; actions: string[] }>;
  status: number;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate for the registry's rootcertbundle. */
  certPath: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

export interface TokenServerOptions {
  /** user -> password, for GET with Basic. */
  users: Record<string, string>;
  /** refresh token -> user, for POST grant_type=refresh_token. */
  refreshTokens?: Record<string, string>;
  /** Which actions a user gets on a repository (default: everything asked for; anonymous: nothing). */
  grant?: (user: string | undefined, name: string, actions: string[]) => string[];
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** libtrust's key id: base32 of the first 240 bits of sha256(DER SubjectPublicKeyInfo), in groups of 4. */
export function libtrustKeyId(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join(':');
}

function parseScopes(texts: string[]): Array<{ type: string; name: string; actions: string[] }> {
  const out: Array<{ type: string; name: string; actions: string[] }> = [];
  for (const t of texts.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const first = t.indexOf(':');
    const last = t.lastIndexOf(':');
    if (first < 0 || first === last) continue;
    out.push({ type: t.slice(0, first), name: t.slice(first + 1, last), actions: t.slice(last + 1).split(',') });
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pith-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  sh('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=pith-test-token',
    '-days',
    '2',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const kid = libtrustKeyId(createPublicKey(readFileSync(certPath)));
  const service = 'pith-test-registry';
  const issuer = 'pith-test-issuer';
  const requests: TokenRequest[] = [];
  const grant =
    options.grant ?? ((user: string | undefined, _name: string, actions: string[]) => (user ? actions : []));

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let user: string | undefined;
      let failed = false;
      let scopes: string[];
      let serviceParam: string | undefined;
      let grantType: string | undefined;
      let clientId: string | undefined;
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        grantType = form.get('grant_type') ?? undefined;
        scopes = form.getAll('scope');
        serviceParam = form.get('service') ?? undefined;
        clientId = form.get('client_id') ?? undefined;
        if (grantType === 'refresh_token') {
          user = options.refreshTokens?.[form.get('refresh_token') ?? ''];
          failed = user === undefined;
        } else if (grantType === 'password') {
          const u = form.get('username') ?? '';
          failed = options.users[u] !== form.get('password');
          user = failed ? undefined : u;
        } else failed = true;
      } else {
        scopes = url.searchParams.getAll('scope');
        serviceParam = url.searchParams.get('service') ?? undefined;
        const auth = req.headers.authorization;
        if (auth?.startsWith('Basic ')) {
          const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          const u = decoded.slice(0, colon);
          failed = options.users[u] !== decoded.slice(colon + 1);
          user = failed ? undefined : u;
        }
      }
      const entry: TokenRequest = {
        method: req.method ?? 'GET',
        user,
        grantType,
        scopes,
        service: serviceParam,
        clientId,
        granted: [],
        status: 0,
      };
      requests.push(entry);
      if (failed) {
        entry.status = 401;
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] }));
        return;
      }
      const access = parseScopes(scopes)
        .map((s) => ({ ...s, actions: grant(user, s.name, s.actions).filter((a) => s.actions.includes(a)) }))
        .filter((s) => s.actions.length > 0);
      entry.granted = access;
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'ES256', kid };
      const claims = {
        iss: issuer,
        sub: user ?? '',
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      };
      const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const token = `${signingInput}.${b64url(signature)}`;
      entry.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          req.method === 'POST'
            ? { access_token: token, expires_in: 300, scope: scopes.join(' ') }
            : { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() },
        ),
      );
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
