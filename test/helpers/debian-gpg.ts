/**
 * A throw-away OpenPGP signing key made with the host's gpg in a temporary GNUPGHOME, for tests that
 * need archives signed by someone other than Debian (or a fake archive signed at all).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestSigner {
  home: string;
  /** Primary key fingerprint, upper-case hex. */
  fingerprint: string;
  /** Binary keyring (`gpg --export`). */
  keyringGpg: string;
  /** Armored keyring (`gpg --armor --export`). */
  keyringAsc: string;
  /** GnuPG's own keybox, which is not an OpenPGP keyring. */
  keybox: string;
  /** Clear-sign text, like an archive's InRelease. */
  clearsign(text: string): string;
  cleanup(): Promise<void>;
}

export async function makeTestSigner(algo: 'rsa3072' | 'ed25519' = 'rsa3072'): Promise<TestSigner> {
  const home = await mkdtemp(join(tmpdir(), 'pith-gpg-'));
  const env = { ...process.env, GNUPGHOME: home };
  const gpg = (args: string[], input?: string) =>
    execFileSync('gpg', ['--batch', '--quiet', '--no-tty', ...args], { env, input, maxBuffer: 1 << 26 });
  gpg(['--passphrase', '', '--quick-gen-key', 'Pith Test Archive <archive@pith.invalid>', algo, 'sign', 'never']);
  const colons = gpg(['--with-colons', '--list-keys']).toString();
  const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in gpg output:\n${colons}`);
  const keyringGpg = join(home, 'test-keyring.gpg');
  const keyringAsc = join(home, 'test-keyring.asc');
  await writeFile(keyringGpg, gpg(['--export', fingerprint]));
  await writeFile(keyringAsc, gpg(['--armor', '--export', fingerprint]));
  return {
    home,
    fingerprint,
    keyringGpg,
    keyringAsc,
    keybox: join(home, 'pubring.kbx'),
    clearsign: (text) => gpg(['--digest-algo', 'SHA256', '--clearsign', '--local-user', fingerprint], text).toString(),
    cleanup: async () => {
      try {
        execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
      } catch {
        // no agent was started
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}
