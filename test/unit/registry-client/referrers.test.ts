/**
 * Referrers: the tag-schema index merge (order kept, duplicates dropped), the artifact manifest's
 * shape (deterministic bytes, subject reduced to mediaType/digest/size), and, against a tiny
 * loopback registry that answers OCI-Subject, that no fallback tag is written.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  artifactManifestBytes,
  EMPTY_CONFIG,
  listReferrers,
  mergeReferrersIndex,
  pushReferrers,
  referrersTag,
} from '../../../src/registry-client/referrers.js';
import type { Descriptor, ImageIndex } from '../../../src/image/types.js';
import type { Digest } from '../../../src/image/digest.js';

const M = 'application/vnd.oci.image.manifest.v1+json';
const d = (c: string, artifactType = 'application/spdx+json'): Descriptor => ({
  mediaType: M,
  digest: `sha256:${c.repeat(64)}` as Digest,
  size: 100,
  artifactType,
});
const sha = (b: Uint8Array | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('referrers tag schema: index merge', () => {
  test('no index yet: a new OCI index with the entries in the order given', () => {
    const { index, changed } = mergeReferrersIndex(undefined, [d('a'), d('b', 'application/vnd.cyclonedx+json')]);
    assert.equal(changed, true);
    assert.equal(index.schemaVersion, 2);
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      index.manifests.map((m) => m.digest[7]),
      ['a', 'b'],
    );
  });

  test('existing entries keep their place and fields; new ones are appended; duplicates dropped', () => {
    const other: Descriptor = { ...d('c', 'application/vnd.example.sig'), annotations: { by: 'someone else' } };
    const existing: ImageIndex = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [other, d('a')],
      annotations: { keep: 'me' },
    };
    const { index, changed } = mergeReferrersIndex(existing, [
      d('b'),
      { ...d('a'), annotations: { changed: 'no' } },
      d('b'),
      d('e'),
    ]);
    assert.equal(changed, true);
    assert.deepEqual(
      index.manifests.map((m) => m.digest[7]),
      ['c', 'a', 'b', 'e'],
    );
    assert.deepEqual(index.manifests[0], other, "another tool's entry untouched");
    assert.equal(index.manifests[1]!.annotations, undefined, 'the first entry for a digest wins');
    assert.deepEqual(index.annotations, { keep: 'me' });
  });

  test('nothing new: unchanged, so the tag is not put again', () => {
    const existing = mergeReferrersIndex(undefined, [d('a'), d('b')]).index;
    const again = mergeReferrersIndex(existing, [d('b'), d('a')]);
    assert.equal(again.changed, false);
    assert.deepEqual(again.index.manifests, existing.manifests);
  });

  test('the tag is sha256-<hex>', () => {
    assert.equal(referrersTag(`sha256:${'f0'.repeat(32)}` as Digest), `sha256-${'f0'.repeat(32)}`);
  });
});

describe('artifact manifest', () => {
  const subject: Descriptor = {
    mediaType: M,
    digest: `sha256:${'1'.repeat(64)}` as Digest,
    size: 555,
    annotations: { x: 'y' },
    platform: { os: 'linux', architecture: 'amd64' },
  };
  const data = new TextEncoder().encode('{"spdxVersion":"SPDX-2.3"}');
  const blob: Descriptor = { mediaType: 'application/spdx+json', digest: sha(data) as Digest, size: data.byteLength };

  test('artifactType, empty config, one layer, subject, created; same inputs, same bytes', () => {
    const bytes = artifactManifestBytes(
      subject,
      { artifactType: 'application/spdx+json', data, annotations: { a: 'b' } },
      blob,
      '2024-01-02T03:04:05Z',
    );
    const again = artifactManifestBytes(
      subject,
      { artifactType: 'application/spdx+json', data, annotations: { a: 'b' } },
      blob,
      '2024-01-02T03:04:05Z',
    );
    assert.deepEqual(bytes, again);
    const m = JSON.parse(new TextDecoder().decode(bytes));
    assert.deepEqual(m, {
      annotations: { a: 'b', 'org.opencontainers.image.created': '2024-01-02T03:04:05Z' },
      artifactType: 'application/spdx+json',
      config: EMPTY_CONFIG,
      layers: [blob],
      mediaType: M,
      schemaVersion: 2,
      subject: { mediaType: M, digest: subject.digest, size: 555 },
    });
    assert.equal(EMPTY_CONFIG.digest, sha('{}'));
  });
});

/** Just enough of a registry with the referrers API: blobs, manifests, OCI-Subject, /referrers/. */
function fakeRegistry(): { server: Server; requests: string[]; manifests: Map<string, Buffer> } {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Buffer>();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      requests.push(`${req.method} ${url.pathname}`);
      const body = Buffer.concat(chunks);
      let m: RegExpMatchArray | null;
      if (url.pathname === '/v2/') return res.writeHead(200).end('{}');
      if ((m = url.pathname.match(/^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/)))
        return res.writeHead(blobs.has(m[2]!) ? 200 : 404).end();
      if (req.method === 'POST' && /\/blobs\/uploads\/$/.test(url.pathname))
        return res.writeHead(202, { location: `${url.pathname}u1` }).end();
      if (req.method === 'PUT' && /\/blobs\/uploads\//.test(url.pathname)) {
        const digest = url.searchParams.get('digest')!;
        if (sha(body) !== digest) return res.writeHead(400).end();
        blobs.set(digest, body);
        return res.writeHead(201, { 'docker-content-digest': digest }).end();
      }
      if ((m = url.pathname.match(/^\/v2\/(.+)\/manifests\/(.+)$/))) {
        if (req.method === 'PUT') {
          manifests.set(m[2]!, body);
          const subject = (JSON.parse(body.toString()) as { subject?: { digest: string } }).subject;
          return res
            .writeHead(201, {
              'docker-content-digest': sha(body),
              ...(subject ? { 'oci-subject': subject.digest } : {}),
            })
            .end();
        }
        const got = manifests.get(m[2]!);
        return got ? res.writeHead(200, { 'content-type': M }).end(got) : res.writeHead(404).end();
      }
      if ((m = url.pathname.match(/^\/v2\/(.+)\/referrers\/(sha256:[0-9a-f]{64})$/))) {
        const list = [...manifests.entries()]
          .filter(([, b]) => (JSON.parse(b.toString()) as { subject?: { digest: string } }).subject?.digest === m![2])
          .map(([digest, b]) => ({
            mediaType: M,
            digest,
            size: b.byteLength,
            artifactType: (JSON.parse(b.toString()) as { artifactType: string }).artifactType,
          }));
        return res
          .writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' })
          .end(
            JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: list }),
          );
      }
      res.writeHead(404).end();
    });
  });
  return { server, requests, manifests };
}

describe('a registry with the referrers API (OCI-Subject)', () => {
  const fake = fakeRegistry();
  let host: string;
  before(async () => {
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => fake.server.close(() => r())));

  test('artifacts go by digest and no sha256-<hex> tag is written; listReferrers uses the API', async () => {
    const subject: Descriptor = { mediaType: M, digest: `sha256:${'2'.repeat(64)}` as Digest, size: 10 };
    const data = new TextEncoder().encode('{"bomFormat":"CycloneDX"}');
    const attached = await pushReferrers(
      host,
      'a/b',
      subject,
      [{ artifactType: 'application/vnd.cyclonedx+json', data }],
      { created: '1970-01-01T00:00:00Z', credentials: null },
    );
    assert.equal(attached.length, 1);
    assert.equal(attached[0]!.via, 'referrers-api');
    assert.equal(attached[0]!.tag, undefined);
    assert.ok(fake.manifests.has(attached[0]!.digest));
    assert.ok(!fake.requests.some((r) => r.includes('/manifests/sha256-')), fake.requests.join('\n'));
    const listed = await listReferrers(host, 'a/b', subject.digest, { credentials: null });
    assert.deepEqual(
      listed.map((l) => [l.digest, l.artifactType]),
      [[attached[0]!.digest, 'application/vnd.cyclonedx+json']],
    );
    assert.ok(fake.requests.includes(`GET /v2/a/b/referrers/${subject.digest}`));
  });
});
