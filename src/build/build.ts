/**
 * build(): the one place the stages meet. spec -> sources -> lock -> per platform (contribute,
 * layers, tree, trim, manifest, SBOM) -> artifact -> output -> lock written. Each step is a named
 * function in its own module; heavy modules (the resolver and openpgp, the .deb reader, the trim
 * engine, a base image's reader) load behind those steps, only when a build needs them.
 */
import { mapLimit } from '../concurrency.js';
import { isoTime } from '../image/mutate.js';
import type { LoadedSpec } from '../spec/load.js';
import { assembleArtifact } from './assemble.js';
import { imageSummary } from './summary.js';
import { lockSources, writeLock } from './lock.js';
import { writeOutputs } from './outputs.js';
import { buildPlatform } from './platform.js';
import { prepareRun, type Run } from './run.js';
import { resolveSources, type SourcePlan } from './sources.js';
import type { BuildOptions, BuildResult } from './types.js';

export { buildEpoch, prepareRun, type Run } from './run.js';
export { resolveSources, type SourcePlan } from './sources.js';
export { lockSpec } from './lock.js';
export type { BuildOptions, BuildResult } from './types.js';
export type { ImageSummary, LayerSummary } from './summary.js';

/** Platform images built at once: they share the cache and the compression workers. */
const PLATFORM_CONCURRENCY = 2;

export async function build(loaded: LoadedSpec, options: BuildOptions = {}): Promise<BuildResult> {
  const run = await prepareRun(loaded, options);
  const plan = await resolveSources(loaded, {
    env: run.env,
    cacheDir: run.cacheDir,
    store: run.store,
    log: run.log,
    ...(options.insecure ? { insecure: true } : {}),
  });
  return buildPlan(plan, run);
}

/** Everything after the sources are known: any plan (a test's fake sources too) goes the same way. */
export async function buildPlan(plan: SourcePlan, run: Run): Promise<BuildResult> {
  const { options } = run;
  const pins = await lockSources(plan, {
    archs: run.archs,
    cacheDir: run.cacheDir,
    frozen: options.frozen ?? false,
    log: run.log,
  });
  const platforms = await mapLimit(run.archs, PLATFORM_CONCURRENCY, (arch) => buildPlatform(arch, plan, pins, run));
  for (const p of platforms) if (p.explanation !== undefined) options.explain?.(p.explanation);
  const artifact = await assembleArtifact(
    { name: run.spec.name, tag: run.spec.tag, images: platforms.map((p) => p.image), annotations: run.annotations },
    run.store,
  );
  const sboms = platforms.flatMap((p) => (p.sboms ? [p.sboms] : []));
  const { sbomFiles } = await writeOutputs(artifact, sboms, run);
  await writeLock(pins, run.log);
  return {
    digest: artifact.root.digest,
    mediaType: artifact.root.mediaType,
    artifact,
    images: artifact.images.map(imageSummary),
    created: isoTime(run.created),
    ...(options.output ? { output: options.output } : {}),
    ...(sboms.length ? { sboms } : {}),
    ...(sbomFiles ? { sbomFiles } : {}),
  };
}
