import { spawnSync } from 'node:child_process';
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
export function runWithRunc(layout: string, tag: string, options: { uid?: number; gid?: number; args?: string[]; hostNetwork?: boolean } = {}): RunOutcome {
  const work = mkdtempSync(join(tmpdir(), 'pith-runc-'));
  const bundle = join(work, 'bundle');
  const id = `pith-test-${randomBytes(6).toString('hex')}`;
  const root = join(work, 'runc-root');
  mkdirSync(root);
  try {
    sh('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
    const configPath = join(bundle, 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
      process: { terminal: boolean; args: string[]; user: { uid: number; gid: number; additionalGids?: number[] } };
      linux?: { namespaces?: Array<{ type: string }> };
    };
    // Share the host's network namespace, so the container can reach a test server on loopback.
    if (options.hostNetwork && config.linux?.namespaces) config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== 'network');
    config.process.terminal = false;
    if (options.args) config.process.args = options.args;
    if (options.uid !== undefined) config.process.user = { uid: options.uid, gid: options.gid ?? options.uid };
    writeFileSync(configPath, JSON.stringify(config));
    const r = spawnSync('runc', ['--root', root, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    spawnSync('runc', ['--root', root, 'delete', '-f', id], { encoding: 'utf8' });
    rmSync(work, { recursive: true, force: true });
  }
}

/** podman with its own storage, so tests never touch the host's images. */
export function podmanArgs(storage: string): string[] {
  return ['--root', join(storage, 'root'), '--runroot', join(storage, 'runroot'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none'];
}
