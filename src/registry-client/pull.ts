import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { isPithError, PithError, integrityError } from '../errors.js';
import { type Digest, sha256Digest } from '../image/digest.js';
import type { Descriptor, Manifest, Platform } from '../image/types.js';
import type { BlobStore, BlobWriter } from '../store/blob-store.js';
import { defaultCacheDir } from '../store/cache-dir.js';
import { pullScope, type Scope } from './auth.js';
import { BlobLocations } from './blob-locations.js';
import { type ClientOptions, RegistryClient } from './client.js';
import type { HttpResponse } from './http.js';
import { formatPlatform, MANIFEST_ACCEPT, parseManifest, selectPlatform, verifyDigest } from './manifest.js';
import { mapLimit } from '../concurrency.js';
import { manifestRef, parseReference, type Reference, repositoryName } from './reference.js';

export interface PullOptions extends ClientOptions {
  /** Where the blobs go, verified by digest. */
  store: BlobStore;
  /** Where the digest -> repositories map lives (default: the pith cache). */
  cacheDir?: string;
  /** Fetch the layers too (default true); without, only manifests and config. */
  layers?: boolean;
  concurrency?: number;
  client?: RegistryClient;
}

export interface PulledImage {
  reference: Reference;
  /** What the reference resolved to: an index (several platforms) or the manifest itself. */
  root: Descriptor;
  /** The platform's manifest, as the registry serves it (Docker or OCI media types). */
  manifest: Descriptor;
  manifestBytes: Buffer;
  value: Manifest;
  config: Descriptor;
  configBytes: Buffer;
  layers: Descriptor[];
  platform: Platform;
}

/**
 * Pulls one platform's image: the manifest or index by tag or digest (Accept: all four
 * manifest types), the platform's manifest from an index, then config and layers into the
 * store, each verified by digest.
 */
export async function pullImage(
  ref: string | Reference,
  platform: Platform,
  options: PullOptions,
): Promise<PulledImage> {
  const target = typeof ref === 'string' ? parseReference(ref) : ref;
  const client = options.client ?? new RegistryClient(target.registry, options);
  try {
    return await pull(target, platform, client, options);
  } catch (err) {
    if (isPithError(err) && !err.where) {
      throw new PithError(err.kind, err.message, {
        where: `pull ${repositoryName(target)}`,
        ...(err.hint ? { hint: err.hint } : {}),
        cause: err,
      });
    }
    throw err;
  } finally {
    if (!options.client) client.close();
  }
}

async function pull(
  target: Reference,
  platform: Platform,
  client: RegistryClient,
  options: PullOptions,
): Promise<PulledImage> {
  const repo = target.repository;
  const scopes = [pullScope(repo)];
  const { store } = options;
  const rootRef = manifestRef(target);
  const root = await getManifest(client, repo, rootRef, scopes);
  if (target.digest) verifyDigest(root.bytes, target.digest, `manifest ${target.digest}`);
  await store.putBytes(root.bytes);
  const rootDescriptor: Descriptor = { mediaType: root.mediaType, digest: root.digest, size: root.bytes.byteLength };
  const { current, manifest, chosen } = await platformManifest(
    client,
    target,
    { ...root, descriptor: rootDescriptor },
    platform,
    store,
  );
  const configBytes = await fetchSmallBlob(client, repo, manifest.config, scopes);
  await store.putBytes(configBytes);
  const actual = configPlatform(configBytes);
  if (actual.architecture !== platform.architecture || actual.os !== platform.os) {
    throw new PithError(
      'input',
      `${repositoryName(target)}:${rootRef} is ${formatPlatform(actual)}, not ${formatPlatform(platform)}`,
    );
  }
  if (options.layers !== false) {
    await mapLimit(manifest.layers, options.concurrency ?? 4, (layer) => fetchBlob(client, repo, layer, scopes, store));
  }
  await recordLocations(target, manifest, options);
  return {
    reference: target,
    root: rootDescriptor,
    manifest: { ...current.descriptor, ...(chosen?.platform ? { platform: chosen.platform } : {}) },
    manifestBytes: current.bytes,
    value: manifest,
    config: manifest.config,
    configBytes,
    layers: manifest.layers,
    platform: actual,
  };
}

interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  descriptor: Descriptor;
}

/** From the root down through (at most 4 levels of) indexes to the platform's image manifest, each stored. */
async function platformManifest(
  client: RegistryClient,
  target: Reference,
  root: FetchedManifest,
  platform: Platform,
  store: BlobStore,
): Promise<{ current: FetchedManifest; manifest: Manifest; chosen: Descriptor | undefined }> {
  const repo = target.repository;
  const scopes = [pullScope(repo)];
  const rootRef = manifestRef(target);
  let current = root;
  let parsed = parseManifest(root.bytes, root.mediaType, `${repositoryName(target)}:${rootRef}`);
  let chosen: Descriptor | undefined;
  for (let depth = 0; parsed.kind === 'index'; depth++) {
    if (depth > 3) throw new PithError('input', `${repositoryName(target)}: indexes nested too deep`);
    chosen = selectPlatform(parsed.value, platform, `${repositoryName(target)}:${rootRef}`);
    const child = await getManifest(client, repo, chosen.digest, scopes);
    verifyDigest(child.bytes, chosen.digest, `manifest ${chosen.digest}`);
    await store.putBytes(child.bytes);
    current = { ...child, descriptor: { ...chosen, mediaType: child.mediaType } };
    parsed = parseManifest(child.bytes, chosen.mediaType, `manifest ${chosen.digest}`);
  }
  return { current, manifest: parsed.value, chosen };
}

/** The platform an image config says it is for. */
function configPlatform(configBytes: Buffer): Platform {
  const config = JSON.parse(configBytes.toString('utf8')) as { architecture?: string; os?: string; variant?: string };
  return {
    architecture: config.architecture ?? '',
    os: config.os ?? '',
    ...(config.variant ? { variant: config.variant } : {}),
  };
}

/** Notes which repository the blobs came from (for cross-repository mounts later); best effort. */
async function recordLocations(target: Reference, manifest: Manifest, options: PullOptions): Promise<void> {
  const locations = await BlobLocations.load(options.cacheDir ?? defaultCacheDir(options.env), target.registry).catch(
    () => undefined,
  );
  if (locations) {
    for (const d of [manifest.config, ...manifest.layers]) locations.record(d.digest, target.repository);
    await locations.save().catch(() => undefined);
  }
}

/** GET a manifest by tag or digest; the digest is computed from the bytes (and checked against the header). */
export async function getManifest(
  client: RegistryClient,
  repo: string,
  ref: string,
  scopes: Scope[],
): Promise<{ bytes: Buffer; mediaType: string; digest: Digest }> {
  const res = await client.request({
    method: 'GET',
    url: `/v2/${repo}/manifests/${ref}`,
    repository: repo,
    scopes,
    headers: { accept: MANIFEST_ACCEPT.join(', ') },
  });
  if (res.status !== 200)
    throw await client.fail(res, repo, `GET manifest ${ref.startsWith('sha256:') ? ref.slice(0, 19) : ref}`);
  const bytes = await res.bytes(8 * 1024 * 1024);
  const digest = sha256Digest(bytes);
  const header = res.headers['docker-content-digest'];
  if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
    throw integrityError(
      `${client.registry}/${repo}: manifest ${ref} hashes to ${digest}, the registry says ${header}`,
    );
  }
  const mediaType = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
  return { bytes, mediaType, digest };
}

/** GET a blob of at most 16 MiB into memory, verified against its digest. */
export async function fetchSmallBlob(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  scopes: Scope[],
): Promise<Buffer> {
  const res = await client.request({
    method: 'GET',
    url: `/v2/${repo}/blobs/${d.digest}`,
    repository: repo,
    scopes,
    redirect: true,
  });
  if (res.status !== 200) throw await client.fail(res, repo, `GET blob ${d.digest.slice(0, 19)}`);
  const bytes = await res.bytes(16 * 1024 * 1024);
  verifyDigest(bytes, d.digest, `blob ${d.digest}`);
  return bytes;
}

/** A download in progress: where the bytes go, their hash so far and how many arrived. */
interface BlobDownload {
  writer: BlobWriter;
  hash: Hash;
  received: number;
}

/** True when the store already holds the blob intact (a corrupt copy is removed by verify()). */
async function haveVerified(store: BlobStore, digest: Digest): Promise<boolean> {
  if (!(await store.has(digest))) return false;
  try {
    await store.verify(digest);
    return true;
  } catch {
    // Corrupt copy removed by verify(): fetch it again.
    return false;
  }
}

/**
 * Streams a blob into the store while hashing it. A connection lost mid-body resumes with a
 * Range request (or starts over when the server ignores Range), up to 3 times.
 */
export async function fetchBlob(
  client: RegistryClient,
  repo: string,
  d: Descriptor,
  scopes: Scope[],
  store: BlobStore,
): Promise<void> {
  if (await haveVerified(store, d.digest)) return;
  const download: BlobDownload = { writer: await store.createWriter(), hash: createHash('sha256'), received: 0 };
  try {
    for (let attempt = 1; ; attempt++) {
      const res = await client.request({
        method: 'GET',
        url: `/v2/${repo}/blobs/${d.digest}`,
        repository: repo,
        scopes,
        headers: download.received > 0 ? { range: `bytes=${download.received}-` } : {},
        redirect: true,
      });
      if (download.received > 0 && res.status === 200) {
        // Range ignored: start over.
        await download.writer.abort();
        download.writer = await store.createWriter();
        download.hash = createHash('sha256');
        download.received = 0;
      } else if (res.status !== 200 && res.status !== 206) {
        throw await client.fail(res, repo, `GET blob ${d.digest.slice(0, 19)}`);
      }
      try {
        await receiveBody(res, d, download);
        break;
      } catch (err) {
        if (isPithError(err) || attempt >= 3) throw err;
      }
    }
    const actual = `sha256:${download.hash.digest('hex')}`;
    if (actual !== d.digest || download.received !== d.size) {
      throw integrityError(
        `blob ${d.digest} from ${client.registry}/${repo} hashes to ${actual} (${download.received} bytes, expected ${d.size})`,
      );
    }
    await download.writer.commit(d.digest);
  } catch (err) {
    await download.writer.abort();
    throw err;
  }
}

/** Writes a response body on into the download; a body cut short throws ECONNRESET (retried). */
async function receiveBody(res: HttpResponse, d: Descriptor, download: BlobDownload): Promise<void> {
  for await (const chunk of res.message as AsyncIterable<Buffer>) {
    download.hash.update(chunk);
    download.received += chunk.length;
    if (download.received > d.size)
      throw integrityError(`blob ${d.digest} is larger than its descriptor's ${d.size} bytes`);
    if (!download.writer.stream.write(chunk)) await once(download.writer.stream, 'drain');
  }
  if (!res.message.complete) throw Object.assign(new Error('connection closed mid-body'), { code: 'ECONNRESET' });
}
