import { PithError } from '../errors.js';
import type { Credentials } from './credentials.js';
import { describeError } from './errors.js';
import type { HttpResponse, Transport } from './http.js';
import { isLoopback } from './reference.js';

/** One challenge of a WWW-Authenticate header: `Bearer realm="...",service="...",scope="..."`. */
export interface Challenge {
  /** Lowercased: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses WWW-Authenticate (RFC 7235): several challenges may share one header, separated by
 * commas, each a scheme followed by `key=value` or `key="quoted \" value"` parameters.
 */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const text of Array.isArray(header) ? header : header === undefined ? [] : [header]) {
    let i = 0;
    let current: Challenge | undefined;
    const skip = (chars: string) => {
      while (i < text.length && chars.includes(text[i]!)) i++;
    };
    const token = () => {
      const start = i;
      while (i < text.length && !' \t,="'.includes(text[i]!)) i++;
      return text.slice(start, i);
    };
    while (i < text.length) {
      skip(' \t,');
      if (i >= text.length) break;
      const word = token();
      const afterWord = i;
      skip(' \t');
      if (text[i] === '=' && current && word !== '') {
        i++;
        skip(' \t');
        let value: string;
        if (text[i] === '"') {
          i++;
          value = '';
          while (i < text.length && text[i] !== '"') {
            if (text[i] === '\\' && i + 1 < text.length) i++;
            value += text[i];
            i++;
          }
          i++;
        } else {
          value = token();
        }
        current.params[word.toLowerCase()] = value;
      } else if (word !== '') {
        // A new scheme; a token68 after it (Basic's old form) is ignored.
        i = afterWord;
        current = { scheme: word.toLowerCase(), params: {} };
        out.push(current);
      } else {
        i++;
      }
    }
  }
  return out;
}

/** A token scope: `repository:host:5000/ns/app:pull,push`. */
export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/**
 * The name sits between the first and the last ':' (it may hold `host:port/`); the actions come
 * after the last one.
 */
export function parseScope(text: string): Scope {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first < 0 || last === first) throw new Error(`not a scope: ${text}`);
  return {
    type: text.slice(0, first),
    name: text.slice(first + 1, last),
    actions: text
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** Several scopes are separated by spaces in one `scope` parameter. */
export function parseScopes(text: string | undefined): Scope[] {
  if (!text) return [];
  const out: Scope[] = [];
  for (const part of text.split(' ').filter(Boolean)) {
    try {
      out.push(parseScope(part));
    } catch {
      // A scope we can't read can't be asked for either.
    }
  }
  return out;
}

export function formatScope(s: Scope): string {
  return `${s.type}:${s.name}:${s.actions.join(',')}`;
}

export const pullScope = (repository: string): Scope => ({ type: 'repository', name: repository, actions: ['pull'] });
/** Push and pull on the target (a push needs HEADs and mounts too). */
export const pushScope = (repository: string): Scope => ({
  type: 'repository',
  name: repository,
  actions: ['pull', 'push'],
});

/** Scopes merged by type and name, in first-seen order (so the push scope stays first). */
export function mergeScopes(...lists: Scope[][]): Scope[] {
  const out: Scope[] = [];
  for (const s of lists.flat()) {
    const have = out.find((o) => o.type === s.type && o.name === s.name);
    if (!have) out.push({ ...s, actions: [...s.actions] });
    else for (const a of s.actions) if (!have.actions.includes(a)) have.actions.push(a);
  }
  return out;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

export interface AuthenticatorOptions {
  registry: string;
  transport: Transport;
  /** Looked up once, on the first challenge that needs them. */
  credentials: () => Promise<Credentials | undefined>;
  /** Allow a token realm over plain HTTP on a non-loopback host. */
  insecure?: boolean;
  userAgent: string;
  now?: () => number;
}

/**
 * Answers a registry's challenges: Basic with the stored credentials, or the Bearer token flow
 * (GET realm with Basic or anonymously, or POST a refresh/identity token as a form). Tokens are
 * cached by their scope list until shortly before they expire.
 */
export class Authenticator {
  private challenge: Challenge | undefined;
  private creds: Promise<Credentials | undefined> | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();
  private readonly now: () => number;
  /** Token requests made (for tests). */
  tokenRequests = 0;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  credentials(): Promise<Credentials | undefined> {
    this.creds ??= this.options.credentials();
    return this.creds;
  }

  /** Adopts the challenge of a 401 (from the ping or any request). */
  setChallenge(header: string | string[] | undefined): void {
    const all = parseChallenges(header);
    this.challenge = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic') ?? this.challenge;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  /** The Authorization header for a request needing these scopes, or undefined (anonymous). */
  async header(scopes: Scope[]): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const c = await this.credentials();
      if (!c || c.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password}`).toString('base64')}`;
    }
    if (challenge.scheme === 'bearer') return `Bearer ${(await this.token(challenge, scopes)).token}`;
    return undefined;
  }

  /**
   * After a 401: the header to retry with, or undefined when a retry can't do better (the same
   * credentials were already sent). An `insufficient_scope` challenge's scopes are added.
   */
  async retryHeader(res: HttpResponse, scopes: Scope[], sent: string | undefined): Promise<string | undefined> {
    const all = parseChallenges(res.headers['www-authenticate']);
    const challenge = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
    if (!challenge) return undefined;
    const changed =
      this.challenge?.scheme !== challenge.scheme || this.challenge.params.realm !== challenge.params.realm;
    this.challenge = challenge;
    let wanted = scopes;
    if (challenge.scheme === 'bearer') {
      wanted = mergeScopes(scopes, parseScopes(challenge.params.scope));
      // The token we sent was refused: forget it, so the next one is fresh.
      if (sent?.startsWith('Bearer ')) {
        for (const [key, t] of this.tokens) if (`Bearer ${t.token}` === sent) this.tokens.delete(key);
      }
    }
    const next = await this.header(wanted);
    if (next === undefined || (next === sent && !changed)) return undefined;
    return next;
  }

  private token(challenge: Challenge, scopes: Scope[]): Promise<CachedToken> {
    const key = `${challenge.params.realm ?? ''} ${challenge.params.service ?? ''} ${scopes.map(formatScope).join(' ')}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached);
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken(challenge, scopes).then(
        (t) => {
          this.tokens.set(key, t);
          this.pending.delete(key);
          return t;
        },
        (err: unknown) => {
          this.pending.delete(key);
          throw err;
        },
      );
      this.pending.set(key, p);
    }
    return p;
  }

  private async fetchToken(challenge: Challenge, scopes: Scope[]): Promise<CachedToken> {
    const realm = this.tokenRealm(challenge);
    const creds = await this.credentials();
    this.tokenRequests++;
    const res = await this.requestToken(realm, challenge.params.service, scopes.map(formatScope), creds);
    if (res.status !== 200) {
      const text = await res.text(64 * 1024).catch(() => '');
      const { text: described } = describeError(res.status, text);
      const login = `log in with "podman login ${this.options.registry}" or "docker login ${this.options.registry}"`;
      throw new PithError('network', `token server ${realm.origin}: ${described}`, {
        hint:
          res.status === 401 || res.status === 403
            ? creds
              ? `the credentials from ${creds.source} were rejected; ${login}`
              : login
            : undefined,
      });
    }
    let body: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      body = JSON.parse(await res.text(1024 * 1024)) as typeof body;
    } catch {
      throw new PithError('network', `token server ${realm.origin} answered something that is not JSON`);
    }
    const token = body.token ?? body.access_token;
    if (!token) throw new PithError('network', `token server ${realm.origin} answered without a token`);
    // The spec's minimum lifetime is 60 s; renew 10 s early so a token never expires in flight.
    const lifetime = Math.max(60, typeof body.expires_in === 'number' ? body.expires_in : 60);
    return { token, expiresAt: this.now() + (lifetime - 10) * 1000 };
  }

  /** The challenge's token realm, checked: a URL, and not plain HTTP (credentials go there) unless loopback or --insecure. */
  private tokenRealm(challenge: Challenge): URL {
    const realmText = challenge.params.realm;
    if (!realmText) throw new PithError('network', `${this.options.registry} asked for a Bearer token without a realm`);
    let realm: URL;
    try {
      realm = new URL(realmText);
    } catch {
      throw new PithError('network', `${this.options.registry}: token realm "${realmText}" is not a URL`);
    }
    if (
      realm.protocol !== 'https:' &&
      !(realm.protocol === 'http:' && (isLoopback(realm.host) || this.options.insecure))
    ) {
      throw new PithError(
        'network',
        `${this.options.registry}: refusing to send credentials to ${realm.origin} over plain HTTP`,
        {
          hint: 'use --insecure if this is intended',
        },
      );
    }
    return realm;
  }

  /** Asks the token server: an OAuth2 refresh (POST) with an identity token, else a GET with Basic credentials if any. */
  private async requestToken(
    realm: URL,
    service: string | undefined,
    scopeTexts: string[],
    creds: Credentials | undefined,
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent, accept: 'application/json' };
    if (creds?.identityToken) {
      // OAuth2 refresh: POST grant_type=refresh_token as a form.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'pith',
      });
      if (service) form.set('service', service);
      if (scopeTexts.length) form.set('scope', scopeTexts.join(' '));
      return this.options.transport.send({
        method: 'POST',
        url: realm,
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
      });
    }
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    for (const s of scopeTexts) url.searchParams.append('scope', s);
    if (creds?.password !== undefined) {
      if (creds.username) url.searchParams.set('account', creds.username);
      headers.authorization = `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password}`).toString('base64')}`;
    }
    return this.options.transport.send({ method: 'GET', url, headers });
  }
}
