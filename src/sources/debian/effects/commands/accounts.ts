/**
 * Account commands of maintainer scripts: Debian's adduser/addgroup and shadow's useradd,
 * groupadd, usermod and gpasswd, with their defaults on Debian 12 (adduser 3.134: system users
 * get /usr/sbin/nologin, home /nonexistent unless --home, primary group nogroup unless --group
 * or --ingroup, home created 0755 unless --no-create-home; useradd: a group of the user's name,
 * shell /bin/sh, no home unless -m). Removals (deluser, userdel...) do nothing on a fresh image.
 */
import { AccountError } from '../accounts-db.js';
import { FAIL, OK, parseOptions, type CommandHandler, type ScriptCall } from './call.js';

const NOLOGIN = '/usr/sbin/nologin';

function guarded(call: ScriptCall, fn: () => void): { status: number } {
  try {
    fn();
    return OK;
  } catch (err) {
    if (!(err instanceof AccountError)) throw err;
    call.unsupported(`${call.argv[0]}: ${err.message}`);
    return FAIL;
  }
}

function createHome(call: ScriptCall, home: string, uid: number, gid: number, mode: number): void {
  if (home === '/nonexistent' || home === '' || home === '/') return;
  if (call.ws.stat(home)) return; // adduser leaves an existing directory as it is
  call.ws.mkdir(home, call.pkg, `${call.detail} (home of uid ${uid})`, { parents: true });
  call.ws.change(home, { uid, gid, mode }, call.pkg, `${call.detail} (home)`);
}

const ADDUSER_OPTIONS = {
  long: {
    system: {},
    group: {},
    ingroup: { value: true },
    gid: { value: true },
    uid: { value: true },
    home: { value: true },
    shell: { value: true },
    'no-create-home': {},
    'disabled-password': {},
    'disabled-login': {},
    gecos: { value: true },
    comment: { value: true },
    quiet: { as: 'q' },
    debug: {},
    'force-badname': {},
    'allow-badname': {},
    'allow-bad-names': {},
    'allow-all-names': {},
    firstuid: { value: true },
    lastuid: { value: true },
    firstgid: { value: true },
    lastgid: { value: true },
    'add-extra-groups': {},
    add_extra_groups: {},
    verbose: {},
    conf: { value: true },
  },
  short: 'q',
} as const;

/** adduser --system [...] NAME, adduser --group NAME, adduser USER GROUP, and addgroup. */
function adduser(group: boolean): CommandHandler {
  return (call) => {
    const { options, operands, unknown } = parseOptions(call.argv.slice(1), ADDUSER_OPTIONS);
    if (unknown.length) return call.unsupported();
    const system = options.has('system');
    const number = (key: string) => (options.has(key) ? Number(options.get(key)) : undefined);
    if (operands.length === 2) {
      // adduser USER GROUP / addgroup USER GROUP: membership.
      return guarded(call, () => call.ws.accounts.addMember(operands[0]!, operands[1]!, call.pkg));
    }
    if (operands.length !== 1) return call.unsupported();
    const name = operands[0]!;
    if (group || (options.has('group') && !system)) {
      return guarded(call, () => {
        const gid = number('gid');
        call.ws.accounts.addGroup(name, call.pkg, { system, ...(gid === undefined ? {} : { gid }) });
      });
    }
    if (!system) return call.unsupported(`adduser of a login user ${name}`);
    return guarded(call, () => {
      const home = String(options.get('home') ?? '/nonexistent');
      const gidOption = number('gid');
      const groupName = options.has('group')
        ? 'own'
        : options.has('ingroup')
          ? String(options.get('ingroup'))
          : gidOption !== undefined
            ? (call.ws.accounts.groupById(gidOption)?.name ?? String(gidOption))
            : 'nogroup';
      const uid = number('uid');
      const { user, created } = call.ws.accounts.addUser(call.pkg, {
        name,
        ...(uid === undefined ? {} : { uid }),
        group: groupName,
        home,
        shell: String(options.get('shell') ?? NOLOGIN),
        gecos: String(options.get('gecos') ?? options.get('comment') ?? ''),
        system: true,
      });
      if (created) {
        call.ws.notes.push(`${call.pkg}: system user ${name} (uid ${user.uid}, gid ${user.gid}, home ${home})`);
        if (!options.has('no-create-home')) createHome(call, home, user.uid, user.gid, 0o755);
      }
    });
  };
}

/** useradd [-r] [-d HOME] [-m] [-s SHELL] [-g GROUP] [-G GROUPS] [-U|-N] [-u UID] [-c COMMENT] NAME */
const useradd: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'rmMUNlof',
    withValue: 'dsgGucKpeb',
    long: {
      system: { as: 'r' },
      'home-dir': { as: 'd', value: true },
      home: { as: 'd', value: true },
      'create-home': { as: 'm' },
      'no-create-home': { as: 'M' },
      shell: { as: 's', value: true },
      gid: { as: 'g', value: true },
      groups: { as: 'G', value: true },
      'user-group': { as: 'U' },
      'no-user-group': { as: 'N' },
      uid: { as: 'u', value: true },
      comment: { as: 'c', value: true },
      'no-log-init': { as: 'l' },
      'non-unique': { as: 'o' },
      key: { as: 'K', value: true },
      password: { as: 'p', value: true },
      'base-dir': { as: 'b', value: true },
    },
  });
  if (unknown.length || operands.length !== 1 || options.has('o')) return call.unsupported();
  const name = operands[0]!;
  return guarded(call, () => {
    const gidOption = options.has('g') ? String(options.get('g')) : undefined;
    const group =
      gidOption === undefined
        ? options.has('N')
          ? 'users'
          : 'own'
        : /^\d+$/.test(gidOption)
          ? (call.ws.accounts.groupById(Number(gidOption))?.name ?? gidOption)
          : gidOption;
    const home = String(options.get('d') ?? `${options.has('b') ? String(options.get('b')) : '/home'}/${name}`);
    const uid = options.has('u') ? Number(options.get('u')) : undefined;
    const { user, created } = call.ws.accounts.addUser(call.pkg, {
      name,
      ...(uid === undefined ? {} : { uid }),
      group,
      home,
      shell: String(options.get('s') ?? '/bin/sh'),
      gecos: String(options.get('c') ?? ''),
      system: options.has('r'),
    });
    if (!created) return;
    call.ws.notes.push(
      `${call.pkg}: ${options.has('r') ? 'system ' : ''}user ${name} (uid ${user.uid}, gid ${user.gid}, home ${home})`,
    );
    for (const extra of String(options.get('G') ?? '')
      .split(',')
      .filter(Boolean))
      call.ws.accounts.addMember(name, extra, call.pkg);
    if (options.has('m')) createHome(call, home, user.uid, user.gid, 0o755);
  });
};

/** groupadd [-r] [-g GID] [-f] NAME */
const groupadd: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'rfo',
    withValue: 'gKp',
    long: { system: { as: 'r' }, gid: { as: 'g', value: true }, force: { as: 'f' }, key: { as: 'K', value: true } },
  });
  if (unknown.length || operands.length !== 1) return call.unsupported();
  return guarded(call, () => {
    const gid = options.has('g') ? Number(options.get('g')) : undefined;
    call.ws.accounts.addGroup(operands[0]!, call.pkg, {
      system: options.has('r'),
      ...(gid === undefined ? {} : { gid }),
    });
  });
};

/** usermod -a -G GROUPS USER (group memberships); other changes are declined. */
const usermod: CommandHandler = (call) => {
  const { options, operands, unknown } = parseOptions(call.argv.slice(1), {
    short: 'a',
    withValue: 'G',
    long: { append: { as: 'a' }, groups: { as: 'G', value: true } },
  });
  if (unknown.length || operands.length !== 1 || !options.has('G')) return call.unsupported();
  return guarded(call, () => {
    for (const group of String(options.get('G')).split(',').filter(Boolean))
      call.ws.accounts.addMember(operands[0]!, group, call.pkg);
  });
};

/** gpasswd -a USER GROUP */
const gpasswd: CommandHandler = (call) => {
  const args = call.argv.slice(1);
  if (args.length !== 3 || (args[0] !== '-a' && args[0] !== '--add')) return call.unsupported();
  return guarded(call, () => call.ws.accounts.addMember(args[1]!, args[2]!, call.pkg));
};

export const ACCOUNT_COMMANDS: Record<string, CommandHandler> = {
  adduser: adduser(false),
  addgroup: adduser(true),
  useradd,
  groupadd,
  usermod,
  gpasswd,
  deluser: () => OK,
  delgroup: () => OK,
  userdel: () => OK,
  groupdel: () => OK,
};
