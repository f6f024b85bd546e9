/**
 * What a layer does to the filesystem below it, read as runtimes apply OCI layers: `.wh.NAME`
 * deletes NAME and what is under it, `.wh..wh..opq` hides what lower layers put in its directory,
 * and an entry that turns a directory into a non-directory (or back) hides what was below it.
 * One place for inspect's walk, a base image's tree and the scan of its packages.
 */

/** A layer's whiteout markers, as paths of the image (no leading slash). */
export interface LayerWhiteouts {
  /** Directories a `.wh..wh..opq` empties of what lower layers put there. */
  opaqueDirs: readonly string[];
  /** Paths a `.wh.NAME` deletes, with everything under them. */
  whiteouts: readonly string[];
}

export interface LayerChanges<E extends { path: string; type: string }> extends LayerWhiteouts {
  /** The layer's own entries, in tar order (a later one wins). */
  entries: readonly E[];
}

/**
 * Records `path` (normalized, no leading slash) in `opaqueDirs` or `whiteouts` when it is a
 * whiteout marker; says whether it was one (a marker is never an entry of the image).
 */
export function noteWhiteout(path: string, opaqueDirs: string[], whiteouts: string[]): boolean {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  if (!name.startsWith('.wh.')) return false;
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (name === '.wh..wh..opq') opaqueDirs.push(dir);
  else whiteouts.push(dir ? `${dir}/${name.slice(4)}` : name.slice(4));
  return true;
}

/** Puts one layer on top of `fs` (paths to entries): its whiteouts first, then its entries. */
export function applyLayerChanges<E extends { path: string; type: string }>(
  fs: Map<string, E>,
  layer: LayerChanges<E>,
): void {
  for (const dir of layer.opaqueDirs) removeUnder(fs, dir, false);
  for (const path of layer.whiteouts) removeUnder(fs, path, true);
  for (const e of layer.entries) {
    const previous = fs.get(e.path);
    if (previous && (previous.type === 'dir') !== (e.type === 'dir')) removeUnder(fs, e.path, false);
    fs.set(e.path, e);
  }
}

/** The image's filesystem from its layers, bottom first. */
export function mergeLayerChanges<E extends { path: string; type: string }>(
  layers: Iterable<LayerChanges<E>>,
): Map<string, E> {
  const fs = new Map<string, E>();
  for (const layer of layers) applyLayerChanges(fs, layer);
  return fs;
}

function removeUnder(fs: Map<string, unknown>, dir: string, includeSelf: boolean): void {
  const prefix = dir === '' ? '' : `${dir}/`;
  for (const key of [...fs.keys()]) if ((includeSelf && key === dir) || key.startsWith(prefix)) fs.delete(key);
}
