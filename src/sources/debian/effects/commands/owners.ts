/** Owner and mode arguments as chown, chgrp, chmod, install and dpkg-statoverride take them. */
import type { ScriptCall } from './call.js';

/** A user name or number; names are looked up (Debian's static accounts brought in when used). */
export function userId(call: ScriptCall, name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  return call.ws.accounts.user(name, call.pkg)?.uid;
}

export function groupId(call: ScriptCall, name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  return call.ws.accounts.group(name, call.pkg)?.gid;
}

/**
 * `user`, `user:group`, `user.group`, `:group`, `user:` (the user's login group). Undefined (and
 * the call marked unsupported) when a name is unknown to the image and to Debian's static set.
 */
export function ownerArgument(call: ScriptCall, spec: string): { uid?: number; gid?: number } | undefined {
  const sep = spec.includes(':') ? ':' : /^[^.]+\.[^.]+$/.test(spec) && !/^\d+\.\d+$/.test(spec) ? '.' : undefined;
  const [userPart, groupPart] = sep
    ? [spec.slice(0, spec.indexOf(sep)), spec.slice(spec.indexOf(sep) + 1)]
    : [spec, undefined];
  const out: { uid?: number; gid?: number } = {};
  if (userPart) {
    const uid = userId(call, userPart);
    if (uid === undefined) return unknownName(call, 'user', userPart);
    out.uid = uid;
  }
  if (groupPart) {
    const gid = groupId(call, groupPart);
    if (gid === undefined) return unknownName(call, 'group', groupPart);
    out.gid = gid;
  } else if (sep && userPart) {
    out.gid = call.ws.accounts.user(userPart, call.pkg)?.gid ?? out.uid!;
  }
  return out;
}

function unknownName(call: ScriptCall, what: string, name: string): undefined {
  call.unsupported(`${call.argv[0]} to ${what} ${name}, which nothing creates`);
  return undefined;
}

/**
 * An octal mode, or a symbolic one (`u+x,g-w`, `a=r`, `g+s`, `+t`, `X`) applied to `current`.
 * Undefined for something else.
 */
export function applyMode(spec: string, current: number, isDir: boolean): number | undefined {
  if (/^0?[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let mode = current;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=][rwxXstugo]*)+)$/.exec(clause);
    if (!m) return undefined;
    const who = m[1] === '' || m[1]!.includes('a') ? 'ugo' : m[1]!;
    for (const action of m[2]!.match(/[-+=][rwxXstugo]*/g) ?? []) {
      const op = action[0]!;
      let bits = 0;
      for (const p of action.slice(1)) {
        if (p === 'r') bits |= spread(who, 4);
        else if (p === 'w') bits |= spread(who, 2);
        else if (p === 'x' || (p === 'X' && (isDir || (mode & 0o111) !== 0))) bits |= spread(who, 1);
        else if (p === 's') bits |= (who.includes('u') ? 0o4000 : 0) | (who.includes('g') ? 0o2000 : 0);
        else if (p === 't') bits |= 0o1000;
      }
      if (op === '+') mode |= bits;
      else if (op === '-') mode &= ~bits;
      else {
        const clear = spread(who, 7) | (who.includes('u') ? 0o4000 : 0) | (who.includes('g') ? 0o2000 : 0);
        mode = (mode & ~clear) | bits;
      }
    }
  }
  return mode & 0o7777;
}

function spread(who: string, bits: number): number {
  return (who.includes('u') ? bits << 6 : 0) | (who.includes('g') ? bits << 3 : 0) | (who.includes('o') ? bits : 0);
}
