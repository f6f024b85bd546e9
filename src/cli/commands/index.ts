import { buildCommand } from './build.js';
import type { Command } from './command.js';
import { schemaCommand } from './schema.js';
import { lockCommand } from './lock.js';
import { serveCommand } from './serve.js';
import { pushCommand } from './push.js';

export const commands: ReadonlyMap<string, Command> = new Map([buildCommand, lockCommand, pushCommand, serveCommand, schemaCommand].map((c) => [c.name, c]));

export function usage(): string {
  const lines = [...commands.values()].map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `pith: minimal, reproducible OCI images from a spec

usage: pith <command> [options]   (pith help <command> for details)

commands:
${lines.join('\n')}

global options: --debug (show stack traces), --version
`;
}
