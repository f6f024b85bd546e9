import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PithError } from '../errors.js';
import { DOCKER_HUB } from './reference.js';

/** What a registry login left behind: a user and password, or an identity (refresh) token. */
export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, exchanged at the token server with grant_type=refresh_token. */
  identityToken?: string;
  /** Where they came from, for error messages: a file path or `docker-credential-<name>`. */
  source: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * The files consulted, in order: podman's ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/
 * auth.json, ~/.config/containers/auth.json) then Docker's ($DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json). The first file that knows the registry wins.
 */
export function authFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME ?? homedir();
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'containers', 'auth.json'));
  files.push(join(env.DOCKER_CONFIG ?? join(home, '.docker'), 'config.json'));
  return [...new Set(files)];
}

/** The keys an auths entry may be filed under for this registry (and repository), most specific first. */
export function authKeys(registry: string, repository?: string): string[] {
  const keys: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let i = parts.length; i > 0; i--) keys.push(`${registry}/${parts.slice(0, i).join('/')}`);
  }
  keys.push(registry);
  if (registry === DOCKER_HUB) keys.push('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io');
  return keys;
}

/** An auths key as written by docker/podman login ("https://host/v1/", "host", "host/ns") -> host[/path]. */
function normaliseKey(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, '');
  if (k.endsWith('/')) k = k.slice(0, -1);
  if (k === 'index.docker.io/v1' || k === 'index.docker.io' || k === 'registry-1.docker.io') return DOCKER_HUB;
  return k.replace(/\/v[12]$/, '');
}

async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as AuthFile;
  } catch (err) {
    throw new PithError('input', `${path} is not valid JSON: ${(err as Error).message}`, {
      hint: 'fix or remove the file',
    });
  }
}

function fromEntry(entry: AuthEntry, source: string): Credentials | undefined {
  const out: Credentials = { source };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new PithError('input', `${source}: an "auth" entry is not base64 of user:password`, {
        hint: 'log in again',
      });
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else if (entry.username !== undefined && entry.password !== undefined) {
    out.username = entry.username;
    out.password = entry.password;
  }
  if (entry.identitytoken) out.identityToken = entry.identitytoken;
  return out.password !== undefined || out.identityToken ? out : undefined;
}

/** Runs `docker-credential-<helper> get` with the server URL on stdin. */
export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  const { code, stdout, stderr, error } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    error?: Error;
  }>((resolve) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', (e) => resolve({ code: null, stdout: out, stderr: err, error: e }));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
  if (error) {
    throw new PithError(
      'input',
      `credential helper ${program} could not be run: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
      {
        hint: 'install it or remove it from credHelpers/credsStore in your docker config',
      },
    );
  }
  const message = `${stdout}${stderr}`.trim();
  if (code !== 0) {
    // The helpers' own way of saying "nothing stored for this server".
    if (/credentials not found|not found in native keychain|no credentials/i.test(message)) return undefined;
    throw new PithError('input', `credential helper ${program} failed: ${message.split('\n')[0] ?? `exit ${code}`}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new PithError('input', `credential helper ${program} printed something that is not JSON`);
  }
  if (!parsed.Secret) return undefined;
  // Docker's convention: the user "<token>" means the secret is an identity token.
  if (parsed.Username === '<token>') return { identityToken: parsed.Secret, source: program };
  return { username: parsed.Username ?? '', password: parsed.Secret, source: program };
}

/** The server URL a credential helper files a registry under. */
function helperServerUrl(registry: string): string {
  return registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
}

/**
 * Credentials for a registry (and optionally a repository, for podman's per-repository
 * entries), or undefined for anonymous access.
 */
export async function findCredentials(
  registry: string,
  repository?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const keys = authKeys(registry, repository);
  for (const path of authFiles(env)) {
    const file = await readAuthFile(path);
    if (!file) continue;
    const helper =
      file.credHelpers?.[registry] ?? (registry === DOCKER_HUB ? file.credHelpers?.['index.docker.io'] : undefined);
    if (helper) return runCredentialHelper(helper, helperServerUrl(registry), env);
    const auths = new Map<string, AuthEntry>();
    for (const [key, entry] of Object.entries(file.auths ?? {})) auths.set(normaliseKey(key), entry);
    for (const key of keys) {
      const entry = auths.get(normaliseKey(key));
      if (!entry) continue;
      const creds = fromEntry(entry, path);
      if (creds) return creds;
      // An empty entry with a credsStore: the secret lives in the store.
      if (file.credsStore) return runCredentialHelper(file.credsStore, helperServerUrl(registry), env);
    }
    if (file.credsStore) {
      const creds = await runCredentialHelper(file.credsStore, helperServerUrl(registry), env);
      if (creds) return creds;
    }
  }
  return undefined;
}
