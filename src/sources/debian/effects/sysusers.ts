/**
 * systemd's sysusers.d (usr/lib/sysusers.d/*.conf, overridden by etc/sysusers.d/ files of the same
 * name), as systemd-sysusers would apply them at install: `u NAME ID "GECOS" HOME SHELL` (a user
 * and a group of its name; ID is a number, `UID:GID`, or `-` for one pith picks), `g NAME ID`,
 * `m USER GROUP` (membership, creating both if needed). `r` (id ranges) changes nothing here.
 */
import { AccountError } from './accounts-db.js';
import type { EffectWorkspace } from './workspace.js';

export interface SysusersLine {
  type: 'u' | 'g' | 'm' | 'r';
  name: string;
  id?: string;
  gecos?: string;
  home?: string;
  shell?: string;
  line: number;
}

/** Splits on blanks, honouring "double" and 'single' quotes; `-` stays as it is. */
export function splitFields(text: string): string[] | undefined {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"']+))(?=\s|$)/y;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
    end = re.lastIndex;
  }
  // Anything left (an unterminated quote) makes the line unreadable.
  return text.slice(end).trim() === '' ? out : undefined;
}

/** Parses a sysusers.d file; bad lines are reported through `bad` and skipped. */
export function parseSysusers(text: string, bad: (line: number, why: string) => void): SysusersLine[] {
  const out: SysusersLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = splitFields(line);
    const [type, name, id, gecos, home, shell] = fields ?? [];
    if (!fields || !type || !name || !['u', 'g', 'm', 'r', 'u!'].includes(type))
      return bad(i + 1, `cannot read "${line}"`);
    const dash = (v: string | undefined) => (v === undefined || v === '-' ? undefined : v);
    out.push({
      type: type.charAt(0) as SysusersLine['type'],
      name,
      line: i + 1,
      ...(dash(id) ? { id: id! } : {}),
      ...(dash(gecos) ? { gecos: gecos! } : {}),
      ...(dash(home) ? { home: home! } : {}),
      ...(dash(shell) ? { shell: shell! } : {}),
    });
  });
  return out;
}

export function applySysusers(ws: EffectWorkspace, pkg: string, file: string, lines: SysusersLine[]): void {
  const fail = (l: SysusersLine, why: string) => ws.unsupportedBy(pkg, `${file} line ${l.line}: ${why}`);
  for (const l of lines) {
    try {
      if (l.type === 'g') {
        const gid = l.id !== undefined && /^\d+$/.test(l.id) ? Number(l.id) : undefined;
        if (l.id !== undefined && gid === undefined) fail(l, `group id "${l.id}" is not a number`);
        else ws.accounts.addGroup(l.name, pkg, { system: true, ...(gid === undefined ? {} : { gid }) });
      } else if (l.type === 'u') {
        const [uidText, groupText] = (l.id ?? '').split(':');
        if (uidText && !/^\d+$/.test(uidText)) {
          fail(l, `user id "${l.id}" (a path) is not supported`);
          continue;
        }
        let group: string | 'own' = 'own';
        if (groupText)
          group = /^\d+$/.test(groupText)
            ? (ws.accounts.groupById(Number(groupText))?.name ??
              ws.accounts.addGroup(l.name, pkg, { system: true, gid: Number(groupText) }).name)
            : groupText;
        const { user, created } = ws.accounts.addUser(pkg, {
          name: l.name,
          ...(uidText ? { uid: Number(uidText) } : {}),
          group,
          home: l.home ?? '/',
          shell: l.shell ?? '/usr/sbin/nologin',
          gecos: l.gecos ?? '',
          system: true,
        });
        if (created) ws.notes.push(`${pkg}: system user ${l.name} (uid ${user.uid}, gid ${user.gid}) from ${file}`);
      } else if (l.type === 'm') {
        if (!l.id) {
          fail(l, 'm needs a group');
          continue;
        }
        if (!ws.accounts.peekUser(l.name))
          ws.accounts.addUser(pkg, {
            name: l.name,
            group: 'own',
            home: '/',
            shell: '/usr/sbin/nologin',
            gecos: '',
            system: true,
          });
        if (!ws.accounts.peekGroup(l.id)) ws.accounts.addGroup(l.id, pkg, { system: true });
        ws.accounts.addMember(l.name, l.id, pkg);
      }
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      fail(l, err.message);
    }
  }
}
