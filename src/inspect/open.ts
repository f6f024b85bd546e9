/**
 * Opening an image for inspect, diff and audit: any reference src/transports reads (an OCI
 * layout `DIR[:TAG]` or `oci:DIR[:TAG]`, `oci-archive:FILE`, `docker-archive:FILE`, a path ending
 * in .tar, or a registry reference pulled into a temporary store), one platform's image: the
 * host's, or the one --platform names.
 */
import { PithError, usageError } from '../errors.js';
import { platformFor } from '../image/platform.js';
import type { Platform } from '../image/types.js';
import { formatPlatform } from '../registry-client/manifest.js';
import { openImage as openAny } from '../transports/open.js';
import type { OpenedImage } from '../transports/types.js';

export type { OpenedImage } from '../transports/types.js';

export interface OpenOptions {
  /** `linux/arm64`, `linux/arm/v7`; default the host's. */
  platform?: string;
  insecure?: boolean;
  /** Who is asking, for error messages: `inspect`, `diff`. */
  command: string;
}

/** `os/arch[/variant]`, or `arch` alone (linux). */
export function parsePlatform(text: string, command: string): Platform {
  const parts = text.split('/');
  if (parts.length === 1 && parts[0]) return platformFor(parts[0]);
  if ((parts.length === 2 || parts.length === 3) && parts.every((p) => /^[a-z0-9_.-]+$/.test(p))) {
    return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
  }
  throw usageError(`${command}: invalid --platform "${text}" (expected os/arch[/variant], e.g. linux/arm64)`);
}

const HINT = 'pick one with --platform';

export async function openImage(ref: string, options: OpenOptions): Promise<OpenedImage> {
  const { command } = options;
  const wanted = options.platform !== undefined ? parsePlatform(options.platform, command) : undefined;
  const opened = await openAny(ref, {
    command,
    insecure: options.insecure ?? false,
    platformHint: HINT,
    ...(wanted ? { platform: wanted } : {}),
  });
  // An index was chosen from; a single image is what it is.
  const p = opened.platform;
  if (
    wanted &&
    (p.os !== wanted.os || p.architecture !== wanted.architecture || (wanted.variant && p.variant !== wanted.variant))
  ) {
    await opened.close();
    throw new PithError('input', `${opened.source} has no image for ${formatPlatform(wanted)}`, {
      hint: `it has ${formatPlatform(p)}; ${HINT}`,
    });
  }
  return opened;
}
