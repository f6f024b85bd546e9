import { integrityError } from '../errors.js';
import type { Readable } from 'node:stream';
import type { Digest } from '../image/digest.js';
import type { Scope } from './auth.js';
import { type RegistryClient, withQuery } from './client.js';
import { RegistryError } from './errors.js';
import type { Body } from './http.js';

export type UploadMethod = 'monolithic' | 'streamed' | 'chunked';

/** A blob to upload: its digest, size and a way to read (part of) it again. */
export interface BlobSource {
  digest: Digest;
  size: number;
  open(range?: { start: number; end: number }): Readable;
}

export interface UploadOptions {
  /** Chunk size for chunked uploads (raised to the registry's OCI-Chunk-Min-Length). Default 8 MiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

/** Statuses that say "not this way", where another upload method may still work. */
function methodRefused(err: unknown): boolean {
  if (!(err instanceof RegistryError)) return false;
  if (err.code === 'DIGEST_INVALID' || err.status === 401 || err.status === 403) return false;
  return [400, 404, 405, 411, 413, 415, 416, 501].includes(err.status);
}

/**
 * Starts an upload session, or mounts from another repository when `from` is given:
 * 201 = mounted (done), 202 = the registry opened an upload session instead.
 */
export async function startUpload(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
  mount?: { digest: Digest; from: string },
): Promise<{ mounted: true } | { mounted: false; location: URL; minChunk: number }> {
  const query = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
  const res = await client.request({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/${query}`,
    repository,
    scopes,
  });
  if (mount && res.status === 201) {
    res.discard();
    return { mounted: true };
  }
  if (res.status !== 202)
    throw await client.fail(
      res,
      repository,
      mount ? `mount ${mount.digest.slice(0, 19)} from ${mount.from}` : 'start upload',
    );
  res.discard();
  const min = Number(res.headers['oci-chunk-min-length'] ?? 0);
  return {
    mounted: false,
    location: client.location(res, repository),
    minChunk: Number.isFinite(min) && min > 0 ? min : 0,
  };
}

async function finish(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
  location: URL,
  blob: BlobSource,
  body?: Body,
): Promise<void> {
  const res = await client.request({
    method: 'PUT',
    url: withQuery(location, 'digest', blob.digest),
    repository,
    scopes,
    headers: { 'content-type': 'application/octet-stream' },
    ...(body !== undefined ? { body } : {}),
  });
  if (res.status !== 201 && res.status !== 204 && res.status !== 200) {
    const err = await client.fail(res, repository, `PUT blob ${blob.digest.slice(0, 19)}`);
    if (err.code === 'DIGEST_INVALID')
      throw integrityError(
        `${client.registry}/${repository}: the registry says blob ${blob.digest} does not match its content (${err.message})`,
      );
    throw err;
  }
  const got = res.headers['docker-content-digest'];
  res.discard();
  if (typeof got === 'string' && got !== blob.digest) {
    throw integrityError(`${client.registry}/${repository}: registry stored blob ${blob.digest} as ${got}`);
  }
}

const whole = (blob: BlobSource): Body => ({ length: blob.size, open: () => blob.open() });

/** PUT location?digest= with the whole body: one request. */
async function monolithic(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
  location: URL,
  blob: BlobSource,
): Promise<void> {
  await finish(client, repository, scopes, location, blob, whole(blob));
}

/** PATCH with the whole body (no Content-Range), then PUT ?digest= without one. */
async function streamed(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
  location: URL,
  blob: BlobSource,
): Promise<void> {
  const res = await client.request({
    method: 'PATCH',
    url: location,
    repository,
    scopes,
    headers: { 'content-type': 'application/octet-stream' },
    body: whole(blob),
  });
  if (res.status !== 202 && res.status !== 201 && res.status !== 204)
    throw await client.fail(res, repository, `PATCH blob ${blob.digest.slice(0, 19)}`);
  res.discard();
  await finish(client, repository, scopes, client.location(res, repository, location), blob);
}

/** PATCH chunks with Content-Range (each at least OCI-Chunk-Min-Length but the last), then PUT. */
async function chunked(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
  start: { location: URL; minChunk: number },
  blob: BlobSource,
  chunkSize: number,
): Promise<number> {
  const size = Math.max(chunkSize, start.minChunk);
  let location = start.location;
  let chunks = 0;
  for (let offset = 0; offset < blob.size || (blob.size === 0 && chunks === 0); offset += size) {
    const end = Math.min(blob.size, offset + size) - 1;
    const length = end - offset + 1;
    const body: Body = length > 0 ? { length, open: () => blob.open({ start: offset, end }) } : new Uint8Array();
    const res = await client.request({
      method: 'PATCH',
      url: location,
      repository,
      scopes,
      headers: {
        'content-type': 'application/octet-stream',
        ...(length > 0 ? { 'content-range': `${offset}-${end}` } : {}),
      },
      body,
    });
    // ECR answers 201 where the spec says 202.
    if (res.status !== 202 && res.status !== 201 && res.status !== 204)
      throw await client.fail(res, repository, `PATCH chunk ${offset}-${end} of ${blob.digest.slice(0, 19)}`);
    res.discard();
    location = client.location(res, repository, location);
    chunks++;
    if (length === 0) break;
  }
  await finish(client, repository, scopes, location, blob);
  return chunks;
}

/**
 * Uploads one blob into an open session: monolithic first; when the registry refuses that
 * method, a new session streamed; then chunked. `preferred` remembers what worked for this
 * registry so later blobs skip the failed attempts.
 */
export async function uploadBlob(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
  session: { location: URL; minChunk: number },
  blob: BlobSource,
  state: { preferred: UploadMethod },
  options: UploadOptions = {},
): Promise<UploadMethod> {
  const order: UploadMethod[] = ['monolithic', 'streamed', 'chunked'];
  let current: { location: URL; minChunk: number } | undefined = session;
  let sessionRestarts = 0;
  for (let i = order.indexOf(state.preferred); i < order.length;) {
    const method = order[i]!;
    const open: { location: URL; minChunk: number } = current ?? (await newSession(client, repository, scopes));
    current = undefined;
    try {
      if (method === 'monolithic') await monolithic(client, repository, scopes, open.location, blob);
      else if (method === 'streamed') await streamed(client, repository, scopes, open.location, blob);
      else await chunked(client, repository, scopes, open, blob, options.chunkSize ?? DEFAULT_CHUNK);
      state.preferred = method;
      return method;
    } catch (err) {
      // The session vanished (expired, or a retry raced it): same method, new session, once.
      if (err instanceof RegistryError && err.code === 'BLOB_UPLOAD_UNKNOWN' && sessionRestarts++ < 1) continue;
      if (!methodRefused(err) || i === order.length - 1) throw err;
      i++;
    }
  }
  throw new Error('unreachable');
}

async function newSession(
  client: RegistryClient,
  repository: string,
  scopes: Scope[],
): Promise<{ location: URL; minChunk: number }> {
  const s = await startUpload(client, repository, scopes);
  if (s.mounted) throw new Error('unreachable: a plain upload start cannot mount');
  return s;
}
