/**
 * The spec's own tree cut into layers by origin (layers/plan.ts: install effects, system files,
 * host libraries, the application), after the part layers. Part entries in it (the merged-/usr
 * links, there only to steer placement) are in the part layers already.
 */
import type { Compression } from '../layers/compression/codecs.js';
import { writeLayer } from '../layers/layer.js';
import { DEFAULT_LAYER_RULES, planLayers } from '../layers/plan.js';
import type { BlobStore } from '../store/blob-store.js';
import type { FsTree } from '../tree/fs-tree.js';
import type { Layer } from '../image/layer.js';
import { builtLayer } from './built-layer.js';

export async function specLayers(
  tree: FsTree,
  options: { store: BlobStore; mtime: number; compression: Compression; log: (m: string) => void },
): Promise<Layer[]> {
  const rules = [
    { name: 'from-packages', createdBy: '', match: (e: { origin: { kind: string } }) => e.origin.kind === 'package' },
    ...DEFAULT_LAYER_RULES,
  ];
  const layers: Layer[] = [];
  for (const plan of planLayers(tree, rules).filter((p) => p.name !== 'from-packages')) {
    const blob = await writeLayer(plan.entries, options.store, {
      mtime: options.mtime,
      compression: options.compression,
    });
    layers.push(builtLayer(blob, plan.name, plan.createdBy, plan.entries.length, options.store));
    options.log(`layer ${plan.name}: ${plan.entries.length} entries, ${blob.size} bytes`);
  }
  return layers;
}
