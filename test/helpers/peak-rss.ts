/**
 * Runs the pith CLI under GNU time (`/usr/bin/time -f %M`) and reports its peak resident set
 * size (the largest of pith and its children, such as xz), with a heap limit passed through
 * NODE_OPTIONS, so tests can assert that memory stays bounded whatever the input.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PITH_BIN } from './cli.js';

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Peak RSS in MiB. */
  peakMiB: number;
  ms: number;
}

export async function runPithMeasured(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; heapMiB?: number; timeoutMs?: number } = {},
): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pith-rss-'));
  const out = join(dir, 'time');
  const started = performance.now();
  try {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, PITH_BIN, ...args], {
      env: { ...process.env, ...options.env, NODE_OPTIONS: `--max-old-space-size=${options.heapMiB ?? 256}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    clearTimeout(timer);
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    return { code, stdout, stderr, peakMiB: kib / 1024, ms: performance.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
