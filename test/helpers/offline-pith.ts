/**
 * Driving the pith CLI against the offline apt repositories of ./apt-repo.ts.
 *
 * The repository is served by an HTTP server in the test process itself, so the CLI must run
 * without blocking the event loop: `runPith` of ./cli.ts uses spawnSync, under which the server
 * could never answer (pith would wait for its 120 s timeout). `runPithAsync` is the same, spawned
 * asynchronously. The rest are small shared pieces: writing a spec for a served repository,
 * reading its lockfile, asserting a refusal, checking an OCI layout and corrupting files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PITH_BIN, type RunResult } from './cli.js';
import type { LayerFile } from './layout.js';
import type { LockedPackage, LockInputs } from '../../src/lock/lockfile.js';

export type { RunResult } from './cli.js';

/** The CLI in a child process, without blocking this one (its HTTP server keeps answering). */
export function runPithAsync(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PITH_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr }),
    );
  });
}

export interface OfflineSpec {
  name?: string;
  url: string;
  suites: string[];
  components?: string[];
  keyring: string;
  packages: string[];
  exclude?: string[];
  /** Further YAML lines, appended as they are (e.g. `user: nonroot`). */
  extra?: string[];
}

/** The YAML of a spec reading only the given repository. */
export function specYaml(spec: OfflineSpec): string {
  const list = (items: string[]) => `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
  return [
    `name: ${spec.name ?? 't/offline'}`,
    'repositories:',
    `  - url: ${spec.url}`,
    `    suites: ${list(spec.suites)}`,
    `    components: ${list(spec.components ?? ['main'])}`,
    `    keyring: ${spec.keyring}`,
    `packages: ${list(spec.packages)}`,
    ...(spec.exclude ? [`exclude: ${list(spec.exclude)}`] : []),
    ...(spec.extra ?? []),
    '',
  ].join('\n');
}

export interface SpecDir {
  dir: string;
  spec: string;
  lock: string;
  out: string;
}

/** `<parent>/<name>/pith.yaml` (created fresh), with its lock path and a default output path. */
export function writeSpecDir(parent: string, name: string, spec: OfflineSpec | string): SpecDir {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const specPath = join(dir, 'pith.yaml');
  writeFileSync(specPath, typeof spec === 'string' ? spec : specYaml(spec));
  return { dir, spec: specPath, lock: join(dir, 'pith.lock'), out: join(dir, 'out.oci') };
}

/** A lockfile entry as pith writes it. */
export type LockedEntry = LockedPackage;

export interface LockJson {
  lockfileVersion: number;
  inputs: LockInputs;
  archives: Array<{ suite: string; codename: string; signedBy: string[] }>;
  indexes: Array<{ suite: string; path: string; sha256: string; size: number }>;
  packages: Record<string, LockedEntry[]>;
}

export function readLock(path: string): LockJson {
  return JSON.parse(readFileSync(path, 'utf8')) as LockJson;
}

/** `name version` of every locked package of `arch`, sorted: the exact resolution, in one comparable list. */
export function lockedSet(path: string, arch = 'amd64'): string[] {
  const packages = readLock(path).packages[arch];
  assert.ok(packages, `${path} has packages for ${arch}`);
  return packages.map((p) => `${p.name} ${p.version}`).sort();
}

/** The locked entry of one package. */
export function lockedEntry(path: string, name: string, arch = 'amd64'): LockedEntry {
  const entry = readLock(path).packages[arch]?.find((p) => p.name === name);
  assert.ok(entry, `${name} is in ${path}`);
  return entry;
}

/** Lines pith printed as errors (`pith: ...`) on stderr. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('pith: '));
}

/**
 * A refused run: exit `code`, exactly one `pith: ` error line matching `message`, no stack trace
 * and no internal error, nothing on stdout, nothing at `out`. Returns the error line.
 */
export function assertRefused(r: RunResult, expected: { code: number; message: RegExp; out?: string }): string {
  assert.equal(r.code, expected.code, `exit code; stderr:\n${r.stderr}`);
  const lines = errorLines(r.stderr);
  assert.equal(lines.length, 1, `one error line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, expected.message);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'no stack trace, no internal error');
  assert.equal(r.stdout, '', 'nothing on stdout');
  if (expected.out !== undefined) assert.ok(!existsSync(expected.out), `nothing at the output path ${expected.out}`);
  return lines[0]!;
}

export function assertBuilt(r: RunResult): string {
  assert.equal(r.code, 0, `pith failed:\n${r.stderr}`);
  const digest = r.stdout.trimEnd().split('\n').at(-1) ?? '';
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  return digest;
}

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Checks that every blob of an OCI layout hashes to its name and that index.json points at
 * `digest`: then the layout holds exactly the image `digest` names, byte for byte.
 */
export function assertLayoutIntact(layout: string, digest: string): void {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string }>;
  };
  assert.equal(index.manifests[0]?.digest, digest, 'index.json names the printed digest');
  const dir = join(layout, 'blobs', 'sha256');
  const names = readdirSync(dir);
  assert.ok(names.length >= 3, 'a manifest, a config and layers');
  for (const name of names)
    assert.equal(sha256Hex(readFileSync(join(dir, name))), name, `blob ${name} of ${layout} hashes to its name`);
}

/** Every regular file directly in `dir` (none when it does not exist). */
export function filesIn(dir: string, filter: (name: string) => boolean = () => true): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && filter(entry.name))
    .map((entry) => join(dir, entry.name));
}

/** Flips bits of the byte at `at` (default the middle), in place: the same inode, as disk rot would. */
export function flipByte(path: string, at?: number): void {
  const bytes = readFileSync(path);
  assert.ok(bytes.length > 0, `${path} is not empty`);
  const offset = at ?? Math.floor(bytes.length / 2);
  bytes[offset] = bytes[offset]! ^ 0x55;
  writeFileSync(path, bytes);
}

/** The mode bits of a layer entry without its type bits. */
export function permissions(file: LayerFile | undefined): number | undefined {
  return file === undefined ? undefined : file.mode & 0o7777;
}
