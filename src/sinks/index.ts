import { dockerArchiveSink } from './docker-archive.js';
import { ociArchiveSink } from './oci-archive.js';
import { ociLayoutSink } from './oci-layout.js';
import type { Sink } from './sink.js';

export type { Sink, ImageArtifact, BuiltImage } from './sink.js';

/** Output media by name; a new output is one module and one line here. */
export const sinks: ReadonlyMap<string, Sink> = new Map(
  [ociLayoutSink, ociArchiveSink, dockerArchiveSink].map((s) => [s.name, s]),
);

export function sinkNames(): string[] {
  return [...sinks.keys()];
}
