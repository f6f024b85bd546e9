/**
 * docker save's tar from before Docker 25: manifest.json naming a config file and uncompressed
 * layer tars, no manifest. The image is made of them with a Docker manifest made up for it (so
 * its digest is no registry's: `synthesized`); each layer file moves into a blob store by digest.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PithError } from '../errors.js';
import { asDigest, sha256Digest } from '../image/digest.js';
import type { Layer } from '../image/layer.js';
import { MediaType } from '../image/media-types.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { Manifest } from '../image/types.js';
import { BlobStore } from '../store/blob-store.js';
import { imageConfigOf } from './image-config.js';
import type { LayoutContext } from './oci-layout.js';
import type { OpenedImage, OpenImageOptions } from './types.js';

const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

interface SaveEntry {
  Config: string;
  RepoTags?: string[];
  Layers: string[];
}

/** `dir` holds the extracted archive; the layers move to a store at `blobsDir`. */
export async function openDockerSave(
  dir: string,
  blobsDir: string,
  tag: string | undefined,
  options: OpenImageOptions,
  context: LayoutContext,
): Promise<OpenedImage> {
  const said = options.command ? `${options.command}: ` : '';
  const source = context.source ?? dir;
  const entry = await readSaveEntry(dir, tag, `${said}${source}`);
  const inside = (p: string) => {
    const full = resolve(dir, p);
    if (!full.startsWith(resolve(dir) + sep))
      throw new PithError('input', `${said}${source}: manifest.json names ${p}, outside the archive`);
    return full;
  };
  const rawConfig = await readFile(inside(entry.Config));
  const config = imageConfigOf(rawConfig, options.where ?? source);
  const layers = await moveLayers(entry.Layers, inside, new BlobStore(blobsDir));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, digest: sha256Digest(rawConfig), size: rawConfig.byteLength },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const rawManifest = stableJsonBytes(manifest);
  const digest = sha256Digest(rawManifest);
  return {
    mediaType: MediaType.dockerManifest,
    digest,
    size: rawManifest.byteLength,
    platform: {
      os: config.os || 'linux',
      architecture: config.architecture || 'unknown',
      ...(config.variant ? { variant: config.variant } : {}),
    },
    manifest,
    config,
    layers,
    rawManifest,
    rawConfig,
    source,
    kind: 'docker-archive',
    name: entry.RepoTags?.[0] ?? source,
    root: { mediaType: MediaType.dockerManifest, digest, size: rawManifest.byteLength },
    origin: context.origin ?? { kind: 'archive', file: dir },
    synthesized: true,
    close: context.close ?? (async () => undefined),
  };
}

/** The manifest.json entry for `tag` (the first when none is asked for); `what` starts its errors. */
async function readSaveEntry(dir: string, tag: string | undefined, what: string): Promise<SaveEntry> {
  let list: SaveEntry[];
  try {
    list = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as SaveEntry[];
  } catch {
    throw new PithError('input', `${what}: manifest.json is not valid JSON`);
  }
  const entry = tag ? list.find((m) => (m.RepoTags ?? []).some((t) => t.endsWith(`:${tag}`))) : list[0];
  if (!entry) throw new PithError('input', `${what} has no image ${tag ? `tagged "${tag}"` : ''}`.trimEnd());
  return entry;
}

/** The layer files moved into the store in order (each path checked by `inside`); a file named twice moves once. */
async function moveLayers(files: string[], inside: (p: string) => string, store: BlobStore): Promise<Layer[]> {
  const moved = new Map<string, Layer>();
  const layers: Layer[] = [];
  for (const file of files) {
    const path = inside(file);
    const layer = moved.get(path) ?? (await moveLayer(path, store));
    moved.set(path, layer);
    layers.push(layer);
  }
  return layers;
}

/** An uncompressed layer tar: its digest is its diff_id. */
async function moveLayer(path: string, store: BlobStore): Promise<Layer> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  const digest = asDigest(`sha256:${hash.digest('hex')}`);
  const size = (await stat(path)).size;
  if (!(await store.has(digest))) {
    await mkdir(join(store.root, 'sha256'), { recursive: true });
    await rename(path, store.pathOf(digest));
  }
  return { mediaType: DOCKER_LAYER_TAR, digest, size, diffId: digest, store };
}
