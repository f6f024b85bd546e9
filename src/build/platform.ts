/**
 * One platform image, from what the sources bring to its layers, config, manifest and SBOM:
 * contribute -> part layers (unless trimming) -> the spec's tree with install effects -> layers
 * (trimmed, or the spec's tree cut by origin) -> manifest -> SBOM. Platforms are independent:
 * build.ts runs a few at once.
 */
import type { Image } from '../image/image.js';
import { isoTime } from '../image/mutate.js';
import { platformFor } from '../image/platform.js';
import type { Pins, PlatformContext, SettledImage } from '../sources/source.js';
import { assembleImage } from './assemble.js';
import type { Layer } from '../image/layer.js';
import { contribute, type Contributions } from './contributions.js';
import { explainUntrimmed } from './explain.js';
import { partLayers, type PartLayers } from './part-layers.js';
import type { Run } from './run.js';
import { imageSboms, treeFiles, type ImageSboms } from './sbom.js';
import type { SourcePlan } from './sources.js';
import { settleImage } from './spec-image.js';
import { specLayers } from './spec-layers.js';
import type { ClosureImage } from './closure-types.js';
import { trimmedImage } from './trim.js';

export interface PlatformImage {
  image: Image;
  sboms?: ImageSboms;
  /** --explain's text for this platform, when asked for. */
  explanation?: string;
}

/** What the image's layers came to, whichever policy made them. */
interface Layered {
  layers: Layer[];
  facts: PartLayers['facts'];
  /** With trim: closure, the parts that still contribute a file: only these are in the SBOM. */
  contributing?: ReadonlySet<string>;
  /** The spec's own files in the image, for the SBOM (hashed only when asked for). */
  files: () => Promise<ClosureImage['files']>;
  explanation?: string;
}

export async function buildPlatform(
  arch: string,
  plan: SourcePlan,
  pins: Pins | undefined,
  run: Run,
): Promise<PlatformImage> {
  const ctx: PlatformContext = {
    arch,
    created: run.created,
    cacheDir: run.cacheDir,
    store: run.store,
    log: (m) => run.log(`${arch}: ${m}`),
    ...(pins ? { pins } : {}),
  };
  const c = await contribute(plan.sources, ctx);
  const layered =
    run.spec.trim === 'closure' ? await trimmedLayers(c, plan, ctx, run) : await untrimmedLayers(c, plan, ctx, run);
  const platform = platformFor(arch);
  const layers = [...c.layers, ...layered.layers];
  const image = assembleImage({
    platform,
    created: run.created,
    config: layered.config,
    layers,
    annotations: { ...run.annotations, ...c.annotations },
  });
  return {
    image,
    ...(run.options.sbom === false ? {} : { sboms: await platformSboms(image, c, layered, run) }),
    ...(layered.explanation !== undefined ? { explanation: `${arch}:\n${layered.explanation}` } : {}),
  };
}

/** trim: docs and none: a cached layer per group of parts (first: they remember what effects read), then the spec's tree. */
async function untrimmedLayers(
  c: Contributions,
  plan: SourcePlan,
  ctx: PlatformContext,
  run: Run,
): Promise<Layered & { config: SettledImage['config'] }> {
  const sets = c.partSets.map(({ set, linksBelow }) => ({ set, links: set.links ?? linksBelow }));
  const parts = await partLayers(sets, {
    cacheDir: run.cacheDir,
    store: run.store,
    mtime: run.created,
    compression: run.compression,
    log: ctx.log,
  });
  const settled = await settleImage(c, plan, ctx.arch, run);
  const explanation = run.options.explain
    ? await explainUntrimmed(
        sets.map((s) => s.set),
        settled.tree,
        { cacheDir: run.cacheDir, trimDocs: run.spec.trim === 'docs', log: ctx.log },
      )
    : undefined;
  const own = await specLayers(settled.tree, {
    store: run.store,
    mtime: run.created,
    compression: run.compression,
    log: ctx.log,
  });
  return {
    layers: [...parts.layers, ...own],
    facts: parts.facts,
    files: () => treeFiles(settled.tree),
    config: settled.config,
    ...(explanation !== undefined ? { explanation } : {}),
  };
}

/** trim: closure: everything in one tree, trimmed to what the config's roots reach, then cut into layers. */
async function trimmedLayers(
  c: Contributions,
  plan: SourcePlan,
  ctx: PlatformContext,
  run: Run,
): Promise<Layered & { config: SettledImage['config'] }> {
  const settled = await settleImage(c, plan, ctx.arch, run);
  const image = await trimmedImage(c, settled, ctx, run);
  return {
    layers: image.layers,
    facts: image.facts,
    contributing: new Set(image.packages),
    files: async () => image.files,
    config: settled.config,
    ...(run.options.explain ? { explanation: image.explanation } : {}),
  };
}

async function platformSboms(image: Image, c: Contributions, layered: Layered, run: Run): Promise<ImageSboms> {
  const { contributing } = layered;
  return imageSboms({
    name: run.spec.name,
    tag: run.spec.tag,
    digest: image.digest,
    platform: image.platform,
    created: isoTime(run.created),
    ...(c.sbom.distro ? { distro: c.sbom.distro } : {}),
    packages: c.sbom.packages
      .filter((p) => !contributing || contributing.has(p.name))
      .map((record) => ({ record, facts: layered.facts.get(record.name) })),
    ...(c.sbom.base ? { base: c.sbom.base } : {}),
    files: await layered.files(),
  });
}
