/**
 * SBOMs as referrers: each platform image's SPDX and CycloneDX documents attached to its manifest
 * (referrers.ts does the attaching), and the line `pith push` prints for each.
 */
import type { Descriptor, Platform } from '../image/types.js';
import { RegistryClient } from './client.js';
import { formatPlatform } from './manifest.js';
import {
  CYCLONEDX_ARTIFACT_TYPE,
  pushReferrers,
  SPDX_ARTIFACT_TYPE,
  type AttachedReferrer,
  type ReferrerArtifact,
  type ReferrersOptions,
  type Target,
} from './referrers.js';

/** One platform image and its SBOM documents. */
export interface ImageSbomDocuments {
  manifest: Descriptor;
  platform: Platform;
  spdx: Uint8Array;
  cyclonedx: Uint8Array;
}

export interface AttachedSbom extends AttachedReferrer {
  platform: string;
  /** The file it came from, when it was read from beside a layout. */
  file?: string;
}

/** Attaches each image's SPDX and CycloneDX documents as referrers of its platform manifest. */
export async function attachSboms(
  target: Target,
  repository: string,
  images: readonly ImageSbomDocuments[],
  options: ReferrersOptions & { files?: ReadonlyArray<{ spdx?: string; cyclonedx?: string }> },
): Promise<AttachedSbom[]> {
  const client = typeof target === 'string' ? new RegistryClient(target, options) : target;
  try {
    const out: AttachedSbom[] = [];
    for (const [i, image] of images.entries()) {
      const artifacts: ReferrerArtifact[] = [];
      const files: Array<string | undefined> = [];
      if (image.spdx.byteLength) {
        artifacts.push({ artifactType: SPDX_ARTIFACT_TYPE, data: image.spdx });
        files.push(options.files?.[i]?.spdx);
      }
      if (image.cyclonedx.byteLength) {
        artifacts.push({ artifactType: CYCLONEDX_ARTIFACT_TYPE, data: image.cyclonedx });
        files.push(options.files?.[i]?.cyclonedx);
      }
      if (!artifacts.length) continue;
      const attached = await pushReferrers(client, repository, image.manifest, artifacts, options);
      attached.forEach((a, j) =>
        out.push({ ...a, platform: formatPlatform(image.platform), ...(files[j] ? { file: files[j] } : {}) }),
      );
    }
    return out;
  } finally {
    if (typeof target === 'string') client.close();
  }
}

/** "attached application/spdx+json sha256:… to sha256:… (linux/amd64)" */
export function describeAttached(a: AttachedSbom): string {
  const how = a.via === 'tag' ? ` (tag ${a.tag!.slice(0, 19)}…)` : '';
  return `attached ${a.artifactType} ${a.digest.slice(0, 19)} to ${a.subject.slice(0, 19)} (${a.platform})${how}${a.file ? ` from ${a.file}` : ''}`;
}
