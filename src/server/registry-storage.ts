/**
 * ImageStorage in another registry (`pith serve --storage REGISTRY/REPO`): built blobs and
 * manifests are pushed to REGISTRY/REPO, an image key is the tag `k-<key id>` there, and blob
 * GETs are answered with a 307 to the registry, so several replicas behind a load balancer
 * share one store and don't carry the bytes themselves. Clients must be able to pull from that
 * registry anonymously (they follow the redirect without pith's credentials); pith pushes with
 * the credentials docker/podman login left (see registry-client/credentials.ts).
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { integrityError, usageError } from '../errors.js';
import { type Digest, isDigest, sha256Digest } from '../image/digest.js';
import type { Descriptor } from '../image/types.js';
import { pushScope, pullScope } from '../registry-client/auth.js';
import { RegistryClient } from '../registry-client/client.js';
import { MANIFEST_ACCEPT } from '../registry-client/manifest.js';
import { parseReference } from '../registry-client/reference.js';
import { startUpload, uploadBlob, type UploadMethod } from '../registry-client/upload.js';
import {
  isManifestMediaType,
  type BlobBody,
  type BlobSource,
  type ByteRange,
  type ImageStorage,
  type StoredManifest,
} from './storage.js';

export class RegistryStorage implements ImageStorage {
  readonly description: string;
  readonly registry: string;
  readonly repository: string;
  private readonly client: RegistryClient;
  private readonly upload = { preferred: 'monolithic' as UploadMethod };

  /** `target` is `host[:port]/repo`, e.g. `127.0.0.1:5000/pith-serve`. */
  constructor(target: string, options: { insecure?: boolean; env?: NodeJS.ProcessEnv } = {}) {
    const ref = parseReference(target);
    if (ref.tag !== undefined || ref.digest !== undefined)
      throw usageError(`--storage ${target}: name a repository, without a tag or digest`);
    this.registry = ref.registry;
    this.repository = ref.repository;
    this.description = `registry ${ref.registry}/${ref.repository}`;
    this.client = new RegistryClient(ref.registry, {
      ...(options.insecure ? { insecure: true } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  }

  /** Checks that the registry answers (and which scheme it speaks) before serving. */
  async connect(): Promise<void> {
    await this.client.ping();
  }

  close(): void {
    this.client.close();
  }

  private get pull() {
    return [pullScope(this.repository)];
  }

  private get push() {
    return [pushScope(this.repository)];
  }

  static tagFor(keyId: string): string {
    return `k-${keyId}`;
  }

  async getManifest(keyId: string): Promise<StoredManifest | undefined> {
    return this.fetchManifest(RegistryStorage.tagFor(keyId));
  }

  async getManifestByDigest(digest: Digest): Promise<StoredManifest | undefined> {
    return isDigest(digest) ? this.fetchManifest(digest) : undefined;
  }

  private async fetchManifest(ref: string): Promise<StoredManifest | undefined> {
    const repo = this.repository;
    const res = await this.client.request({
      method: 'GET',
      url: `/v2/${repo}/manifests/${ref}`,
      repository: repo,
      scopes: this.pull,
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
    });
    if (res.status === 404) {
      res.discard();
      return undefined;
    }
    if (res.status !== 200) throw await this.client.fail(res, repo, `GET manifest ${ref.slice(0, 19)}`);
    const bytes = await res.bytes(8 * 1024 * 1024);
    const digest = sha256Digest(bytes);
    if (ref.startsWith('sha256:') && ref !== digest)
      throw integrityError(`${this.description}: manifest ${ref} hashes to ${digest}`);
    const mediaType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    return isManifestMediaType(mediaType) ? { digest, mediaType, bytes } : undefined;
  }

  async putManifest(manifest: StoredManifest, keyId?: string): Promise<void> {
    const repo = this.repository;
    const ref = keyId === undefined ? manifest.digest : RegistryStorage.tagFor(keyId);
    const res = await this.client.request({
      method: 'PUT',
      url: `/v2/${repo}/manifests/${ref}`,
      repository: repo,
      scopes: this.push,
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
    });
    if (res.status !== 201 && res.status !== 200 && res.status !== 204)
      throw await this.client.fail(res, repo, `PUT manifest ${ref.slice(0, 19)}`);
    const got = res.headers['docker-content-digest'];
    res.discard();
    if (typeof got === 'string' && got !== manifest.digest)
      throw integrityError(`${this.description} stored manifest ${manifest.digest} as ${got}`);
  }

  async statBlob(digest: Digest): Promise<number | undefined> {
    const repo = this.repository;
    const res = await this.client.request({
      method: 'HEAD',
      url: `/v2/${repo}/blobs/${digest}`,
      repository: repo,
      scopes: this.pull,
      redirect: true,
    });
    res.discard();
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw await this.client.fail(res, repo, `HEAD blob ${digest.slice(0, 19)}`);
    const length = Number(res.headers['content-length']);
    return Number.isFinite(length) ? length : undefined;
  }

  /** Used only where a redirect can't be (blobUrl covers GETs); streams through this server. */
  async getBlob(digest: Digest, range?: ByteRange): Promise<BlobBody | undefined> {
    const size = await this.statBlob(digest);
    if (size === undefined) return undefined;
    const repo = this.repository;
    const res = await this.client.request({
      method: 'GET',
      url: `/v2/${repo}/blobs/${digest}`,
      repository: repo,
      scopes: this.pull,
      redirect: true,
      ...(range ? { headers: { range: `bytes=${range.start}-${range.end}` } } : {}),
    });
    if (res.status === 404) {
      res.discard();
      return undefined;
    }
    if (res.status !== 200 && res.status !== 206)
      throw await this.client.fail(res, repo, `GET blob ${digest.slice(0, 19)}`);
    if (range && res.status === 200) throw integrityError(`${this.description} ignored a Range request for ${digest}`);
    return { size, stream: Readable.toWeb(res.message) as ReadableStream<Uint8Array> };
  }

  async putBlob(descriptor: Descriptor, source: BlobSource): Promise<void> {
    const repo = this.repository;
    if (await this.client.blobExists(repo, descriptor.digest, this.push)) return;
    const session = await startUpload(this.client, repo, this.push);
    if (session.mounted) return;
    const open = (range?: { start: number; end: number }): Readable => {
      if (source.path) return createReadStream(source.path, range);
      if (!range) return Readable.from(source.open());
      return Readable.from(slice(source.open(), range.start, range.end));
    };
    await uploadBlob(
      this.client,
      repo,
      this.push,
      session,
      { digest: descriptor.digest, size: descriptor.size, open },
      this.upload,
    );
  }

  async blobUrl(digest: Digest): Promise<string | undefined> {
    await this.client.ping();
    return new URL(`/v2/${this.repository}/blobs/${digest}`, this.client.baseUrl).href;
  }
}

/** Bytes start..end (inclusive) of a stream. */
async function* slice(source: AsyncIterable<Uint8Array>, start: number, end: number): AsyncIterable<Uint8Array> {
  let offset = 0;
  for await (const chunk of source) {
    const from = Math.max(0, start - offset);
    const to = Math.min(chunk.byteLength, end + 1 - offset);
    if (to > from) yield chunk.subarray(from, to);
    offset += chunk.byteLength;
    if (offset > end) return;
  }
}
