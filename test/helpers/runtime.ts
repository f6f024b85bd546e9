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
  /** Share the host's network namespace, so the container reaches (and is reached on) loopback. */
  hostNetwork?: boolean;
  /** Docker's default capability set instead of runc's minimal one (a root master that chowns and drops to a user, as nginx does). */
  dockerCapabilities?: boolean;
}

/** What `docker run` grants by default (moby's oci/caps/defaults.go). */
const DOCKER_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
].map((c) => `CAP_${c}`);

interface Bundle {
  work: string;
  bundle: string;
  root: string;
  id: string;
}

function prepareBundle(layout: string, tag: string, options: RuncOptions): Bundle {
  const work = mkdtempSync(join(tmpdir(), 'pith-runc-'));
  const bundle = join(work, 'bundle');
  const id = `pith-test-${randomBytes(6).toString('hex')}`;
  const root = join(work, 'runc-root');
  mkdirSync(root);
  try {
    sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
      process: {
        terminal: boolean;
        args: string[];
        user: { uid: number; gid: number; additionalGids?: number[] };
        capabilities?: Record<string, string[]>;
      };
      linux?: { namespaces?: Array<{ type: string }> };
    };
    if (options.hostNetwork && config.linux?.namespaces)
      config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
    config.process.terminal = false;
    if (options.args) config.process.args = options.args;
    if (options.uid !== undefined) config.process.user = { uid: options.uid, gid: options.gid ?? options.uid };
    if (options.dockerCapabilities) {
      config.process.capabilities = {
        bounding: DOCKER_CAPABILITIES,
        effective: DOCKER_CAPABILITIES,
        permitted: DOCKER_CAPABILITIES,
      };
    }
    writeFileSync(configPath, JSON.stringify(config));
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  return { work, bundle, root, id };
}

function cleanUp(b: Bundle): void {
  spawnSync('runc', ['--root', b.root, 'delete', '-f', b.id], { encoding: 'utf8' });
  rmSync(b.work, { recursive: true, force: true });
}

/**
 * Unpacks an OCI layout with umoci and runs it with runc, as the given uid/gid, with the image's
 * own config (entrypoint, env, workdir) unless args are given.
 */
export function runWithRunc(layout: string, tag: string, options: RuncOptions = {}): RunOutcome {
  const b = prepareBundle(layout, tag, options);
  try {
    const r = spawnSync('runc', ['--root', b.root, 'run', '--bundle', b.bundle, b.id], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    cleanUp(b);
  }
}

export interface RunningContainer {
  /** Resolves when the container's process exits (by itself or through stop()). */
  done: Promise<RunOutcome>;
  /** Kills the container (SIGKILL) and waits for it to exit; its bundle is removed. */
  stop(): Promise<RunOutcome>;
}

/**
 * Like runWithRunc, without blocking the test process: for a server in the image that the test
 * talks to (with hostNetwork), or a client of a server the test process runs. `timeoutMs`
 * kills the container if it runs longer.
 */
export function startWithRunc(
  layout: string,
  tag: string,
  options: RuncOptions & { timeoutMs?: number } = {},
): RunningContainer {
  const b = prepareBundle(layout, tag, options);
  const child = spawn('runc', ['--root', b.root, 'run', '--bundle', b.bundle, b.id], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const kill = () => spawnSync('runc', ['--root', b.root, 'kill', b.id, 'KILL'], { encoding: 'utf8' });
  const timer = setTimeout(kill, options.timeoutMs ?? 60_000);
  const done = new Promise<RunOutcome>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      cleanUp(b);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
  return {
    done,
    stop: () => {
      kill();
      return done;
    },
  };
}

/** podman with its own storage, so tests never touch the host's images. */
export function podmanArgs(storage: string): string[] {
  return [
    '--root',
    join(storage, 'root'),
    '--runroot',
    join(storage, 'runroot'),
    '--storage-driver',
    'vfs',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'none',
  ];
}

/**
 * `podman run` of `image` as these machines allow it (no network, low rlimits, runc, a cgroup
 * parent of the test's own that removePodmanCgroups deletes afterwards).
 */
export function podmanRunArgs(storage: string, cgroupParent: string, image: string): string[] {
  return [
    ...podmanArgs(storage),
    'run',
    '--rm',
    '--network=none',
    '--ulimit',
    'nofile=1024:1024',
    '--ulimit',
    'nproc=1024:1024',
    '--runtime',
    'runc',
    '--cgroup-parent',
    cgroupParent,
    image,
  ];
}

/** podman leaves the (empty) parent cgroup behind in every hierarchy: remove it. */
export function removePodmanCgroups(cgroupParent: string): void {
  spawnSync('sh', [
    '-c',
    `for d in /sys/fs/cgroup/*/${cgroupParent} /sys/fs/cgroup/${cgroupParent}; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \\; ; done; true`,
  ]);
}
