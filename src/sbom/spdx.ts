/**
 * SPDX 2.3 JSON for a built image: the image as a CONTAINER package that CONTAINS each Debian
 * package and each host file/binary/library; a trimmed package additionally lists (and CONTAINS)
 * the files of it that are present. Pure and deterministic: feed the result to stableJson.
 */
import { digestHex } from '../image/digest.js';
import { debPurl, filesAnalyzed, ociPurl, sortedFiles, sortedPackages, type SbomInput } from './model.js';
import { compareBytes } from '../byte-order.js';

const NOASSERTION = 'NOASSERTION';

/** SPDX dates are "YYYY-MM-DDThh:mm:ssZ": no fraction, always UTC. */
export function spdxDate(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t)) throw new Error(`not an RFC 3339 time: ${rfc3339}`);
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Characters an SPDX id (after "SPDXRef-") may hold: letters, digits, '.', '-'. */
export function spdxIdPart(value: string): string {
  return value.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** Every LicenseRef-* an expression uses. */
export function licenseRefs(expression: string): string[] {
  return expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [];
}

type Relationship = { spdxElementId: string; relationshipType: string; relatedSpdxElement: string };

/** What the document's sections collect while the ids are allocated (in input order). */
interface SpdxParts {
  packages: object[];
  files: object[];
  relationships: Relationship[];
  /** LicenseRef-* ids the packages' licenses use. */
  refs: Set<string>;
}

/** Unique SPDX ids from readable bases; the inputs are sorted first, so this is stable. */
function idAllocator(): (base: string) => string {
  const used = new Set<string>(['SPDXRef-DOCUMENT']);
  return (base: string): string => {
    let id = `SPDXRef-${spdxIdPart(base)}`;
    for (let n = 2; used.has(id); n++) id = `SPDXRef-${spdxIdPart(base)}-${n}`;
    used.add(id);
    return id;
  };
}

export function spdxDocument(input: SbomInput): object {
  const allocate = idAllocator();
  const { image } = input;
  const hex = digestHex(image.digest);
  const imageId = allocate('Image');
  const parts: SpdxParts = {
    packages: [imagePackage(input, imageId, hex)],
    files: [],
    relationships: [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId }],
    refs: new Set<string>(),
  };
  addDebianPackages(input, imageId, allocate, parts);
  addHostFiles(input, imageId, allocate, parts);
  const { packages, files, relationships, refs } = parts;

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${image.name}:${image.tag}`,
    documentNamespace: `https://pith.invalid/spdx/${spdxIdPart(image.name)}-${hex}`,
    creationInfo: {
      created: spdxDate(image.created),
      creators: [`Tool: ${input.tool.name}-${input.tool.version}`],
    },
    packages,
    files: files.length ? files : undefined,
    hasExtractedLicensingInfos: refs.size ? extractedLicensingInfos(refs) : undefined,
    relationships: [relationships[0]!, ...relationships.slice(1).sort(compareRelationships)],
  };
}

/** The image itself: the CONTAINER package the document DESCRIBES. */
function imagePackage(input: SbomInput, imageId: string, hex: string): object {
  const { image } = input;
  return {
    SPDXID: imageId,
    name: image.name,
    versionInfo: image.tag,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    primaryPackagePurpose: 'CONTAINER',
    checksums: [{ algorithm: 'SHA256', checksumValue: hex }],
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: ociPurl(image) }],
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
  };
}

/** Each Debian package the image CONTAINS, with the files of a trimmed one. */
function addDebianPackages(
  input: SbomInput,
  imageId: string,
  allocate: (base: string) => string,
  parts: SpdxParts,
): void {
  const { packages, files, relationships, refs } = parts;
  for (const pkg of sortedPackages(input)) {
    const id = allocate(`Package-deb-${pkg.name}-${pkg.architecture}`);
    const license = pkg.license ?? NOASSERTION;
    for (const r of licenseRefs(license)) refs.add(r);
    const analyzed = filesAnalyzed(pkg);
    const fileIds: string[] = [];
    for (const f of analyzed ? (pkg.files ?? []) : []) {
      const fileId = allocate(`File-${pkg.name}-${f.path}`);
      fileIds.push(fileId);
      files.push(
        spdxFile(fileId, f.path, f.sha256, `from Debian package ${pkg.name} ${pkg.version} (${pkg.architecture})`),
      );
      relationships.push({ spdxElementId: id, relationshipType: 'CONTAINS', relatedSpdxElement: fileId });
    }
    packages.push({
      SPDXID: id,
      name: pkg.name,
      versionInfo: pkg.version,
      downloadLocation: NOASSERTION,
      filesAnalyzed: analyzed,
      hasFiles: analyzed ? fileIds : undefined,
      primaryPackagePurpose: 'LIBRARY',
      checksums: pkg.sha256 ? [{ algorithm: 'SHA256', checksumValue: pkg.sha256 }] : undefined,
      externalRefs: [
        { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: debPurl(pkg, input.distro) },
      ],
      licenseConcluded: license,
      licenseDeclared: license,
      copyrightText: NOASSERTION,
      sourceInfo:
        pkg.source && pkg.source !== pkg.name ? `built from the Debian source package ${pkg.source}` : undefined,
      comment: pkg.fromBase
        ? `from the base image ${pkg.fromBase}`
        : analyzed
          ? 'trimmed: only the listed files of this package are in the image'
          : undefined,
    });
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }
}

/** Each host file, binary and library the image CONTAINS. */
function addHostFiles(input: SbomInput, imageId: string, allocate: (base: string) => string, parts: SpdxParts): void {
  for (const f of sortedFiles(input)) {
    const id = allocate(`File-${f.path}`);
    parts.files.push(
      spdxFile(
        id,
        f.path,
        f.sha256,
        `origin: ${f.origin}`,
        f.origin === 'binary' || f.origin === 'library' ? 'BINARY' : undefined,
      ),
    );
    parts.relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }
}

/** The LicenseRef-* licenses used, each with the text SPDX requires for them. */
function extractedLicensingInfos(refs: ReadonlySet<string>): object[] {
  return [...refs].sort().map((licenseId) => ({
    licenseId,
    name: licenseId.slice('LicenseRef-'.length),
    extractedText: `The license named "${licenseId.slice('LicenseRef-'.length)}" in the package's Debian copyright file (/usr/share/doc/<package>/copyright), which has no SPDX License List identifier.`,
  }));
}

function spdxFile(id: string, path: string, sha256: string, comment: string, fileType?: string): object {
  return {
    SPDXID: id,
    fileName: `./${path.replace(/^\/+/, '')}`,
    checksums: [{ algorithm: 'SHA256', checksumValue: sha256 }],
    fileTypes: fileType ? [fileType] : undefined,
    licenseConcluded: NOASSERTION,
    copyrightText: NOASSERTION,
    comment,
  };
}

function compareRelationships(
  a: { spdxElementId: string; relatedSpdxElement: string },
  b: { spdxElementId: string; relatedSpdxElement: string },
): number {
  const x = `${a.spdxElementId}\u0000${a.relatedSpdxElement}`;
  const y = `${b.spdxElementId}\u0000${b.relatedSpdxElement}`;
  return compareBytes(x, y);
}
