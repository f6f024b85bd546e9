/**
 * A base image's Debian packages from its SBOM, for bases that carry no dpkg database: the
 * SPDX or CycloneDX document beside an OCI layout (as `pith build` writes them) or attached to a
 * registry image as a referrer. Only `pkg:deb/...` purls are read: name, version, architecture
 * and source; an SBOM does not say what a package Provides.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isPithError } from '../../../errors.js';
import { digestHex } from '../../../image/digest.js';
import type { ClientOptions } from '../../../registry-client/client.js';
import {
  CYCLONEDX_ARTIFACT_TYPE,
  fetchReferrerDocument,
  listReferrers,
  SPDX_ARTIFACT_TYPE,
} from '../../../registry-client/referrers.js';
import type { BaseImage } from '../../base-image/image.js';
import type { InstalledPackage } from '../solver/installed.js';
import { compareBytes } from '../../../byte-order.js';

export interface SbomPackageFact extends InstalledPackage {
  license?: string;
}

const MAX_DOCUMENT = 16 * 1024 * 1024;

/** The packages the base's SBOM lists, or undefined when it has none pith can find. */
export async function packagesFromBaseSbom(
  base: BaseImage,
  options: ClientOptions = {},
): Promise<SbomPackageFact[] | undefined> {
  const document =
    base.origin.kind === 'layout' ? await besideLayout(base, base.origin.dir) : await fromReferrers(base, options);
  return document ? packagesFromSbomDocument(document) : undefined;
}

async function besideLayout(base: BaseImage, dir: string): Promise<Buffer | undefined> {
  const p = base.platform;
  const stems = [dir, `${dir}.${p.architecture}${p.variant ? `-${p.variant}` : ''}`];
  for (const stem of stems) {
    for (const file of [`${stem}.spdx.json`, `${stem}.cdx.json`]) {
      if (!existsSync(file)) continue;
      const bytes = await readFile(file);
      // Only a document that names this very manifest describes it (not one left by another build).
      if (bytes.byteLength <= MAX_DOCUMENT && bytes.toString('utf8').includes(digestHex(base.digest))) return bytes;
    }
  }
  return undefined;
}

/**
 * The SBOM attached to the base as a referrer. A registry that refuses the lookup (no referrers
 * API and no tag, or no permission) counts as no SBOM: the base itself was pulled, and an SBOM
 * is only the last resort for knowing its packages.
 */
async function fromReferrers(base: BaseImage, options: ClientOptions): Promise<Buffer | undefined> {
  if (base.origin.kind !== 'registry') return undefined;
  const { registry, repository } = base.origin.reference;
  try {
    const referrers = await listReferrers(registry, repository, base.digest, options);
    const sbom =
      referrers.find((d) => d.artifactType === SPDX_ARTIFACT_TYPE) ??
      referrers.find((d) => d.artifactType === CYCLONEDX_ARTIFACT_TYPE);
    return sbom ? await fetchReferrerDocument(registry, repository, sbom, options) : undefined;
  } catch (err) {
    if (isPithError(err) && err.kind !== 'integrity') return undefined;
    throw err;
  }
}

/** Every `pkg:deb/...` package of an SPDX 2.x or CycloneDX JSON document, sorted by name. */
export function packagesFromSbomDocument(bytes: Uint8Array): SbomPackageFact[] {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return [];
  }
  const found = new Map<string, SbomPackageFact>();
  const add = (purl: unknown, license: unknown) => {
    const pkg = typeof purl === 'string' ? parseDebPurl(purl) : undefined;
    if (!pkg) return;
    const lic = typeof license === 'string' && license !== 'NOASSERTION' && license !== 'NONE' ? license : undefined;
    found.set(pkg.name, { ...pkg, ...(lic ? { license: lic } : {}) });
  };
  const d = doc as { packages?: unknown; components?: unknown };
  for (const p of Array.isArray(d.packages) ? d.packages : []) {
    const refs =
      (p as { externalRefs?: Array<{ referenceType?: string; referenceLocator?: unknown }> }).externalRefs ?? [];
    for (const r of Array.isArray(refs) ? refs : [])
      if (r.referenceType === 'purl') add(r.referenceLocator, (p as { licenseDeclared?: unknown }).licenseDeclared);
  }
  const walk = (components: unknown, depth: number) => {
    if (!Array.isArray(components) || depth > 8) return;
    for (const c of components as Array<{
      purl?: unknown;
      components?: unknown;
      licenses?: Array<{ expression?: unknown; license?: { id?: unknown } }>;
    }>) {
      const l = Array.isArray(c.licenses) ? c.licenses[0] : undefined;
      add(c.purl, l?.expression ?? l?.license?.id);
      walk(c.components, depth + 1);
    }
  };
  walk(d.components, 0);
  return [...found.values()].sort((a, b) => compareBytes(a.name, b.name));
}

/** `pkg:deb/debian/libssl3@3.0.17-1~deb12u2?arch=amd64&upstream=openssl` -> its facts. */
export function parseDebPurl(purl: string): InstalledPackage | undefined {
  const m = /^pkg:deb\/[^/]+\/([^@?#]+)@([^?#]+)(?:\?([^#]*))?/.exec(purl);
  if (!m) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const qualifiers = new Map(
    (m[3] ?? '')
      .split('&')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), decode(kv.slice(kv.indexOf('=') + 1))] as const),
  );
  const name = decode(m[1]!);
  return {
    name,
    version: decode(m[2]!),
    architecture: qualifiers.get('arch') ?? 'all',
    provides: [],
    source: qualifiers.get('upstream')?.split(/[@ ]/)[0] ?? name,
  };
}
