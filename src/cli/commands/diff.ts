import { parseArgs } from 'node:util';
import { printableStrings, usageError } from '../../errors.js';
import { diffImages, formatDiff, loadImage } from '../../inspect/index.js';
import { type Command, parseOrUsage } from './command.js';
import { IMAGE_REF_HELP } from './inspect.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two images: packages, files, size per layer',
  usage: `pith diff A B [--platform os/arch] [--json]

${IMAGE_REF_HELP.replace('  REF   ', '  A, B  ')}

Prints the packages added, removed and changed (version), the files added, removed and
changed (content hash, size, type, mode, owner or link target), and the size delta (B - A)
per layer position and in total.
Exit codes: 0 done (whether or not they differ), 1 an image cannot be read, 2 usage.
`,
  async run(args) {
    const { values, positionals } = parseOrUsage('diff', () =>
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
    if (positionals.length !== 2)
      throw usageError(`diff: expected two images A and B, got ${positionals.length} argument(s) (see pith help diff)`);
    const options = {
      command: 'diff',
      insecure: values.insecure ?? false,
      ...(values.platform ? { platform: values.platform } : {}),
    };
    const a = await loadImage(positionals[0]!, options);
    const b = await loadImage(positionals[1]!, options);
    const d = diffImages(a, b);
    process.stdout.write(values.json ? `${JSON.stringify(d, null, 2)}\n` : formatDiff(printableStrings(d)));
    return 0;
  },
};
