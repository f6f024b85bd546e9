import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stableJson } from '../../../src/image/stable-json.js';
import { cyclonedxDocument, uuidV5 } from '../../../src/sbom/cyclonedx.js';
import { debPurl, ociPurl, purlEncode } from '../../../src/sbom/model.js';
import { spdxDocument } from '../../../src/sbom/spdx.js';
import { sampleInput, shuffled } from '../../helpers/sbom-input.js';
import { cyclonedxSchemaErrors, spdxStructureErrors } from '../../helpers/sbom-schemas.js';

const parsed = (doc: object) => JSON.parse(stableJson(doc)) as any;

test('purls: Debian versions percent-encoded per the purl spec, epoch colon kept', () => {
  const distro = { id: 'debian' as const, versionId: '12' };
  assert.equal(
    debPurl({ name: 'zlib1g', version: '1:1.2.13.dfsg-1', architecture: 'amd64', source: 'zlib' }, distro),
    'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib',
  );
  assert.equal(
    debPurl({ name: 'libc6', version: '2.36-9+deb12u14', architecture: 'amd64', source: 'glibc' }, distro),
    'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc',
  );
  assert.equal(
    debPurl(
      { name: 'ca-certificates', version: '20250419~deb12u2', architecture: 'all', source: 'ca-certificates' },
      distro,
    ),
    'pkg:deb/debian/ca-certificates@20250419~deb12u2?arch=all&distro=debian-12',
  );
  assert.equal(
    debPurl(
      { name: 'libstdc++6', version: '12.2.0-14+deb12u1', architecture: 'amd64', source: 'gcc-12 (12.2.0-14+deb12u1)' },
      distro,
    ),
    'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12&upstream=gcc-12',
  );
  assert.equal(
    debPurl(
      { name: 'tzdata', version: '2026f-0+deb12u1', architecture: 'all' },
      { id: 'debian', codename: 'bookworm' },
    ),
    'pkg:deb/debian/tzdata@2026f-0%2Bdeb12u1?arch=all&distro=debian-bookworm',
  );
  assert.equal(
    debPurl({ name: 'tzdata', version: '2026f', architecture: 'all' }),
    'pkg:deb/debian/tzdata@2026f?arch=all',
  );
  assert.equal(purlEncode('a b/c@d?e#f%g'), 'a%20b%2Fc%40d%3Fe%23f%25g');
  const input = sampleInput();
  assert.equal(
    ociPurl(input.image),
    'pkg:oci/hello@sha256:2a55c1035d8a8b4a339af24cb9b281362e6493d0689f2e1df6c68b67ff9d0a39?arch=amd64&tag=latest',
  );
  assert.equal(
    ociPurl({ ...input.image, name: 'ghcr.io/Acme/App', platform: undefined, tag: 'v1+x' }),
    'pkg:oci/app@sha256:2a55c1035d8a8b4a339af24cb9b281362e6493d0689f2e1df6c68b67ff9d0a39?repository_url=ghcr.io/Acme/App&tag=v1%2Bx',
  );
});

test('SPDX 2.3: valid structure and the expected content', () => {
  const doc = parsed(spdxDocument(sampleInput()));
  assert.deepEqual(spdxStructureErrors(doc), []);
  assert.equal(
    doc.documentNamespace,
    'https://pith.invalid/spdx/hello-2a55c1035d8a8b4a339af24cb9b281362e6493d0689f2e1df6c68b67ff9d0a39',
  );
  assert.equal(doc.creationInfo.created, '1970-01-01T00:00:00Z');
  assert.deepEqual(doc.creationInfo.creators, ['Tool: pith-0.1.0']);
  const image = doc.packages[0];
  assert.equal(image.primaryPackagePurpose, 'CONTAINER');
  assert.deepEqual(image.externalRefs[0], {
    referenceCategory: 'PACKAGE-MANAGER',
    referenceType: 'purl',
    referenceLocator:
      'pkg:oci/hello@sha256:2a55c1035d8a8b4a339af24cb9b281362e6493d0689f2e1df6c68b67ff9d0a39?arch=amd64&tag=latest',
  });
  assert.deepEqual(
    doc.packages.map((p: any) => p.name),
    ['hello', 'ca-certificates', 'libc6', 'libssl3', 'libstdc++6', 'tzdata', 'zlib1g'],
  );
  const byName = (n: string) => doc.packages.find((p: any) => p.name === n);
  assert.equal(byName('libc6').licenseDeclared, 'NOASSERTION');
  assert.equal(byName('libc6').licenseConcluded, 'NOASSERTION');
  assert.equal(byName('libc6').filesAnalyzed, false);
  assert.equal(byName('libc6').hasFiles, undefined);
  assert.equal(byName('zlib1g').versionInfo, '1:1.2.13.dfsg-1');
  assert.equal(
    byName('zlib1g').externalRefs[0].referenceLocator,
    'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib',
  );
  assert.deepEqual(byName('zlib1g').checksums, [{ algorithm: 'SHA256', checksumValue: '2'.repeat(64) }]);
  assert.deepEqual(
    doc.hasExtractedLicensingInfos.map((e: any) => e.licenseId),
    ['LicenseRef-public-domain'],
  );
  // The trimmed package says which of its files are present.
  const std = byName('libstdc++6');
  assert.equal(std.filesAnalyzed, true);
  assert.equal(std.SPDXID, 'SPDXRef-Package-deb-libstdc-6-amd64');
  const stdFiles = std.hasFiles.map((id: string) => doc.files.find((f: any) => f.SPDXID === id).fileName);
  assert.deepEqual(stdFiles, [
    './usr/lib/x86_64-linux-gnu/libstdc++.so.6',
    './usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30',
  ]);
  for (const id of std.hasFiles) {
    assert.ok(
      doc.relationships.some(
        (r: any) => r.spdxElementId === std.SPDXID && r.relationshipType === 'CONTAINS' && r.relatedSpdxElement === id,
      ),
    );
  }
  // Host files are files the image CONTAINS.
  const app = doc.files.find((f: any) => f.fileName === './usr/bin/app');
  assert.deepEqual(app.checksums, [{ algorithm: 'SHA256', checksumValue: 'a'.repeat(64) }]);
  assert.deepEqual(app.fileTypes, ['BINARY']);
  assert.ok(
    doc.relationships.some(
      (r: any) =>
        r.spdxElementId === image.SPDXID && r.relationshipType === 'CONTAINS' && r.relatedSpdxElement === app.SPDXID,
    ),
  );
  assert.deepEqual(doc.relationships[0], {
    spdxElementId: 'SPDXRef-DOCUMENT',
    relationshipType: 'DESCRIBES',
    relatedSpdxElement: image.SPDXID,
  });
  // image CONTAINS 6 packages + 4 host files; libstdc++6 CONTAINS its 2 files.
  assert.equal(doc.relationships.length, 1 + 6 + 4 + 2);
});

test('SPDX: the structural check catches what it should', () => {
  const doc = parsed(spdxDocument(sampleInput()));
  doc.packages[1].SPDXID = 'SPDXRef-bad_id';
  doc.packages[2].licenseDeclared = 'LicenseRef-nowhere';
  doc.relationships.push({
    spdxElementId: 'SPDXRef-missing',
    relationshipType: 'CONTAINS',
    relatedSpdxElement: 'SPDXRef-DOCUMENT',
  });
  doc.creationInfo.created = '1970-01-01T00:00:00.000Z';
  const errors = spdxStructureErrors(doc).join('\n');
  assert.match(errors, /bad SPDXID SPDXRef-bad_id/);
  assert.match(errors, /LicenseRef-nowhere used but not in hasExtractedLicensingInfos/);
  assert.match(errors, /unknown spdxElementId SPDXRef-missing/);
  assert.match(errors, /creationInfo.created not YYYY-MM-DDThh:mm:ssZ/);
});

test('CycloneDX 1.5: validates against the official schema, with the expected content', () => {
  const doc = parsed(cyclonedxDocument(sampleInput()));
  assert.deepEqual(cyclonedxSchemaErrors(doc), []);
  assert.equal(doc.specVersion, '1.5');
  assert.match(doc.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(doc.metadata.timestamp, '1970-01-01T00:00:00Z');
  assert.deepEqual(doc.metadata.tools, { components: [{ type: 'application', name: 'pith', version: '0.1.0' }] });
  assert.equal(doc.metadata.component.type, 'container');
  assert.deepEqual(doc.metadata.component.hashes, [
    { alg: 'SHA-256', content: '2a55c1035d8a8b4a339af24cb9b281362e6493d0689f2e1df6c68b67ff9d0a39' },
  ]);
  assert.deepEqual(
    doc.components.map((c: any) => c.purl ?? c.name),
    [
      'pkg:deb/debian/ca-certificates@20250419~deb12u2?arch=all&distro=debian-12',
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc',
      'pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl',
      'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12&upstream=gcc-12',
      'pkg:deb/debian/tzdata@2026f-0%2Bdeb12u1?arch=all&distro=debian-12',
      'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib',
      '/etc/app/config.yaml',
      '/srv/data/index.html',
      '/usr/bin/app',
      '/usr/lib/x86_64-linux-gnu/libfoo.so.1',
    ],
  );
  const std = doc.components[3];
  assert.deepEqual(std.licenses, [{ expression: 'GPL-3.0-or-later WITH GCC-exception-3.1' }]);
  assert.deepEqual(
    std.components.map((c: any) => [c.type, c.name]),
    [
      ['file', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6'],
      ['file', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30'],
    ],
  );
  assert.equal(doc.components[1].licenses, undefined);
  assert.deepEqual(doc.components[8].properties, [{ name: 'pith:origin', value: 'binary' }]);
  // A broken document is rejected by the schema (the validator really validates).
  assert.notDeepEqual(cyclonedxSchemaErrors({ ...doc, serialNumber: 'urn:uuid:nope' }), []);
  assert.notDeepEqual(cyclonedxSchemaErrors({ ...doc, components: [{ type: 'library' }] }), []);
});

test('UUID v5 matches the RFC 4122 algorithm (Python uuid.uuid5 reference value)', () => {
  // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'https://example.com/'))"
  assert.equal(
    uuidV5('https://example.com/', '6ba7b811-9dad-11d1-80b4-00c04fd430c8'),
    'dd2c1780-811a-5296-81c5-178a0ef488bc',
  );
});

test('byte-identical output for the same input, in any order', () => {
  const a = sampleInput();
  const b = shuffled(sampleInput());
  assert.notDeepEqual(
    a.packages.map((p) => p.name),
    b.packages.map((p) => p.name),
  );
  assert.equal(stableJson(spdxDocument(a)), stableJson(spdxDocument(sampleInput())));
  assert.equal(stableJson(spdxDocument(a)), stableJson(spdxDocument(b)));
  assert.equal(stableJson(cyclonedxDocument(a)), stableJson(cyclonedxDocument(b)));
  // A different subject gives a different namespace and serial number.
  const c = { ...a, image: { ...a.image, digest: `sha256:${'f'.repeat(64)}` as typeof a.image.digest } };
  assert.notEqual((spdxDocument(c) as any).documentNamespace, (spdxDocument(a) as any).documentNamespace);
  assert.notEqual((cyclonedxDocument(c) as any).serialNumber, (cyclonedxDocument(a) as any).serialNumber);
});
