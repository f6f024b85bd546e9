/**
 * The pull side of the OCI distribution-spec as a function from a standard Request to a
 * Response (no node:http here; node.ts adapts it). Routes:
 *
 *   GET  /v2/                                   200 {}
 *   GET|HEAD /v2/<name>/manifests/<tag|digest>  a tag names a suite and builds on first request
 *   GET|HEAD /v2/<name>/blobs/<digest>          Range, or a 307 to the backing storage
 *   GET  /v2/<name>/tags/list                   the served suites and latest (n, last)
 *   GET  /v2/<name>/referrers/<digest>          always an empty index (nothing refers to these images)
 *   GET  /healthz                               status, build counters
 *   anything that writes                        405 UNSUPPORTED
 */
import { isDigest, type Digest } from '../image/digest.js';
import { MediaType } from '../image/media-types.js';
import type { ImageIndex, Platform } from '../image/types.js';
import { errorBody, DistributionError } from './errors.js';
import type { EventLog, ImageService } from './images.js';
import { parseImageName, tagsFor, type NameLimits } from './names.js';
import type { StoredManifest } from './storage.js';

export type Handler = (request: Request) => Promise<Response>;

export interface HandlerOptions {
  images: ImageService;
  limits: NameLimits;
  /** The architecture to pick from an index for a client that accepts no index (after its User-Agent's). */
  defaultArch: string;
  log?: EventLog;
  /** True while shutting down: /healthz answers 503 so load balancers stop sending. */
  draining?: () => boolean;
}

const API_HEADERS = { 'Docker-Distribution-API-Version': 'registry/2.0' };
const INDEX_TYPES = [MediaType.ociIndex, MediaType.dockerManifestList] as string[];
const MANIFEST_TYPES = [MediaType.ociManifest, MediaType.dockerManifest] as string[];
const READ_METHODS = new Set(['GET', 'HEAD']);

export function createHandler(options: HandlerOptions): Handler {
  const started = Date.now();
  const log = options.log ?? (() => undefined);

  return async (request: Request): Promise<Response> => {
    const head = request.method === 'HEAD';
    try {
      return await route(request, options, started);
    } catch (err) {
      if (err instanceof DistributionError) return errorResponse(err, head);
      log({
        event: 'error',
        method: request.method,
        url: request.url,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      return errorResponse(
        new DistributionError('UNKNOWN', `internal error: ${err instanceof Error ? err.message : String(err)}`),
        head,
      );
    }
  };
}

/** The request's endpoint, by path; what it may not do throws a DistributionError. */
async function route(request: Request, options: HandlerOptions, started: number): Promise<Response> {
  const head = request.method === 'HEAD';
  const url = new URL(request.url);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    throw new DistributionError('NAME_INVALID', `invalid percent-encoding in ${url.pathname}`);
  }
  if (path === '/healthz') {
    readOnly(request, path);
    return healthz(options, started, head);
  }
  if (path === '/v2' || path === '/v2/') {
    readOnly(request, path);
    return json(200, {}, head);
  }
  if (/^\/v2\/(.+)\/blobs\/uploads(?:\/.*)?$/.test(path)) throw unsupported(request.method, path);
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/v2\/(.+)\/manifests\/([^/]+)$/))) {
    readOnly(request, path);
    return await manifest(options, request, m[1]!, m[2]!);
  }
  if ((m = path.match(/^\/v2\/(.+)\/blobs\/([^/]+)$/))) {
    readOnly(request, path);
    return await blob(options, request, m[1]!, m[2]!);
  }
  if ((m = path.match(/^\/v2\/(.+)\/tags\/list$/))) {
    readOnly(request, path);
    return tags(options, url, m[1]!, head);
  }
  if ((m = path.match(/^\/v2\/(.+)\/referrers\/([^/]+)$/))) {
    readOnly(request, path);
    checkName(options, m[1]!);
    digestOf(m[2]!);
    const empty: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    return json(200, empty, head, MediaType.ociIndex);
  }
  throw new DistributionError('UNSUPPORTED', `no such endpoint: ${request.method} ${path}`, null, 404);
}

function healthz(options: HandlerOptions, started: number, head: boolean): Response {
  const draining = options.draining?.() ?? false;
  const body = {
    status: draining ? 'draining' : 'ok',
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    storage: options.images.storage.description,
    builds: { ...options.images.counters, inflight: options.images.inflightCount },
  };
  return json(draining ? 503 : 200, body, head);
}

function checkName(options: HandlerOptions, name: string): void {
  parseImageName(name, 'latest', options.limits);
}

async function manifest(options: HandlerOptions, request: Request, name: string, reference: string): Promise<Response> {
  const head = request.method === 'HEAD';
  if (reference.includes(':')) {
    checkName(options, name);
    const digest = digestOf(reference);
    const found = await options.images.manifestByDigest(digest);
    if (!found)
      throw new DistributionError('MANIFEST_UNKNOWN', `manifest ${digest} is not known here`, { name, digest });
    return manifestResponse(found, head);
  }
  const image = parseImageName(name, reference, options.limits);
  const root = await options.images.rootFor(image);
  return manifestResponse(await negotiate(options, root, request), head);
}

/**
 * An index for clients that take one; a client that accepts only manifests gets the manifest
 * of its platform (its User-Agent's `arch/<x>` when it says, else the server's default arch).
 */
async function negotiate(options: HandlerOptions, root: StoredManifest, request: Request): Promise<StoredManifest> {
  if (!INDEX_TYPES.includes(root.mediaType)) return root;
  const accepted = acceptedTypes(request.headers.get('accept'));
  if (
    accepted === 'any' ||
    accepted.some((t) => INDEX_TYPES.includes(t)) ||
    !accepted.some((t) => MANIFEST_TYPES.includes(t))
  )
    return root;
  const index = JSON.parse(Buffer.from(root.bytes).toString('utf8')) as ImageIndex;
  const wanted = userAgentArch(request.headers.get('user-agent')) ?? options.defaultArch;
  const pick =
    index.manifests.find((d) => d.platform && matches(d.platform, wanted)) ??
    index.manifests.find((d) => d.platform && matches(d.platform, options.defaultArch)) ??
    index.manifests[0];
  if (!pick) return root;
  const child = await options.images.manifestByDigest(pick.digest);
  if (!child)
    throw new DistributionError('MANIFEST_UNKNOWN', `platform manifest ${pick.digest} is missing from storage`, {
      digest: pick.digest,
    });
  return child;
}

async function blob(options: HandlerOptions, request: Request, name: string, reference: string): Promise<Response> {
  const head = request.method === 'HEAD';
  checkName(options, name);
  const digest = digestOf(reference);
  const storage = options.images.storage;
  if (storage.blobUrl) {
    const location = await storage.blobUrl(digest);
    if (location)
      return new Response(null, {
        status: 307,
        headers: { ...API_HEADERS, Location: location, 'Docker-Content-Digest': digest },
      });
  }
  const size = await storage.statBlob(digest);
  if (size === undefined)
    throw new DistributionError('BLOB_UNKNOWN', `blob ${digest} is not known here`, { name, digest });
  const headers: Record<string, string> = {
    ...API_HEADERS,
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${digest}"`,
  };
  const range = head ? undefined : parseRange(request.headers.get('range'), size);
  if (range === 'unsatisfiable') {
    throw new DistributionError(
      'RANGE_INVALID',
      `range ${request.headers.get('range')} is outside blob ${digest} (${size} bytes)`,
      { digest, size },
      416,
      {
        'Content-Range': `bytes */${size}`,
      },
    );
  }
  if (head) return new Response(null, { status: 200, headers: { ...headers, 'Content-Length': String(size) } });
  const body = await storage.getBlob(digest, range);
  if (!body) throw new DistributionError('BLOB_UNKNOWN', `blob ${digest} is not known here`, { name, digest });
  if (range) {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    return new Response(body.stream, { status: 206, headers });
  }
  headers['Content-Length'] = String(size);
  return new Response(body.stream, { status: 200, headers });
}

function tags(options: HandlerOptions, url: URL, name: string, head: boolean): Response {
  checkName(options, name);
  let all = tagsFor(options.limits.suites);
  const last = url.searchParams.get('last');
  if (last !== null) all = all.filter((t) => t > last);
  const nParam = url.searchParams.get('n');
  const headers: Record<string, string> = {};
  if (nParam !== null) {
    if (!/^\d+$/.test(nParam))
      throw new DistributionError('UNSUPPORTED', `n must be a whole number, not "${nParam}"`, null, 400);
    const n = Number(nParam);
    if (all.length > n && n > 0)
      headers.Link = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(all[n - 1]!)}>; rel="next"`;
    all = all.slice(0, n);
  }
  return json(200, { name, tags: all }, head, 'application/json', headers);
}

function readOnly(request: Request, path: string): void {
  if (!READ_METHODS.has(request.method)) throw unsupported(request.method, path);
}

function unsupported(method: string, path: string): DistributionError {
  return new DistributionError(
    'UNSUPPORTED',
    `${method} ${path}: this registry builds images on demand and takes no pushes or deletes`,
    { method },
    405,
    {
      Allow: 'GET, HEAD',
    },
  );
}

function digestOf(reference: string): Digest {
  if (isDigest(reference)) return reference;
  if (/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference)) {
    throw new DistributionError(
      'DIGEST_INVALID',
      `unsupported digest ${reference}: only sha256 (64 lowercase hex digits) is served`,
      { digest: reference },
    );
  }
  throw new DistributionError('DIGEST_INVALID', `invalid digest "${reference}"`, { digest: reference });
}

function manifestResponse(m: StoredManifest, head: boolean): Response {
  const headers = {
    ...API_HEADERS,
    'Content-Type': m.mediaType,
    'Content-Length': String(m.bytes.byteLength),
    'Docker-Content-Digest': m.digest,
    ETag: `"${m.digest}"`,
  };
  return new Response(head ? null : m.bytes, { status: 200, headers });
}

function json(
  status: number,
  value: unknown,
  head: boolean,
  contentType = 'application/json',
  extra: Record<string, string> = {},
): Response {
  const bytes = Buffer.from(JSON.stringify(value));
  return new Response(head ? null : bytes, {
    status,
    headers: { ...API_HEADERS, ...extra, 'Content-Type': contentType, 'Content-Length': String(bytes.byteLength) },
  });
}

export function errorResponse(err: DistributionError, head: boolean): Response {
  const bytes = Buffer.from(errorBody(err));
  return new Response(head ? null : bytes, {
    status: err.status,
    headers: {
      ...API_HEADERS,
      ...err.headers,
      'Content-Type': 'application/json',
      'Content-Length': String(bytes.byteLength),
    },
  });
}

/** Media types an Accept header lists (parameters dropped, q=0 excluded); 'any' for none or a wildcard. */
export function acceptedTypes(header: string | null): string[] | 'any' {
  if (header === null || header.trim() === '') return 'any';
  const types: string[] = [];
  for (const part of header.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (!type) continue;
    if (params.some((p) => /^q\s*=\s*0(?:\.0*)?$/.test(p))) continue;
    if (type === '*/*' || type === 'application/*') return 'any';
    types.push(type.toLowerCase());
  }
  return types;
}

/** Docker and containerd-based clients put `arch/<goarch>` in their User-Agent. */
function userAgentArch(userAgent: string | null): string | undefined {
  return userAgent?.match(/\barch\/([a-z0-9]+)/)?.[1];
}

function matches(platform: Platform, arch: string): boolean {
  return platform.os === 'linux' && platform.architecture === arch;
}

/**
 * One `bytes=` range (RFC 9110): undefined to send the whole blob (no header, another unit, a
 * syntax error or several ranges), 'unsatisfiable' for a 416.
 */
export function parseRange(
  header: string | null,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === null) return undefined;
  const m = header.trim().match(/^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (m[2] !== '' && end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
