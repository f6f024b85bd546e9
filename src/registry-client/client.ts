import { PithError } from '../errors.js';
import type { Digest } from '../image/digest.js';
import { Authenticator, type Scope } from './auth.js';
import { type Credentials, findCredentials } from './credentials.js';
import { registryError, RegistryError } from './errors.js';
import { type Body, type HttpResponse, type HttpTrace, type RetryPolicy, Transport } from './http.js';
import { apiHost, isLoopback } from './reference.js';

export interface ClientOptions {
  /** Allow plain HTTP (and unverified TLS) to a registry that is not on loopback. */
  insecure?: boolean;
  /** Environment for the credential files (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Use these instead of looking them up; null means anonymous. */
  credentials?: Credentials | null;
  retry?: Partial<RetryPolicy>;
  trace?: HttpTrace;
  sleep?: (ms: number) => Promise<void>;
  timeoutMs?: number;
}

export interface RequestSpec {
  method: string;
  /** A path under the registry (`/v2/...`) or an absolute URL (an upload Location). */
  url: string | URL;
  repository: string;
  scopes: Scope[];
  headers?: Record<string, string>;
  body?: Body;
  /** Follow redirects (blob GETs may send us to storage). */
  redirect?: boolean;
}

const USER_AGENT = 'pith (OCI image builder)';

/**
 * One registry: scheme choice (plain HTTP only on loopback or with --insecure), the /v2/ ping
 * that reveals the auth scheme, authenticated requests with one retry after a 401, redirects
 * without leaking credentials to another origin, and errors as one-line RegistryErrors.
 */
export class RegistryClient {
  readonly transport: Transport;
  readonly auth: Authenticator;
  private base: URL | undefined;
  private pinged: Promise<void> | undefined;

  constructor(
    readonly registry: string,
    private readonly options: ClientOptions = {},
  ) {
    this.transport = new Transport({
      insecureTls: options.insecure ?? false,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.trace ? { trace: options.trace } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    this.auth = new Authenticator({
      registry,
      transport: this.transport,
      insecure: options.insecure ?? false,
      userAgent: USER_AGENT,
      credentials: async () => {
        if (options.credentials !== undefined) return options.credentials ?? undefined;
        return findCredentials(registry, undefined, options.env ?? process.env);
      },
    });
  }

  /** The registry's base URL, once ping() has chosen the scheme. */
  get baseUrl(): URL {
    if (!this.base) throw new Error('RegistryClient used before ping()');
    return this.base;
  }

  /** GET /v2/ once: picks http or https and learns the challenge. */
  ping(): Promise<void> {
    this.pinged ??= this.doPing().catch((err: unknown) => {
      this.pinged = undefined;
      throw err;
    });
    return this.pinged;
  }

  private async doPing(): Promise<void> {
    const host = apiHost(this.registry);
    const schemes = isLoopback(host) ? ['http'] : this.options.insecure ? ['https', 'http'] : ['https'];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}://${host}/v2/`);
      let res: HttpResponse;
      try {
        res = await this.transport.send({ method: 'GET', url, headers: { 'user-agent': USER_AGENT } });
      } catch (err) {
        lastError = err;
        continue;
      }
      res.discard();
      if (res.status === 200 || res.status === 401) {
        this.base = new URL(`${scheme}://${host}`);
        if (res.status === 401) this.auth.setChallenge(res.headers['www-authenticate']);
        return;
      }
      if (res.status === 404)
        throw new PithError('network', `${url.origin} is not an OCI registry (GET /v2/ answered 404)`);
      lastError = new RegistryError(res.status, undefined, `GET /v2/ answered ${res.status}`);
    }
    throw lastError;
  }

  /** Credentials in use (for error hints), without triggering a lookup that was not needed. */
  async credentialsForHints(): Promise<Credentials | undefined> {
    return this.auth.scheme ? this.auth.credentials() : undefined;
  }

  /** An authenticated request; a 401 is retried once with fresh credentials or a wider token. */
  async request(spec: RequestSpec): Promise<HttpResponse> {
    await this.ping();
    let url = typeof spec.url === 'string' ? new URL(spec.url, this.baseUrl) : spec.url;
    const sameOrigin = (u: URL) => u.origin === this.baseUrl.origin;
    const headers = { 'user-agent': USER_AGENT, ...spec.headers };
    let sent = sameOrigin(url) ? await this.auth.header(spec.scopes) : undefined;
    const send = (u: URL, authorization: string | undefined, method = spec.method, body = spec.body) =>
      this.transport.send({
        method,
        url: u,
        headers: authorization ? { ...headers, authorization } : headers,
        ...(body !== undefined ? { body } : {}),
      });
    let res = await send(url, sent);
    if (res.status === 401 && sameOrigin(url)) {
      const next = await this.auth.retryHeader(res, spec.scopes, sent);
      if (next !== undefined) {
        res.discard();
        sent = next;
        res = await send(url, next);
      }
    }
    for (
      let hops = 0;
      spec.redirect && [301, 302, 303, 307, 308].includes(res.status) && res.headers.location;
      hops++
    ) {
      if (hops >= 5) throw new PithError('network', `${url.href}: too many redirects`);
      res.discard();
      url = new URL(res.headers.location, url);
      if (url.protocol === 'http:' && this.baseUrl.protocol === 'https:' && !this.options.insecure) {
        throw new PithError('network', `${this.registry} redirected to plain HTTP (${url.origin})`);
      }
      // Credentials go only to the registry itself, never to the storage it redirects to.
      res = await send(url, sameOrigin(url) ? sent : undefined, res.status === 303 ? 'GET' : spec.method);
    }
    return res;
  }

  /** A RegistryError for a failed response, with the login hint when it is about auth. */
  async fail(res: HttpResponse, repository: string, action: string): Promise<RegistryError> {
    return registryError(res, {
      action,
      registry: this.registry,
      repository,
      credentials: await this.credentialsForHints(),
    });
  }

  /** Resolves an upload Location (maybe relative, maybe with a query) against the registry. */
  location(res: HttpResponse, repository: string, previous?: URL): URL {
    const loc = res.headers.location;
    if (!loc) {
      if (previous) return previous;
      throw new PithError('network', `${this.registry}/${repository}: upload answer ${res.status} has no Location`);
    }
    return new URL(loc, previous ?? this.baseUrl);
  }

  async blobExists(repository: string, digest: Digest, scopes: Scope[]): Promise<boolean> {
    const res = await this.request({
      method: 'HEAD',
      url: `/v2/${repository}/blobs/${digest}`,
      repository,
      scopes,
      redirect: true,
    });
    res.discard();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw await this.fail(res, repository, `HEAD blob ${digest.slice(0, 19)}`);
  }

  close(): void {
    this.transport.close();
  }
}

/** `url` with `key=value` added, keeping whatever query the registry put in its Location as it was. */
export function withQuery(url: URL, key: string, value: string): URL {
  const out = new URL(url);
  const add = `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  out.search = out.search && out.search !== '?' ? `${out.search}&${add}` : `?${add}`;
  return out;
}
