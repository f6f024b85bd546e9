import type { Digest } from '../image/digest.js';
import type { Image, ImageSet } from '../image/image.js';
import type { Descriptor, Platform } from '../image/types.js';
import type { ClientOptions } from '../registry-client/client.js';
import type { Reference } from '../registry-client/reference.js';
import type { BlobStore } from '../store/blob-store.js';

/** skopeo's names for the media pith reads and writes (`oci:DIR`, `oci-archive:FILE`...). */
export type TransportName = 'oci' | 'oci-archive' | 'docker-archive' | 'registry';

/** Where an opened image was read from: what lies beside it (SBOM files) or refers to it (referrers). */
export type ImageOrigin =
  { kind: 'layout'; dir: string } | { kind: 'archive'; file: string } | { kind: 'registry'; reference: Reference };

/** An image opened from a reference: the image, where it came from, and how to let go of it. */
export interface OpenedImage extends Image {
  /** What was opened, for messages and reports: `oci:out.oci:latest`, `127.0.0.1:5000/a/b:v1`. */
  source: string;
  kind: TransportName;
  /** A name that does not depend on where the image sits: `docker.io/library/debian:12`, a layout's `name:tag`. */
  name: string;
  /** What the reference resolved to (an index, or this image's manifest); layout-only annotations dropped. */
  root: Descriptor;
  origin: ImageOrigin;
  /** docker save before Docker 25 writes no manifest: this one was made up from its manifest.json. */
  synthesized?: boolean;
  /** Removes what opening made (an extracted archive, a temporary store). */
  close(): Promise<void>;
}

/** An image set read from a medium, with what reading it made to remove. */
export interface OpenedImageSet extends ImageSet {
  origin: ImageOrigin;
  close(): Promise<void>;
}

export interface OpenImageOptions extends ClientOptions {
  /** The platform to take from an index; default the only image, else the host's. */
  platform?: Platform;
  /** Added to the hint when there is no image for the platform (`pick one with --platform`). */
  platformHint?: string;
  /** Open this root (a lock's pin) instead of what the reference's tag names now. */
  digest?: Digest;
  /** Where a registry image's blobs go (default: a temporary store that close() removes). */
  store?: BlobStore;
  /** Where the registry client keeps its digest -> repositories map. */
  cacheDir?: string;
  /** Prefix of messages about the image (default: the reference): `base image oci:base.oci`. */
  where?: string;
  /** Who is asking, for "no such layout" messages: `inspect`, `diff`. */
  command?: string;
}

/** A medium pith writes image sets to. A writer writes all or nothing at `dest`. */
export interface Sink<Options = never, Result = void> {
  readonly name: string;
  readonly description: string;
  write(set: ImageSet, dest: string, options?: Options): Promise<Result>;
}

/** A medium, read and written: `dest` and `ref` are a path, or an image reference for a registry. */
export interface Transport<Options = never, Result = void> extends Sink<Options, Result> {
  readonly name: TransportName;
  /** One platform's image of `ref` (written without the transport's prefix). */
  open(ref: string, options?: OpenImageOptions): Promise<OpenedImage>;
}
