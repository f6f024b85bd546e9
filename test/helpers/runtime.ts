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

export interface RuncOptions {
  uid?: number;
  gid?: number;
  args?: string[];
  /** Share the host's network namespace, so the container can reach (or serve) loopback. */
  hostNetwork?: boolean;
  /**
   * The capabilities Docker and podman give a container by default (CHOWN, SETUID, SETGID,
   * NET_BIND_SERVICE...), for servers started as root that drop to their user, as nginx does;
   * runc's own default set is much smaller.
   */
  dockerCapabilities?: boolean;
}

const DOCKER_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** umoci unpack + the edits the options ask for; returns the runc argv pieces. */
function prepareBundle(layout: string, tag: string, work: string, options: RuncOptions): { bundle: string; root: string; id: string } {
  const bundle = join(work, 'bundle');
  const id = `pith-test-${randomBytes(6).toString('hex')}`;
  const root = join(work, 'runc-root');
  mkdirSync(root);
  sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  const configPath = join(bundle, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
    process: { terminal: boolean; args: string[]; user: { uid: number; gid: number; additionalGids?: number[] }; capabilities?: Record<string, string[]> };
    linux?: { namespaces?: Array<{ type: string }> };
  };
  if (options.hostNetwork && config.linux?.namespaces) config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
  config.process.terminal = false;
  if (options.args) config.process.args = options.args;
  if (options.uid !== undefined) config.process.user = { uid: options.uid, gid: options.gid ?? options.uid };
  if (options.dockerCapabilities) config.process.capabilities = { bounding: DOCKER_CAPABILITIES, effective: DOCKER_CAPABILITIES, permitted: DOCKER_CAPABILITIES };
  writeFileSync(configPath, JSON.stringify(config));
  return { bundle, root, id };
}

/**
 * Unpacks an OCI layout with umoci and runs it with runc, as the given uid/gid, with the image's
 * own config (entrypoint, env, workdir) unless args are given.
 */
export function runWithRunc(layout: string, tag: string, options: RuncOptions = {}): RunOutcome {
  const work = mkdtempSync(join(tmpdir(), 'pith-runc-'));
  let ids: { root: string; id: string } | undefined;
  try {
    const { bundle, root, id } = prepareBundle(layout, tag, work, options);
    ids = { root, id };
    const r = spawnSync('runc', ['--root', root, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    if (ids) spawnSync('runc', ['--root', ids.root, 'delete', '-f', ids.id], { encoding: 'utf8' });
    rmSync(work, { recursive: true, force: true });
  }
}

export interface RunningContainer {
  /** What the container printed so far. */
  output(): string;
  /** Kills the container, removes it and its bundle; resolves with everything it printed. */
  stop(): Promise<string>;
}

/** Starts a long-running image (a server) with runc in the background. */
export function startWithRunc(layout: string, tag: string, options: RuncOptions = {}): RunningContainer {
  const work = mkdtempSync(join(tmpdir(), 'pith-runc-'));
  const { bundle, root, id } = prepareBundle(layout, tag, work, options);
  const child = spawn('runc', ['--root', root, 'run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    output: () => text,
    stop: async () => {
      spawnSync('runc', ['--root', root, 'kill', id, 'KILL'], { encoding: 'utf8' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      spawnSync('runc', ['--root', root, 'delete', '-f', id], { encoding: 'utf8' });
      rmSync(work, { recursive: true, force: true });
      return text;
    },
  };
}

/** podman with its own storage, so tests never touch the host's images. */
export function podmanArgs(storage: string): string[] {
  return ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
}
