/** Synthetic layers and images for the inspect/diff/audit unit tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { analyzeImage, type AnalyzedImage } from '../../src/inspect/analyze.js';
import type { OpenedImage } from '../../src/inspect/open.js';
import type { Digest } from '../../src/image/digest.js';
import type { Layer } from '../../src/image/layer.js';
import { appendLayers, emptyImage, setConfig } from '../../src/image/mutate.js';
import type { ContainerConfig } from '../../src/image/types.js';
import { BlobStore } from '../../src/store/blob-store.js';

export interface FakeEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  mode?: number;
  uid?: number;
  gid?: number;
  content?: string | Buffer;
  linkname?: string;
}

/** The bytes of an uncompressed tar holding `entries` in order. */
export async function tarBytes(entries: FakeEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? Buffer.from(e.content ?? '') : '';
    p.entry(
      {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        uid: e.uid ?? 0,
        gid: e.gid ?? 0,
        mtime: new Date(0),
        ...(e.linkname ? { linkname: e.linkname } : {}),
      },
      body,
    );
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes each layer as a .tar.gz (or plain tar when gzip is false) in a new temp dir; returns the paths. */
export async function writeLayers(layers: FakeEntry[][], gzip = true): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pith-inspect-unit-'));
  const paths: string[] = [];
  for (const [i, entries] of layers.entries()) {
    const tar = await tarBytes(entries);
    const path = join(dir, `layer${i}`);
    writeFileSync(path, gzip ? gzipSync(tar) : tar);
    paths.push(path);
  }
  return paths;
}

/** An AnalyzedImage from synthetic layers, as if opened from a layout. */
export async function fakeImage(
  layers: FakeEntry[][],
  config: ContainerConfig = {},
  source = 'fake',
): Promise<AnalyzedImage> {
  const store = new BlobStore(mkdtempSync(join(tmpdir(), 'pith-inspect-unit-')));
  mkdirSync(join(store.root, 'sha256'));
  const fakes: Layer[] = [];
  for (const [i, entries] of layers.entries()) {
    const digest = `sha256:${String(i).repeat(64)}` as Digest;
    writeFileSync(store.pathOf(digest), gzipSync(await tarBytes(entries)));
    fakes.push({
      digest,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      size: 100 * (i + 1),
      diffId: digest,
      store,
    });
  }
  const image = setConfig(appendLayers(emptyImage({ os: 'linux', architecture: 'amd64' }), fakes), config);
  const opened: OpenedImage = {
    ...image,
    source,
    kind: 'oci',
    name: source,
    root: { mediaType: image.mediaType, digest: image.digest, size: image.size },
    origin: { kind: 'layout', dir: store.root },
    close: async () => undefined,
  };
  return analyzeImage(opened);
}

/** A distroless-style package: its status paragraph, md5sums and files. */
export function fakePackage(
  name: string,
  version: string,
  files: Record<string, string>,
  source?: string,
): FakeEntry[] {
  const md5 = Object.keys(files)
    .map((f) => `${'a'.repeat(32)}  ${f}`)
    .join('\n');
  return [
    {
      name: `var/lib/dpkg/status.d/${name}`,
      content: `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ''}Description: test\n multi-line\n`,
    },
    { name: `var/lib/dpkg/status.d/${name}.md5sums`, content: `${md5}\n` },
    ...Object.entries(files).map(([f, content]) => ({ name: f, content })),
  ];
}
