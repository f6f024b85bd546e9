/** Step 8: the image written to its output medium (transports/), with its SBOMs beside a file output. */
import { resolve } from 'node:path';
import type { ImageSet } from '../image/image.js';
import type { Run } from './run.js';
import { writeSbomFiles, type ImageSboms } from './sbom.js';

/** Where the SBOMs went, when anything was written. */
export async function writeOutputs(
  artifact: ImageSet,
  sboms: readonly ImageSboms[],
  run: Run,
): Promise<{ sbomFiles?: string[] }> {
  if (!run.output) return {};
  const path = resolve(run.output.path);
  await run.output.sink.write(artifact, path);
  run.log(`wrote ${run.output.format} to ${run.output.path}`);
  if (sboms.length === 0) return {};
  const sbomFiles = await writeSbomFiles(path, sboms);
  run.log(`wrote ${sbomFiles.join(', ')}`);
  return { sbomFiles };
}
