/**
 * Throw-away OpenPGP archive keys for the fake apt repository (test/helpers/apt-repo.ts), made by
 * the host's gpg. Generating a key and starting its gpg-agent is the slow part of building a
 * repository, so each key name is generated once per test process and shared; every caller gets
 * its own copies of the exported keyrings in the directory it passes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKey {
  /**
   * GNUPGHOME holding the secret key. Shared by every caller in this process that asked for the
   * same key name: sign with it, do not import into it. Removed when the process exits.
   */
  gnupgHome: string;
  /** Primary key fingerprint, 40 upper-case hex digits. */
  fingerprint: string;
  /** Binary exported public keyring (`gpg --export`), what apt's `signed-by=` and `gpgv --keyring` take. */
  keyringPath: string;
  /** ASCII-armored exported public key (`gpg --armor --export`). */
  armoredPath: string;
}

interface GeneratedKey {
  gnupgHome: string;
  fingerprint: string;
  binary: Buffer;
  armored: Buffer;
}

export type TestKeyAlgorithm = 'ed25519' | 'rsa3072';

const generated = new Map<string, Promise<GeneratedKey>>();
const homes: string[] = [];
let cleanupRegistered = false;

function gpgEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, GNUPGHOME: home, LC_ALL: 'C' };
}

/** Runs gpg in `home` and resolves with stdout; rejects with gpg's stderr in the message. */
export function gpg(home: string, args: string[], input?: string | Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'gpg',
      ['--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args],
      { env: gpgEnv(home), encoding: 'buffer', maxBuffer: 1 << 28 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`gpg ${args.join(' ')} failed: ${stderr.toString().trim() || error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.on('error', () => {}); // gpg may exit without reading (on errors): its status says why
    if (input === undefined) child.stdin?.end();
    else child.stdin?.end(input);
  });
}

// Agents outlive gpg; stop the ones this process started (by their home, nothing else) and remove
// the shared homes when the test process ends.
function registerCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  process.on('exit', () => {
    for (const home of homes) {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: gpgEnv(home), stdio: 'ignore' });
      } catch {
        // no agent was started for this home
      }
      rmSync(home, { recursive: true, force: true });
    }
  });
}

async function generate(name: string, algorithm: TestKeyAlgorithm): Promise<GeneratedKey> {
  registerCleanup();
  const gnupgHome = mkdtempSync(join(tmpdir(), 'pith-apt-key-'));
  homes.push(gnupgHome);
  await gpg(gnupgHome, ['--quick-gen-key', `${name} <archive@pith.invalid>`, algorithm, 'sign', 'never']);
  const colons = (await gpg(gnupgHome, ['--with-colons', '--list-secret-keys'])).toString();
  const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in gpg output:\n${colons}`);
  const binary = await gpg(gnupgHome, ['--export', fingerprint]);
  const armored = await gpg(gnupgHome, ['--armor', '--export', fingerprint]);
  return { gnupgHome, fingerprint, binary, armored };
}

/**
 * A signing key named `name` (default "Pith Test Archive"): generated on first use in this process
 * (ed25519 unless asked otherwise), then reused. Writes `<slug>.gpg` and `<slug>.asc` into `dir`.
 * Different names give different keys, e.g. `createTestKey(dir, 'Pith Untrusted')` for re-signing.
 */
export async function createTestKey(
  dir: string,
  name = 'Pith Test Archive',
  algorithm: TestKeyAlgorithm = 'ed25519',
): Promise<TestKey> {
  const cacheKey = `${name}\0${algorithm}`;
  let pending = generated.get(cacheKey);
  if (!pending) {
    pending = generate(name, algorithm);
    generated.set(cacheKey, pending);
    pending.catch(() => generated.delete(cacheKey));
  }
  const key = await pending;
  const slug = `${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'key'
  }-${algorithm}`;
  await mkdir(dir, { recursive: true });
  const keyringPath = join(dir, `${slug}.gpg`);
  const armoredPath = join(dir, `${slug}.asc`);
  await writeFile(keyringPath, key.binary);
  await writeFile(armoredPath, key.armored);
  return { gnupgHome: key.gnupgHome, fingerprint: key.fingerprint, keyringPath, armoredPath };
}

/** Clear-signs `text` (an InRelease from a Release). */
export async function clearsign(key: TestKey, text: string): Promise<Buffer> {
  return gpg(key.gnupgHome, ['--digest-algo', 'SHA512', '--local-user', key.fingerprint, '--clearsign'], text);
}

/** Armored detached signature (a Release.gpg). */
export async function detachSign(key: TestKey, text: string): Promise<Buffer> {
  return gpg(
    key.gnupgHome,
    ['--digest-algo', 'SHA512', '--local-user', key.fingerprint, '--armor', '--detach-sign'],
    text,
  );
}
