import type { FsTree } from '../../tree/fs-tree.js';
import type { Origin } from '../../tree/entry.js';
import { type Accounts, groupFile, NSSWITCH_CONF, passwdFile } from './accounts.js';
import { type OsIdentity, osReleaseFile } from './os-release.js';

const text = (s: string) => new TextEncoder().encode(s);

/**
 * The files every image gets before anything else: accounts, home directories, /tmp,
 * nsswitch.conf and os-release (unless a package such as base-files ships it). Mirrors distroless, except /home/nonroot, which is 0770 with
 * group 0 so that a platform running the image as a random UID (with gid 0, as OpenShift and
 * podman do) can still use it (distroless issue #718).
 */
export function addSystemFiles(
  tree: FsTree,
  accounts: Accounts,
  os: OsIdentity | null,
  effectUsers: ReadonlySet<string> = new Set(),
): void {
  const origin = (detail: string): Origin => ({ kind: 'accounts', detail });
  const file = (path: string, content: string, detail: string, mode = 0o644) => {
    const data = text(content);
    tree.add(path, {
      type: 'file',
      mode,
      uid: 0,
      gid: 0,
      size: data.byteLength,
      source: { kind: 'bytes', data },
      origin: origin(detail),
    });
  };
  const dir = (path: string, mode: number, uid: number, gid: number, detail: string) =>
    tree.add(path, { type: 'dir', mode, uid, gid, origin: origin(detail) });

  dir('/etc', 0o755, 0, 0, 'system directories');
  file('/etc/passwd', passwdFile(accounts), 'accounts: /etc/passwd');
  file('/etc/group', groupFile(accounts), 'accounts: /etc/group');
  file('/etc/nsswitch.conf', NSSWITCH_CONF, 'accounts: nsswitch.conf');
  if (os) {
    file('/usr/lib/os-release', osReleaseFile(os), 'os-release');
    tree.add('/etc/os-release', {
      type: 'symlink',
      target: '../usr/lib/os-release',
      mode: 0o777,
      uid: 0,
      gid: 0,
      origin: origin('os-release'),
    });
  }
  dir('/tmp', 0o1777, 0, 0, '/tmp');

  for (const user of accounts.users) {
    if (user.home === '/nonexistent' || user.home === '/' || user.home === '') continue;
    // A package's system user gets the home its scripts made (or none), as on Debian.
    if (effectUsers.has(user.name)) continue;
    if (user.uid === 0) dir(user.home, 0o700, 0, 0, `home of ${user.name}`);
    else if (user.name === 'nonroot' && user.uid === 65532) dir(user.home, 0o770, user.uid, 0, `home of ${user.name}`);
    else dir(user.home, 0o755, user.uid, user.gid, `home of ${user.name}`);
  }
}
