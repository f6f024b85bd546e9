import { dockerArchiveTransport } from './docker-archive.js';
import { ociArchiveTransport } from './oci-archive.js';
import { ociLayoutTransport } from './oci-layout.js';
import type { Transport } from './types.js';

/**
 * The file outputs of `pith build --format` by name; a new output is one module and one line
 * here. (A registry is pushed to with pushImage, after the build.)
 */
export const sinks: ReadonlyMap<string, Transport> = new Map(
  [ociLayoutTransport, ociArchiveTransport, dockerArchiveTransport].map((s) => [s.name, s]),
);

export function sinkNames(): string[] {
  return [...sinks.keys()];
}
