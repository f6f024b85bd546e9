import { createReadStream } from 'node:fs';
import { isPithError, PithError, usageError, integrityError } from '../errors.js';
import type { Digest } from '../image/digest.js';
import type { Descriptor } from '../image/types.js';
import type { ImageSet } from '../image/image.js';
import { defaultCacheDir } from '../store/cache-dir.js';
import { mergeScopes, pullScope, pushScope } from './auth.js';
import { BlobLocations } from './blob-locations.js';
import { type ClientOptions, RegistryClient } from './client.js';
import { isIndexMediaType, isManifestMediaType, parseManifest, verifyDigest } from './manifest.js';
import { mapLimit } from '../concurrency.js';
import { formatReference, parseReference, type Reference, repositoryName } from './reference.js';
import { startUpload, type UploadMethod, uploadBlob } from './upload.js';

const READ_CHUNK = 1024 * 1024;

export type BlobAction = 'exists' | 'mounted' | 'uploaded';

export interface BlobEvent {
  digest: Digest;
  size: number;
  mediaType: string;
  action: BlobAction;
  /** The repository a mounted blob came from. */
  from?: string;
  /** How an uploaded blob was sent. */
  method?: UploadMethod;
}

export interface PushOptions extends ClientOptions {
  /** Where the digest -> repositories map lives (default: the pith cache). */
  cacheDir?: string;
  /** Blobs in flight at once (default 4). */
  concurrency?: number;
  /** Start with this upload method (default monolithic; the others are fallbacks). */
  uploadMethod?: UploadMethod;
  /** Chunk size when chunked (default 8 MiB, raised to OCI-Chunk-Min-Length). */
  chunkSize?: number;
  /** Try cross-repository mounts from the map (default true). */
  mount?: boolean;
  /** Called as each blob is done. */
  onBlob?: (event: BlobEvent) => void;
  /** Use this client (and leave it open) instead of making one. */
  client?: RegistryClient;
}

export interface PushResult {
  /** What was pushed, canonical: `127.0.0.1:5000/acme/app:v1`. */
  reference: string;
  /** The digest of the root manifest or index, as the registry stored it. */
  digest: Digest;
  /** One entry per blob (layers and configs), in set order. */
  blobs: BlobEvent[];
  /** Manifests in the order they were put: children by digest, then the root. */
  manifests: Array<{ digest: Digest; mediaType: string; ref: string }>;
}

/**
 * Pushes an image set: blobs (HEAD and skip, mount from a repository known to hold them, else
 * upload), 4 at a time; then child manifests by digest, then the root by tag (or digest). The
 * manifest bytes are the stored bytes, so the digest can't change on the way.
 */
export async function pushArtifact(
  set: ImageSet,
  ref: string | Reference,
  options: PushOptions = {},
): Promise<PushResult> {
  const parsed = typeof ref === 'string' ? parseReference(ref) : ref;
  const target: Reference =
    parsed.tag === undefined && parsed.digest === undefined ? { ...parsed, tag: set.tag } : parsed;
  const where = `push ${repositoryName(target)}`;
  if (target.digest && target.digest !== set.root.digest) {
    throw usageError(`${where}: the reference names ${target.digest} but the image is ${set.root.digest}`);
  }
  const client = options.client ?? new RegistryClient(target.registry, options);
  try {
    return await push(set, target, client, options);
  } catch (err) {
    if (isPithError(err) && !err.where) {
      throw new PithError(err.kind, err.message, { where, ...(err.hint ? { hint: err.hint } : {}), cause: err });
    }
    throw err;
  } finally {
    if (!options.client) client.close();
  }
}

async function push(
  set: ImageSet,
  target: Reference,
  client: RegistryClient,
  options: PushOptions,
): Promise<PushResult> {
  const repo = target.repository;
  const { manifests, blobs } = await plan(set);
  const locations =
    options.mount === false
      ? undefined
      : await BlobLocations.load(options.cacheDir ?? defaultCacheDir(options.env), target.registry);
  const scopes = [pushScope(repo)];
  const state = { preferred: options.uploadMethod ?? ('monolithic' as UploadMethod) };
  await client.ping();

  const events = await mapLimit(blobs, options.concurrency ?? 4, async (blob) => {
    const event = await pushBlob(client, repo, blob, set, locations, state, options);
    options.onBlob?.(event);
    return event;
  });

  for (const b of blobs) locations?.record(b.digest, repo);
  const put: PushResult['manifests'] = [];
  for (const m of manifests) {
    const isRoot = m.descriptor.digest === set.root.digest;
    const refText = isRoot ? (target.tag ?? target.digest!) : m.descriptor.digest;
    await putManifest(client, repo, refText, m.mediaType, m.bytes, m.descriptor.digest, scopes);
    put.push({ digest: m.descriptor.digest, mediaType: m.mediaType, ref: refText });
  }
  // The hint map is an optimisation: failing to save it must not fail the push.
  await locations?.save().catch(() => undefined);
  return { reference: formatReference(target), digest: set.root.digest, blobs: events, manifests: put };
}

interface PlannedManifest {
  descriptor: Descriptor;
  mediaType: string;
  bytes: Buffer;
}

/** Splits the set's blobs into plain blobs and manifests, ordered children first. */
async function plan(set: ImageSet): Promise<{ manifests: PlannedManifest[]; blobs: Descriptor[] }> {
  const byDigest = new Map(set.blobs.map((b) => [b.digest, b]));
  if (!byDigest.has(set.root.digest)) byDigest.set(set.root.digest, set.root);
  const missing: string[] = [];
  for (const b of byDigest.values()) if (!(await set.store.has(b.digest))) missing.push(b.digest);
  if (missing.length) {
    throw new PithError(
      'input',
      `${missing.length} blob(s) missing from ${set.store.root}: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}`,
    );
  }

  const ordered: PlannedManifest[] = [];
  const seen = new Set<string>();
  const visit = async (d: Descriptor) => {
    if (seen.has(d.digest)) return;
    seen.add(d.digest);
    const bytes = await set.store.readBytes(d.digest);
    verifyDigest(bytes, d.digest, `manifest ${d.digest}`);
    const m = parseManifest(bytes, d.mediaType, `manifest ${d.digest}`);
    if (m.kind === 'index')
      for (const child of m.value.manifests)
        if (isIndexMediaType(child.mediaType) || isManifestMediaType(child.mediaType)) await visit(child);
    ordered.push({ descriptor: d, mediaType: m.mediaType, bytes });
  };
  await visit(set.root);
  // Manifests of the set not reachable from the root (none, for pith's own) still go by digest.
  for (const b of byDigest.values())
    if (!seen.has(b.digest) && (isIndexMediaType(b.mediaType) || isManifestMediaType(b.mediaType))) await visit(b);
  const root = ordered.findIndex((m) => m.descriptor.digest === set.root.digest);
  ordered.push(...ordered.splice(root, 1));
  const blobs = [...byDigest.values()].filter((b) => !seen.has(b.digest));
  return { manifests: ordered, blobs };
}

async function pushBlob(
  client: RegistryClient,
  repo: string,
  blob: Descriptor,
  set: ImageSet,
  locations: BlobLocations | undefined,
  state: { preferred: UploadMethod },
  options: PushOptions,
): Promise<BlobEvent> {
  const base = { digest: blob.digest, size: blob.size, mediaType: blob.mediaType };
  const pushOnly = [pushScope(repo)];
  if (await client.blobExists(repo, blob.digest, pushOnly)) return { ...base, action: 'exists' };
  const from = locations?.sourceFor(blob.digest, repo);
  // A mount needs pull on the source too; the push scope stays first.
  const scopes = from ? mergeScopes(pushOnly, [pullScope(from)]) : pushOnly;
  const started = await startMountOrUpload(client, repo, blob.digest, from, scopes);
  if (started.mounted) return { ...base, action: 'mounted', from: from! };
  const size = await set.store.size(blob.digest);
  if (size !== blob.size)
    throw integrityError(`blob ${blob.digest} is ${size} bytes in ${set.store.root}, its descriptor says ${blob.size}`);
  // 1 MiB reads: with the default 64 KiB, a 100 MB upload to a loopback registry takes ~1.7x as long.
  const path = set.store.pathOf(blob.digest);
  const source = {
    digest: blob.digest,
    size,
    open: (range?: { start: number; end: number }) => createReadStream(path, { ...range, highWaterMark: READ_CHUNK }),
  };
  const method = await uploadBlob(
    client,
    repo,
    pushOnly,
    started,
    source,
    state,
    options.chunkSize ? { chunkSize: options.chunkSize } : {},
  );
  return { ...base, action: 'uploaded', method };
}

async function startMountOrUpload(
  client: RegistryClient,
  repo: string,
  digest: Digest,
  from: string | undefined,
  scopes: ReturnType<typeof mergeScopes>,
) {
  if (from) {
    try {
      return await startUpload(client, repo, scopes, { digest, from });
    } catch (err) {
      // A registry that refuses the mount (or the source's pull scope) may still take an upload.
      if (!isPithError(err) || err.kind !== 'network') throw err;
    }
  }
  return startUpload(client, repo, [pushScope(repo)]);
}

async function putManifest(
  client: RegistryClient,
  repo: string,
  ref: string,
  mediaType: string,
  bytes: Buffer,
  digest: Digest,
  scopes: ReturnType<typeof pushScope>[],
): Promise<void> {
  const res = await client.request({
    method: 'PUT',
    url: `/v2/${repo}/manifests/${ref}`,
    repository: repo,
    scopes,
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 204)
    throw await client.fail(res, repo, `PUT manifest ${ref.startsWith('sha256:') ? ref.slice(0, 19) : ref}`);
  const got = res.headers['docker-content-digest'];
  res.discard();
  if (typeof got === 'string' && got !== digest) throw integrityError(`registry stored manifest ${digest} as ${got}`);
}
