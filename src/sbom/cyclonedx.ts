/**
 * CycloneDX 1.5 JSON for a built image: metadata.component is the image (type container, its
 * manifest/index digest as the hash); components are the Debian packages (type library, with a
 * trimmed package's present files nested as type file) and the host files, binaries and
 * libraries (type file). Pure and deterministic: feed the result to stableJson.
 */
import { createHash } from 'node:crypto';
import { digestHex } from '../image/digest.js';
import {
  debPurl,
  filesAnalyzed,
  ociPurl,
  sortedFiles,
  sortedPackages,
  sourceName,
  type SbomInput,
  type SbomPackage,
} from './model.js';
import { spdxDate } from './spdx.js';

export const CYCLONEDX_SPEC_VERSION = '1.5';

/** RFC 4122 name-based UUID, version 5 (SHA-1), in the given namespace. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** The RFC 4122 URL namespace. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/** urn:uuid:<v5 of "https://pith.invalid/cyclonedx/<digest>">: one per described image. */
export function cyclonedxSerialNumber(input: SbomInput): string {
  return `urn:uuid:${uuidV5(`https://pith.invalid/cyclonedx/${input.image.digest}`, URL_NAMESPACE)}`;
}

const sha256Hash = (hex: string) => [{ alg: 'SHA-256', content: hex }];
const licenses = (expression: string | undefined) => (expression ? [{ expression }] : undefined);

/** Unique bom-refs from readable bases (the image's purl is taken); the inputs are sorted first, so this is stable. */
function refAllocator(imagePurl: string): (base: string) => string {
  const used = new Set<string>([imagePurl]);
  return (base: string): string => {
    let r = base;
    for (let n = 2; used.has(r); n++) r = `${base}#${n}`;
    used.add(r);
    return r;
  };
}

export function cyclonedxDocument(input: SbomInput): object {
  const { image } = input;
  const imagePurl = ociPurl(image);
  const ref = refAllocator(imagePurl);

  const components: object[] = [];
  for (const pkg of sortedPackages(input)) components.push(packageComponent(pkg, input, ref));
  for (const f of sortedFiles(input)) {
    const path = `/${f.path.replace(/^\/+/, '')}`;
    components.push({
      type: 'file',
      'bom-ref': ref(`file:${path}`),
      name: path,
      hashes: sha256Hash(f.sha256),
      properties: [{ name: 'pith:origin', value: f.origin }],
    });
  }

  return {
    bomFormat: 'CycloneDX',
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: cyclonedxSerialNumber(input),
    version: 1,
    metadata: {
      timestamp: spdxDate(image.created),
      tools: { components: [{ type: 'application', name: input.tool.name, version: input.tool.version }] },
      component: imageComponent(input, imagePurl),
    },
    components,
  };
}

/** A Debian package (type library), with a trimmed package's present files nested as type file. */
function packageComponent(pkg: SbomPackage, input: SbomInput, ref: (base: string) => string): object {
  const purl = debPurl(pkg, input.distro);
  const bomRef = ref(purl);
  const source = sourceName(pkg.source);
  const analyzed = filesAnalyzed(pkg);
  return {
    type: 'library',
    'bom-ref': bomRef,
    name: pkg.name,
    version: pkg.version,
    purl,
    hashes: pkg.sha256 ? sha256Hash(pkg.sha256) : undefined,
    licenses: licenses(pkg.license),
    properties: [
      { name: 'pith:deb:architecture', value: pkg.architecture },
      ...(source && source !== pkg.name ? [{ name: 'pith:deb:source', value: source }] : []),
      ...(analyzed ? [{ name: 'pith:trimmed', value: 'true' }] : []),
      ...(pkg.fromBase ? [{ name: 'pith:base-image', value: pkg.fromBase }] : []),
    ],
    components: analyzed
      ? (pkg.files ?? []).map((f) => ({
          type: 'file',
          'bom-ref': ref(`${bomRef}#file:/${f.path.replace(/^\/+/, '')}`),
          name: `/${f.path.replace(/^\/+/, '')}`,
          hashes: sha256Hash(f.sha256),
        }))
      : undefined,
  };
}

/** metadata.component: the image (type container), its manifest or index digest as the hash. */
function imageComponent(input: SbomInput, imagePurl: string): object {
  const { image } = input;
  return {
    type: 'container',
    'bom-ref': imagePurl,
    name: image.name,
    version: image.tag,
    purl: imagePurl,
    hashes: sha256Hash(digestHex(image.digest)),
    properties: image.platform
      ? [
          { name: 'pith:platform:architecture', value: image.platform.architecture },
          { name: 'pith:platform:os', value: image.platform.os },
        ]
      : undefined,
  };
}
