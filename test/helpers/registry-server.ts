/**
 * A real registry (Debian's docker-registry, distribution v2) on a free loopback port, with its
 * own storage, optionally behind htpasswd (bcrypt entries made with `htpasswd -Bbn`) or token
 * auth. Stop it in `after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sh } from './cli.js';

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  dir: string;
  /** The registry's own log: warnings and errors, and the access log when asked for. */
  log(): string;
  /** Access-log request lines so far (`METHOD /path?query`), when started with accessLog. */
  requests(): string[];
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Users for htpasswd auth. */
  htpasswd?: Record<string, string>;
  /** Token auth: the token server's realm, service and issuer, and the PEM certificate its keys chain to. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Keep the access log (one line per request, in log()), to count what clients asked for. */
  accessLog?: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'pith-registry-'));
  mkdirSync(join(dir, 'data'));
  let auth = '';
  if (options.htpasswd) {
    const lines = Object.entries(options.htpasswd).map(([user, password]) =>
      sh('htpasswd', ['-Bbn', user, password]).trim(),
    );
    writeFileSync(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    auth = `auth: {htpasswd: {realm: pith-test, path: ${join(dir, 'htpasswd')}}}\n`;
  } else if (options.token) {
    const t = options.token;
    auth = `auth: {token: {realm: "${t.realm}", service: "${t.service}", issuer: "${t.issuer}", rootcertbundle: ${t.rootCertBundle}}}\n`;
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.yml'),
      `version: 0.1
log: {level: warn, accesslog: {disabled: ${options.accessLog ? 'false' : 'true'}}}
storage: {filesystem: {rootdirectory: ${join(dir, 'data')}}, delete: {enabled: true}}
http: {addr: 127.0.0.1:${port}}
${auth}`,
    );
    const logPath = join(dir, 'log');
    // Straight into a file, so the log is readable while the test process is blocked in spawnSync.
    const logFd = openSync(logPath, 'w');
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const logText = () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    };
    const up = await waitUp(port, child);
    if (!up) {
      await kill(child);
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start:\n${logText()}`);
    }
    return {
      host: `127.0.0.1:${port}`,
      port,
      url: `http://127.0.0.1:${port}`,
      dir,
      log: logText,
      requests: () =>
        [...logText().matchAll(/"([A-Z]+) (\/v2\/[^ "]*) HTTP\/1\.1" (\d+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`),
      stop: async () => {
        await kill(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

async function waitUp(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
