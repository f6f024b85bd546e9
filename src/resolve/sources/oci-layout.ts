import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { PithError } from '../../errors.js';
import { isDigest, type Digest } from '../../image/digest.js';
import type { Descriptor, Platform } from '../../image/types.js';
import { isImageConfigMediaType, isIndexMediaType, isManifestMediaType, parseManifest, verifyDigest } from '../../registry-client/manifest.js';
import { BlobStore } from '../../store/blob-store.js';
import type { BuiltImage, ImageArtifact } from '../../image/artifact.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';

/**
 * `DIR` or `DIR:TAG`. An existing path wins as a whole (a directory may contain ':'); otherwise
 * the part after the last ':' is the tag when it has no '/'.
 */
export async function parseLayoutArg(arg: string): Promise<{ dir: string; tag?: string }> {
  if (await isDir(arg)) return { dir: arg };
  const colon = arg.lastIndexOf(':');
  if (colon > 0 && !arg.slice(colon + 1).includes('/') && arg.slice(colon + 1) !== '') return { dir: arg.slice(0, colon), tag: arg.slice(colon + 1) };
  return { dir: arg };
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readJson<T>(path: string, what: string): Promise<{ value: T; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new PithError('input', `${what}: ${path} is missing`);
  }
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as T, bytes };
  } catch {
    throw new PithError('input', `${what}: ${path} is not valid JSON`);
  }
}

/** The index.json entry for a tag (or the only entry when no tag is given). */
export async function layoutEntry(dir: string, tag?: string): Promise<Descriptor> {
  const where = `OCI layout ${dir}`;
  if (!(await isDir(dir))) throw new PithError('input', `${where}: no such directory`);
  const layout = await readJson<{ imageLayoutVersion?: string }>(join(dir, 'oci-layout'), where).catch(() => {
    throw new PithError('input', `${dir} is not an OCI image layout (no valid oci-layout file)`);
  });
  if (typeof layout.value.imageLayoutVersion !== 'string') throw new PithError('input', `${where}: oci-layout has no imageLayoutVersion`);
  const index = (await readJson<{ manifests?: Descriptor[] }>(join(dir, 'index.json'), where)).value;
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  if (entries.length === 0) throw new PithError('input', `${where}: index.json lists no images`);
  const tags = entries.map((e) => e.annotations?.[REF_NAME]).filter((t): t is string => typeof t === 'string');
  if (tag !== undefined) {
    const found = entries.filter((e) => e.annotations?.[REF_NAME] === tag);
    if (found.length === 0) {
      throw new PithError('input', `${where} has no image tagged "${tag}"`, { hint: tags.length ? `tags: ${[...new Set(tags)].join(', ')}` : 'it has no tags' });
    }
    if (found.length > 1) throw new PithError('input', `${where}: several images are tagged "${tag}"`);
    return found[0]!;
  }
  if (entries.length > 1) {
    throw new PithError('input', `${where} holds ${entries.length} images: pick one as ${dir}:TAG`, { hint: tags.length ? `tags: ${[...new Set(tags)].join(', ')}` : undefined });
  }
  return entries[0]!;
}

/**
 * Reads an OCI layout (written by pith, skopeo, umoci, buildah, docker save...) back into an
 * ImageArtifact whose store is the layout's own blobs directory. Manifests and configs are
 * read and checked against their digests; layers are checked for presence and size.
 */
export async function readOciLayout(dirArg: string, tag?: string): Promise<ImageArtifact> {
  const dir = resolve(dirArg);
  const entry = await layoutEntry(dir, tag);
  const where = `OCI layout ${dirArg}`;
  const store = new BlobStore(join(dir, 'blobs'));
  const blobs = new Map<string, Descriptor>();
  const images: BuiltImage[] = [];

  const blob = async (d: Descriptor): Promise<void> => {
    if (!isDigest(d.digest)) throw new PithError('input', `${where}: unsupported digest ${d.digest} (pith handles sha256 only)`);
    let size: number;
    try {
      size = await store.size(d.digest);
    } catch {
      throw new PithError('input', `${where}: blob ${d.digest} is missing`, { hint: 'the layout is incomplete (a sparse copy?)' });
    }
    if (size !== d.size) throw new PithError('integrity', `${where}: blob ${d.digest} is ${size} bytes, its descriptor says ${d.size}`);
    blobs.set(d.digest, d);
  };

  const visit = async (d: Descriptor, platform: Platform | undefined, depth: number): Promise<void> => {
    if (depth > 4) throw new PithError('input', `${where}: indexes nested too deep`);
    await blob(d);
    const bytes = await store.readBytes(d.digest);
    verifyDigest(bytes, d.digest, `${where}: manifest ${d.digest}`);
    const m = parseManifest(bytes, d.mediaType, `${where}: manifest ${d.digest}`);
    if (m.kind === 'index') {
      for (const child of m.value.manifests) {
        if (isIndexMediaType(child.mediaType) || isManifestMediaType(child.mediaType)) await visit(child, child.platform, depth + 1);
        else await blob(child);
      }
      return;
    }
    const manifest = m.value;
    await blob(manifest.config);
    for (const layer of manifest.layers) await blob(layer);
    if (!isImageConfigMediaType(manifest.config.mediaType)) return; // an attestation or artifact: pushed, not an image
    const configBytes = await store.readBytes(manifest.config.digest);
    verifyDigest(configBytes, manifest.config.digest, `${where}: config ${manifest.config.digest}`);
    let config: { architecture?: string; os?: string; variant?: string };
    try {
      config = JSON.parse(configBytes.toString('utf8')) as typeof config;
    } catch {
      throw new PithError('input', `${where}: config ${manifest.config.digest} is not valid JSON`);
    }
    const p: Platform = platform ?? { architecture: config.architecture ?? 'unknown', os: config.os ?? 'unknown', ...(config.variant ? { variant: config.variant } : {}) };
    images.push({ platform: p, manifest: { ...d, mediaType: m.mediaType }, config: manifest.config, layers: manifest.layers });
  };

  const root = stripLayoutAnnotations(entry);
  await visit(root, entry.platform, 0);
  if (images.length === 0) throw new PithError('input', `${where}: the ${tag ? `image tagged "${tag}"` : 'image'} holds no container image manifest`);
  const containerdName = entry.annotations?.[CONTAINERD_NAME];
  const refName = entry.annotations?.[REF_NAME];
  const name = containerdName ? containerdName.replace(/(:[^:/]+)?(@sha256:[0-9a-f]+)?$/, '') : basename(dir).replace(/\.oci$/, '');
  return {
    name,
    tag: refName && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(refName) ? refName : tag ?? 'latest',
    root,
    images,
    blobs: [...blobs.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0)),
    store,
  };
}

/** The root descriptor without the annotations that only mean something inside index.json. */
function stripLayoutAnnotations(entry: Descriptor): Descriptor {
  const { annotations, ...rest } = entry;
  const kept = Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => k !== REF_NAME && k !== CONTAINERD_NAME));
  return { ...rest, digest: entry.digest as Digest, ...(Object.keys(kept).length ? { annotations: kept } : {}) };
}
