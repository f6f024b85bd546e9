/**
 * SBOM documents of a built image (SPDX 2.3 and CycloneDX 1.5, src/sbom/): the packages the
 * sources installed (with the facts their layers gave), those of the image below, and the spec's
 * own files; written beside a file output.
 */
import { readFileSync } from 'node:fs';
import type { Digest } from '../image/digest.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { Platform } from '../image/types.js';
import { cyclonedxDocument } from '../sbom/cyclonedx.js';
import type { SbomFile, SbomInput, SbomPackage } from '../sbom/model.js';
import { spdxDocument } from '../sbom/spdx.js';
import type { PartFacts, SbomContribution, SbomPackageRecord } from '../sources/source.js';
import { writeFileAtomic } from '../store/atomic.js';
import { fileSha256 } from '../tree/file-bytes.js';
import type { FsTree } from '../tree/fs-tree.js';

/** Host files, binaries, their libraries and inline paths, with their content hashes. */
export async function treeFiles(tree: FsTree): Promise<SbomFile[]> {
  const out: SbomFile[] = [];
  for (const e of tree.list()) {
    if (e.type !== 'file' || !['file', 'binary', 'library', 'path'].includes(e.origin.kind)) continue;
    const hex = await fileSha256(e);
    out.push({ path: e.path, sha256: hex, origin: e.origin.kind });
  }
  return out;
}

let version: string | undefined;
function pithVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return version;
}

export interface ImageSboms {
  platform: Platform;
  spdx: Uint8Array;
  cyclonedx: Uint8Array;
}

/** SPDX 2.3 and CycloneDX 1.5 documents describing one platform image (its manifest digest). */
export function imageSboms(input: {
  name: string;
  tag: string;
  digest: Digest;
  platform: Platform;
  created: string;
  distro?: SbomContribution['distro'];
  packages: ReadonlyArray<{ record: SbomPackageRecord; facts?: PartFacts }>;
  /** The packages a base image came with (those the build added again are listed once, as added). */
  base?: SbomContribution['base'];
  files: SbomFile[];
}): ImageSboms {
  const packages: SbomPackage[] = input.packages.map(({ record, facts }) => ({
    name: record.name,
    version: record.version,
    architecture: record.architecture,
    source: record.source,
    ...(record.sha256 ? { sha256: record.sha256 } : {}),
    ...(facts?.license ? { license: facts.license } : {}),
    ...(facts?.files ? { files: facts.files } : {}),
  }));
  const added = new Set(packages.map((p) => p.name));
  for (const p of input.base?.packages ?? []) {
    if (added.has(p.name)) continue;
    packages.push({
      name: p.name,
      version: p.version,
      architecture: p.architecture,
      source: p.source,
      fromBase: input.base!.name,
      ...(p.license ? { license: p.license } : {}),
    });
  }
  const sbom: SbomInput = {
    image: {
      name: input.name,
      tag: input.tag,
      digest: input.digest,
      platform: { architecture: input.platform.architecture, os: input.platform.os },
      created: input.created,
    },
    ...(input.distro ? { distro: input.distro } : {}),
    packages,
    files: input.files,
    tool: { name: 'pith', version: pithVersion() },
  };
  return {
    platform: input.platform,
    spdx: stableJsonBytes(spdxDocument(sbom)),
    cyclonedx: stableJsonBytes(cyclonedxDocument(sbom)),
  };
}

/** Beside the output: PATH.spdx.json and PATH.cdx.json (PATH.<arch>.… for several archs). */
export async function writeSbomFiles(outputPath: string, sboms: readonly ImageSboms[]): Promise<string[]> {
  const written: string[] = [];
  for (const s of sboms) {
    const stem =
      sboms.length > 1
        ? `${outputPath}.${s.platform.architecture}${s.platform.variant ? `-${s.platform.variant}` : ''}`
        : outputPath;
    await writeFileAtomic(`${stem}.spdx.json`, s.spdx);
    await writeFileAtomic(`${stem}.cdx.json`, s.cyclonedx);
    written.push(`${stem}.spdx.json`, `${stem}.cdx.json`);
  }
  return written;
}
