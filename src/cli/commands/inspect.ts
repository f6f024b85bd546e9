import { parseArgs } from 'node:util';
import { printableStrings, usageError } from '../../errors.js';
import { formatInspect, loadImage } from '../../inspect/index.js';
import { type Command, parseOrUsage } from './command.js';

export const IMAGE_REF_HELP = `  REF              an OCI layout DIR[:TAG] or oci:DIR[:TAG]; oci-archive:FILE[:TAG],
                   docker-archive:FILE or FILE.tar; or a registry reference
                   [docker://]host[:port]/path[:tag][@digest] (pulled to a temporary store)
  --platform P     os/arch[/variant] to pick from a multi-platform image (default: the host's)
  --insecure       allow plain HTTP to a registry that is not on loopback
  --json           print JSON instead of text`;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: "show an image's config, layers, packages and largest files",
  usage: `pith inspect REF [--platform os/arch] [--json]

${IMAGE_REF_HELP}

Prints the config (entrypoint, cmd, user, env, workdir, ports, created, labels and
annotations), os-release ID and VERSION_ID, each layer (digest, compressed and uncompressed
size, entry count, the packages in it or "other files"), the file count and size, the 10
largest files, and the Debian packages (from var/lib/dpkg/status.d or var/lib/dpkg/status).
Exit codes: 0 done, 1 the image cannot be read, 2 usage.
`,
  async run(args) {
    const { values, positionals } = parseOrUsage('inspect', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          json: { type: 'boolean', default: false },
          platform: { type: 'string' },
          insecure: { type: 'boolean', default: false },
        },
      }),
    );
    if (positionals.length !== 1)
      throw usageError(
        `inspect: expected one image REF, got ${positionals.length} argument(s) (see pith help inspect)`,
      );
    const image = await loadImage(positionals[0]!, {
      command: 'inspect',
      insecure: values.insecure ?? false,
      ...(values.platform ? { platform: values.platform } : {}),
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(image.report, null, 2)}\n` : formatInspect(printableStrings(image.report)),
    );
    return 0;
  },
};
