import type { ImageArtifact } from '../image/artifact.js';

export type { BuiltImage, ImageArtifact } from '../image/artifact.js';

/** An output medium. A sink writes all or nothing at `dest`. */
export interface Sink {
  readonly name: string;
  readonly description: string;
  write(artifact: ImageArtifact, dest: string): Promise<void>;
}
