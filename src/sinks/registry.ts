import { pushArtifact, type PushOptions, type PushResult } from '../registry-client/push.js';
import type { ImageArtifact, Sink } from './sink.js';

export interface RegistrySink extends Sink {
  /** What the last write pushed (digest and per-blob actions). */
  readonly lastResult: PushResult | undefined;
}

/**
 * A registry as an output: `dest` is a reference (`127.0.0.1:5000/acme/app:v1`). The registry
 * only shows the image once its manifest is put, after every blob, so a failed push leaves no tag.
 */
export function createRegistrySink(options: PushOptions = {}): RegistrySink {
  let last: PushResult | undefined;
  return {
    name: 'registry',
    description: 'push to an OCI registry (the destination is an image reference)',
    get lastResult() {
      return last;
    },
    async write(artifact: ImageArtifact, dest: string): Promise<void> {
      last = await pushArtifact(artifact, dest, options);
    },
  };
}

export const registrySink: Sink = createRegistrySink();
