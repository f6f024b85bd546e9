import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { Readable } from 'node:stream';

export interface LayoutImage {
  platform: { architecture: string; os: string; variant?: string };
  manifestDigest: string;
  config: { config: Record<string, unknown>; rootfs: { diff_ids: string[] }; architecture: string };
  layers: string[];
}

const blobPath = (layout: string, digest: string) => join(layout, 'blobs', 'sha256', digest.replace('sha256:', ''));
export const readBlobJson = <T>(layout: string, digest: string): T =>
  JSON.parse(readFileSync(blobPath(layout, digest), 'utf8')) as T;

/** Every platform image in an OCI layout (through an index when there is one). */
export function layoutImages(layout: string): LayoutImage[] {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; mediaType: string }>;
  };
  const root = index.manifests[0]!;
  const manifests =
    root.mediaType === 'application/vnd.oci.image.index.v1+json'
      ? readBlobJson<{ manifests: Array<{ digest: string; platform: LayoutImage['platform'] }> }>(layout, root.digest)
          .manifests
      : [{ digest: root.digest, platform: undefined }];
  return manifests.map((m) => {
    const manifest = readBlobJson<{ config: { digest: string }; layers: Array<{ digest: string }> }>(layout, m.digest);
    const config = readBlobJson<LayoutImage['config']>(layout, manifest.config.digest);
    return {
      platform: m.platform ?? { architecture: config.architecture, os: 'linux' },
      manifestDigest: m.digest,
      config,
      layers: manifest.layers.map((l) => blobPath(layout, l.digest)),
    };
  });
}

export interface LayerFile {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  data?: Buffer;
}

/** The merged files of an image's layers (later layers win), contents included for regular files. */
export async function imageFiles(
  image: LayoutImage,
  withData = (_path: string) => false,
): Promise<Map<string, LayerFile>> {
  const files = new Map<string, LayerFile>();
  for (const layer of image.layers) {
    const ex = extract();
    const done = new Promise<void>((resolve, reject) => {
      ex.on('entry', (header, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => chunks.push(c as Buffer));
        stream.on('end', () => {
          const path = header.name.replace(/\/$/, '');
          files.set(path, {
            path,
            type: header.type ?? 'file',
            mode: header.mode ?? 0,
            uid: header.uid ?? 0,
            gid: header.gid ?? 0,
            ...(header.linkname ? { linkname: header.linkname } : {}),
            ...(withData(path) || (chunks.length && chunks[0]![0] === 0x7f) ? { data: Buffer.concat(chunks) } : {}),
          });
          next();
        });
        stream.resume();
      });
      ex.on('finish', resolve);
      ex.on('error', reject);
    });
    Readable.from([gunzipSync(readFileSync(layer))]).pipe(ex);
    await done;
  }
  return files;
}
