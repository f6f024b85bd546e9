import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { isPithError, PithError, integrityError } from '../errors.js';
import { type Digest, sha256Digest } from '../image/digest.js';
import type { Descriptor, Manifest, Platform } from '../image/types.js';
import type { BlobStore } from '../store/blob-store.js';
import { defaultCacheDir } from '../store/cache-dir.js';
import { pullScope, type Scope } from './auth.js';
import { BlobLocations } from './blob-locations.js';
import { type ClientOptions, RegistryClient } from './client.js';
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

  let current = { ...root, descriptor: rootDescriptor };
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
  const manifest = parsed.value;

  const configBytes = await fetchSmallBlob(client, repo, manifest.config, scopes);
  await store.putBytes(configBytes);
  const config = JSON.parse(configBytes.toString('utf8')) as { architecture?: string; os?: string; variant?: string };
  const actual: Platform = {
    architecture: config.architecture ?? '',
    os: config.os ?? '',
    ...(config.variant ? { variant: config.variant } : {}),
  };
  if (actual.architecture !== platform.architecture || actual.os !== platform.os) {
    throw new PithError(
      'input',
      `${repositoryName(target)}:${rootRef} is ${formatPlatform(actual)}, not ${formatPlatform(platform)}`,
    );
  }

  if (options.layers !== false) {
    await mapLimit(manifest.layers, options.concurrency ?? 4, (layer) => fetchBlob(client, repo, layer, scopes, store));
  }
  const locations = await BlobLocations.load(options.cacheDir ?? defaultCacheDir(options.env), target.registry).catch(
    () => undefined,
  );
  if (locations) {
    for (const d of [manifest.config, ...manifest.layers]) locations.record(d.digest, repo);
    await locations.save().catch(() => undefined);
  }
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
  if (await store.has(d.digest)) {
    try {
      await store.verify(d.digest);
      return;
    } catch {
      // Corrupt copy removed by verify(): fetch it again.
    }
  }
  let writer = await store.createWriter();
  let hash = createHash('sha256');
  let received = 0;
  try {
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = received > 0 ? { range: `bytes=${received}-` } : {};
      const res = await client.request({
        method: 'GET',
        url: `/v2/${repo}/blobs/${d.digest}`,
        repository: repo,
        scopes,
        headers,
        redirect: true,
      });
      if (received > 0 && res.status === 200) {
        // Range ignored: start over.
        await writer.abort();
        writer = await store.createWriter();
        hash = createHash('sha256');
        received = 0;
      } else if (res.status !== 200 && res.status !== 206) {
        throw await client.fail(res, repo, `GET blob ${d.digest.slice(0, 19)}`);
      }
      try {
        for await (const chunk of res.message as AsyncIterable<Buffer>) {
          hash.update(chunk);
          received += chunk.length;
          if (received > d.size)
            throw integrityError(`blob ${d.digest} is larger than its descriptor's ${d.size} bytes`);
          if (!writer.stream.write(chunk)) await once(writer.stream, 'drain');
        }
        if (!res.message.complete) throw Object.assign(new Error('connection closed mid-body'), { code: 'ECONNRESET' });
        break;
      } catch (err) {
        if (isPithError(err) || attempt >= 3) throw err;
      }
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== d.digest || received !== d.size) {
      throw integrityError(
        `blob ${d.digest} from ${client.registry}/${repo} hashes to ${actual} (${received} bytes, expected ${d.size})`,
      );
    }
    await writer.commit(d.digest);
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
