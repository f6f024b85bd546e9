/**
 * Containers that outlive one command, for tests that drive a real server: an image unpacked
 * once into a bundle (umoci), then foreground runs, a detached container, `runc exec` into it and
 * requests from the host into its network namespace. Every container started here is registered
 * and removed by `removeAllContainers()` (also on process exit), so a failed or interrupted test
 * leaves no container behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RunOutcome } from './runtime.js';

/**
 * Docker's default capability set (moby's oci/caps/defaults.go): what `docker run` gives, so the
 * images run as a Dockerfile user's would (umoci's config gives three, as ambient ones). Root
 * keeps them; for other users execve drops them, as with Docker (no ambient capabilities).
 */
const DOCKER_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** What Docker writes to a container's /etc/hosts (without the container's own address). */
const ETC_HOSTS =
  '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

interface RuncConfig {
  process: {
    terminal: boolean;
    args: string[];
    cwd: string;
    env?: string[];
    user: { uid: number; gid: number; additionalGids?: number[] };
    capabilities?: Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>;
  };
  linux?: { namespaces?: Array<{ type: string; path?: string }> };
  mounts?: Array<{ destination: string; type: string; source: string; options: string[] }>;
}

export interface RunOptions {
  /** The whole argv (like `docker run --entrypoint`); default the image's. */
  args?: string[];
  /** `uid:gid`, or a user name looked up in the image's /etc/passwd; default the image's user. */
  user?: string;
  /** Share the host's network namespace (to reach a server on the host's loopback). */
  hostNetwork?: boolean;
  timeoutMs?: number;
}

const live = new Map<string, string>(); // container id -> runc root
let exitHookInstalled = false;

/** Removes every container this process started and has not removed yet (synchronous). */
export function removeAllContainers(): void {
  for (const [id, root] of live) {
    spawnSync('runc', ['--root', root, 'delete', '-f', id], { encoding: 'utf8', timeout: 20_000 });
    live.delete(id);
  }
}

function register(id: string, root: string): void {
  if (!exitHookInstalled) {
    process.on('exit', removeAllContainers);
    exitHookInstalled = true;
  }
  live.set(id, root);
}

function forget(id: string, root: string): void {
  spawnSync('runc', ['--root', root, 'delete', '-f', id], { encoding: 'utf8', timeout: 20_000 });
  live.delete(id);
}

/** Output kept per stream: enough for any message, bounded whatever a program prints. */
const OUTPUT_CAP = 1 << 20;

/** Runs a command without blocking the event loop (servers in this process keep answering). */
export function runAsync(cmd: string, args: string[], timeoutMs: number): Promise<RunOutcome & { timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const take = (into: Buffer[]) => (c: Buffer) => {
      if (into.reduce((n, b) => n + b.length, 0) < OUTPUT_CAP) into.push(c);
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => err.push(Buffer.from(String(e))));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8') + (timedOut ? `\n(timed out after ${timeoutMs} ms)` : '');
      resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString('utf8'), stderr, timedOut });
    });
  });
}

const PROBE = join(fileURLToPath(new URL('.', import.meta.url)), 'net-probe.js');

/** An image unpacked into a runc bundle; runs share its root filesystem, like restarts of one container. */
export class Bundle {
  private readonly work: string;
  private readonly root: string;
  private readonly bundle: string;
  private readonly config: RuncConfig;

  private constructor(work: string) {
    this.work = work;
    this.root = join(work, 'runc-root');
    this.bundle = join(work, 'bundle');
    mkdirSync(this.root);
    this.config = JSON.parse(readFileSync(join(this.bundle, 'config.json'), 'utf8')) as RuncConfig;
    // The runtime's /etc/hosts, as Docker and Kubernetes mount one into every container.
    writeFileSync(join(work, 'hosts'), ETC_HOSTS);
    this.config.mounts = [
      ...(this.config.mounts ?? []),
      { destination: '/etc/hosts', type: 'bind', source: join(work, 'hosts'), options: ['rbind', 'ro'] },
    ];
  }

  static async unpack(layout: string, tag: string, parent = tmpdir()): Promise<Bundle> {
    const work = mkdtempSync(join(parent, 'pith-bundle-'));
    try {
      const r = await runAsync('umoci', ['unpack', '--image', `${layout}:${tag}`, join(work, 'bundle')], 300_000);
      if (r.code !== 0) throw new Error(`umoci unpack exited ${r.code}: ${r.stderr.trim()}`);
      return new Bundle(work);
    } catch (e) {
      rmSync(work, { recursive: true, force: true });
      throw e;
    }
  }

  get rootfs(): string {
    return join(this.bundle, 'rootfs');
  }

  /** The image's argv (entrypoint + cmd) as umoci wrote it. */
  get imageArgs(): string[] {
    return [...this.config.process.args];
  }

  /** `name` or `uid[:gid]` as a runc user, names through the image's own /etc/passwd. */
  resolveUser(user: string): { uid: number; gid: number } {
    const numeric = /^(\d+)(?::(\d+))?$/.exec(user);
    if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
    const passwd = join(this.rootfs, 'etc', 'passwd');
    const text = existsSync(passwd) ? readFileSync(passwd, 'utf8') : '';
    const line = text.split('\n').find((l) => l.split(':')[0] === user);
    if (!line) throw new Error(`no user ${user} in the image's /etc/passwd`);
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  }

  private writeConfig(options: RunOptions): void {
    const config = structuredClone(this.config);
    config.process.terminal = false;
    config.process.capabilities = {
      bounding: DOCKER_CAPABILITIES,
      effective: DOCKER_CAPABILITIES,
      permitted: DOCKER_CAPABILITIES,
      inheritable: [],
      ambient: [],
    };
    if (options.args) config.process.args = options.args;
    if (options.user) config.process.user = this.resolveUser(options.user);
    if (options.hostNetwork && config.linux?.namespaces)
      config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
    writeFileSync(join(this.bundle, 'config.json'), JSON.stringify(config));
  }

  private newId(): string {
    return `pith-corpus-${randomBytes(6).toString('hex')}`;
  }

  /** Runs to completion in the foreground; the container is removed whatever happens. */
  async run(options: RunOptions = {}): Promise<RunOutcome> {
    this.writeConfig(options);
    const id = this.newId();
    register(id, this.root);
    try {
      return await runAsync(
        'runc',
        ['--root', this.root, 'run', '--bundle', this.bundle, id],
        options.timeoutMs ?? 60_000,
      );
    } finally {
      forget(id, this.root);
    }
  }

  /** Starts detached in its own network namespace (unless hostNetwork); output goes to log files. */
  start(options: RunOptions = {}): Detached {
    this.writeConfig(options);
    const id = this.newId();
    const logs = { stdout: join(this.work, `${id}.out`), stderr: join(this.work, `${id}.err`) };
    const out = openSync(logs.stdout, 'w');
    const err = openSync(logs.stderr, 'w');
    register(id, this.root);
    try {
      const r = spawnSync('runc', ['--root', this.root, 'run', '-d', '--bundle', this.bundle, id], {
        stdio: ['ignore', out, err],
        timeout: 30_000,
      });
      if (r.status !== 0) {
        forget(id, this.root);
        throw new Error(`runc run -d exited ${r.status ?? r.signal}: ${readFileSync(logs.stderr, 'utf8').trim()}`);
      }
    } finally {
      closeSync(out);
      closeSync(err);
    }
    return new Detached(id, this.root, this, logs);
  }

  /** Removes every container of this bundle and the unpacked files. */
  dispose(): void {
    for (const [id, root] of live) if (root === this.root) forget(id, root);
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** A container started with `runc run -d`. */
export class Detached {
  constructor(
    readonly id: string,
    private readonly root: string,
    private readonly bundle: Bundle,
    private readonly logs: { stdout: string; stderr: string },
  ) {}

  state(): { status: string; pid: number } | undefined {
    const r = spawnSync('runc', ['--root', this.root, 'state', this.id], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) return undefined;
    return JSON.parse(r.stdout) as { status: string; pid: number };
  }

  /** What the container printed so far. */
  output(): { stdout: string; stderr: string } {
    const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').slice(-OUTPUT_CAP) : '');
    return { stdout: read(this.logs.stdout), stderr: read(this.logs.stderr) };
  }

  private running(): number | undefined {
    const s = this.state();
    return s && s.status === 'running' ? s.pid : undefined;
  }

  /**
   * A TCP dialog from the host into the container's network namespace: connects to
   * 127.0.0.1:port (retrying until the deadline), sends `send`, reads until `expect` matches.
   * Resolves with the reply; rejects with the container's own output when it has exited.
   */
  async request(port: number, send: string, expect: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pid = this.running();
      if (pid === undefined) throw new Error(`the container exited: ${lastLines(this.output())}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
      const r = await runAsync(
        'nsenter',
        [
          `--net=/proc/${pid}/ns/net`,
          '--',
          process.execPath,
          PROBE,
          String(port),
          Buffer.from(send, 'latin1').toString('hex'),
          Buffer.from(expect, 'utf8').toString('hex'),
          String(Math.min(left, 5_000)),
        ],
        Math.min(left, 5_000) + 5_000,
      );
      if (r.code === 0) return r.stdout;
      // 3: refused (not listening yet); nsenter failing: the process is exiting. Both: look again.
      if (r.code !== 3 && !r.stderr.startsWith('nsenter:')) {
        if (this.running() === undefined) throw new Error(`the container exited: ${lastLines(this.output())}`);
        throw new Error(r.stderr.trim() || `probe exited ${r.code}`);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  /** `runc exec` as the given user (name or uid:gid), with the container's environment. */
  async exec(args: string[], options: { user?: string; timeoutMs?: number } = {}): Promise<RunOutcome> {
    const user = options.user ? this.bundle.resolveUser(options.user) : undefined;
    const userArgs = user ? ['--user', `${user.uid}:${user.gid}`] : [];
    return runAsync('runc', ['--root', this.root, 'exec', ...userArgs, this.id, ...args], options.timeoutMs ?? 60_000);
  }

  /** SIGTERM, a grace period, then SIGKILL and delete. */
  async stop(graceMs = 5_000): Promise<void> {
    spawnSync('runc', ['--root', this.root, 'kill', this.id, 'TERM'], { encoding: 'utf8', timeout: 10_000 });
    const deadline = Date.now() + graceMs;
    while (this.running() !== undefined && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    forget(this.id, this.root);
  }
}

/** The first lines of a container's output, for an error message. */
export function firstLines(output: { stdout: string; stderr: string }, n = 3): string {
  const lines = `${output.stderr}\n${output.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.slice(0, n).join(' | ') || '(no output)';
}

/** The first and last lines a server printed before it exited (where its fatal error is). */
export function lastLines(output: { stdout: string; stderr: string }): string {
  const lines = `${output.stdout}\n${output.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  // The first line too: some programs say why first and then print a backtrace (node's abort).
  return (lines.length > 2 ? [lines[0], '...', ...lines.slice(-2)] : lines).join(' | ') || '(no output)';
}
