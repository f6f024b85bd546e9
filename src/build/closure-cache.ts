/**
 * The closure cache: a `trim: closure` image (layer blobs, SBOM facts and files, --explain text)
 * remembered under a key of every input, so a warm build reads no .deb. A hit is used only when
 * the entry passes its checksum and every layer blob is in the store and hashes to its digest.
 */
import type { LayerBlob } from '../layers/layer.js';
import { LayerCache, trustedBlob } from '../layers/layer-cache.js';
import { compressionIdentity } from '../layers/compression/codecs.js';
import type { SbomFile } from '../sbom/model.js';
import type { BlobStore } from '../store/blob-store.js';
import { readCheckedJson, writeCheckedJson } from '../store/checked-json.js';
import { fileSha256 } from '../tree/file-bytes.js';
import type { FsTree } from '../tree/fs-tree.js';
import type { Layer } from '../image/layer.js';
import { builtLayer } from './built-layer.js';
import type { PartFacts, PartSet } from '../sources/source.js';
import type { ClosureImage, ClosureImageOptions } from './closure-types.js';
import { codeIdentity } from './code-identity.js';

/** What the closure cache remembers of a build: enough to assemble the image without reading a .deb. */
interface CachedClosureImage {
  layers: Array<{ blob: LayerBlob; name: string; createdBy: string; entries: number }>;
  packages: string[];
  notes: string[];
  facts: Array<[string, PartFacts]>;
  files: SbomFile[];
  explanation: string;
}

const blobOf = (l: Layer): LayerBlob => ({
  mediaType: l.mediaType,
  digest: l.digest,
  size: l.size,
  diffId: l.diffId,
  uncompressedSize: l.uncompressedSize ?? -1,
});

export async function recallClosureImage(path: string, store: BlobStore): Promise<ClosureImage | undefined> {
  const value = (await readCheckedJson(path)) as CachedClosureImage | undefined;
  if (
    !value ||
    !Array.isArray(value.layers) ||
    !Array.isArray(value.facts) ||
    !Array.isArray(value.files) ||
    typeof value.explanation !== 'string'
  )
    return undefined;
  if (!isStringList(value.packages) || !isStringList(value.notes)) return undefined;
  const layers: Layer[] = [];
  for (const layer of value.layers) {
    const blob = await trustedBlob(store, layer?.blob);
    if (!blob || typeof layer.name !== 'string' || typeof layer.createdBy !== 'string') return undefined;
    layers.push(builtLayer(blob, layer.name, layer.createdBy, layer.entries, store));
  }
  return {
    layers,
    packages: value.packages,
    notes: value.notes,
    facts: new Map(value.facts),
    files: value.files,
    explanation: value.explanation,
  };
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Every input of a closure image, hashed: host files by content, so an edited file is a miss. */
export async function closureKey(
  sets: readonly PartSet[],
  appTree: FsTree,
  options: ClosureImageOptions,
): Promise<string> {
  const entries = [];
  for (const entry of appTree.list()) {
    if (entry.origin.kind === 'package' || (entry.type === 'dir' && appTree.isImplicit(entry.path))) continue;
    const { path, type, mode, uid, gid } = entry;
    let content: string | undefined;
    if (entry.type === 'file') {
      content = await fileSha256(entry);
    }
    entries.push({
      path,
      type,
      mode,
      uid,
      gid,
      origin: entry.origin,
      content,
      target: entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : undefined,
    });
  }
  return LayerCache.key({
    kind: 'closure-image',
    code: await codeIdentity(),
    parts: sets.flatMap((s) => s.parts.map((p) => ({ name: p.name, key: p.key }))),
    entries,
    roots: options.roots,
    path: options.path,
    named: options.named,
    keep: options.keep,
    libraryPath: options.libraryPath ?? [],
    mtime: options.mtime,
    compression: compressionIdentity(options.compression),
    ...(options.below ? { base: options.below.key } : {}),
  });
}

export async function rememberClosureImage(path: string, image: ClosureImage): Promise<void> {
  const cached: CachedClosureImage = {
    layers: image.layers.map((l) => ({
      blob: blobOf(l),
      name: l.name ?? '',
      createdBy: l.createdBy ?? '',
      entries: l.entries ?? -1,
    })),
    packages: image.packages,
    notes: image.notes,
    facts: [...image.facts],
    files: image.files,
    explanation: image.explanation,
  };
  await writeCheckedJson(path, cached);
}
