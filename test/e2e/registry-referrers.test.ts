/**
 * End to end: SBOMs attached as OCI referrers on a real docker-registry 2.8 (no referrers API,
 * so the `sha256-<hex>` tag schema): pith build --push for a host-binary image and for a
 * multi-arch one, pith push of a layout with its SBOM files beside it; checked with raw HTTP
 * and skopeo, and pushed twice to see that nothing is duplicated.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLine, runPith, sh } from '../helpers/cli.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { listReferrers } from '../../src/registry-client/referrers.js';
import type { Digest } from '../../src/image/digest.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SPDX = 'application/spdx+json';
const CDX = 'application/vnd.cyclonedx+json';

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture: string; variant?: string };
}
interface ArtifactManifest {
  mediaType: string;
  artifactType: string;
  config: Desc;
  layers: Desc[];
  subject: Desc;
  annotations: Record<string, string>;
}
interface Attached {
  subject: string;
  artifactType: string;
  digest: string;
  via: string;
  tag?: string;
  platform: string;
  file?: string;
}

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('SBOMs attached to pushed images as OCI referrers (docker-registry 2.8: tag schema)', () => {
  let dir: string;
  let cache: string;
  let registry: TestRegistry;
  let echoSpec: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pith-e2e-referrers-'));
    cache = join(dir, 'cache');
    mkdirSync(join(dir, 'specs'));
    echoSpec = join(dir, 'specs', 'echo.yaml');
    writeFileSync(
      echoSpec,
      `name: referrers/echo\ntag: v1\nentrypoint: [/usr/bin/echo, hi]\nbinaries:\n  - src: /usr/bin/echo\n`,
    );
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, accept = `${INDEX}, ${MANIFEST}`) => {
    const res = await fetch(`${registry.url}${path}`, { headers: { accept } });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };
  const json = <T>(b: Buffer) => JSON.parse(b.toString('utf8')) as T;
  const tagOf = (digest: string) => `sha256-${digest.slice(7)}`;

  /** Checks the tag-schema index of `subject` against the SBOM files, returns its entries. */
  const checkReferrers = async (
    repo: string,
    subject: string,
    spdxFile: string,
    cdxFile: string,
    created: string,
  ): Promise<Desc[]> => {
    const tag = await get(`/v2/${repo}/manifests/${tagOf(subject)}`);
    assert.equal(tag.status, 200, `the ${tagOf(subject)} tag exists`);
    const index = json<{ mediaType: string; manifests: Desc[] }>(tag.bytes);
    assert.equal(index.mediaType, INDEX);
    assert.equal(tag.type, INDEX);
    assert.deepEqual(
      index.manifests.map((m) => m.artifactType),
      [SPDX, CDX],
    );
    for (const entry of index.manifests) {
      assert.equal(entry.mediaType, MANIFEST);
      assert.equal(entry.annotations?.['org.opencontainers.image.created'], created);
      const raw = await get(`/v2/${repo}/manifests/${entry.digest}`, MANIFEST);
      assert.equal(raw.status, 200);
      assert.equal(sha(raw.bytes), entry.digest);
      assert.equal(raw.bytes.byteLength, entry.size);
      const m = json<ArtifactManifest>(raw.bytes);
      assert.equal(m.mediaType, MANIFEST);
      assert.equal(m.artifactType, entry.artifactType);
      assert.equal(m.subject.digest, subject, "the subject is the image manifest's digest");
      assert.equal(m.subject.mediaType, MANIFEST);
      assert.deepEqual(m.config, {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
        size: 2,
      });
      const config = await get(`/v2/${repo}/blobs/${m.config.digest}`);
      assert.equal(config.bytes.toString(), '{}');
      assert.equal(
        m.annotations['org.opencontainers.image.created'],
        created,
        "the build's created, not the wall clock",
      );
      assert.equal(m.layers.length, 1);
      assert.equal(m.layers[0]!.mediaType, m.artifactType);
      const blob = await get(`/v2/${repo}/blobs/${m.layers[0]!.digest}`, '*/*');
      assert.equal(blob.status, 200);
      const file = readFileSync(m.artifactType === SPDX ? spdxFile : cdxFile);
      assert.ok(blob.bytes.equals(file), `the ${m.artifactType} blob is the file written beside -o`);
      // skopeo reads the artifact manifest by digest, byte for byte.
      const skopeo = sh('skopeo', [
        'inspect',
        '--tls-verify=false',
        '--raw',
        `docker://${registry.host}/${repo}@${entry.digest}`,
      ]);
      assert.equal(sha(Buffer.from(skopeo)), entry.digest);
    }
    return index.manifests;
  };

  let echo: { digest: string; created: string; out: string; entries: Desc[] };

  test('pith build -o --push: the sha256-<hex> tag lists the SPDX and CycloneDX artifacts; stderr says so', async () => {
    const out = join(dir, 'echo.oci');
    const r = runPith(['build', echoSpec, '-o', out, '--push', `${registry.host}/ref/echo:v1`, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    const digest = lastLine(r.stdout);
    const attachedLines = r.stderr.split('\n').filter((l) => l.startsWith('attached '));
    assert.equal(attachedLines.length, 2, r.stderr);
    assert.match(
      attachedLines[0]!,
      new RegExp(
        `^attached application/spdx\\+json sha256:[0-9a-f]{12} to ${digest.slice(0, 19)} \\(linux/amd64\\) \\(tag sha256-[0-9a-f]{12}…\\)$`,
      ),
    );
    assert.match(attachedLines[1]!, /^attached application\/vnd\.cyclonedx\+json /);
    const created = json<{ created: string }>(
      Buffer.from(runPith(['build', echoSpec, '-o', out, '--json', '--cache-dir', cache]).stdout),
    ).created;
    const entries = await checkReferrers('ref/echo', digest, `${out}.spdx.json`, `${out}.cdx.json`, created);
    echo = { digest, created, out, entries };
  });

  test('pushing again: the same two entries, no duplicates; --json lists them', async () => {
    const r = runPith([
      'build',
      echoSpec,
      '-o',
      echo.out,
      '--push',
      `${registry.host}/ref/echo:v1`,
      '--json',
      '--cache-dir',
      cache,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = json<{ digest: string; referrers: Attached[] }>(Buffer.from(r.stdout));
    assert.equal(summary.digest, echo.digest);
    assert.deepEqual(
      summary.referrers.map((a) => [a.artifactType, a.digest, a.subject, a.via, a.tag]),
      echo.entries.map((e) => [e.artifactType, e.digest, echo.digest, 'tag', tagOf(echo.digest)]),
    );
    const again = await checkReferrers(
      'ref/echo',
      echo.digest,
      `${echo.out}.spdx.json`,
      `${echo.out}.cdx.json`,
      echo.created,
    );
    assert.deepEqual(again, echo.entries);
    // The library's listReferrers falls back from /referrers/ (404 on 2.8) to the tag.
    const listed = await listReferrers(registry.host, 'ref/echo', echo.digest as Digest, { credentials: null });
    assert.deepEqual(
      listed.map((l) => l.digest),
      echo.entries.map((e) => e.digest),
    );
    const onlyCdx = await listReferrers(registry.host, 'ref/echo', echo.digest as Digest, {
      credentials: null,
      artifactType: CDX,
    });
    assert.deepEqual(
      onlyCdx.map((l) => l.artifactType),
      [CDX],
    );
  });

  test('pith push of a layout with its SBOM files beside it attaches them; --no-sbom does not', async () => {
    const r = runPith(['push', echo.out, `${registry.host}/pushed/echo:v1`, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${echo.digest}\n`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('attached '));
    assert.equal(lines.length, 2, r.stderr);
    assert.ok(lines[0]!.endsWith(`from ${echo.out}.spdx.json`), lines[0]);
    assert.ok(lines[1]!.endsWith(`from ${echo.out}.cdx.json`), lines[1]);
    const entries = await checkReferrers(
      'pushed/echo',
      echo.digest,
      `${echo.out}.spdx.json`,
      `${echo.out}.cdx.json`,
      echo.created,
    );
    assert.deepEqual(
      entries.map((e) => e.digest),
      echo.entries.map((e) => e.digest),
      'the same artifact manifests as build --push made',
    );
    const j = runPith(['push', echo.out, `${registry.host}/pushed/echo:v1`, '--json', '--cache-dir', cache]);
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(
      json<{ referrers: Attached[] }>(Buffer.from(j.stdout)).referrers.map((a) => a.file),
      [`${echo.out}.spdx.json`, `${echo.out}.cdx.json`],
    );
    assert.equal(
      (await checkReferrers('pushed/echo', echo.digest, `${echo.out}.spdx.json`, `${echo.out}.cdx.json`, echo.created))
        .length,
      2,
    );

    const n = runPith(['push', echo.out, `${registry.host}/nosbom/echo:v1`, '--no-sbom', '--cache-dir', cache]);
    assert.equal(n.code, 0, n.stderr);
    assert.doesNotMatch(n.stderr, /attached/);
    assert.equal((await get(`/v2/nosbom/echo/manifests/${tagOf(echo.digest)}`)).status, 404);
  });

  test('a layout with no SBOM beside it, or a stale one: nothing attached (a warning for the stale one)', async () => {
    const bare = join(dir, 'bare.oci');
    sh('cp', ['-r', echo.out, bare]);
    const r = runPith(['push', bare, `${registry.host}/bare/echo:v1`, '--cache-dir', cache]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /attached/);
    assert.equal((await get(`/v2/bare/echo/manifests/${tagOf(echo.digest)}`)).status, 404);
    const stale = join(dir, 'stale', 'x.json');
    mkdirSync(join(dir, 'stale'));
    writeFileSync(stale, '{"spdxVersion":"SPDX-2.3","name":"some other image"}');
    copyFileSync(stale, `${bare}.spdx.json`);
    const s = runPith(['push', bare, `${registry.host}/bare/echo:v1`, '--cache-dir', cache]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(
      s.stderr,
      /^pith: warning: .*bare\.oci\.spdx\.json does not describe sha256:[0-9a-f]{64} \(from another build\?\): not attached$/m,
    );
    assert.equal((await get(`/v2/bare/echo/manifests/${tagOf(echo.digest)}`)).status, 404);
  });

  test('pith build --push --no-sbom attaches nothing', async () => {
    const r = runPith(
      ['build', echoSpec, '--push', `${registry.host}/nosbom/built:v1`, '--no-sbom', '--cache-dir', cache],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /attached/);
    assert.equal((await get(`/v2/nosbom/built/manifests/${tagOf(lastLine(r.stdout))}`)).status, 404);
  });

  test('multi-arch (files only): each platform manifest gets its own SPDX and CycloneDX referrers', async () => {
    const spec = join(dir, 'specs', 'multi.yaml');
    writeFileSync(
      spec,
      `name: referrers/multi\ntag: both\narchs: [amd64, arm64]\npaths:\n  - {path: /etc/app.conf, type: file, content: "multi-arch\\n"}\n`,
    );
    const out = join(dir, 'multi.oci');
    const r = runPith([
      'build',
      spec,
      '-o',
      out,
      '--push',
      `${registry.host}/ref/multi:both`,
      '--json',
      '--cache-dir',
      cache,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = json<{ digest: string; created: string; referrers: Attached[] }>(Buffer.from(r.stdout));
    const index = json<{ manifests: Desc[] }>((await get(`/v2/ref/multi/manifests/both`, INDEX)).bytes);
    assert.equal(sha((await get(`/v2/ref/multi/manifests/both`, INDEX)).bytes), summary.digest);
    assert.deepEqual(
      index.manifests.map((m) => m.platform!.architecture),
      ['amd64', 'arm64'],
    );
    assert.equal(
      (await get(`/v2/ref/multi/manifests/${tagOf(summary.digest)}`)).status,
      404,
      'nothing refers to the index itself',
    );
    const all: string[] = [];
    for (const m of index.manifests) {
      // pith build names them PATH.<arch>[-<variant>].spdx.json: arm64 is arm64-v8.
      const arch = `${m.platform!.architecture}${m.platform!.variant ? `-${m.platform!.variant}` : ''}`;
      const entries = await checkReferrers(
        'ref/multi',
        m.digest,
        `${out}.${arch}.spdx.json`,
        `${out}.${arch}.cdx.json`,
        summary.created,
      );
      all.push(...entries.map((e) => e.digest));
    }
    assert.equal(new Set(all).size, 4, 'four distinct artifact manifests');
    assert.deepEqual(
      summary.referrers.map((a) => `${a.platform} ${a.artifactType}`),
      [`linux/amd64 ${SPDX}`, `linux/amd64 ${CDX}`, `linux/arm64/v8 ${SPDX}`, `linux/arm64/v8 ${CDX}`],
    );
    // pith push of the same layout to another repository finds LAYOUT.<arch>.spdx.json and so on.
    const p = runPith(['push', out, `${registry.host}/pushed/multi:both`, '--cache-dir', cache]);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stderr.split('\n').filter((l) => l.startsWith('attached ')).length, 4, p.stderr);
    for (const m of index.manifests) {
      const arch = `${m.platform!.architecture}${m.platform!.variant ? `-${m.platform!.variant}` : ''}`;
      await checkReferrers(
        'pushed/multi',
        m.digest,
        `${out}.${arch}.spdx.json`,
        `${out}.${arch}.cdx.json`,
        summary.created,
      );
    }
  });
});
