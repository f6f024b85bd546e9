/**
 * An OCI image layout directory (`oci:DIR[:TAG]`), read and written: pith's own, skopeo's,
 * umoci's, buildah's, docker save's. Reading checks every manifest and config against its digest
 * and every blob for presence and size; writing is atomic (beside `dest`, then renamed).
 */
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { buildError, PithError } from '../errors.js';
import type { ImageSet } from '../image/image.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { Descriptor } from '../image/types.js';
import { tempSibling } from '../store/atomic.js';
import { BlobStore } from '../store/blob-store.js';
import {
  blobPath,
  CONTAINERD_NAME,
  layoutIndex,
  OCI_LAYOUT_BYTES,
  REF_NAME,
  withoutLayoutAnnotations,
} from './layout-files.js';
import { readImage, readImages } from './store-images.js';
import type { OpenedImage, OpenImageOptions, Transport } from './types.js';

/**
 * `DIR` or `DIR:TAG`. An existing path wins as a whole (a directory may contain ':'); otherwise
 * the part after the last ':' is the tag when it has no '/'.
 */
export async function parseLayoutArg(arg: string): Promise<{ dir: string; tag?: string }> {
  if (await isDir(arg)) return { dir: arg };
  const colon = arg.lastIndexOf(':');
  if (colon > 0 && !arg.slice(colon + 1).includes('/') && arg.slice(colon + 1) !== '')
    return { dir: arg.slice(0, colon), tag: arg.slice(colon + 1) };
  return { dir: arg };
}

export async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readJson<T>(path: string, what: string): Promise<T> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new PithError('input', `${what}: ${path} is missing`);
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
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
  if (typeof layout.imageLayoutVersion !== 'string')
    throw new PithError('input', `${where}: oci-layout has no imageLayoutVersion`);
  const index = await readJson<{ manifests?: Descriptor[] }>(join(dir, 'index.json'), where);
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  if (entries.length === 0) throw new PithError('input', `${where}: index.json lists no images`);
  const tags = [
    ...new Set(entries.map((e) => e.annotations?.[REF_NAME]).filter((t): t is string => typeof t === 'string')),
  ];
  if (tag !== undefined) {
    const found = entries.filter((e) => e.annotations?.[REF_NAME] === tag);
    if (found.length === 0)
      throw new PithError('input', `${where} has no image tagged "${tag}"`, {
        hint: tags.length ? `tags: ${tags.join(', ')}` : 'it has no tags',
      });
    if (found.length > 1) throw new PithError('input', `${where}: several images are tagged "${tag}"`);
    return found[0]!;
  }
  if (entries.length > 1) {
    throw new PithError('input', `${where} holds ${entries.length} images: pick one as ${dir}:TAG`, {
      hint: tags.length ? `tags: ${tags.join(', ')}` : undefined,
    });
  }
  return entries[0]!;
}

/**
 * A layout read back into an ImageSet whose store is the layout's own blobs directory: every
 * image the entry reaches, every blob checked.
 */
export async function readOciLayout(dirArg: string, tag?: string): Promise<ImageSet> {
  const dir = resolve(dirArg);
  const entry = await layoutEntry(dir, tag);
  const where = `OCI layout ${dirArg}`;
  const store = new BlobStore(join(dir, 'blobs'));
  const root = withoutLayoutAnnotations(entry);
  const { images, blobs } = await readImages(store, root, where);
  if (images.length === 0)
    throw new PithError(
      'input',
      `${where}: the ${tag ? `image tagged "${tag}"` : 'image'} holds no container image manifest`,
    );
  const containerdName = entry.annotations?.[CONTAINERD_NAME];
  const refName = entry.annotations?.[REF_NAME];
  const name = containerdName
    ? containerdName.replace(/(:[^:/]+)?(@sha256:[0-9a-f]+)?$/, '')
    : basename(dir).replace(/\.oci$/, '');
  return {
    name,
    tag: refName && /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(refName) ? refName : (tag ?? 'latest'),
    root,
    images,
    blobs,
    store,
  };
}

/** What the layer-level reader needs of an archive opener: its name for messages, and cleanup. */
export interface LayoutContext {
  kind?: OpenedImage['kind'];
  source?: string;
  origin?: OpenedImage['origin'];
  close?: () => Promise<void>;
}

/** One platform's image of `DIR[:TAG]` (the layout itself read in place). */
export async function openLayout(
  arg: string,
  options: OpenImageOptions = {},
  context: LayoutContext = {},
): Promise<OpenedImage> {
  const { dir, tag } = await parseLayoutArg(arg);
  if (options.command && !(await isDir(dir)))
    throw new PithError('input', `${options.command}: no such layout: ${dir}`);
  const source = context.source ?? `oci:${arg}`;
  const where = options.where ?? source;
  const store = new BlobStore(join(resolve(dir), 'blobs'));
  const entry = await layoutEntry(dir, tag);
  let root = withoutLayoutAnnotations(entry);
  if (options.digest) {
    if (!(await store.has(options.digest))) {
      throw new PithError('input', `${where} no longer holds ${options.digest}, the image the lock pins`, {
        hint: 'run pith lock to build on the image it holds now',
      });
    }
    // A pin names the root by digest: its media type comes from the manifest's own JSON.
    root = { mediaType: '', digest: options.digest, size: await store.size(options.digest) };
  }
  const image = await readImage(store, root, where, {
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.platformHint ? { platformHint: options.platformHint } : {}),
  });
  // A name that doesn't depend on where the layout sits, so builds on it stay reproducible.
  const name =
    entry.annotations?.[CONTAINERD_NAME] ??
    `${basename(resolve(dir))}:${entry.annotations?.[REF_NAME] ?? tag ?? 'latest'}`;
  return {
    ...image,
    source,
    kind: context.kind ?? 'oci',
    name,
    root,
    origin: context.origin ?? { kind: 'layout', dir: resolve(dir) },
    close: context.close ?? (async () => undefined),
  };
}

/**
 * Writes an OCI image layout directory. Written beside `dest` and renamed into place, so a failed
 * build leaves nothing there; an existing layout at `dest` is replaced, anything else refused.
 */
export async function writeLayout(set: ImageSet, dest: string): Promise<void> {
  await checkReplaceable(dest);
  const tmp = tempSibling(dest);
  try {
    await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(tmp, 'oci-layout'), OCI_LAYOUT_BYTES);
    for (const blob of set.blobs) await set.store.export(blob.digest, join(tmp, blobPath(blob.digest)));
    await writeFile(join(tmp, 'index.json'), stableJsonBytes(layoutIndex(set)));
    await replaceDir(tmp, dest);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export const ociLayoutTransport: Transport = {
  name: 'oci',
  description: 'an OCI image layout directory',
  open: openLayout,
  write: writeLayout,
};

async function checkReplaceable(dest: string): Promise<void> {
  let info;
  try {
    info = await stat(dest);
  } catch {
    return;
  }
  if (!info.isDirectory())
    throw buildError(`output ${dest} exists and is not a directory (remove it or choose another -o)`);
  const names = await readdir(dest);
  if (names.length > 0 && !names.includes('oci-layout')) {
    throw buildError(
      `output ${dest} is a non-empty directory that is not an OCI layout (remove it or choose another -o)`,
    );
  }
}

async function replaceDir(tmp: string, dest: string): Promise<void> {
  try {
    await rename(tmp, dest);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  // rename() can't replace a non-empty directory: move the old one aside first.
  const old = tempSibling(dest);
  await rename(dest, old);
  await rename(tmp, dest);
  await rm(old, { recursive: true, force: true });
}
