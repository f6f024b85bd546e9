/**
 * Commands scripts run to decide what to do, answered from the image being built: accounts
 * (getent, id), dpkg's questions (architecture, version comparisons, installed packages), files
 * (cat, readlink, which, grep) and string helpers (basename, dirname, expr, tr). None changes
 * anything.
 */
import { compareVersions } from '../../solver/version.js';
import { FAIL, OK, type CommandHandler, type ScriptCall } from './call.js';

const out = (text: string, status = 0) => ({ status, stdout: text });

const getent: CommandHandler = (call) => {
  const [, db, key] = call.argv;
  const accounts = call.ws.accounts;
  if (db === 'passwd' && key !== undefined) {
    const u = /^\d+$/.test(key) ? accounts.userById(Number(key)) : accounts.peekUser(key);
    return u ? out(`${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}\n`) : out('', 2);
  }
  if (db === 'group' && key !== undefined) {
    const g = /^\d+$/.test(key) ? accounts.groupById(Number(key)) : accounts.peekGroup(key);
    return g ? out(`${g.name}:x:${g.gid}:${g.members.join(',')}\n`) : out('', 2);
  }
  if (db === 'hosts' || db === 'ahosts' || db === 'services' || db === 'protocols') return out('', 2);
  return call.unsupported();
};

/** id [-u|-g|-G] [-n] [USER] */
const id: CommandHandler = (call) => {
  const flags = call.argv
    .slice(1)
    .filter((a) => a.startsWith('-'))
    .join('')
    .replace(/-/g, '');
  const name = call.argv.slice(1).find((a) => !a.startsWith('-')) ?? 'root';
  const user = /^\d+$/.test(name) ? call.ws.accounts.userById(Number(name)) : call.ws.accounts.peekUser(name);
  if (!user) return out('', 1);
  const groups = call.ws.accounts.groupsOf(user);
  const names = flags.includes('n');
  if (flags.includes('u')) return out(`${names ? user.name : user.uid}\n`);
  if (flags.includes('G')) return out(`${groups.map((g) => (names ? g.name : g.gid)).join(' ')}\n`);
  if (flags.includes('g')) return out(`${names ? (groups[0]?.name ?? user.gid) : user.gid}\n`);
  return out(
    `uid=${user.uid}(${user.name}) gid=${user.gid} groups=${groups.map((g) => `${g.gid}(${g.name})`).join(',')}\n`,
  );
};

/** dpkg --print-architecture, --compare-versions, --assert-*, -s/-l for installed packages. */
const dpkg: CommandHandler = (call) => {
  const [, action, ...rest] = call.argv;
  switch (action) {
    case '--print-architecture':
      return out(`${call.ws.arch}\n`);
    case '--print-foreign-architectures':
      return out('');
    case '--compare-versions':
      return rest.length === 3 ? { status: compare(rest[0]!, rest[1]!, rest[2]!) ? 0 : 1 } : call.unsupported();
    case '-L':
    case '--listfiles':
      return listFiles(call, rest);
    case '-s':
    case '--status':
    case '-l':
    case '--list':
      return { status: rest.every((p) => installed(call, p)) ? 0 : 1 };
    default:
      if (action?.startsWith('--assert-')) return OK;
      return call.unsupported();
  }
};

/** dpkg --compare-versions semantics, with an empty version being older than any (and -nl: newer). */
function compare(a: string, op: string, b: string): boolean {
  const empty = op.endsWith('-nl');
  const base = op.replace(/-nl$/, '');
  const c =
    a === '' && b === '' ? 0 : a === '' ? (empty ? 1 : -1) : b === '' ? (empty ? -1 : 1) : compareVersions(a, b);
  switch (base) {
    case 'lt':
    case '<<':
    case '<':
      return c < 0;
    case 'le':
    case '<=':
      return c <= 0;
    case 'eq':
    case '=':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'ge':
    case '>=':
      return c >= 0;
    case 'gt':
    case '>>':
    case '>':
      return c > 0;
    default:
      return false;
  }
}

/** dpkg -L: the paths a package put in the image (documentation trimmed away is not listed). */
function listFiles(call: ScriptCall, packages: string[]) {
  const names = new Set(packages.map((p) => p.replace(/:.*/, '')));
  if (![...names].every((n) => installed(call, n))) return out('', 1);
  const paths = [...call.ws.tree.unordered()]
    .filter(
      (e) =>
        e.origin.kind === 'package' &&
        names.has(e.origin.package ?? '') &&
        !e.path.startsWith('var/lib/dpkg/status.d/'),
    )
    .map((e) => e.path);
  return out(
    `/.\n${paths
      .sort()
      .map((p) => `/${p}\n`)
      .join('')}`,
  );
}

function installed(call: ScriptCall, name: string): boolean {
  return call.ws.stat(`/var/lib/dpkg/status.d/${name.replace(/:.*/, '')}`) !== undefined;
}

/** dpkg-query -W [-f FORMAT] PACKAGE: fields of an installed package's control file; ${Status} says installed. */
const dpkgQuery: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  if (args[0] === '-L' || args[0] === '--listfiles') return listFiles(call, args.slice(1));
  const fi = args.findIndex(
    (a) => a === '-f' || a === '--showformat' || a.startsWith('-f=') || a.startsWith('--showformat='),
  );
  const format =
    fi < 0
      ? '${Package}\\t${Version}\\n'
      : args[fi]!.includes('=')
        ? args[fi]!.slice(args[fi]!.indexOf('=') + 1)
        : (args[fi + 1] ?? '');
  const pkg = args
    .filter((a, i) => !a.startsWith('-') && !(fi >= 0 && i === fi + 1 && !args[fi]!.includes('=')))
    .pop()
    ?.replace(/:.*/, '');
  const list = args.includes('-l') || args.includes('--list');
  if (
    !pkg ||
    !(
      list ||
      args.includes('-s') ||
      args.includes('--status') ||
      args.includes('-W') ||
      args.includes('--show') ||
      fi >= 0
    )
  )
    return call.unsupported();
  const control = call.ws.text(`/var/lib/dpkg/status.d/${pkg}`);
  if (control === undefined) return out('', 1);
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(control)?.[1] ?? '';
  if (list) return out(`ii  ${pkg} ${field('Version')} ${field('Architecture')} ${field('Description')}\n`);
  if (args.includes('-s') || args.includes('--status'))
    return out(control.replace(/\n?$/, '\nStatus: install ok installed\n'));
  const text = format.replace(
    /\$\{([^}]+)\}/g,
    (_m, name: string) =>
      (
        ({
          Status: 'install ok installed',
          'db:Status-Status': 'installed',
          'db:Status-Want': 'install',
          'db:Status-Abbrev': 'ii ',
          'binary:Package': pkg,
        }) as Record<string, string>
      )[name] ?? field(name.replace(/^binary:/, '')),
  );
  return out(text.replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
};

const which: CommandHandler = (call) => {
  const found = call.argv
    .slice(1)
    .filter((a) => !a.startsWith('-'))
    .map((n) => call.ws.lookup(n));
  return out(
    found
      .filter(Boolean)
      .map((f) => `${f}\n`)
      .join(''),
    found.every(Boolean) && found.length > 0 ? 0 : 1,
  );
};

const cat: CommandHandler = (call) => {
  const files = call.argv.slice(1).filter((a) => a !== '-' && !a.startsWith('-'));
  if (files.length === 0) return out(call.stdin());
  let text = '';
  for (const f of files) {
    const path = call.path(f);
    const data = path === null ? undefined : call.ws.text(path);
    if (data === undefined) return out(text, 1);
    text += data;
  }
  return out(text);
};

const readlink: CommandHandler = (call) => {
  const canonical = call.argv.slice(1).some((a) => /^-[a-z]*[fem]/.test(a));
  const target = call.argv.slice(1).find((a) => !a.startsWith('-'));
  const path = target === undefined ? null : call.path(target);
  if (path === null) return FAIL;
  if (canonical) {
    const real = call.ws.tree.resolve(path);
    return real === null ? FAIL : out(`/${real}\n`);
  }
  const entry = call.ws.lstat(path);
  return entry?.type === 'symlink' ? out(`${entry.target}\n`) : FAIL;
};

/** grep [-qvwxicFE] PATTERN [FILE...]: basic and extended patterns as JavaScript regular expressions. */
const grep: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  const flags = new Set<string>();
  const operands: string[] = [];
  for (const a of args) {
    if (/^-[qvwxicFEs]+$/.test(a)) for (const f of a.slice(1)) flags.add(f);
    else if (a.startsWith('-') && operands.length === 0) return call.unsupported();
    else operands.push(a);
  }
  const [pattern, ...files] = operands;
  if (pattern === undefined) return call.unsupported();
  let source = flags.has('F')
    ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    : flags.has('E')
      ? pattern
      : basicToExtended(pattern);
  if (flags.has('w')) source = `(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])`;
  if (flags.has('x')) source = `^(?:${source})$`;
  let re: RegExp;
  try {
    re = new RegExp(source, flags.has('i') ? 'i' : '');
  } catch {
    return call.unsupported();
  }
  let text = '';
  if (files.length === 0) text = call.stdin();
  for (const f of files) {
    const path = call.path(f);
    text += (path === null ? undefined : call.ws.text(path)) ?? '';
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const hits = lines.filter((l) => re.test(l) !== flags.has('v'));
  if (flags.has('q')) return { status: hits.length ? 0 : 1 };
  if (flags.has('c')) return out(`${hits.length}\n`, hits.length ? 0 : 1);
  return out(hits.map((h) => `${h}\n`).join(''), hits.length ? 0 : 1);
};

/** A POSIX basic regular expression in JavaScript syntax (\( \) \{ \} \| become groups and counts). */
function basicToExtended(pattern: string): string {
  return pattern.replace(/\\([(){}|+?])|([(){}|+?])/g, (_m, escaped: string | undefined, plain: string | undefined) =>
    escaped ? escaped : `\\${plain}`,
  );
}

/** expr: integer arithmetic and comparisons, the forms version checks use. */
const expr: CommandHandler = (call) => {
  const a = call.argv.slice(1);
  if (a.length === 1) return out(`${a[0]}\n`, a[0] === '' || a[0] === '0' ? 1 : 0);
  if (a.length !== 3) return call.unsupported();
  const [x, op, y] = a as [string, string, string];
  const numeric = /^-?\d+$/.test(x) && /^-?\d+$/.test(y);
  const n = (s: string) => Number(s);
  let value: number;
  switch (op) {
    case '+':
      value = n(x) + n(y);
      break;
    case '-':
      value = n(x) - n(y);
      break;
    case '*':
      value = n(x) * n(y);
      break;
    case '/':
      value = n(y) === 0 ? NaN : Math.trunc(n(x) / n(y));
      break;
    case '%':
      value = n(y) === 0 ? NaN : n(x) % n(y);
      break;
    case '=':
      value = (numeric ? n(x) === n(y) : x === y) ? 1 : 0;
      break;
    case '!=':
      value = (numeric ? n(x) !== n(y) : x !== y) ? 1 : 0;
      break;
    case '<':
      value = (numeric ? n(x) < n(y) : x < y) ? 1 : 0;
      break;
    case '>':
      value = (numeric ? n(x) > n(y) : x > y) ? 1 : 0;
      break;
    default:
      return call.unsupported();
  }
  if (Number.isNaN(value)) return out('', 2);
  return out(`${value}\n`, value === 0 ? 1 : 0);
};

/** tr SET1 SET2 with ranges (a-z, A-Z), and tr -d SET. */
const tr: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  const expand = (set: string) =>
    set.replace(/(.)-(.)/g, (_m, a: string, b: string) =>
      String.fromCharCode(
        ...Array.from({ length: Math.max(0, b.charCodeAt(0) - a.charCodeAt(0) + 1) }, (_, i) => a.charCodeAt(0) + i),
      ),
    );
  const input = call.stdin();
  if (args[0] === '-d' && args.length === 2) {
    const del = new Set(expand(args[1]!));
    return out([...input].filter((c) => !del.has(c)).join(''));
  }
  if (args.length !== 2 || args.some((a) => a.startsWith('-') || a.includes('['))) return call.unsupported();
  const from = expand(args[0]!);
  const to = expand(args[1]!);
  return out(
    [...input].map((c) => (from.includes(c) ? (to[Math.min(from.indexOf(c), to.length - 1)] ?? c) : c)).join(''),
  );
};

/**
 * `perl -e ""` and the like only ask whether the interpreter works; byte-compiling Python modules
 * (py_compile, compileall) leaves caches Python rebuilds on first import. Real programs are not run.
 */
function emptyProgram(call: ScriptCall) {
  const args = call.argv.slice(1);
  if ((args[0] === '-e' || args[0] === '-c') && args[1]?.trim() === '' && args.length === 2)
    return { status: call.ws.lookup(call.argv[0]!) ? 0 : 127 };
  const compiling = args.some(
    (a, i) =>
      /(^|\/)(py_compile|compileall)\.py$/.test(a) ||
      (a === '-m' && /^(py_compile|compileall)$/.test(args[i + 1] ?? '')),
  );
  if (compiling && /python3/.test(call.argv[0]!)) return OK;
  return call.unsupported();
}

export const QUERY_COMMANDS: Record<string, CommandHandler> = {
  getent,
  id,
  dpkg,
  'dpkg-query': dpkgQuery,
  which,
  cat,
  readlink,
  grep,
  egrep: (call) => grep({ ...call, argv: ['grep', '-E', ...call.argv.slice(1)] }),
  expr,
  tr,
  basename: (call) => {
    const [, name = '', suffix] = call.argv;
    const base = name.replace(/\/+$/, '').replace(/.*\//, '');
    return out(`${suffix && base.endsWith(suffix) && base !== suffix ? base.slice(0, -suffix.length) : base}\n`);
  },
  dirname: (call) => {
    const name = (call.argv[1] ?? '').replace(/\/+$/, '');
    const i = name.lastIndexOf('/');
    return out(`${i < 0 ? '.' : i === 0 ? '/' : name.slice(0, i)}\n`);
  },
  // The kernel is the host's at run time: scripts only check it is recent (any kernel a container runs on is).
  uname: (call) =>
    out(
      `${call.argv.includes('-m') ? ({ amd64: 'x86_64', arm64: 'aarch64', i386: 'i686', armhf: 'armv7l', ppc64el: 'ppc64le' }[call.ws.arch] ?? call.ws.arch) : call.argv.includes('-r') ? '6.1.0' : 'Linux'}\n`,
    ),
  // `perl -e ""` and the like only ask whether the interpreter works; a real program is not emulated.
  perl: emptyProgram,
  python3: emptyProgram,
  // The container runtime mounts /proc; nothing else is a mount point in an image.
  mountpoint: (call) => ({
    status: call.argv
      .slice(1)
      .filter((a) => !a.startsWith('-'))
      .every((p) => p === '/proc')
      ? 0
      : 1,
  }),
  ischroot: () => FAIL,
  'dpkg-realpath': (call) => readlink({ ...call, argv: ['readlink', '-f', ...call.argv.slice(1)] }),
  // Packages never carry file capabilities in an image layer; setcap is not emulated (and warned about).
  getcap: () => out(''),
  'systemd-detect-virt': () => out('none\n', 1),
  runlevel: () => out('unknown\n', 1),
  pidof: () => FAIL,
  ps: () => out(''),
};
