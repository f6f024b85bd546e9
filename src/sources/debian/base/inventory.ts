/**
 * What a base image already holds, for building on it: its Debian packages (so they are not
 * added again, and the SBOM lists them), with their licences, and its merged-/usr links (so new
 * package layers and user files go through them instead of shadowing them with directories).
 *
 * Packages come from the dpkg database as the image's layers leave it: distroless' and pith's
 * `var/lib/dpkg/status.d/<name>`, then the classic `var/lib/dpkg/status` for names not found
 * there; failing both, from the base's SBOM (see base-sbom.ts).
 */
import { PithError } from '../../../errors.js';
import type { ClientOptions } from '../../../registry-client/client.js';
import type { BaseImage } from '../../base-image/image.js';
import { installedFromControl, type InstalledPackage } from '../solver/installed.js';
import type { BlobStore } from '../../../store/blob-store.js';
import type { MergedUsrLink } from '../../../tree/merged-usr.js';
import { resolveLinkTarget } from '../../../tree/paths.js';
import { mergeScans, scanBaseLayer, STATUS_D, STATUS_FILE, type ScannedEntry } from './layer-scan.js';
import { packagesFromBaseSbom } from './sbom.js';
import { compareBytes } from '../../../byte-order.js';

export interface BasePackage extends InstalledPackage {
  license?: string;
}

export interface BaseInventory {
  /** Sorted by name. */
  packages: BasePackage[];
  /** Where the list came from. */
  from: 'dpkg' | 'sbom' | 'none';
  /** Top-level links into /usr (`bin -> usr/bin`, ...) the base has. */
  mergedUsr: MergedUsrLink[];
}

export interface InventoryOptions extends ClientOptions {
  store: BlobStore;
  cacheDir: string;
  /** Debian's name of the image's architecture (amd64, armhf, ...). */
  debArch: string;
}

export async function baseInventory(base: BaseImage, options: InventoryOptions): Promise<BaseInventory> {
  const where = `base image ${base.name}`;
  const scans = [];
  for (const layer of base.layers)
    scans.push(await scanBaseLayer(layer.digest, options.store, options.cacheDir, where));
  const fs = mergeScans(scans);
  const dpkg = packagesOf(fs, options.debArch, where);
  const installed = new Set(dpkg.map((p) => p.name));
  const mergedUsr = mergedUsrOf(fs, installed.has('base-files') ? 'base-files' : `base image ${base.name}`);
  if (dpkg.length > 0) return { packages: dpkg, from: 'dpkg', mergedUsr };
  const fromSbom = await packagesFromBaseSbom(base, options);
  if (fromSbom?.length) return { packages: fromSbom, from: 'sbom', mergedUsr };
  return { packages: [], from: 'none', mergedUsr };
}

function packagesOf(fs: Map<string, ScannedEntry>, arch: string, where: string): BasePackage[] {
  const found = new Map<string, BasePackage>();
  const read = (e: ScannedEntry) => {
    try {
      return installedFromControl(e.text ?? '', `/${e.path}`, arch);
    } catch (err) {
      if (!(err instanceof PithError)) throw err;
      throw new PithError('input', `${where}: ${err.message}`, {
        ...(err.where ? { where: err.where } : {}),
        hint: "the base image's dpkg database is damaged",
      });
    }
  };
  const entries = [...fs.values()]
    .filter((e) => e.type === 'file' && e.text !== undefined)
    .sort((a, b) => compareBytes(a.path, b.path));
  for (const e of entries) {
    if (e.path.startsWith(`${STATUS_D}/`)) for (const p of read(e)) found.set(p.name, p);
  }
  const status = fs.get(STATUS_FILE);
  if (status?.text !== undefined) for (const p of read(status)) if (!found.has(p.name)) found.set(p.name, p);
  return [...found.values()]
    .map((p) => {
      const license = licenseOf(fs, p.name);
      return license ? { ...p, license } : p;
    })
    .sort((a, b) => compareBytes(a.name, b.name));
}

/** The licence of usr/share/doc/<name>/copyright, following one link of the doc directory. */
function licenseOf(fs: Map<string, ScannedEntry>, name: string): string | undefined {
  const direct = fs.get(`usr/share/doc/${name}/copyright`)?.license;
  if (direct) return direct;
  const link = fs.get(`usr/share/doc/${name}`);
  if (link?.type !== 'symlink' || !link.target) return undefined;
  const target = resolveLinkTarget(link.path, link.target);
  return target ? fs.get(`${target}/copyright`)?.license : undefined;
}

function mergedUsrOf(fs: Map<string, ScannedEntry>, owner: string): MergedUsrLink[] {
  const links: MergedUsrLink[] = [];
  for (const e of fs.values()) {
    if (e.type !== 'symlink' || e.path.includes('/') || !e.target) continue;
    if (resolveLinkTarget(e.path, e.target) === `usr/${e.path}`)
      links.push({ path: e.path, target: e.target, package: owner });
  }
  return links.sort((a, b) => compareBytes(a.path, b.path));
}
