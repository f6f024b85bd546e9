/**
 * Runs the real `pith serve` CLI on a free loopback port (--listen 127.0.0.1:0; the port comes
 * from its `listening` log line) and collects its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
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
  /** Every JSON log line so far. */
  lines: ServeLogLine[];
  stderr(): string;
  /** Resolves with the first line (already seen or to come) that matches. */
  waitFor(match: (line: ServeLogLine) => boolean, timeoutMs?: number): Promise<ServeLogLine>;
  /** SIGTERM, then the exit code (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [PITH_BIN, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: ServeLogLine[] = [];
  const waiters: Array<{ match: (l: ServeLogLine) => boolean; resolve: (l: ServeLogLine) => void }> = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: ServeLogLine;
    try {
      line = JSON.parse(text) as ServeLogLine;
    } catch {
      line = { event: 'unparsed', text };
    }
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitFor = (match: (l: ServeLogLine) => boolean, timeoutMs = 30_000) => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<ServeLogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pith serve: no matching log line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`pith serve exited (${code}) before the expected log line; stderr: ${stderr}`));
      });
    });
  };

  const listening = await waitFor((l) => l.event === 'listening', 20_000);
  const url = String(listening.url);
  return {
    url,
    host: url.replace(/^http:\/\//, ''),
    child,
    lines,
    stderr: () => stderr,
    waitFor,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Build events of the server for one image key (`build-start`, `build-done`, `build-failed`). */
export function buildEvents(serve: ServeProcess, event: string): ServeLogLine[] {
  return serve.lines.filter((l) => l.event === event);
}

export interface HealthBody {
  status: string;
  builds: { started: number; succeeded: number; failed: number; timedOut: number; rejected: number; running: number; inflight: number };
}

export async function health(serve: ServeProcess): Promise<HealthBody> {
  return (await (await fetch(`${serve.url}/healthz`)).json()) as HealthBody;
}

export interface RegistryErrorBody {
  errors: Array<{ code: string; message: string; detail: unknown }>;
}
