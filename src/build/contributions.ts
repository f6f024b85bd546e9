/**
 * Step 3: what every source brings to one platform image, asked in order, and seen as one:
 * ready layers bottom first, the image below, each source's parts with the links of what lies
 * below them, the spec tree's writers in order, and the last word on links, os-release, config
 * and the SBOM's distribution.
 */
import type { ContainerConfig } from '../image/types.js';
import type {
  ConfigDefaults,
  Contribution,
  ImageBelow,
  OsIdentity,
  PartSet,
  PlatformContext,
  SbomContribution,
  SbomPackageRecord,
  Settle,
  Source,
} from '../sources/source.js';
import type { Layer } from '../image/layer.js';
import { PITH_IDENTITY } from '../sources/system/os-release.js';
import type { MergedUsrLink } from '../tree/merged-usr.js';

export interface Contributions {
  layers: Layer[];
  below?: ImageBelow;
  /** Each source's parts, with the links of the image below it (used when its own have no say). */
  partSets: Array<{ set: PartSet; linksBelow: readonly MergedUsrLink[] }>;
  entries: Array<NonNullable<Contribution['entries']>>;
  /** The links the spec's tree starts with: the topmost source's that has any. */
  links: readonly MergedUsrLink[];
  os: OsIdentity | null;
  config: { image?: ContainerConfig; defaults?: ConfigDefaults };
  sbom: { distro?: SbomContribution['distro']; packages: SbomPackageRecord[]; base?: SbomContribution['base'] };
  annotations: Record<string, string>;
  settle?: Settle;
}

/** Sources are asked one after another, so what fails first is always the same. */
export async function contribute(sources: readonly Source[], ctx: PlatformContext): Promise<Contributions> {
  const all: Contribution[] = [];
  for (const source of sources) all.push(await source.contribute(ctx));
  return merge(all);
}

export function merge(all: readonly Contribution[]): Contributions {
  const out: Contributions = {
    layers: [],
    partSets: [],
    entries: [],
    links: [],
    os: PITH_IDENTITY,
    config: {},
    sbom: { packages: [] },
    annotations: {},
  };
  for (const c of all) {
    out.layers.push(...(c.layers ?? []));
    if (c.below) out.below = c.below;
    if (c.parts) out.partSets.push({ set: c.parts, linksBelow: out.links });
    if (c.entries) out.entries.push(c.entries);
    if (c.links?.length) out.links = c.links;
    if (c.os !== undefined) out.os = c.os;
    if (c.config?.image) out.config.image = c.config.image;
    if (c.config?.defaults) out.config.defaults = mergeDefaults(out.config.defaults, c.config.defaults);
    if (c.sbom?.distro) out.sbom.distro = c.sbom.distro;
    out.sbom.packages.push(...(c.sbom?.packages ?? []));
    if (c.sbom?.base) out.sbom.base = c.sbom.base;
    Object.assign(out.annotations, c.annotations);
    if (c.settle) out.settle = c.settle;
  }
  return out;
}

function mergeDefaults(below: ConfigDefaults | undefined, above: ConfigDefaults): ConfigDefaults {
  return below ? { ...below, ...above, env: { ...below.env, ...above.env } } : above;
}
