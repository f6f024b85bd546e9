/**
 * The image's users and groups while install effects run: the spec's (and distroless') accounts
 * first, then Debian's static ones when a package uses them, then the system accounts packages
 * create. A name the spec already defines is never replaced, so `accounts:` always wins.
 *
 * Ids: static accounts keep the ids Debian policy fixes (base-passwd's master files, e.g. www-data
 * 33). Dynamic system accounts get an id derived from their name (FNV-1a into 100-999, the next
 * free one on a collision), so adding a package never renumbers another package's accounts, and
 * the same package set gives the same ids every time. Debian itself hands them out in install
 * order, which differs between machines.
 */
import type { GroupSpec, UserSpec } from '../../../spec/types.js';
import type { Accounts } from '../../system/accounts.js';

/** base-passwd 3.6's passwd.master: fixed by Debian policy 9.2.2. */
const STATIC_USERS: readonly UserSpec[] = [
  ['root', 0, 0, 'root', '/root', '/bin/bash'],
  ['daemon', 1, 1, 'daemon', '/usr/sbin', '/usr/sbin/nologin'],
  ['bin', 2, 2, 'bin', '/bin', '/usr/sbin/nologin'],
  ['sys', 3, 3, 'sys', '/dev', '/usr/sbin/nologin'],
  ['sync', 4, 65534, 'sync', '/bin', '/bin/sync'],
  ['games', 5, 60, 'games', '/usr/games', '/usr/sbin/nologin'],
  ['man', 6, 12, 'man', '/var/cache/man', '/usr/sbin/nologin'],
  ['lp', 7, 7, 'lp', '/var/spool/lpd', '/usr/sbin/nologin'],
  ['mail', 8, 8, 'mail', '/var/mail', '/usr/sbin/nologin'],
  ['news', 9, 9, 'news', '/var/spool/news', '/usr/sbin/nologin'],
  ['uucp', 10, 10, 'uucp', '/var/spool/uucp', '/usr/sbin/nologin'],
  ['proxy', 13, 13, 'proxy', '/bin', '/usr/sbin/nologin'],
  ['www-data', 33, 33, 'www-data', '/var/www', '/usr/sbin/nologin'],
  ['backup', 34, 34, 'backup', '/var/backups', '/usr/sbin/nologin'],
  ['list', 38, 38, 'Mailing List Manager', '/var/list', '/usr/sbin/nologin'],
  ['irc', 39, 39, 'ircd', '/run/ircd', '/usr/sbin/nologin'],
  ['_apt', 42, 65534, '', '/nonexistent', '/usr/sbin/nologin'],
  ['nobody', 65534, 65534, 'nobody', '/nonexistent', '/usr/sbin/nologin'],
].map(([name, uid, gid, gecos, home, shell]) => ({ name, uid, gid, gecos, home, shell }) as UserSpec);

/** base-passwd 3.6's group.master. */
const STATIC_GROUPS: readonly GroupSpec[] = (
  [
    ['root', 0],
    ['daemon', 1],
    ['bin', 2],
    ['sys', 3],
    ['adm', 4],
    ['tty', 5],
    ['disk', 6],
    ['lp', 7],
    ['mail', 8],
    ['news', 9],
    ['uucp', 10],
    ['man', 12],
    ['proxy', 13],
    ['kmem', 15],
    ['dialout', 20],
    ['fax', 21],
    ['voice', 22],
    ['cdrom', 24],
    ['floppy', 25],
    ['tape', 26],
    ['sudo', 27],
    ['audio', 29],
    ['dip', 30],
    ['www-data', 33],
    ['backup', 34],
    ['operator', 37],
    ['list', 38],
    ['irc', 39],
    ['src', 40],
    ['shadow', 42],
    ['utmp', 43],
    ['video', 44],
    ['sasl', 45],
    ['plugdev', 46],
    ['staff', 50],
    ['games', 60],
    ['users', 100],
    ['nogroup', 65534],
  ] as const
).map(([name, gid]) => ({ name, gid, members: [] }));

export const STATIC_USER_NAMES: ReadonlySet<string> = new Set(STATIC_USERS.map((u) => u.name));
export const STATIC_GROUP_NAMES: ReadonlySet<string> = new Set(STATIC_GROUPS.map((g) => g.name));

export function staticUserById(uid: number): UserSpec | undefined {
  return STATIC_USERS.find((u) => u.uid === uid);
}

export function staticGroupById(gid: number): GroupSpec | undefined {
  return STATIC_GROUPS.find((g) => g.gid === gid);
}

export const SYSTEM_IDS = { first: 100, last: 999 } as const;
const NORMAL_IDS = { first: 1000, last: 59999 } as const;

export class AccountError extends Error {}

export class AccountsDb {
  private readonly users = new Map<string, UserSpec>();
  private readonly groups = new Map<string, GroupSpec>();
  /** Accounts added by effects, with the package that caused each (for notes). */
  readonly addedUsers = new Map<string, string>();
  readonly addedGroups = new Map<string, string>();

  constructor(base: Accounts) {
    for (const u of base.users) this.users.set(u.name, { ...u });
    for (const g of base.groups) this.groups.set(g.name, { ...g, members: [...g.members] });
  }

  /** A user by name, bringing in Debian's static one when the image has none of that name. */
  user(name: string, pkg: string): UserSpec | undefined {
    const known = this.users.get(name);
    if (known) return known;
    const fixed = STATIC_USERS.find((u) => u.name === name);
    if (!fixed) return undefined;
    // The image already has that id under another name (distroless' group "nobody" is Debian's nogroup).
    if (this.uidTaken(fixed.uid)) return this.userById(fixed.uid);
    this.users.set(name, { ...fixed });
    this.addedUsers.set(name, pkg);
    const group = staticGroupById(fixed.gid);
    if (group && !this.groupById(fixed.gid)) this.group(group.name, pkg);
    return this.users.get(name);
  }

  /** A group by name, bringing in Debian's static one when the image has none of that name. */
  group(name: string, pkg: string): GroupSpec | undefined {
    const known = this.groups.get(name);
    if (known) return known;
    const fixed = STATIC_GROUPS.find((g) => g.name === name);
    if (!fixed) return undefined;
    if (this.gidTaken(fixed.gid)) return this.groupById(fixed.gid);
    this.groups.set(name, { ...fixed, members: [] });
    this.addedGroups.set(name, pkg);
    return this.groups.get(name);
  }

  /** What `getent passwd NAME` would find on a Debian system (static accounts always exist there). */
  peekUser(name: string): UserSpec | undefined {
    return this.users.get(name) ?? STATIC_USERS.find((u) => u.name === name);
  }

  peekGroup(name: string): GroupSpec | undefined {
    return this.groups.get(name) ?? STATIC_GROUPS.find((g) => g.name === name);
  }

  userById(uid: number): UserSpec | undefined {
    return [...this.users.values()].find((u) => u.uid === uid);
  }

  groupById(gid: number): GroupSpec | undefined {
    return [...this.groups.values()].find((g) => g.gid === gid);
  }

  /** Creates a group unless one of that name exists; returns it. */
  addGroup(name: string, pkg: string, options: { gid?: number; system: boolean }): GroupSpec {
    checkName(name);
    const existing = this.group(name, pkg);
    if (existing) return existing;
    const gid = options.gid ?? this.allocate(name, options.system);
    if (options.gid !== undefined && this.gidTaken(gid))
      throw new AccountError(`group id ${gid} for ${name} is already used`);
    const group: GroupSpec = { name, gid, members: [] };
    this.groups.set(name, group);
    this.addedGroups.set(name, pkg);
    return group;
  }

  /**
   * Creates a user unless one of that name exists (then returns it and `created: false`).
   * `group`: an existing group name, or 'own' for a group of the user's name with the same id
   * when free.
   */
  addUser(
    pkg: string,
    spec: {
      name: string;
      uid?: number;
      group: string | 'own';
      home: string;
      shell: string;
      gecos: string;
      system: boolean;
    },
  ): { user: UserSpec; created: boolean } {
    checkName(spec.name);
    const existing = this.user(spec.name, pkg);
    if (existing) return { user: existing, created: false };
    const ownGroup = spec.group === 'own';
    const uid = spec.uid ?? this.allocate(spec.name, spec.system);
    if (spec.uid !== undefined && this.uidTaken(uid))
      throw new AccountError(`user id ${uid} for ${spec.name} is already used`);
    let gid: number;
    if (ownGroup) {
      const group =
        this.groups.get(spec.name) ??
        this.addGroup(spec.name, pkg, { system: spec.system, ...(this.gidTaken(uid) ? {} : { gid: uid }) });
      gid = group.gid;
    } else {
      const group = this.group(spec.group, pkg);
      if (!group) throw new AccountError(`group ${spec.group} for user ${spec.name} does not exist`);
      gid = group.gid;
    }
    const user: UserSpec = { name: spec.name, uid, gid, home: spec.home, shell: spec.shell, gecos: spec.gecos };
    this.users.set(spec.name, user);
    this.addedUsers.set(spec.name, pkg);
    return { user, created: true };
  }

  addMember(userName: string, groupName: string, pkg: string): void {
    const group = this.group(groupName, pkg);
    if (!group) throw new AccountError(`group ${groupName} does not exist`);
    if (!this.user(userName, pkg)) throw new AccountError(`user ${userName} does not exist`);
    if (!group.members.includes(userName)) group.members.push(userName);
  }

  /** The groups a user is in: its primary group, then those listing it as a member. */
  groupsOf(user: UserSpec): GroupSpec[] {
    const primary = this.groupById(user.gid);
    const others = [...this.groups.values()].filter((g) => g !== primary && g.members.includes(user.name));
    return primary ? [primary, ...others] : others;
  }

  toAccounts(): Accounts {
    return { users: [...this.users.values()], groups: [...this.groups.values()] };
  }

  private uidTaken(uid: number): boolean {
    return [...this.users.values()].some((u) => u.uid === uid);
  }

  private gidTaken(gid: number): boolean {
    return [...this.groups.values()].some((g) => g.gid === gid);
  }

  /** An id derived from the name, free as a user and as a group id. */
  private allocate(name: string, system: boolean): number {
    const range = system ? SYSTEM_IDS : NORMAL_IDS;
    const span = range.last - range.first + 1;
    const start = fnv1a(name) % span;
    for (let i = 0; i < span; i++) {
      const id = range.first + ((start + i) % span);
      // Ids Debian reserves for static accounts stay free, even when the image lacks them.
      const reserved = staticUserById(id) !== undefined || staticGroupById(id) !== undefined;
      // Free as both a user and a group id: a user's own group gets the same number.
      if (!reserved && !this.uidTaken(id) && !this.gidTaken(id)) return id;
    }
    throw new AccountError(`no free ${system ? 'system ' : ''}id left for ${name}`);
  }
}

/** Debian's adduser accepts these (NAME_REGEX_SYSTEM); anything else in a passwd line would corrupt it. */
function checkName(name: string): void {
  if (!/^[A-Za-z_][-A-Za-z0-9_.]*\$?$/.test(name) || name.length > 32)
    throw new AccountError(`"${name}" is not a valid account name`);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
