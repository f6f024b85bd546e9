import { parseArgs } from 'node:util';
import { printable, printableStrings, usageError } from '../../errors.js';
import { auditImage, DENY_RULES, formatAudit, loadImage, parseDeny } from '../../inspect/index.js';
import { type Command, parseOrUsage } from './command.js';
import { IMAGE_REF_HELP } from './inspect.js';

/** The exit code when the image breaks a --deny rule or --max-packages. */
export const AUDIT_VIOLATION_EXIT = 3;

export const auditCommand: Command = {
  name: 'audit',
  summary: "report an image's attack surface; fail on denied findings",
  usage: `pith audit REF [--deny RULE,...] [--max-packages N] [--platform os/arch] [--json]

${IMAGE_REF_HELP}
  --deny RULES     fail when the image has any of: ${DENY_RULES.join(', ')}
  --max-packages N fail when the image holds more than N Debian packages

Reports shells (sh, bash, dash, ash, zsh, busybox... in bin, sbin and /busybox), package
managers (apt, dpkg, pip, apk, rpm...), setuid and setgid files, world-writable paths (sticky
directories such as /tmp listed apart, never a violation), the number of executables and
packages, and whether the config user is root.
Exit codes: 0 no denied rule is broken, 3 one is (each violation on its own line on stderr,
"pith: audit: denied RULE: PATH"), 1 the image cannot be read, 2 usage.
`,
  async run(args) {
    const { values, positionals } = parseOrUsage('audit', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          json: { type: 'boolean', default: false },
          platform: { type: 'string' },
          insecure: { type: 'boolean', default: false },
          deny: { type: 'string', multiple: true },
          'max-packages': { type: 'string' },
        },
      }),
    );
    if (positionals.length !== 1)
      throw usageError(`audit: expected one image REF, got ${positionals.length} argument(s) (see pith help audit)`);
    const deny = [...new Set((values.deny ?? []).flatMap((d) => parseDeny(d, 'audit')))];
    let maxPackages: number | undefined;
    if (values['max-packages'] !== undefined) {
      if (!/^\d+$/.test(values['max-packages']))
        throw usageError(`audit: --max-packages wants a whole number, not "${values['max-packages']}"`);
      maxPackages = Number(values['max-packages']);
    }
    const image = await loadImage(positionals[0]!, {
      command: 'audit',
      insecure: values.insecure ?? false,
      ...(values.platform ? { platform: values.platform } : {}),
    });
    const report = auditImage(image, deny, maxPackages);
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatAudit(printableStrings(report)));
    for (const v of report.violations) process.stderr.write(`pith: audit: denied ${printable(v)}\n`);
    return report.violations.length ? AUDIT_VIOLATION_EXIT : 0;
  },
};
