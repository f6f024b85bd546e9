/**
 * OCI referrers: artifacts (SBOMs) attached to an image manifest through a `subject`. Each
 * artifact is an OCI image manifest with `artifactType`, the empty config and one layer (the
 * document), PUT by digest. A registry that answers with `OCI-Subject` indexes it itself (the
 * referrers API); for one that does not (docker-registry 2.8), the referrers tag schema: an OCI
 * index tagged `sha256-<hex of the subject>` listing the artifacts, read, merged and put back.
 */
import { Readable } from 'node:stream';
import { isPithError, PithError } from '../errors.js';
import { type Digest, digestHex, sha256Digest } from '../image/digest.js';
import { MediaType } from '../image/media-types.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { Descriptor, ImageIndex } from '../image/types.js';
import { pullScope, pushScope } from './auth.js';
import { type ClientOptions, RegistryClient } from './client.js';
import { parseManifest } from './manifest.js';
import { fetchSmallBlob, getManifest } from './pull.js';
import { startUpload, uploadBlob } from './upload.js';

export const EMPTY_CONFIG_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
/** The empty config every artifact manifest here uses: `{}`. */
export const EMPTY_CONFIG: Descriptor = {
  mediaType: EMPTY_CONFIG_MEDIA_TYPE,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a' as Digest,
  size: 2,
};
const EMPTY_CONFIG_BYTES = new TextEncoder().encode('{}');

export const SPDX_ARTIFACT_TYPE = 'application/spdx+json';
export const CYCLONEDX_ARTIFACT_TYPE = 'application/vnd.cyclonedx+json';
export type SbomArtifactType = typeof SPDX_ARTIFACT_TYPE | typeof CYCLONEDX_ARTIFACT_TYPE;

const CREATED = 'org.opencontainers.image.created';

export interface ReferrerArtifact {
  artifactType: SbomArtifactType | (string & {});
  data: Uint8Array;
  annotations?: Record<string, string>;
}

export interface ReferrersOptions extends ClientOptions {
  /** The `org.opencontainers.image.created` annotation: the build's time, never the wall clock. */
  created: string;
}

export interface AttachedReferrer {
  /** The image manifest the artifact refers to. */
  subject: Digest;
  artifactType: string;
  /** The artifact manifest's digest and size. */
  digest: Digest;
  size: number;
  /** The document blob. */
  blob: { digest: Digest; size: number; action: 'exists' | 'uploaded' };
  /** How the registry learns of it: its referrers API, or the `sha256-<hex>` tag pith keeps. */
  via: 'referrers-api' | 'tag';
  /** The fallback tag, when via is 'tag'. */
  tag?: string;
}

/** The referrers tag schema's tag for a subject: `sha256-<hex>`. */
export function referrersTag(subject: Digest): string {
  return `sha256-${digestHex(subject)}`;
}

/** The artifact manifest's bytes (stable JSON: the same inputs give the same digest). */
export function artifactManifestBytes(
  subject: Descriptor,
  artifact: ReferrerArtifact,
  blob: Descriptor,
  created: string,
): Uint8Array {
  return stableJsonBytes({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: artifact.artifactType,
    config: EMPTY_CONFIG,
    layers: [blob],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { ...artifact.annotations, [CREATED]: created },
  });
}

/**
 * The fallback index with `add` merged in: entries already there keep their place (and their
 * fields), new digests are appended in the order given, duplicates are dropped. `changed` is
 * false when nothing was added (so the tag need not be put again).
 */
export function mergeReferrersIndex(
  existing: ImageIndex | undefined,
  add: readonly Descriptor[],
): { index: ImageIndex; changed: boolean } {
  const manifests: Descriptor[] = [...(existing?.manifests ?? [])];
  const seen = new Set(manifests.map((m) => m.digest));
  let changed = existing === undefined;
  for (const d of add) {
    if (seen.has(d.digest)) continue;
    seen.add(d.digest);
    manifests.push(d);
    changed = true;
  }
  const index: ImageIndex = { ...existing, schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return { index, changed };
}

/** A client to use, or a registry host to open one for. */
export type Target = RegistryClient | string;

async function withClient<T>(
  target: Target,
  options: ClientOptions,
  where: string,
  fn: (client: RegistryClient) => Promise<T>,
): Promise<T> {
  const client = typeof target === 'string' ? new RegistryClient(target, options) : target;
  try {
    return await fn(client);
  } catch (err) {
    if (isPithError(err) && !err.where)
      throw new PithError(err.kind, err.message, { where, ...(err.hint ? { hint: err.hint } : {}), cause: err });
    throw err;
  } finally {
    if (typeof target === 'string') client.close();
  }
}

/**
 * Attaches artifacts to `subject` (an image manifest already in `repository`): pushes each
 * document blob and the empty config, PUTs each artifact manifest by digest, then, unless the
 * registry said `OCI-Subject` (it keeps the referrers itself), merges them into the
 * `sha256-<hex>` index tag. Pushing the same artifacts again changes nothing.
 */
export async function pushReferrers(
  target: Target,
  repository: string,
  subject: Descriptor,
  artifacts: readonly ReferrerArtifact[],
  options: ReferrersOptions,
): Promise<AttachedReferrer[]> {
  const registry = typeof target === 'string' ? target : target.registry;
  return withClient(
    target,
    options,
    `attach referrers to ${registry}/${repository}@${subject.digest.slice(0, 19)}`,
    async (client) => {
      const attached: AttachedReferrer[] = [];
      const forTag: Descriptor[] = [];
      await pushBytes(client, repository, EMPTY_CONFIG_BYTES, EMPTY_CONFIG.digest);
      for (const artifact of artifacts) {
        const entry = await putArtifact(client, repository, subject, artifact, options.created);
        if (entry.via === 'tag') {
          entry.tag = referrersTag(subject.digest);
          forTag.push({
            mediaType: MediaType.ociManifest,
            digest: entry.digest,
            size: entry.size,
            artifactType: artifact.artifactType,
            annotations: { ...artifact.annotations, [CREATED]: options.created },
          });
        }
        attached.push(entry);
      }
      if (forTag.length) await updateReferrersTag(client, repository, subject.digest, forTag);
      return attached;
    },
  );
}

/** Pushes one artifact's document blob and PUTs its manifest by digest; `via` says if the registry indexed it. */
async function putArtifact(
  client: RegistryClient,
  repository: string,
  subject: Descriptor,
  artifact: ReferrerArtifact,
  created: string,
): Promise<AttachedReferrer> {
  const data = Buffer.from(artifact.data);
  const blob: Descriptor = { mediaType: artifact.artifactType, digest: sha256Digest(data), size: data.byteLength };
  const action = await pushBytes(client, repository, data, blob.digest);
  const bytes = Buffer.from(artifactManifestBytes(subject, artifact, blob, created));
  const digest = sha256Digest(bytes);
  const res = await client.request({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${digest}`,
    repository,
    scopes: [pushScope(repository)],
    headers: { 'content-type': MediaType.ociManifest },
    body: bytes,
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 204)
    throw await client.fail(res, repository, `PUT ${artifact.artifactType} manifest ${digest.slice(0, 19)}`);
  const got = res.headers['docker-content-digest'];
  const ociSubject = res.headers['oci-subject'];
  res.discard();
  if (typeof got === 'string' && got !== digest)
    throw new PithError('integrity', `registry stored artifact manifest ${digest} as ${got}`);
  const supported = typeof ociSubject === 'string' && ociSubject.trim() === subject.digest;
  return {
    subject: subject.digest,
    artifactType: artifact.artifactType,
    digest,
    size: bytes.byteLength,
    blob: { digest: blob.digest, size: blob.size, action },
    via: supported ? 'referrers-api' : 'tag',
  };
}

/** HEAD, then a monolithic upload (with the usual fallbacks) of small in-memory bytes. */
async function pushBytes(
  client: RegistryClient,
  repository: string,
  data: Uint8Array,
  digest: Digest,
): Promise<'exists' | 'uploaded'> {
  const scopes = [pushScope(repository)];
  if (await client.blobExists(repository, digest, scopes)) return 'exists';
  const session = await startUpload(client, repository, scopes);
  if (session.mounted) return 'exists';
  const source = {
    digest,
    size: data.byteLength,
    open: (range?: { start: number; end: number }) =>
      Readable.from([Buffer.from(range ? data.subarray(range.start, range.end + 1) : data)]),
  };
  await uploadBlob(client, repository, scopes, session, source, { preferred: 'monolithic' });
  return 'uploaded';
}

/** The fallback index under `sha256-<hex>`, or undefined when there is none yet (404). */
async function readReferrersTag(
  client: RegistryClient,
  repository: string,
  subject: Digest,
  scopes: ReturnType<typeof pullScope>[],
): Promise<ImageIndex | undefined> {
  const tag = referrersTag(subject);
  const res = await client.request({
    method: 'GET',
    url: `/v2/${repository}/manifests/${tag}`,
    repository,
    scopes,
    headers: { accept: MediaType.ociIndex },
  });
  if (res.status === 404) {
    res.discard();
    return undefined;
  }
  if (res.status !== 200) throw await client.fail(res, repository, `GET referrers tag ${tag}`);
  const bytes = await res.bytes(4 * 1024 * 1024);
  const parsed = parseManifest(bytes, String(res.headers['content-type'] ?? ''), `referrers tag ${tag}`);
  if (parsed.kind !== 'index' || parsed.mediaType !== MediaType.ociIndex) {
    throw new PithError(
      'input',
      `${repository}:${tag} is not an OCI index (${parsed.mediaType}); pith will not overwrite it`,
    );
  }
  return parsed.value;
}

async function updateReferrersTag(
  client: RegistryClient,
  repository: string,
  subject: Digest,
  add: Descriptor[],
): Promise<void> {
  const scopes = [pushScope(repository)];
  const tag = referrersTag(subject);
  const existing = await readReferrersTag(client, repository, subject, scopes);
  const { index, changed } = mergeReferrersIndex(existing, add);
  if (!changed) return;
  const res = await client.request({
    method: 'PUT',
    url: `/v2/${repository}/manifests/${tag}`,
    repository,
    scopes,
    headers: { 'content-type': MediaType.ociIndex },
    body: Buffer.from(stableJsonBytes(index)),
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 204)
    throw await client.fail(res, repository, `PUT referrers tag ${tag}`);
  res.discard();
}

/**
 * The referrers of `subject`: from `GET /v2/<name>/referrers/<digest>` where the registry has
 * it, else from the `sha256-<hex>` tag (empty when neither exists). Optionally by artifactType.
 */
export async function listReferrers(
  target: Target,
  repository: string,
  subject: Digest,
  options: ClientOptions & { artifactType?: string } = {},
): Promise<Descriptor[]> {
  const registry = typeof target === 'string' ? target : target.registry;
  return withClient(
    target,
    options,
    `list referrers of ${registry}/${repository}@${subject.slice(0, 19)}`,
    async (client) => {
      const scopes = [pullScope(repository)];
      const filter = (list: Descriptor[]) =>
        options.artifactType ? list.filter((d) => d.artifactType === options.artifactType) : list;
      const query = options.artifactType ? `?artifactType=${encodeURIComponent(options.artifactType)}` : '';
      const res = await client.request({
        method: 'GET',
        url: `/v2/${repository}/referrers/${subject}${query}`,
        repository,
        scopes,
        headers: { accept: MediaType.ociIndex },
      });
      if (res.status === 200) {
        const bytes = await res.bytes(16 * 1024 * 1024);
        const parsed = parseManifest(bytes, MediaType.ociIndex, `referrers of ${subject}`);
        if (parsed.kind === 'index') return filter(parsed.value.manifests);
      } else {
        res.discard();
        // 404 (or 400/405 from an older registry): no referrers API; the tag schema then.
        if (res.status !== 404 && res.status !== 400 && res.status !== 405)
          throw await client.fail(res, repository, `GET referrers of ${subject.slice(0, 19)}`);
      }
      return filter((await readReferrersTag(client, repository, subject, scopes))?.manifests ?? []);
    },
  );
}

/**
 * The document an artifact (as listReferrers returns it) carries: its manifest by digest, then
 * its one layer (at most 16 MiB), each verified.
 */
export async function fetchReferrerDocument(
  target: Target,
  repository: string,
  artifact: Descriptor,
  options: ClientOptions = {},
): Promise<Buffer> {
  const registry = typeof target === 'string' ? target : target.registry;
  return withClient(
    target,
    options,
    `read referrer ${registry}/${repository}@${artifact.digest.slice(0, 19)}`,
    async (client) => {
      const scopes = [pullScope(repository)];
      const got = await getManifest(client, repository, artifact.digest, scopes);
      if (got.digest !== artifact.digest)
        throw new PithError('integrity', `manifest ${artifact.digest} hashes to ${got.digest}`);
      const parsed = parseManifest(got.bytes, got.mediaType, `referrer ${artifact.digest}`);
      const layer = parsed.kind === 'manifest' ? parsed.value.layers[0] : undefined;
      if (!layer) throw new PithError('input', `referrer ${artifact.digest} has no document layer`);
      return fetchSmallBlob(client, repository, layer, scopes);
    },
  );
}
