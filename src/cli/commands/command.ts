import { usageError } from '../../errors.js';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Runs node:util parseArgs, turning its errors into pith's one-line usage errors. */
export function parseOrUsage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw usageError(`${command}: ${message} (see pith help ${command})`);
  }
}
