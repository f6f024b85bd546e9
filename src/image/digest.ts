import { createHash } from 'node:crypto';

/** "sha256:<64 hex>". Branded so a plain string can't be passed where a digest is meant. */
export type Digest = string & { readonly __brand: 'Digest' };

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}

export function asDigest(value: string): Digest {
  if (!isDigest(value)) throw new Error(`not a sha256 digest: ${value}`);
  return value;
}

export function sha256Digest(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}` as Digest;
}

export function digestHex(digest: Digest): string {
  return digest.slice('sha256:'.length);
}
