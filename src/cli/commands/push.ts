import { parseArgs } from 'node:util';
import type { AttachedSbom, BlobEvent, PushResult } from '../../registry-client/index.js';
import { openImageSet, pushImage } from '../../transports/index.js';
import { usageError } from '../../errors.js';
import { type Command, parseOrUsage } from './command.js';

export const pushCommand: Command = {
  name: 'push',
  summary: 'push an OCI layout to a registry',
  usage: `pith push LAYOUT[:TAG] REF [--insecure] [--json] [-q] [--cache-dir DIR] [--no-sbom]

  LAYOUT           an OCI image layout directory (pith's, skopeo's, umoci's...), or an archive
                   of one: oci-archive:FILE, docker-archive:FILE (docker save since Docker 25);
                   :TAG picks an image when it holds several
  REF              host[:port]/path[:tag][@digest]; without a tag, the layout's tag is used
  --insecure       allow plain HTTP or an unverified certificate (loopback never needs it)
  --json           print a JSON summary (digest and what happened to each blob)
  -q, --quiet      no progress on stderr
  --cache-dir      cache root, for the blob-location hints that enable cross-repository mounts
  --no-sbom        do not attach the SBOM files found beside the layout

SBOMs beside the layout or archive (LAYOUT.spdx.json, LAYOUT.cdx.json, or
LAYOUT.<arch>.spdx.json ... for several archs, as pith build writes them) are attached to each
platform manifest as OCI referrers (unless --no-sbom).

Credentials come from podman's auth.json ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers)
and Docker's config.json ($DOCKER_CONFIG, ~/.docker), credential helpers included.
Prints the pushed digest as its last line.
`,
  async run(args) {
    const { values, positionals } = parseOrUsage('push', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          insecure: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          quiet: { type: 'boolean', short: 'q', default: false },
          'cache-dir': { type: 'string' },
          'no-sbom': { type: 'boolean', default: false },
        },
      }),
    );
    if (positionals.length !== 2)
      throw usageError(`push: expected LAYOUT and REF, got ${positionals.length} argument(s) (see pith help push)`);
    const set = await openImageSet(positionals[0]!);
    try {
      // SBOMs pith build wrote beside the layout go along as OCI referrers of each platform manifest.
      const beside =
        set.origin.kind === 'layout' ? set.origin.dir : set.origin.kind === 'archive' ? set.origin.file : undefined;
      const quiet = values.quiet || values.json;
      const result = await pushImage(set, positionals[1]!, {
        insecure: values.insecure ?? false,
        ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
        ...(quiet ? {} : { onBlob: blobProgress(), log: (line: string) => process.stderr.write(`${line}\n`) }),
        ...(values['no-sbom'] || !beside ? {} : { sbomsBeside: beside }),
        warn: (m: string) => process.stderr.write(`pith: warning: ${m}\n`),
      });
      printPushResult(result, values.json ?? false);
    } finally {
      await set.close();
    }
    return 0;
  },
};

/** One line per blob on stderr, only when it is a terminal. */
export function blobProgress(): ((e: BlobEvent) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (e) => {
    const what =
      e.action === 'mounted'
        ? `mounted from ${e.from}`
        : e.action === 'exists'
          ? 'already there'
          : `uploaded ${formatSize(e.size)}`;
    process.stderr.write(`${e.digest.slice(7, 19)}: ${what}\n`);
  };
}

export function printPushResult(result: PushResult & { referrers?: AttachedSbom[] }, json: boolean): void {
  if (json) {
    const { reference, digest, blobs, manifests, referrers } = result;
    process.stdout.write(
      `${JSON.stringify({ reference, digest, blobs, manifests, ...(referrers ? { referrers } : {}) }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${result.digest}\n`);
  }
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
