import { build, loadSpec, parseCompression, sinkNames } from '../../index.js';
import { usageError } from '../../errors.js';
import { parseArgs } from 'node:util';
import { type Command, parseOrUsage } from './command.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'build an image from a spec',
  usage: `pith build [SPEC] [-o PATH] [--format oci|oci-archive|docker-archive] [--compression gzip|zstd[:LEVEL]] [--json] [--quiet] [--frozen] [--strict]

  SPEC             the spec file (default: ./pith.yaml)
  -o, --output     where to write the image (default: ./<name>.oci, or ./<name>.tar for archives)
  --format         oci (a layout directory, default), oci-archive, docker-archive
  --json           print a JSON summary instead of the digest
  -q, --quiet      no progress on stderr
  --cache-dir      cache root (default: $PITH_CACHE_DIR, $XDG_CACHE_HOME/pith, ~/.cache/pith)
  --frozen         use the lockfile as it is: fail if it is missing or does not match the spec
  --compression C  layer compression, overriding the spec's: gzip or zstd, optionally with a
                   level (gzip:6, zstd:19); default gzip level 2
  --no-sbom        do not write PATH.spdx.json and PATH.cdx.json beside the output
  --explain        print why each file is kept and what was dropped (and why), by package, in any trim mode
  --strict         fail when a package's install-time effects cannot all be emulated (default: warn)
  --push REF       push the image to a registry after building (writes no layout unless -o is given),
                   with its SBOMs attached to each platform manifest as OCI referrers
  --insecure       with --push: allow plain HTTP or an unverified certificate

Prints the manifest digest (the index digest for several archs) as its last line.
`,
  async run(args) {
    const { values, positionals } = parseBuildArgs(args);
    if (positionals.length > 1)
      throw usageError(`build: expected at most one spec file, got ${positionals.length} (see pith help build)`);
    const format = values.format ?? 'oci';
    if (!sinkNames().includes(format))
      throw usageError(`build: unknown --format "${format}" (use one of: ${sinkNames().join(', ')})`);
    const compression = values.compression === undefined ? undefined : parseCompression(values.compression);
    if (typeof compression === 'string') throw usageError(`build: --compression: ${compression}`);
    // The registry client loads only when pushing; a bad reference fails before the build.
    const registry = values.push !== undefined ? await loadRegistry() : undefined;
    if (values.push !== undefined) registry!.parseReference(values.push);
    const loaded = await loadSpec(positionals[0] ?? 'pith.yaml');
    const path = values.output ?? `${loaded.spec.name.replace(/\//g, '-')}${format === 'oci' ? '.oci' : '.tar'}`;
    const quiet = values.quiet || values.json;
    const result = await build(loaded, {
      ...(values.push !== undefined && values.output === undefined ? {} : { output: { format, path } }),
      ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
      log: quiet ? undefined : (m) => process.stderr.write(`${m}\n`),
      // Warnings are printed even with --quiet: they say what the image may lack.
      warn: (m) => process.stderr.write(`pith: warning: ${m}\n`),
      strict: values.strict ?? false,
      frozen: values.frozen ?? false,
      ...(compression ? { compression } : {}),
      sbom: !values['no-sbom'],
      ...(values.explain ? { explain: (text: string) => process.stderr.write(`${text}\n`) } : {}),
    });
    const referrers =
      values.push !== undefined ? await pushResult(registry!, result, values.push, values, quiet) : undefined;
    printResult(result, loaded, values.json, referrers);
    return 0;
  },
};

function parseBuildArgs(args: string[]) {
  return parseOrUsage('build', () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        format: { type: 'string', default: 'oci' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        'cache-dir': { type: 'string' },
        frozen: { type: 'boolean', default: false },
        compression: { type: 'string' },
        'no-sbom': { type: 'boolean', default: false },
        explain: { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        push: { type: 'string' },
        insecure: { type: 'boolean', default: false },
      },
    }),
  );
}

type BuildResult = Awaited<ReturnType<typeof build>>;

/** --push: the image to `reference`, each platform image's SBOMs along as OCI referrers of its manifest. */
async function pushResult(
  registry: Awaited<ReturnType<typeof loadRegistry>>,
  result: BuildResult,
  reference: string,
  values: { insecure?: boolean; 'cache-dir'?: string },
  quiet: boolean,
): Promise<unknown[] | undefined> {
  const pushed = await registry.pushImage(result.artifact, reference, {
    insecure: values.insecure ?? false,
    ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
    ...(quiet ? {} : { onBlob: registry.blobProgress(), log: (line: string) => process.stderr.write(`${line}\n`) }),
    sboms: result.sboms ?? [],
    created: result.created,
  });
  return pushed.referrers;
}

/** The digest as the last line, or with --json a summary. */
function printResult(
  result: BuildResult,
  loaded: Awaited<ReturnType<typeof loadSpec>>,
  json: boolean,
  referrers: unknown[] | undefined,
): void {
  if (json) {
    const summary = {
      digest: result.digest,
      mediaType: result.mediaType,
      name: loaded.spec.name,
      tag: loaded.spec.tag,
      created: result.created,
      output: result.output,
      sbomFiles: result.sbomFiles,
      images: result.images,
      ...(referrers ? { referrers } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`${result.digest}\n`);
  }
}

async function loadRegistry() {
  const [{ parseReference }, { pushImage }, { blobProgress }] = await Promise.all([
    import('../../registry-client/index.js'),
    import('../../transports/index.js'),
    import('./push.js'),
  ]);
  return { parseReference, pushImage, blobProgress };
}
