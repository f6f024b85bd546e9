/**
 * The run-time directories every Debian system has (base-files ships /tmp and /run; its postinst
 * makes /run/lock and the /var/run and /var/lock links): services write their pid files and
 * sockets there (nginx's /run/nginx.pid). Made, before any script runs, for any image with Debian
 * packages that lacks them.
 */
import type { EffectWorkspace } from './workspace.js';

export function applyRuntimeDirs(ws: EffectWorkspace): void {
  if (![...ws.tree.unordered()].some((e) => e.path.startsWith('var/lib/dpkg/status.d/'))) return;
  const detail = 'run-time directories of a Debian system';
  // Scripts make temporary files (mktemp) before the system layer's /tmp exists in this view.
  if (!ws.lstat('/tmp')) ws.put('/tmp', { type: 'dir', mode: 0o1777, uid: 0, gid: 0 }, '', detail);
  if (!ws.lstat('/run')) ws.put('/run', { type: 'dir', mode: 0o755, uid: 0, gid: 0 }, '', detail);
  if (!ws.lstat('/run/lock') && ws.stat('/run')?.type === 'dir')
    ws.put('/run/lock', { type: 'dir', mode: 0o1777, uid: 0, gid: 0 }, '', detail);
  if (ws.stat('/var')?.type !== 'dir') return;
  if (!ws.lstat('/var/run'))
    ws.put('/var/run', { type: 'symlink', target: '/run', mode: 0o777, uid: 0, gid: 0 }, '', detail);
  if (!ws.lstat('/var/lock'))
    ws.put('/var/lock', { type: 'symlink', target: '/run/lock', mode: 0o777, uid: 0, gid: 0 }, '', detail);
}
