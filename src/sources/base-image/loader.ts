/**
 * The spec's base image, loaded at most once per architecture and pin for one build or lock:
 * resolution needs its packages, the build its layers, config and packages again.
 */
import type { Digest } from '../../image/digest.js';
import { platformFor } from '../../image/platform.js';
import type { ClientOptions } from '../../registry-client/client.js';
import type { BaseImage } from './image.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { BaseInventory } from '../debian/base/inventory.js';
import type { BaseForLock } from '../debian/resolve.js';
import { debArch } from '../debian/arch.js';

export interface LoadedBase {
  image: BaseImage;
  inventory: BaseInventory;
}

export interface BaseLoader extends BaseForLock {
  load(arch: string, pin?: Digest): Promise<LoadedBase>;
}

export interface BaseLoaderOptions extends ClientOptions {
  store: BlobStore;
  cacheDir: string;
  log?: (message: string) => void;
}

/**
 * `ref` is what the spec says (for the lock); `resolvedRef` the same with a layout path made
 * absolute (for loading).
 */
export function baseLoader(ref: string, resolvedRef: string, options: BaseLoaderOptions): BaseLoader {
  const loads = new Map<string, Promise<LoadedBase>>();
  const load = (arch: string, pin?: Digest): Promise<LoadedBase> => {
    const key = `${arch} ${pin ?? ''}`;
    let loading = loads.get(key);
    if (!loading) {
      loading = (async () => {
        const { loadBaseImage } = await import('./image.js');
        const { store, cacheDir, log, ...client } = options;
        const image = await loadBaseImage(resolvedRef, platformFor(arch), store, {
          ...client,
          cacheDir,
          ...(pin ? { pin } : {}),
        });
        // The layer scanner loads only for a build on a base.
        const { baseInventory } = await import('../debian/base/inventory.js');
        const inventory = await baseInventory(image, { ...client, store, cacheDir, debArch: debArch(arch) });
        const from =
          inventory.from === 'none'
            ? 'no Debian packages found'
            : `${inventory.packages.length} Debian packages (from its ${inventory.from === 'dpkg' ? 'dpkg database' : 'SBOM'})`;
        log?.(`${arch}: base image ${image.name}@${image.rootDigest.slice(0, 19)}: ${from}`);
        return { image, inventory };
      })();
      loading.catch(() => loads.delete(key));
      loads.set(key, loading);
      loading.then((b) => loads.set(`${arch} ${b.image.rootDigest}`, loading!)).catch(() => undefined);
    }
    return loading;
  };
  return {
    ref,
    load,
    installed: async (arch, pin) => {
      const { image, inventory } = await load(arch, pin);
      return { rootDigest: image.rootDigest, packages: inventory.packages };
    },
  };
}
