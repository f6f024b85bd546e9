/**
 * InRelease: the clear-signed Release file at `dists/<suite>/InRelease`, the root of trust for
 * everything fetched from a Debian archive (indexes are checked against its SHA256 list, packages
 * against the indexes).
 *
 * Verification uses openpgp with its default security settings, on purpose: every key in Debian's
 * archive keyrings (RSA-4096 and Ed25519) and every signature on current InRelease files (SHA-256
 * and up) verifies under them, while the defaults keep rejecting what apt rejects too (SHA-1 data
 * signatures, DSA and sub-2048-bit RSA keys). Keys are checked for expiry at the current time, as
 * apt does.
 */
import { readFile } from 'node:fs/promises';
import type { Key } from 'openpgp';

// openpgp takes ~190 ms to load: load it once, on first use, while the network is busy.
let openpgpModule: Promise<typeof import('openpgp')> | undefined;
const openpgp = () => (openpgpModule ??= import('openpgp'));
import { integrityError, PithError } from '../../../errors.js';
import { parseDeb822Single } from './deb822.js';
import { fetchBytes, type FetchOptions } from './fetch.js';
import { limit, raiseHint } from '../../../limits.js';

export interface VerifiedRelease {
  /** The signed Release text, ending with a newline (the same bytes as the unsigned Release file). */
  text: string;
  /** Fingerprint (upper-case hex) of the primary key of the first signature that verified. */
  signer: string;
  /** Every signature that verified: primary key fingerprint, signing (sub)key id, first user id. */
  signers: Array<{ fingerprint: string; keyId: string; userId: string }>;
}

export interface IndexHash {
  size: number;
  sha256: string;
}

export interface Release {
  suite: string;
  codename: string;
  date: Date;
  validUntil?: Date;
  architectures: string[];
  components: string[];
  acquireByHash: boolean;
  /** Every file listed under SHA256, by path relative to `dists/<suite>/`. */
  sha256: Map<string, IndexHash>;
}

const KEYBOX_MAGIC = 'KBXf';

/** Load public keys from binary (.gpg, concatenated packets) or armored (.asc) keyring files. */
export async function loadKeyrings(keyringPaths: readonly string[]): Promise<Key[]> {
  if (keyringPaths.length === 0) throw new PithError('input', 'no keyring given to verify the archive signature');
  const keys: Key[] = [];
  for (const path of keyringPaths) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new PithError('input', `cannot read keyring: ${(err as Error).message}`, {
        where: path,
        hint: 'install debian-archive-keyring or point Signed-By at an existing keyring',
        cause: err,
      });
    }
    const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
    try {
      if (head.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
        // An .asc file may hold several armored blocks one after another.
        const text = Buffer.from(bytes).toString('utf8');
        const blocks =
          text.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g) ?? [];
        for (const armoredKeys of blocks) keys.push(...(await (await openpgp()).readKeys({ armoredKeys })));
      } else if (head.slice(8, 12) === KEYBOX_MAGIC) {
        throw new PithError('input', 'keyring is a GnuPG keybox (.kbx), not an OpenPGP keyring', {
          where: path,
          hint: 'export it with "gpg --export KEYID > keyring.gpg"',
        });
      } else {
        keys.push(...(await (await openpgp()).readKeys({ binaryKeys: bytes })));
      }
    } catch (err) {
      if (err instanceof PithError) throw err;
      throw new PithError('input', `cannot parse keyring: ${(err as Error).message}`, { where: path, cause: err });
    }
  }
  return keys;
}

const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
const END_SIGNATURE = '-----END PGP SIGNATURE-----';

/**
 * Verify a clear-signed InRelease against keyrings. Valid when at least one signature was made by
 * a key of the keyrings and verifies (InRelease files carry several; signatures by keys that are
 * absent or expired are ignored). Like apt, refuse any text outside the signed block, since an
 * unsigned prefix or suffix could otherwise be mistaken for part of the Release file.
 * `where` (suite or URL) names the file in errors.
 */
export async function verifyInRelease(
  data: Uint8Array | string,
  keyringPaths: readonly string[],
  where = 'InRelease',
): Promise<VerifiedRelease> {
  const text = typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: false }).decode(data);
  const fail = (why: string, cause?: unknown) =>
    integrityError(`${where}: ${why}`, {
      hint: 'the mirror may be broken or tampered with, or the keyring is not the one that signs this archive',
      ...(cause === undefined ? {} : { cause }),
    });

  const begin = text.indexOf(BEGIN_SIGNED);
  if (begin < 0) throw fail('not a clear-signed file (no "BEGIN PGP SIGNED MESSAGE")');
  if (text.slice(0, begin).trim() !== '') throw fail('unsigned data before the signed message');
  const endSig = text.indexOf(END_SIGNATURE);
  if (endSig < 0) throw fail('signature block is not terminated');
  if (text.slice(endSig + END_SIGNATURE.length).trim() !== '') throw fail('unsigned data after the signature');
  if (text.indexOf(BEGIN_SIGNED, begin + 1) >= 0) throw fail('more than one signed message');

  const keys = await loadKeyrings(keyringPaths);
  let message;
  try {
    message = await (
      await openpgp()
    ).readCleartextMessage({ cleartextMessage: text.slice(begin, endSig + END_SIGNATURE.length) });
  } catch (err) {
    throw fail(`cannot read the signed message: ${(err as Error).message}`, err);
  }
  const result = await (await openpgp()).verify({ message, verificationKeys: keys });
  const signers: VerifiedRelease['signers'] = [];
  const reasons: string[] = [];
  for (const sig of result.signatures) {
    const keyId = sig.keyID.toHex().toUpperCase();
    try {
      await sig.verified;
    } catch (err) {
      reasons.push(`${keyId}: ${(err as Error).message}`);
      continue;
    }
    const key = keys.find((k) => k.getKeys(sig.keyID).length > 0);
    if (!key) continue; // cannot happen: openpgp only verifies with the keys it was given
    signers.push({ fingerprint: key.getFingerprint().toUpperCase(), keyId, userId: key.getUserIDs()[0] ?? '' });
  }
  if (signers.length === 0) {
    const detail = result.signatures.length === 0 ? 'no signatures' : reasons.join('; ');
    throw fail(`no valid signature by a trusted key (${detail})`);
  }
  const signed = result.data as string;
  return { text: signed.endsWith('\n') ? signed : `${signed}\n`, signer: signers[0]!.fingerprint, signers };
}

function parseDate(value: string, field: string, where: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new PithError('input', `bad ${field} date "${value}"`, { where });
  return d;
}

/** Parse a (verified) Release text. `where` names it in errors. */
export function parseRelease(text: string, where = 'Release'): Release {
  const p = parseDeb822Single(text, { source: where });
  const suite = p.get('Suite') ?? '';
  const codename = p.get('Codename') ?? '';
  if (suite === '' && codename === '')
    throw new PithError('input', 'Release file has neither Suite nor Codename', { where });
  const dateText = p.get('Date');
  if (dateText === undefined) throw new PithError('input', 'Release file has no Date', { where });
  const words = (field: string) => (p.get(field) ?? '').split(/\s+/).filter((w) => w !== '');

  const sha256 = new Map<string, IndexHash>();
  const list = p.get('SHA256');
  // apt refuses Release files without a strong hash list; so do we.
  if (list === undefined) throw integrityError(`${where}: Release file has no SHA256 list`);
  for (const line of list.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^\s*([0-9a-fA-F]{64})\s+([0-9]+)\s+(\S+)\s*$/.exec(line);
    if (!m) throw new PithError('input', `bad SHA256 line "${line.trim()}"`, { where });
    sha256.set(m[3]!, { size: Number(m[2]), sha256: m[1]!.toLowerCase() });
  }

  const release: Release = {
    suite,
    codename,
    date: parseDate(dateText, 'Date', where),
    architectures: words('Architectures'),
    components: words('Components'),
    acquireByHash: (p.get('Acquire-By-Hash') ?? '').toLowerCase() === 'yes',
    sha256,
  };
  const validUntil = p.get('Valid-Until');
  if (validUntil !== undefined) release.validUntil = parseDate(validUntil, 'Valid-Until', where);
  return release;
}

export interface FetchedRelease extends VerifiedRelease {
  release: Release;
  url: string;
}

/**
 * Fetch `<baseUrl>/dists/<suite>/InRelease`, verify it, parse it and check that it is the suite that
 * was asked for (its Suite or Codename matches), so that a mirror cannot pass one suite off as another.
 */
/** Start loading openpgp now, so that it is ready when the first InRelease arrives. */
export function preloadOpenpgp(): void {
  void openpgp().catch(() => undefined);
}

export async function fetchInRelease(
  baseUrl: string,
  suite: string,
  keyringPaths: readonly string[],
  fetchOptions?: FetchOptions,
): Promise<FetchedRelease> {
  const url = `${baseUrl.replace(/\/+$/, '')}/dists/${suite}/InRelease`;
  const data = await fetchBytes(url, {
    ...fetchOptions,
    limit: {
      maxBytes: limit('inReleaseBytes'),
      reason: `the limit for an InRelease file`,
      hint: raiseHint('inReleaseBytes'),
    },
  });
  const verified = await verifyInRelease(data, keyringPaths, url);
  const release = parseRelease(verified.text, url);
  if (release.suite !== suite && release.codename !== suite) {
    throw integrityError(`${url}: Release is for suite "${release.suite}" (${release.codename}), not "${suite}"`);
  }
  return { ...verified, release, url };
}
