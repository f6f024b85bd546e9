/**
 * Opens an image for reading from wherever it is: an OCI layout (`DIR[:TAG]`, `oci:DIR[:TAG]`),
 * an oci-archive or docker-archive tar (`oci-archive:FILE`, `docker-archive:FILE`, or a path
 * ending in .tar), or a registry (`[docker://]host/repo[:tag][@digest]`, pulled into a
 * temporary blob store). One platform's image: the host's, or the one asked for.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { PithError, usageError } from '../errors.js';
import { hostArch, platformFor } from '../image/platform.js';
import type { Descriptor, Manifest, Platform } from '../image/types.js';
import { formatPlatform, parseManifest } from '../registry-client/manifest.js';
import { pullImage } from '../registry-client/pull.js';
import { formatReference, parseReference } from '../registry-client/reference.js';
import { readOciLayout } from '../resolve/sources/oci-layout.js';
import { BlobStore } from '../store/blob-store.js';

export interface ImageLayer {
  digest: string;
  mediaType: string;
  /** Compressed size, as the manifest gives it. */
  size: number;
  /** The blob on disk. */
  path: string;
}

/** The raw config JSON (OCI / Docker field names). */
export interface RawConfig {
  created?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string; Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string;
    ExposedPorts?: Record<string, unknown>; Labels?: Record<string, string> | null; Volumes?: Record<string, unknown>;
  };
  rootfs?: { diff_ids?: string[] };
}

export interface OpenedImage {
  /** What was opened, for messages: `oci:out.oci:latest`, `127.0.0.1:5000/a/b:v1`. */
  source: string;
  kind: 'oci' | 'oci-archive' | 'docker-archive' | 'registry';
  platform: Platform;
  /** The platform manifest's digest (absent for a legacy docker-save tar without one). */
  manifestDigest?: string;
  manifestAnnotations: Record<string, string>;
  configDigest: string;
  config: RawConfig;
  layers: ImageLayer[];
  /** Removes temporary files (extracted archives, pulled blobs). */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** `linux/arm64`, `linux/arm/v7`; default the host's. */
  platform?: string;
  insecure?: boolean;
  /** Who is asking, for error messages: `inspect`, `diff`. */
  command: string;
}

/** `os/arch[/variant]`, or `arch` alone (linux). */
export function parsePlatform(text: string, command: string): Platform {
  const parts = text.split('/');
  if (parts.length === 1 && parts[0]) return platformFor(parts[0]);
  if ((parts.length === 2 || parts.length === 3) && parts.every((p) => /^[a-z0-9_.-]+$/.test(p))) {
    return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
  }
  throw usageError(`${command}: invalid --platform "${text}" (expected os/arch[/variant], e.g. linux/arm64)`);
}

async function kindOf(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** `PATH` or `PATH:TAG`: the whole when it exists, else split at the last ':'. */
async function splitTag(arg: string): Promise<{ path: string; tag?: string }> {
  if (await kindOf(arg)) return { path: arg };
  const colon = arg.lastIndexOf(':');
  const tag = arg.slice(colon + 1);
  if (colon > 0 && tag !== '' && !tag.includes('/')) return { path: arg.slice(0, colon), tag };
  return { path: arg };
}

const looksLikePath = (arg: string) => arg.startsWith('/') || arg.startsWith('./') || arg.startsWith('../') || arg === '.' || /\.(oci|tar)(:[^/]*)?$/.test(arg);

export async function openImage(arg: string, options: OpenOptions): Promise<OpenedImage> {
  const { command } = options;
  const wanted = options.platform !== undefined ? parsePlatform(options.platform, command) : undefined;
  if (arg.startsWith('oci:')) return openLayout(arg.slice(4), wanted, command);
  if (arg.startsWith('oci-archive:')) return openArchive(arg.slice('oci-archive:'.length), 'oci-archive', wanted, command);
  if (arg.startsWith('docker-archive:')) return openArchive(arg.slice('docker-archive:'.length), 'docker-archive', wanted, command);
  if (arg.startsWith('docker://')) return openRegistry(arg, wanted, options);
  const { path } = await splitTag(arg);
  const kind = await kindOf(path);
  if (kind === 'dir') return openLayout(arg, wanted, command);
  if (kind === 'file') return openArchive(arg, 'oci-archive', wanted, command);
  if (looksLikePath(arg)) {
    throw new PithError('input', `${command}: no such ${/\.tar(:[^/]*)?$/.test(arg) ? 'archive' : 'layout'}: ${path}`);
  }
  return openRegistry(arg, wanted, options);
}

function choose<T extends { platform: Platform }>(images: T[], wanted: Platform | undefined, where: string): T {
  if (images.length === 1 && !wanted) return images[0]!;
  const want = wanted ?? platformFor(hostArch());
  const match = images.filter((i) => i.platform.os === want.os && i.platform.architecture === want.architecture && (!wanted?.variant || i.platform.variant === wanted.variant));
  if (match.length === 0) {
    throw new PithError('input', `${where} has no image for ${formatPlatform(want)}`, { hint: `it has ${images.map((i) => formatPlatform(i.platform)).join(', ')}; pick one with --platform` });
  }
  return match[0]!;
}

async function openLayout(arg: string, wanted: Platform | undefined, command: string, kind: OpenedImage['kind'] = 'oci', source?: string, cleanup?: () => Promise<void>): Promise<OpenedImage> {
  const { path, tag } = await splitTag(arg);
  if ((await kindOf(path)) !== 'dir') throw new PithError('input', `${command}: no such layout: ${path}`);
  const artifact = await readOciLayout(path, tag);
  const where = source ?? `oci:${arg}`;
  const image = choose(artifact.images, wanted, where);
  const store = artifact.store;
  const manifestBytes = await store.readBytes(image.manifest.digest);
  const manifest = parseManifest(manifestBytes, image.manifest.mediaType, where).value as Manifest;
  const config = JSON.parse((await store.readBytes(image.config.digest)).toString('utf8')) as RawConfig;
  return {
    source: where, kind, platform: image.platform, manifestDigest: image.manifest.digest,
    manifestAnnotations: { ...(artifact.root.annotations ?? {}), ...(manifest.annotations ?? {}) },
    configDigest: image.config.digest, config,
    layers: image.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, path: store.pathOf(l.digest) })),
    close: cleanup ?? (async () => undefined),
  };
}

/** Extracts a tar's regular files under `dest`, refusing paths that leave it. */
async function extractTar(file: string, dest: string): Promise<void> {
  const root = resolve(dest);
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^(\.\/|\/)+/, '');
    const target = resolve(root, name);
    if (header.type !== 'file' || name === '' || (target !== root && !target.startsWith(root + sep))) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    mkdir(dirname(target), { recursive: true })
      .then(() => pipeline(stream, createWriteStream(target)))
      .then(() => next(), (err: unknown) => next(err as Error));
  });
  await pipeline(createReadStream(file), ex);
}

async function openArchive(arg: string, kind: 'oci-archive' | 'docker-archive', wanted: Platform | undefined, command: string): Promise<OpenedImage> {
  const { path, tag } = await splitTag(arg);
  if ((await kindOf(path)) !== 'file') throw new PithError('input', `${command}: no such archive: ${path}`);
  const tmp = await mkdtemp(join(tmpdir(), 'pith-inspect-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  try {
    try {
      await extractTar(path, tmp);
    } catch (err) {
      throw new PithError('input', `${command}: ${path} is not a readable tar: ${(err as Error).message}`);
    }
    const source = `${kind}:${arg}`;
    if (await kindOf(join(tmp, 'index.json'))) return await openLayout(tag ? `${tmp}:${tag}` : tmp, wanted, command, kind, source, cleanup);
    if (await kindOf(join(tmp, 'manifest.json'))) return await openDockerSave(tmp, source, tag, command, cleanup);
    throw new PithError('input', `${command}: ${path} is neither an oci-archive nor a docker-archive (no index.json or manifest.json)`);
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A docker save tar from before Docker 25: manifest.json naming a config and layer files. */
async function openDockerSave(dir: string, source: string, tag: string | undefined, command: string, cleanup: () => Promise<void>): Promise<OpenedImage> {
  let list: Array<{ Config: string; RepoTags?: string[]; Layers: string[] }>;
  try {
    list = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as typeof list;
  } catch {
    throw new PithError('input', `${command}: ${source}: manifest.json is not valid JSON`);
  }
  const entry = tag ? list.find((m) => (m.RepoTags ?? []).some((t) => t.endsWith(`:${tag}`))) : list[0];
  if (!entry) throw new PithError('input', `${command}: ${source} has no image ${tag ? `tagged "${tag}"` : ''}`.trimEnd());
  const inside = (p: string) => {
    const full = resolve(dir, p);
    if (!full.startsWith(resolve(dir) + sep)) throw new PithError('input', `${command}: ${source}: manifest.json names ${p}, outside the archive`);
    return full;
  };
  const configBytes = await readFile(inside(entry.Config));
  const config = JSON.parse(configBytes.toString('utf8')) as RawConfig;
  const layers: ImageLayer[] = [];
  for (const l of entry.Layers) {
    const full = inside(l);
    const hash = createHash('sha256');
    await pipeline(createReadStream(full), hash);
    layers.push({ digest: `sha256:${hash.digest('hex')}`, mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: (await stat(full)).size, path: full });
  }
  return {
    source, kind: 'docker-archive',
    platform: { os: config.os ?? 'linux', architecture: config.architecture ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) },
    manifestAnnotations: {}, configDigest: `sha256:${createHash('sha256').update(configBytes).digest('hex')}`, config, layers, close: cleanup,
  };
}

async function openRegistry(arg: string, wanted: Platform | undefined, options: OpenOptions): Promise<OpenedImage> {
  const ref = parseReference(arg);
  const tmp = await mkdtemp(join(tmpdir(), 'pith-inspect-'));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  try {
    const store = new BlobStore(join(tmp, 'blobs'));
    const pulled = await pullImage(ref, wanted ?? platformFor(hostArch()), { store, insecure: options.insecure ?? false, cacheDir: join(tmp, 'cache') });
    const config = JSON.parse(pulled.configBytes.toString('utf8')) as RawConfig;
    return {
      source: formatReference(ref), kind: 'registry', platform: pulled.platform, manifestDigest: pulled.manifest.digest,
      manifestAnnotations: pulled.value.annotations ?? {}, configDigest: pulled.config.digest, config,
      layers: pulled.layers.map((l: Descriptor) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size, path: store.pathOf(l.digest) })),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
