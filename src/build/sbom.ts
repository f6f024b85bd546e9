import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../image/digest.js';
import { stableJsonBytes } from '../image/stable-json.js';
import type { Platform } from '../image/types.js';
import type { LockedPackage } from '../lock/lockfile.js';
import type { DebContents } from '../sources/debian/deb/deb-reader.js';
import { cyclonedxDocument } from '../sbom/cyclonedx.js';
import { licenseFromCopyright } from '../sbom/license.js';
import type { SbomFile, SbomInput, SbomPackage } from '../sbom/model.js';
import { spdxDocument } from '../sbom/spdx.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readSpooledSync } from '../store/spool.js';
import { fileBytesSync, fileSha256 } from '../tree/file-bytes.js';
import type { FileEntry } from '../tree/entry.js';
import type { FsTree } from '../tree/fs-tree.js';
import { debianIdentity } from '../sources/system/os-release.js';

/** What the SBOM says of one package: its licence and, when trimmed, the files present. */
export interface PackageSbomFacts {
  license?: string;
  files?: Array<{ path: string; sha256: string }>;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Facts of a package, from its .deb and the tree its layer was built from (so the file list is
 * what the image really holds, after trimming). Remembered per .deb and trim setting, so a warm
 * build, which reads no .deb, still knows them.
 */
export function packageFacts(name: string, deb: DebContents, tree: FsTree, trimmed: boolean): PackageSbomFacts {
  const copyright = deb.files.find((f) => f.path === `usr/share/doc/${name}/copyright` && f.type === 'file');
  const text = copyright?.data ?? (copyright?.spooled ? readSpooledSync(copyright.spooled, copyright.spooled.size) : undefined);
  const license = text ? licenseFromCopyright(new TextDecoder().decode(text)) : undefined;
  const facts: PackageSbomFacts = license ? { license } : {};
  if (trimmed) {
    facts.files = tree
      .list()
      .filter((e): e is FileEntry => e.type === 'file' && e.origin.kind === 'package' && e.origin.package === name && e.source.kind !== 'host')
      .map((e) => ({ path: e.path, sha256: e.source.kind === 'spool' ? e.source.sha256 : sha256(fileBytesSync(e)) }));
  }
  return facts;
}

const factsPath = (cacheDir: string, debSha256: string, trimDocs: boolean) =>
  join(cacheDir, 'sbom', `${debSha256}-${trimDocs ? 'docs' : 'none'}.json`);

export async function rememberFacts(cacheDir: string, debSha256: string, trimDocs: boolean, facts: PackageSbomFacts): Promise<void> {
  await writeFileAtomic(factsPath(cacheDir, debSha256, trimDocs), JSON.stringify(facts));
}

export async function recallFacts(cacheDir: string, debSha256: string, trimDocs: boolean): Promise<PackageSbomFacts | undefined> {
  try {
    const facts = JSON.parse(await readFile(factsPath(cacheDir, debSha256, trimDocs), 'utf8')) as PackageSbomFacts;
    return typeof facts === 'object' && facts !== null ? facts : undefined;
  } catch {
    return undefined;
  }
}

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
  version ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
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
  codename?: string;
  packages: ReadonlyArray<{ locked: LockedPackage; facts?: PackageSbomFacts }>;
  /** The packages a base image came with (those the build added again are listed once, as added). */
  base?: { name: string; packages: ReadonlyArray<{ name: string; version: string; architecture: string; source: string; license?: string }> };
  files: SbomFile[];
}): ImageSboms {
  const identity = input.codename ? debianIdentity(input.codename) : undefined;
  const packages: SbomPackage[] = input.packages.map(({ locked, facts }) => ({
    name: locked.name,
    version: locked.version,
    architecture: locked.architecture,
    source: locked.source,
    sha256: locked.sha256,
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
    image: { name: input.name, tag: input.tag, digest: input.digest, platform: { architecture: input.platform.architecture, os: input.platform.os }, created: input.created },
    ...(identity ? { distro: { id: 'debian' as const, ...(identity.versionId ? { versionId: identity.versionId } : {}), codename: input.codename! } } : {}),
    packages,
    files: input.files,
    tool: { name: 'pith', version: pithVersion() },
  };
  return { platform: input.platform, spdx: stableJsonBytes(spdxDocument(sbom)), cyclonedx: stableJsonBytes(cyclonedxDocument(sbom)) };
}

/** Beside the output: PATH.spdx.json and PATH.cdx.json (PATH.<arch>.… for several archs). */
export async function writeSbomFiles(outputPath: string, sboms: readonly ImageSboms[]): Promise<string[]> {
  const written: string[] = [];
  for (const s of sboms) {
    const stem = sboms.length > 1 ? `${outputPath}.${s.platform.architecture}${s.platform.variant ? `-${s.platform.variant}` : ''}` : outputPath;
    await writeFileAtomic(`${stem}.spdx.json`, s.spdx);
    await writeFileAtomic(`${stem}.cdx.json`, s.cyclonedx);
    written.push(`${stem}.spdx.json`, `${stem}.cdx.json`);
  }
  return written;
}
