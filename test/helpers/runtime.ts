import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sh } from './cli.js';

export interface RunOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Unpacks an OCI layout with umoci and runs it with runc, as the given uid/gid, with the image's
 * own config (entrypoint, env, workdir) unless args are given.
 */
export interface RuncOptions {
  uid?: number;
  gid?: number;
  args?: string[];
  hostNetwork?: boolean;
  /** Docker's default capability set instead of runc's minimal one (a root master that chowns and drops to a user, as nginx does). */
  dockerCapabilities?: boolean;
}

/** What `docker run` grants by default (moby's oci/caps/defaults.go). */
const DOCKER_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'].map((c) => `CAP_${c}`);

export function runWithRunc(layout: string, tag: string, options: RuncOptions = {}): RunOutcome {
  const container = prepareRunc(layout, tag, options);
  try {
    const r = spawnSync('runc', ['--root', container.root, 'run', '--bundle', container.bundle, container.id], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    container.remove();
  }
}

/**
 * Starts an image with runc in the background (a server), as runWithRunc does; `stop()` kills it
 * (SIGTERM, then SIGKILL) and returns what it printed.
 */
export function startWithRunc(layout: string, tag: string, options: RuncOptions = {}): { stop: () => Promise<RunOutcome>; output: () => string } {
  const container = prepareRunc(layout, tag, options);
  const child = spawn('runc', ['--root', container.root, 'run', '--bundle', container.bundle, container.id], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    output: () => stdout + stderr,
    stop: async () => {
      spawnSync('runc', ['--root', container.root, 'kill', container.id, 'TERM'], { encoding: 'utf8' });
      const timer = setTimeout(() => spawnSync('runc', ['--root', container.root, 'kill', container.id, 'KILL'], { encoding: 'utf8' }), 5_000);
      const code = await exited;
      clearTimeout(timer);
      container.remove();
      return { code, stdout, stderr };
    },
  };
}

/** Unpacks the image into a fresh bundle with the run's user, args and network, under a unique container id. */
function prepareRunc(layout: string, tag: string, options: RuncOptions) {
  const work = mkdtempSync(join(tmpdir(), 'pith-runc-'));
  const bundle = join(work, 'bundle');
  const id = `pith-test-${randomBytes(6).toString('hex')}`;
  const root = join(work, 'runc-root');
  mkdirSync(root);
  const remove = () => {
    spawnSync('runc', ['--root', root, 'delete', '-f', id], { encoding: 'utf8' });
    rmSync(work, { recursive: true, force: true });
  };
  try {
    sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
      process: { terminal: boolean; args: string[]; user: { uid: number; gid: number; additionalGids?: number[] }; capabilities?: Record<string, string[]> };
      linux?: { namespaces?: Array<{ type: string }> };
    };
    // Share the host's network namespace, so the container can reach a test server on loopback.
    if (options.hostNetwork && config.linux?.namespaces) config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
    config.process.terminal = false;
    if (options.args) config.process.args = options.args;
    if (options.uid !== undefined) config.process.user = { uid: options.uid, gid: options.gid ?? options.uid };
    if (options.dockerCapabilities) {
      config.process.capabilities = { bounding: DOCKER_CAPABILITIES, effective: DOCKER_CAPABILITIES, permitted: DOCKER_CAPABILITIES };
    }
    writeFileSync(configPath, JSON.stringify(config));
  } catch (error) {
    remove();
    throw error;
  }
  return { bundle, id, root, remove };
}

/** podman with its own storage, so tests never touch the host's images. */
export function podmanArgs(storage: string): string[] {
  return ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
}
