/**
 * Another build of Node, to check that pith's bytes do not depend on the one running the tests:
 * Debian's own nodejs (trixie: Node 20 linked against the system zlib, OpenSSL and ICU, unlike the
 * official builds), put into a root filesystem by pith itself from the host's Debian mirror and
 * run with runc. The repository is bind-mounted at its own path, so the same dist/ runs inside.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PITH_BIN, runPith, sh } from './cli.js';

export interface SecondNode {
  /** `node --version` inside, and the zlib it links. */
  version: string;
  zlib: string;
  /**
   * Runs `node ARGS` inside (as root, host network, the given host paths bind-mounted read-write).
   * Asynchronous, so that servers of the calling test process keep answering meanwhile.
   */
  run(
    args: string[],
    options?: { mounts?: string[]; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): void;
}

/** Where the nodejs image's packages are cached between test runs (they do not change often). */
const CACHE = join(tmpdir(), 'pith-test-second-node-cache');

export async function debianNode(suite = 'trixie'): Promise<SecondNode> {
  const work = mkdtempSync(join(tmpdir(), 'pith-second-node-'));
  const spec = join(work, 'node.yaml');
  // base-files brings the merged-/usr links (/lib64 -> usr/lib64): the loader path the binary names.
  writeFileSync(
    spec,
    `name: t/debian-node\ndebian: ${suite}\npackages: [base-files, nodejs]\nentrypoint: [/usr/bin/node]\n`,
  );
  const built = runPith(['build', spec, '-o', join(work, 'node.oci'), '--cache-dir', CACHE, '-q', '--no-sbom']);
  if (built.code !== 0) throw new Error(`building ${suite}'s nodejs failed: ${built.stderr}`);
  const bundle = join(work, 'bundle');
  sh('umoci', ['unpack', '--image', `${join(work, 'node.oci')}:latest`, bundle]);
  const baseConfig = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as RuncConfig;
  const root = join(work, 'runc-root');
  mkdirSync(root);
  const repo = join(PITH_BIN, '..', '..', '..', '..');

  const run: SecondNode['run'] = (args, options = {}) => {
    const config: RuncConfig = structuredClone(baseConfig);
    config.process.terminal = false;
    config.process.args = ['/usr/bin/node', ...args];
    config.process.user = { uid: 0, gid: 0 };
    config.process.cwd = '/';
    // The host's network namespace: the tests' servers listen on its loopback.
    config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
    const binds = [repo, ...(options.mounts ?? [])];
    config.mounts.push(
      ...binds.map((path) => ({ destination: path, source: path, type: 'bind', options: ['rbind', 'rw'] })),
    );
    config.root = { path: 'rootfs', readonly: false };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
    const id = `pith-node-${randomBytes(6).toString('hex')}`;
    const child = spawn('runc', ['--root', root, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        spawnSync('runc', ['--root', root, 'delete', '-f', id]);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  };
  const probe = await run(['-p', 'process.version + " " + process.versions.zlib']);
  if (probe.code !== 0) throw new Error(`${suite}'s node does not start: ${probe.stderr}`);
  const [version = '', zlib = ''] = probe.stdout.trim().split(' ');
  return { version, zlib, run, close: () => rmSync(work, { recursive: true, force: true }) };
}

interface RuncConfig {
  process: { terminal: boolean; args: string[]; user: { uid: number; gid: number }; cwd: string };
  root: { path: string; readonly: boolean };
  mounts: Array<{ destination: string; source: string; type: string; options: string[] }>;
  linux: { namespaces: Array<{ type: string }> };
}
