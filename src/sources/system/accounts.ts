import type { AccountsSpec, GroupSpec, UserSpec } from '../../spec/types.js';

/** distroless' users and groups (see shared/reference/distroless-conventions.md). */
const DISTROLESS_USERS: UserSpec[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/sbin/nologin', gecos: 'root' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: '/sbin/nologin', gecos: 'nobody' },
  { name: 'nonroot', uid: 65532, gid: 65532, home: '/home/nonroot', shell: '/sbin/nologin', gecos: 'nonroot' },
];
const DISTROLESS_GROUPS: GroupSpec[] = [
  { name: 'root', gid: 0, members: [] },
  { name: 'nobody', gid: 65534, members: [] },
  { name: 'tty', gid: 5, members: [] },
  { name: 'staff', gid: 50, members: [] },
  { name: 'nonroot', gid: 65532, members: [] },
];

export interface Accounts {
  users: UserSpec[];
  groups: GroupSpec[];
}

/** The preset's accounts with the spec's on top (same name replaces). Order: preset, then spec. */
export function resolveAccounts(spec: AccountsSpec): Accounts {
  const users = new Map<string, UserSpec>();
  const groups = new Map<string, GroupSpec>();
  if (spec.preset === 'distroless') {
    for (const u of DISTROLESS_USERS) users.set(u.name, u);
    for (const g of DISTROLESS_GROUPS) groups.set(g.name, g);
  }
  for (const u of spec.users) users.set(u.name, u);
  for (const g of spec.groups) groups.set(g.name, g);
  // A user whose primary group doesn't exist gets a group of its own name, as useradd does.
  for (const u of users.values()) {
    if (![...groups.values()].some((g) => g.gid === u.gid) && !groups.has(u.name)) {
      groups.set(u.name, { name: u.name, gid: u.gid, members: [] });
    }
  }
  return { users: [...users.values()], groups: [...groups.values()] };
}

export function passwdFile(accounts: Accounts): string {
  return accounts.users.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}\n`).join('');
}

export function groupFile(accounts: Accounts): string {
  return accounts.groups.map((g) => `${g.name}:x:${g.gid}:${g.members.join(',')}\n`).join('');
}

/** Debian's example nsswitch.conf, as distroless ships it. */
export const NSSWITCH_CONF = `# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.
# If you have the \`glibc-doc-reference' and \`info' packages installed, try:
# \`info libc "Name Service Switch"' for information about this file.

passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`;

export class AccountLookupError extends Error {}

/**
 * Resolves `owner`/`user` strings against the image's accounts: "name", "uid", "name:group",
 * "uid:gid". A name alone uses the user's primary group; a uid alone uses gid = that user's
 * group if the uid is known, else the same number.
 */
export function resolveOwner(owner: string, accounts: Accounts): { uid: number; gid: number } {
  const [userPart, groupPart] = owner.split(':', 2) as [string, string | undefined];
  let uid: number;
  let gid: number;
  if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    gid = accounts.users.find((u) => u.uid === uid)?.gid ?? uid;
  } else {
    const user = accounts.users.find((u) => u.name === userPart);
    if (!user) {
      const known = accounts.users.map((u) => u.name).join(', ') || 'none';
      throw new AccountLookupError(
        `unknown user "${userPart}" (the image's users: ${known}; add it under accounts.users or use a number)`,
      );
    }
    uid = user.uid;
    gid = user.gid;
  }
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const group = accounts.groups.find((g) => g.name === groupPart);
      if (!group) {
        const known = accounts.groups.map((g) => g.name).join(', ') || 'none';
        throw new AccountLookupError(`unknown group "${groupPart}" (the image's groups: ${known})`);
      }
      gid = group.gid;
    }
  }
  return { uid, gid };
}
