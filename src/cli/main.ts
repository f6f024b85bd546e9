#!/usr/bin/env node
import { isPithError, printable } from '../errors.js';
import { commandNames, loadCommand, usage } from './commands/index.js';
import { readFileSync } from 'node:fs';

/** The only place that touches argv, stdout/stderr and exit codes. */
async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [verb, ...rest] = args;
  try {
    const helpFor = verb === 'help' ? rest[0] : rest.includes('--help') || rest.includes('-h') ? verb : undefined;
    const helped = helpFor !== undefined ? await loadCommand(helpFor) : undefined;
    if (helped) {
      process.stdout.write(helped.usage);
      return 0;
    }
    if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
      process.stdout.write(usage());
      return verb === undefined ? 2 : 0;
    }
    if (verb === '--version' || verb === 'version') {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      process.stdout.write(`pith ${pkg.version}\n`);
      return 0;
    }
    const command = await loadCommand(verb);
    if (!command) {
      process.stderr.write(`pith: unknown command "${verb}" (commands: ${commandNames.join(', ')}; see pith help)\n`);
      return 2;
    }
    return await command.run(rest);
  } catch (err) {
    if (isPithError(err)) {
      process.stderr.write(`pith: ${err.oneLine()}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    // Not a user mistake: say so, and show where with --debug.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `pith: internal error: ${printable(message)}${debug ? '' : ' (run with --debug for details)'}\n`,
    );
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

// A reader that stops early (`pith inspect IMAGE | head`) closes the pipe: that is not an error
// of pith's, so it stops quietly instead of dying with a stack trace on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    // Exit now: work still in flight after an error (parallel downloads) must not print after it.
    // stdout and stderr are synchronous for files and pipes, so nothing written is lost.
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pith: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
