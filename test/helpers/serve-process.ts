/**
 * Runs the real `pith serve` CLI on a free loopback port (--listen 127.0.0.1:0; the port comes
 * from its `listening` log line) and collects its JSON log lines. The log goes to a file, not a
 * pipe: tests block their event loop in spawnSync (skopeo, podman) while the server logs, and a
 * full pipe would stall the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PITH_BIN } from './cli.js';

export interface ServeLogLine {
  event: string;
  [key: string]: unknown;
}

export interface ServeProcess {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, for docker:// references. */
  host: string;
  child: ChildProcess;
  /** Every JSON log line so far (read from the log file on each access). */
  readonly lines: ServeLogLine[];
  stderr(): string;
  /** Resolves with the first line (already seen or to come) that matches. */
  waitFor(match: (line: ServeLogLine) => boolean, timeoutMs?: number): Promise<ServeLogLine>;
  /** SIGTERM, then the exit code (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const logDir = mkdtempSync(join(tmpdir(), 'pith-serve-log-'));
  const outFd = openSync(join(logDir, 'stdout'), 'w');
  const errFd = openSync(join(logDir, 'stderr'), 'w');
  const child = spawn(process.execPath, [PITH_BIN, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', outFd, errFd],
  });
  closeSync(outFd);
  closeSync(errFd);
  const read = (name: string) => {
    try {
      return readFileSync(join(logDir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const parsed: ServeLogLine[] = [];
  let consumed = 0;
  const lines = (): ServeLogLine[] => {
    const text = read('stdout');
    const end = text.lastIndexOf('\n') + 1;
    for (const line of text.slice(consumed, end).split('\n')) {
      if (line === '') continue;
      try {
        parsed.push(JSON.parse(line) as ServeLogLine);
      } catch {
        parsed.push({ event: 'unparsed', text: line });
      }
    }
    consumed = Math.max(consumed, end);
    return parsed;
  };
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );

  const waitFor = async (match: (l: ServeLogLine) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = lines().find(match);
      if (seen) return seen;
      if (exitCode !== undefined)
        throw new Error(`pith serve exited (${exitCode}) before the expected log line; stderr: ${read('stderr')}`);
      if (Date.now() > deadline)
        throw new Error(`pith serve: no matching log line in ${timeoutMs} ms; stderr: ${read('stderr')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const listening = await waitFor((l) => l.event === 'listening', 20_000);
  const url = String(listening.url);
  return {
    url,
    host: url.replace(/^http:\/\//, ''),
    child,
    get lines() {
      return lines();
    },
    stderr: () => read('stderr'),
    waitFor,
    async stop() {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      lines();
      rmSync(logDir, { recursive: true, force: true });
      return exitCode ?? null;
    },
  };
}

/** Build events of the server for one image key (`build-start`, `build-done`, `build-failed`). */
export function buildEvents(serve: ServeProcess, event: string): ServeLogLine[] {
  return serve.lines.filter((l) => l.event === event);
}

export interface HealthBody {
  status: string;
  builds: {
    started: number;
    succeeded: number;
    failed: number;
    timedOut: number;
    rejected: number;
    running: number;
    inflight: number;
  };
}

export async function health(serve: ServeProcess): Promise<HealthBody> {
  return (await (await fetch(`${serve.url}/healthz`)).json()) as HealthBody;
}

export interface RegistryErrorBody {
  errors: Array<{ code: string; message: string; detail: unknown }>;
}
