/**
 * Debian's static accounts (base-passwd, e.g. www-data 33, adm 4) exist on every Debian system, so
 * packages use them without creating them. An image gets one when a package uses it:
 *   - a file of the package is owned by its id (dpkg maps the names a .deb records to these ids);
 *   - a configuration file of the package under /etc names it in a user or group directive
 *     (`user www-data;` in nginx.conf, `User=www-data`, `RUN_AS_USER="proxy"`);
 * and, through the other effects, when a maintainer script, tmpfiles.d or sysusers.d line names
 * it as an owner (accounts-db.ts brings it in on lookup).
 */
import { STATIC_GROUP_NAMES, STATIC_USER_NAMES, staticGroupById, staticUserById } from './accounts-db.js';
import type { EffectWorkspace } from './workspace.js';

const DIRECTIVE =
  /^\s*(?:[A-Za-z_]*_)?(user|group|owner|runas|run_as|username|groupname)\s*[=:\s]\s*["']?([a-z_][-a-z0-9_]*)["']?\s*;?\s*(?:#.*)?$/i;

/** Static account names a configuration file names in user/group directives. */
export function directiveNames(text: string): { users: string[]; groups: string[] } {
  const users = new Set<string>();
  const groups = new Set<string>();
  for (const line of text.split('\n')) {
    const m = DIRECTIVE.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const name = m[2]!;
    if (key.startsWith('group') && STATIC_GROUP_NAMES.has(name)) groups.add(name);
    else if (!key.startsWith('group') && STATIC_USER_NAMES.has(name)) users.add(name);
  }
  return { users: [...users].sort(), groups: [...groups].sort() };
}

export function applyStaticAccounts(ws: EffectWorkspace): void {
  // In path order: which static account a package brings first must not depend on install order.
  for (const entry of ws.tree.list()) {
    if (entry.origin.kind !== 'package' || !entry.origin.package) continue;
    const pkg = entry.origin.package;
    if (entry.uid !== 0 && !ws.accounts.userById(entry.uid)) {
      const user = staticUserById(entry.uid);
      if (user) ws.accounts.user(user.name, pkg);
    }
    if (entry.gid !== 0 && !ws.accounts.groupById(entry.gid)) {
      const group = staticGroupById(entry.gid);
      if (group) ws.accounts.group(group.name, pkg);
    }
    if (entry.type !== 'file' || !entry.path.startsWith('etc/') || entry.size > 256 * 1024) continue;
    const text = ws.text(`/${entry.path}`);
    if (text === undefined || text.includes('\u0000')) continue;
    const { users, groups } = directiveNames(text);
    for (const name of users)
      if (ws.accounts.user(name, pkg) && !ws.notes.includes(`${pkg}: uses ${name}`))
        ws.notes.push(`${pkg}: uses ${name}`);
    for (const name of groups) ws.accounts.group(name, pkg);
  }
}
