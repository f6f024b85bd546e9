import type { Command } from './command.js';

/**
 * Commands by name, each loaded only when run (or when its help is asked for): `pith build`
 * never pays for the server or the registry client, and startup stays small.
 */
const loaders: Record<string, { summary: string; load: () => Promise<Command> }> = {
  build: { summary: 'build an image from a spec', load: async () => (await import('./build.js')).buildCommand },
  lock: {
    summary: "resolve the spec's Debian packages and write the lockfile",
    load: async () => (await import('./lock.js')).lockCommand,
  },
  push: { summary: 'push an OCI layout to a registry', load: async () => (await import('./push.js')).pushCommand },
  serve: {
    summary: 'a registry that builds images of Debian packages on first pull',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  inspect: {
    summary: "show an image's config, layers, packages and largest files",
    load: async () => (await import('./inspect.js')).inspectCommand,
  },
  diff: {
    summary: 'compare two images: packages, files, size per layer',
    load: async () => (await import('./diff.js')).diffCommand,
  },
  audit: {
    summary: "report an image's attack surface; fail on denied findings",
    load: async () => (await import('./audit.js')).auditCommand,
  },
  schema: { summary: "print the spec's JSON Schema", load: async () => (await import('./schema.js')).schemaCommand },
};

export const commandNames = Object.keys(loaders);

export async function loadCommand(name: string): Promise<Command | undefined> {
  return Object.hasOwn(loaders, name) ? loaders[name]!.load() : undefined;
}

export function usage(): string {
  const lines = Object.entries(loaders).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `pith: minimal, reproducible OCI images from a spec

usage: pith <command> [options]   (pith help <command> for details)

commands:
${lines.join('\n')}

global options: --debug (show stack traces), --version
`;
}
