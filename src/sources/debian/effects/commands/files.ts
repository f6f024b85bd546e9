/**
 * The file commands maintainer scripts run, emulated on the effects tree: mkdir, install, chown,
 * chgrp, chmod, touch, ln, cp, mv, rm, rmdir, dpkg-statoverride and ucf. Paths are image paths;
 * nothing on the host is read or written. What a layer cannot express (removing a file another
 * layer ships) is reported, not faked.
 */
import { baseName, parentOf, toImagePath } from '../../../../tree/paths.js';
import { FAIL, OK, parseOptions, type CommandHandler, type ScriptCall } from './call.js';
import { applyMode, groupId, ownerArgument, userId } from './owners.js';

const mkdir: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'pv',
    withValue: 'm',
    long: { parents: { as: 'p' }, mode: { as: 'm', value: true }, verbose: { as: 'v' } },
  });
  if (unknown.length) return call.unsupported();
  const mode = options.has('m') ? applyMode(String(options.get('m')), 0o755, true) : undefined;
  if (options.has('m') && mode === undefined) return call.unsupported();
  let status = 0;
  for (const operand of operands) {
    const path = call.path(operand);
    if (path === null) continue;
    if (
      !call.ws.mkdir(path, call.pkg, call.detail, {
        ...(mode === undefined ? {} : { mode }),
        parents: options.has('p'),
      })
    )
      status = 1;
  }
  return { status };
};

/** install -d DIR..., or install [-m MODE] [-o USER] [-g GROUP] SRC... DEST (copies inside the image). */
const install: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'dDpvcsCbT',
    withValue: 'mogt',
    long: {
      directory: { as: 'd' },
      mode: { as: 'm', value: true },
      owner: { as: 'o', value: true },
      group: { as: 'g', value: true },
      'preserve-timestamps': { as: 'p' },
      verbose: { as: 'v' },
      compare: { as: 'C' },
    },
  });
  if (unknown.length || options.has('s') || options.has('b') || options.has('t')) return call.unsupported();
  const uid = options.has('o') ? userId(call, String(options.get('o'))) : 0;
  const gid = options.has('g') ? groupId(call, String(options.get('g'))) : 0;
  if (uid === undefined || gid === undefined) return call.unsupported(`install -o/-g with an account nothing creates`);
  const isDir = options.has('d');
  const mode = options.has('m') ? applyMode(String(options.get('m')), 0o755, isDir) : 0o755;
  if (mode === undefined) return call.unsupported();
  if (isDir) {
    for (const operand of operands) {
      const path = call.path(operand);
      if (path === null) continue;
      const existing = call.ws.stat(path);
      if (existing && existing.type !== 'dir') return FAIL;
      if (existing) call.ws.change(path, { mode, uid, gid }, call.pkg, call.detail);
      else call.ws.mkdir(path, call.pkg, call.detail, { mode, uid, gid, parents: true });
    }
    return OK;
  }
  if (operands.length < 2) return FAIL;
  const dest = call.path(operands[operands.length - 1]!);
  if (dest === null) return OK;
  const intoDir = operands.length > 2 || call.ws.stat(dest)?.type === 'dir';
  for (const operand of operands.slice(0, -1)) {
    const src = call.path(operand);
    const data = src === null ? undefined : call.ws.bytes(src);
    if (data === undefined) return call.unsupported(`install of ${operand}, which is not in the image`);
    const target = intoDir ? `${dest}/${baseName(src!)}` : dest;
    if (options.has('D')) call.ws.mkdir(parentOf(toImagePath(target) ?? ''), call.pkg, call.detail, { parents: true });
    if (!call.ws.writeFile(target, data, call.pkg, call.detail, { mode, uid, gid })) return FAIL;
  }
  return OK;
};

/** chown [-R] [-h] OWNER[:GROUP] PATH... and chgrp [-R] [-h] GROUP PATH... */
function ownership(group: boolean): CommandHandler {
  return (call) => {
    const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
      short: 'RhHLPfcv',
      long: {
        recursive: { as: 'R' },
        'no-dereference': { as: 'h' },
        quiet: { as: 'f' },
        silent: { as: 'f' },
        verbose: { as: 'v' },
        changes: { as: 'c' },
      },
    });
    if (unknown.length || operands.length < 2) return call.unsupported();
    const spec = operands[0]!;
    const owner = group ? groupOwner(call, spec) : ownerArgument(call, spec);
    if (!owner) return FAIL;
    let status = 0;
    for (const operand of operands.slice(1)) {
      const path = call.path(operand);
      if (path === null) continue;
      if (
        !eachPath(call, path, options.has('R'), (p, follow) =>
          call.ws.change(p, owner, call.pkg, call.detail, follow && !options.has('h')),
        )
      )
        status = 1;
    }
    return { status };
  };
}

function groupOwner(call: ScriptCall, name: string): { gid: number } | undefined {
  const gid = groupId(call, name);
  if (gid !== undefined) return { gid };
  call.unsupported(`chgrp to group ${name}, which nothing creates`);
  return undefined;
}

const chmod: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  // A symbolic mode such as -x looks like an option: take the first non-option operand as the mode.
  const recursive = args.includes('-R') || args.includes('--recursive');
  const rest = args.filter((a) => !['-R', '--recursive', '-f', '--quiet', '--silent', '-v', '-c', '--'].includes(a));
  if (rest.length < 2) return call.unsupported();
  const [spec, ...paths] = rest as [string, ...string[]];
  let status = 0;
  for (const operand of paths) {
    const path = call.path(operand);
    if (path === null) continue;
    const ok = eachPath(call, path, recursive, (p) => {
      const entry = call.ws.stat(p);
      if (!entry || entry.type === 'symlink') return false;
      const mode = applyMode(spec, entry.mode, entry.type === 'dir');
      if (mode === undefined) {
        call.unsupported();
        return false;
      }
      return call.ws.change(p, { mode }, call.pkg, call.detail);
    });
    if (!ok) status = 1;
  }
  return { status };
};

/** Applies `fn` to a path and, with `recursive`, to everything below it (links not followed below). */
function eachPath(
  call: ScriptCall,
  path: string,
  recursive: boolean,
  fn: (path: string, follow: boolean) => boolean,
): boolean {
  const entry = call.ws.stat(path);
  if (!entry) return false;
  const ok = fn(path, true);
  if (recursive && entry.type === 'dir') {
    const prefix = entry.path === '' ? '' : `${entry.path}/`;
    const below = [...call.ws.tree.unordered()]
      .filter((b) => b.path.startsWith(prefix) && b.path !== entry.path)
      .map((b) => b.path);
    for (const path of below.sort()) fn(`/${path}`, false);
  }
  return ok;
}

const touch: CommandHandler = (call) => {
  const { operands } = parseOptions(call.argv.slice(1), {
    short: 'acmhf',
    withValue: 'drt',
    long: { 'no-create': { as: 'c' } },
  });
  let status = 0;
  for (const operand of operands) {
    const path = call.path(operand);
    if (path === null || call.ws.stat(path)) continue; // the time stamp is the build's anyway
    if (!call.ws.writeFile(path, new Uint8Array(0), call.pkg, call.detail)) status = 1;
  }
  return { status };
};

/** ln -s[f][n][T] TARGET LINK, or ln -s TARGET... DIR. Hard links become copies (layers cannot share inodes). */
const ln: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'sfnTvir',
    long: {
      symbolic: { as: 's' },
      force: { as: 'f' },
      'no-dereference': { as: 'n' },
      'no-target-directory': { as: 'T' },
      verbose: { as: 'v' },
      relative: { as: 'r' },
    },
  });
  if (unknown.length || options.has('r') || operands.length === 0) return call.unsupported();
  const targets = operands.length === 1 ? operands : operands.slice(0, -1);
  const last = operands.length === 1 ? baseName(operands[0]!) : operands[operands.length - 1]!;
  const linkArg = call.path(last);
  if (linkArg === null) return OK;
  const dirTarget =
    !options.has('T') &&
    targets.length >= 1 &&
    (options.has('n') ? call.ws.lstat(linkArg) : call.ws.stat(linkArg))?.type === 'dir';
  for (const target of targets) {
    const link = dirTarget ? `${linkArg}/${baseName(target)}` : linkArg;
    const existing = call.ws.lstat(link);
    if (existing && !options.has('f')) return FAIL;
    if (existing?.type === 'dir') return FAIL;
    if (!options.has('s')) {
      const src = call.path(target);
      const data = src === null ? undefined : call.ws.bytes(src);
      if (
        data === undefined ||
        !call.ws.writeFile(link, data, call.pkg, call.detail, { mode: call.ws.stat(src!)?.mode ?? 0o644 })
      )
        return FAIL;
      continue;
    }
    if (call.ws.stat(parentOf(toImagePath(link) ?? ''))?.type !== 'dir') return FAIL;
    call.ws.put(link, { type: 'symlink', target, mode: 0o777, uid: 0, gid: 0 }, call.pkg, call.detail);
  }
  return OK;
};

/** cp [-p|-a] SRC DEST for regular files (directories are declined: never seen in a maintainer script). */
const cp: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'pafdvnPLHTbux',
    withValue: '',
    long: { preserve: { as: 'p' }, archive: { as: 'a' }, force: { as: 'f' }, 'no-clobber': { as: 'n' } },
  });
  if (unknown.length || operands.length !== 2) return call.unsupported();
  const src = call.path(operands[0]!);
  let dest = call.path(operands[1]!);
  if (src === null || dest === null) return OK;
  const from = call.ws.stat(src);
  if (!from) return FAIL;
  if (from.type !== 'file') return call.unsupported(`cp of ${operands[0]}, which is a ${from.type}`);
  if (call.ws.stat(dest)?.type === 'dir') dest = `${dest}/${baseName(src)}`;
  if (options.has('n') && call.ws.stat(dest)) return OK;
  const data = call.ws.bytes(src) ?? new Uint8Array(0);
  const keep = options.has('p') || options.has('a');
  const existing = call.ws.stat(dest);
  const mode = keep ? from.mode : (existing?.mode ?? from.mode & 0o755);
  return call.ws.writeFile(dest, data, call.pkg, call.detail, keep ? { mode, uid: from.uid, gid: from.gid } : { mode })
    ? OK
    : FAIL;
};

/** rm and rmdir: entries the effects created go away; a package's own files cannot be removed by a later layer. */
function remove(dirsOnly: boolean): CommandHandler {
  return (call) => {
    const { operands } = parseOptions(call.argv.slice(1), {
      short: 'rRfdvi',
      long: { recursive: { as: 'r' }, force: { as: 'f' }, 'ignore-fail-on-non-empty': {}, parents: { as: 'p' } },
    });
    for (const operand of operands) {
      const path = call.path(operand);
      if (path === null) continue;
      const entry = call.ws.lstat(path);
      if (!entry) continue;
      if (dirsOnly && entry.type !== 'dir') return FAIL;
      // Gone from the view either way; a package's entry is reported unless something replaces it.
      if (entry.origin.kind !== 'effect') call.ws.removed.set(entry.path, call.pkg);
      call.ws.tree.remove(entry.path);
    }
    return OK;
  };
}

/** mktemp [-d] [-p DIR | --tmpdir[=DIR]] [-t] [TEMPLATE]: a predictable name (pith.1, pith.2...) in the image. */
const mktemp: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  let dir: string | undefined;
  let isDir = false;
  let template: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-d' || a === '--directory') isDir = true;
    else if (a === '-p') dir = args[++i];
    else if (a.startsWith('--tmpdir')) dir = a.includes('=') ? a.slice(a.indexOf('=') + 1) : '/tmp';
    else if (a === '-t' || a === '-q' || a === '--quiet') dir ??= '/tmp';
    else if (a.startsWith('-')) return call.unsupported();
    else template = a;
  }
  const n = ++call.ws.temporaries;
  const name = (template ?? 'tmp.XXXXXXXXXX').replace(/X+$/, (xs) => `pith${n}`.padStart(xs.length, '0'));
  const path = name.startsWith('/') && dir === undefined ? name : `${dir ?? '/tmp'}/${name}`;
  const ok = isDir
    ? call.ws.mkdir(path, call.pkg, call.detail, { mode: 0o700 })
    : call.ws.writeFile(path, new Uint8Array(0), call.pkg, call.detail, { mode: 0o600 });
  return ok ? { status: 0, stdout: `${path}\n` } : FAIL;
};

const mv: CommandHandler = (call) => {
  const { operands } = parseOptions(call.argv.slice(1), { short: 'fvnTi', long: { force: { as: 'f' } } });
  if (operands.length !== 2) return call.unsupported();
  const src = call.path(operands[0]!);
  const dest = call.path(operands[1]!);
  if (src === null || dest === null) return OK;
  const entry = call.ws.lstat(src);
  if (!entry) return FAIL;
  if (entry.type !== 'file' && entry.type !== 'symlink') return call.unsupported(`mv of a ${entry.type}`);
  const { path: _p, origin: _o, ...rest } = entry;
  if (entry.type === 'file') call.ws.bytes(src);
  call.ws.put(dest, rest, call.pkg, call.detail);
  if (entry.origin.kind === 'effect') call.ws.tree.remove(entry.path);
  else call.ws.removed.set(entry.path, call.pkg);
  return OK;
};

/** dpkg-statoverride --add USER GROUP MODE PATH sets an owner and mode dpkg would keep; --list finds none. */
const statoverride: CommandHandler = (call) => {
  const args = call.argv
    .slice(1)
    .filter(
      (a) =>
        a !== '--quiet' &&
        a !== '--force' &&
        a !== '--update' &&
        !a.startsWith('--root') &&
        !a.startsWith('--admindir'),
    );
  if (args[0] === '--list') return FAIL; // no overrides exist on a fresh image
  if (args[0] === '--remove') return OK;
  if (args[0] !== '--add' || args.length !== 5) return call.unsupported();
  const [, user, group, modeText, target] = args as [string, string, string, string, string];
  const uid = userId(call, user);
  const gid = groupId(call, group);
  if (uid === undefined || gid === undefined)
    return call.unsupported(`dpkg-statoverride for an account nothing creates`);
  const path = call.path(target);
  if (path === null || !/^0?[0-7]{1,4}$/.test(modeText)) return call.unsupported();
  call.ws.change(path, { uid, gid, mode: Number.parseInt(modeText, 8) }, call.pkg, call.detail);
  return OK;
};

/** ucf NEW DEST: on a fresh install the packaged default becomes the configuration file. */
const ucf: CommandHandler = (call) => {
  const args = call.argv.slice(1).filter((a) => !a.startsWith('--') || a === '--purge');
  if (args.includes('--purge')) return OK;
  if (args.length !== 2) return call.unsupported();
  const src = call.path(args[0]!);
  const dest = call.path(args[1]!);
  if (src === null || dest === null || call.ws.stat(dest)) return OK;
  const data = call.ws.bytes(src);
  if (data === undefined) return call.unsupported(`ucf from ${args[0]}, which is not in the image`);
  return call.ws.writeFile(dest, data, call.pkg, call.detail, { mode: 0o644 }) ? OK : FAIL;
};

export const FILE_COMMANDS: Record<string, CommandHandler> = {
  mkdir,
  install,
  chown: ownership(false),
  chgrp: ownership(true),
  chmod,
  touch,
  ln,
  cp,
  mv,
  rm: remove(false),
  rmdir: remove(true),
  'dpkg-statoverride': statoverride,
  ucf,
  mktemp,
};
