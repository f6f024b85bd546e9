/**
 * The spec's base image as a source: its layers are passed through as they are, its config is
 * inherited (as a Dockerfile's FROM), its files are what trimming and install effects see below
 * the image (tree.ts, read only when asked), and its packages and merged-/usr links come from
 * its dpkg database or SBOM (loader.ts). From a lock, the image it pins; else what the reference
 * names now.
 */
import type { Digest } from '../../image/digest.js';
import type { Source } from '../source.js';
import { baseLoader, type BaseLoader, type BaseLoaderOptions } from './loader.js';

export type BaseImageSource = Source & BaseLoader;

/** `ref` is what the spec says (for the lock); `resolvedRef` the same with a layout path made absolute. */
export function baseImage(ref: string, resolvedRef: string, options: BaseLoaderOptions): BaseImageSource {
  const loader = baseLoader(ref, resolvedRef, options);
  return {
    ...loader,
    name: 'base image',
    contribute: async (ctx) => {
      const { image, inventory } = await loader.load(
        ctx.arch,
        ctx.pins?.lock.inputs.base?.digest as Digest | undefined,
      );
      const history = image.config.history.filter((h) => !h.empty_layer);
      return {
        layers: image.layers.map((layer, i) => ({
          ...layer,
          name: `base: ${i}`,
          createdBy: history[i]?.created_by ?? `base ${image.name}`,
          comment: `from ${image.name}`,
        })),
        below: {
          key: image.layers.map((l) => l.diffId),
          // Read again each time it is asked for: the whole base in memory only while it is used.
          entries: async () => (await import('./tree.js')).baseTreeEntries(image, options.store),
        },
        links: inventory.mergedUsr,
        config: { image: image.config.config },
        sbom: { base: { name: `${image.name}@${image.digest}`, packages: inventory.packages } },
        annotations: { 'org.opencontainers.image.base.digest': image.digest },
      };
    },
  };
}
