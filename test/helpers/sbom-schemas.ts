/**
 * Validation of emitted SBOMs: CycloneDX 1.5 against the official JSON schema (with the SPDX
 * license-id and JSF schemas it references), all committed under test/fixtures/sbom-schemas/;
 * SPDX 2.3 structurally (no official SPDX 2.3 JSON schema ships in any npm package we could
 * find; see test/fixtures/sbom-schemas/README.md), following the SPDX 2.3 spec and its schema:
 * required fields, SPDXID patterns, enums, date format, references and LicenseRefs resolving.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';

const require = createRequire(import.meta.url);
const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;

// dist/test/helpers -> repository root
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SCHEMA_DIR = join(ROOT, 'test', 'fixtures', 'sbom-schemas');

const loadSchema = (name: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, name), 'utf8')) as object;

let cdx: ((doc: unknown) => ErrorObject[]) | undefined;

/** Errors of the CycloneDX 1.5 schema for `doc` (empty when it validates). */
export function cyclonedxSchemaErrors(doc: unknown): ErrorObject[] {
  if (!cdx) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    // JSON Schema formats the 1.5 schema uses that ajv-formats does not define: IRIs and
    // internationalised e-mail addresses (RFC 3987 / 6531) are accepted as any string.
    ajv.addFormat('iri-reference', true);
    ajv.addFormat('idn-email', true);
    ajv.addSchema(loadSchema('spdx.schema.json'));
    ajv.addSchema(loadSchema('jsf-0.82.schema.json'));
    const validate = ajv.compile(loadSchema('bom-1.5.schema.json'));
    cdx = (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
  }
  return cdx(doc);
}

const SPDX_ID = /^SPDXRef-[A-Za-z0-9.-]+$/;
const SPDX_DATE =
  /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]|23:59:60)Z$/;
const CHECKSUM_ALGS = [
  'SHA1',
  'BLAKE3',
  'SHA3-384',
  'SHA256',
  'SHA384',
  'BLAKE2b-512',
  'BLAKE2b-256',
  'SHA3-512',
  'MD2',
  'ADLER32',
  'MD4',
  'SHA3-256',
  'BLAKE2b-384',
  'SHA512',
  'MD6',
  'MD5',
  'SHA224',
];
const REF_CATEGORIES = ['OTHER', 'PERSISTENT-ID', 'PERSISTENT_ID', 'SECURITY', 'PACKAGE-MANAGER', 'PACKAGE_MANAGER'];
const PURPOSES = [
  'OTHER',
  'INSTALL',
  'ARCHIVE',
  'FIRMWARE',
  'APPLICATION',
  'FRAMEWORK',
  'LIBRARY',
  'CONTAINER',
  'SOURCE',
  'DEVICE',
  'OPERATING-SYSTEM',
  'FILE',
];
const FILE_TYPES = [
  'OTHER',
  'DOCUMENTATION',
  'IMAGE',
  'VIDEO',
  'ARCHIVE',
  'SPDX',
  'APPLICATION',
  'SOURCE',
  'BINARY',
  'TEXT',
  'AUDIO',
];
const RELATIONSHIP_TYPES = [
  'DESCRIBES',
  'DESCRIBED_BY',
  'CONTAINS',
  'CONTAINED_BY',
  'DEPENDS_ON',
  'DEPENDENCY_OF',
  'GENERATED_FROM',
  'GENERATES',
  'OTHER',
];

const TOP_KEYS = [
  'SPDXID',
  'spdxVersion',
  'dataLicense',
  'name',
  'documentNamespace',
  'creationInfo',
  'packages',
  'files',
  'relationships',
  'hasExtractedLicensingInfos',
  'comment',
  'externalDocumentRefs',
  'annotations',
  'documentDescribes',
  'snippets',
  'revieweds',
  '$schema',
];
const PACKAGE_KEYS = [
  'SPDXID',
  'annotations',
  'attributionTexts',
  'builtDate',
  'checksums',
  'comment',
  'copyrightText',
  'description',
  'downloadLocation',
  'externalRefs',
  'filesAnalyzed',
  'hasFiles',
  'homepage',
  'licenseComments',
  'licenseConcluded',
  'licenseDeclared',
  'licenseInfoFromFiles',
  'name',
  'originator',
  'packageFileName',
  'packageVerificationCode',
  'primaryPackagePurpose',
  'releaseDate',
  'sourceInfo',
  'summary',
  'supplier',
  'validUntilDate',
  'versionInfo',
];
const FILE_KEYS = [
  'SPDXID',
  'annotations',
  'artifactOfs',
  'attributionTexts',
  'checksums',
  'comment',
  'copyrightText',
  'fileContributors',
  'fileDependencies',
  'fileName',
  'fileTypes',
  'licenseComments',
  'licenseConcluded',
  'licenseInfoInFiles',
  'noticeText',
];

/** Structural SPDX 2.3 problems of `doc` (a parsed JSON document); empty when none. */
export function spdxStructureErrors(doc: unknown): string[] {
  const errors: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) errors.push(message);
  };
  const d = doc as Record<string, any>;
  for (const k of Object.keys(d)) check(TOP_KEYS.includes(k), `unknown top-level field ${k}`);
  check(d.spdxVersion === 'SPDX-2.3', 'spdxVersion must be SPDX-2.3');
  check(d.dataLicense === 'CC0-1.0', 'dataLicense must be CC0-1.0');
  check(d.SPDXID === 'SPDXRef-DOCUMENT', 'SPDXID must be SPDXRef-DOCUMENT');
  check(typeof d.name === 'string' && d.name !== '', 'name required');
  check(
    typeof d.documentNamespace === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^\s#]+$/.test(d.documentNamespace),
    'documentNamespace must be an absolute URI without #',
  );
  check(typeof d.creationInfo === 'object' && d.creationInfo !== null, 'creationInfo required');
  check(
    SPDX_DATE.test(d.creationInfo?.created ?? ''),
    `creationInfo.created not YYYY-MM-DDThh:mm:ssZ: ${d.creationInfo?.created}`,
  );
  check(
    Array.isArray(d.creationInfo?.creators) &&
      d.creationInfo.creators.length > 0 &&
      d.creationInfo.creators.every((c: unknown) => typeof c === 'string' && /^(Tool|Organization|Person): \S/.test(c)),
    'creators: non-empty "Tool: …" list',
  );

  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  const declare = (id: unknown, where: string) => {
    check(typeof id === 'string' && SPDX_ID.test(id), `${where}: bad SPDXID ${String(id)}`);
    check(!ids.has(id as string), `${where}: duplicate SPDXID ${String(id)}`);
    ids.add(id as string);
  };
  const checksums = (cs: unknown, where: string) => {
    check(Array.isArray(cs), `${where}: checksums must be an array`);
    for (const c of (cs as any[]) ?? []) {
      check(CHECKSUM_ALGS.includes(c?.algorithm), `${where}: bad checksum algorithm ${c?.algorithm}`);
      check(/^[0-9a-f]+$/.test(c?.checksumValue ?? ''), `${where}: checksumValue must be lowercase hex`);
      check(
        c?.algorithm !== 'SHA256' || /^[0-9a-f]{64}$/.test(c.checksumValue),
        `${where}: SHA256 must be 64 hex digits`,
      );
      check(
        Object.keys(c ?? {}).every((k) => k === 'algorithm' || k === 'checksumValue'),
        `${where}: unknown checksum field`,
      );
    }
  };
  const licenses: string[] = [];
  const license = (v: unknown, where: string) => {
    if (v === undefined) return;
    check(typeof v === 'string' && v !== '', `${where}: license must be a non-empty string`);
    if (typeof v === 'string') licenses.push(v);
  };

  const packages = (d.packages ?? []) as Array<Record<string, any>>;
  check(Array.isArray(d.packages), 'packages must be an array');
  const hasFiles = new Map<string, string[]>();
  for (const [i, p] of packages.entries()) {
    const where = `packages[${i}]`;
    for (const k of Object.keys(p)) check(PACKAGE_KEYS.includes(k), `${where}: unknown field ${k}`);
    declare(p.SPDXID, where);
    check(typeof p.name === 'string' && p.name !== '', `${where}: name required`);
    check(typeof p.downloadLocation === 'string' && p.downloadLocation !== '', `${where}: downloadLocation required`);
    if (p.filesAnalyzed !== undefined)
      check(typeof p.filesAnalyzed === 'boolean', `${where}: filesAnalyzed must be boolean`);
    if (p.filesAnalyzed === false)
      check(p.hasFiles === undefined, `${where}: filesAnalyzed false but hasFiles present`);
    if (p.hasFiles !== undefined) hasFiles.set(p.SPDXID, p.hasFiles);
    if (p.checksums !== undefined) checksums(p.checksums, where);
    if (p.primaryPackagePurpose !== undefined)
      check(PURPOSES.includes(p.primaryPackagePurpose), `${where}: bad primaryPackagePurpose`);
    for (const r of p.externalRefs ?? []) {
      check(REF_CATEGORIES.includes(r.referenceCategory), `${where}: bad referenceCategory`);
      check(
        typeof r.referenceType === 'string' && typeof r.referenceLocator === 'string' && !/\s/.test(r.referenceLocator),
        `${where}: bad external ref`,
      );
      if (r.referenceType === 'purl')
        check(/^pkg:[a-z][a-z0-9.+-]*\/[^\s]+$/.test(r.referenceLocator), `${where}: bad purl ${r.referenceLocator}`);
    }
    license(p.licenseConcluded, where);
    license(p.licenseDeclared, where);
  }
  const files = (d.files ?? []) as Array<Record<string, any>>;
  for (const [i, f] of files.entries()) {
    const where = `files[${i}]`;
    for (const k of Object.keys(f)) check(FILE_KEYS.includes(k), `${where}: unknown field ${k}`);
    declare(f.SPDXID, where);
    check(
      typeof f.fileName === 'string' && f.fileName.startsWith('./'),
      `${where}: fileName must be a ./relative path`,
    );
    checksums(f.checksums, where);
    check(Array.isArray(f.checksums) && f.checksums.length > 0, `${where}: checksums required`);
    for (const t of f.fileTypes ?? []) check(FILE_TYPES.includes(t), `${where}: bad fileType ${t}`);
    license(f.licenseConcluded, where);
  }
  for (const [pkg, list] of hasFiles)
    for (const id of list)
      check(
        files.some((f) => f.SPDXID === id),
        `${pkg}: hasFiles ${id} is not a file`,
      );

  const rels = (d.relationships ?? []) as Array<Record<string, any>>;
  for (const [i, r] of rels.entries()) {
    const where = `relationships[${i}]`;
    check(
      Object.keys(r).every((k) => ['spdxElementId', 'relationshipType', 'relatedSpdxElement', 'comment'].includes(k)),
      `${where}: unknown field`,
    );
    check(RELATIONSHIP_TYPES.includes(r.relationshipType), `${where}: bad relationshipType ${r.relationshipType}`);
    check(ids.has(r.spdxElementId), `${where}: unknown spdxElementId ${r.spdxElementId}`);
    check(
      ids.has(r.relatedSpdxElement) || ['NONE', 'NOASSERTION'].includes(r.relatedSpdxElement),
      `${where}: unknown relatedSpdxElement ${r.relatedSpdxElement}`,
    );
  }
  check(
    rels.some((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES'),
    'the document DESCRIBES nothing',
  );

  const extracted = new Set<string>();
  for (const e of d.hasExtractedLicensingInfos ?? []) {
    check(
      typeof e.licenseId === 'string' && /^LicenseRef-[A-Za-z0-9.-]+$/.test(e.licenseId),
      `bad extracted licenseId ${e.licenseId}`,
    );
    check(typeof e.extractedText === 'string' && e.extractedText !== '', `${e.licenseId}: extractedText required`);
    extracted.add(e.licenseId);
  }
  for (const expr of licenses) {
    check(/^(NOASSERTION|NONE|[A-Za-z0-9.+() -]+)$/.test(expr), `bad license expression ${expr}`);
    for (const ref of expr.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])
      check(extracted.has(ref), `${ref} used but not in hasExtractedLicensingInfos`);
  }
  return errors;
}
