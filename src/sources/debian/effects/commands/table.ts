/**
 * Every command a maintainer script may run that pith knows, and what pith does with it. A
 * command not in this table is not emulated: the build says so in one line per package (an error
 * with --strict). Add a command here, with its reason, rather than special-casing a package.
 *
 *   emulated   changes the image as the real command would (files.ts, accounts.ts, alternatives.ts)
 *   query      answers from the image and changes nothing (queries.ts)
 *   no effect  does nothing an image needs: the reason says why
 */
import { ACCOUNT_COMMANDS } from './accounts.js';
import { updateAlternatives } from './alternatives.js';
import { OK, type CommandHandler } from './call.js';
import { FILE_COMMANDS } from './files.js';
import { QUERY_COMMANDS } from './queries.js';
import { sed } from './sed.js';
import { TEXT_COMMANDS } from './text.js';

export interface ScriptCommand {
  kind: 'emulated' | 'query' | 'no effect';
  run: CommandHandler;
  /** For 'no effect': why the image does not need it. */
  why?: string;
}

const NO_EFFECT: Array<[string[], string, number?]> = [
  [
    [
      'update-rc.d',
      'invoke-rc.d',
      'deb-systemd-helper',
      'deb-systemd-invoke',
      'systemctl',
      'service',
      'start-stop-daemon',
      'initctl',
      'telinit',
    ],
    'services are started by the container runtime, never by an init system inside the image',
  ],
  [['ss', 'netstat'], 'asked only to decide whether to start a service'],
  [
    ['dpkg-maintscript-helper', 'dpkg-trigger', 'ucfr', 'ucfq', 'dpkg-divert'],
    "dpkg's own bookkeeping of conffiles, triggers and diversions on upgrades; a fresh image has none",
  ],
  [
    ['systemd-tmpfiles', 'systemd-sysusers'],
    'the tmpfiles.d and sysusers.d files packages ship are applied by their own effects',
  ],
  [['update-ca-certificates'], 'pith writes the CA bundle (and the Java trust store) itself'],
  [['ldconfig'], 'glibc finds libraries in the default directories without /etc/ld.so.cache'],
  [
    ['py3compile', 'py3clean', 'pycompile', 'pyclean', 'pypy3compile', 'pypy3clean'],
    'byte-compiled caches; Python compiles modules on first import',
  ],
  [
    [
      'fc-cache',
      'update-mime-database',
      'update-desktop-database',
      'gtk-update-icon-cache',
      'update-icon-caches',
      'mandb',
      'update-menus',
      'mkfontdir',
      'mkfontscale',
      'update-fonts-alias',
      'update-fonts-dir',
      'update-fonts-scale',
      'install-info',
      'update-info-dir',
      'update-xmlcatalog',
      'update-catalog',
      'update-perl-sax-parsers',
      'gio-querymodules',
      'update-texmf',
    ],
    'caches and indexes for desktops, manuals and catalogs, rebuilt or scanned at run time when missing',
  ],
  [['shadowconfig', 'pwconv', 'grpconv'], 'pith writes no shadow files: image accounts have no passwords'],
  [
    ['update-initramfs', 'depmod', 'udevadm', 'modprobe', 'sysctl', 'update-grub', 'update-binfmts'],
    'kernel, boot and host settings, which belong to the host, not the image',
  ],
  [['apparmor_parser', 'aa-status', 'aa-enabled'], 'AppArmor profiles are loaded by the host', 1],
  [['logger', 'wall', 'sleep', 'sync', 'stty', 'tput', 'clear', 'date'], 'output and timing only'],
  [['mktemp'], 'temporary files of a script that pith does not run in full', 1],
  [['su', 'runuser', 'setpriv'], 'only to run a check as another user; the command after it runs either way', 1],
];

function noEffect(): Record<string, ScriptCommand> {
  const out: Record<string, ScriptCommand> = {};
  for (const [names, why, status] of NO_EFFECT) {
    for (const name of names) out[name] = { kind: 'no effect', why, run: () => (status ? { status } : OK) };
  }
  return out;
}

function of(kind: ScriptCommand['kind'], handlers: Record<string, CommandHandler>): Record<string, ScriptCommand> {
  return Object.fromEntries(Object.entries(handlers).map(([name, run]) => [name, { kind, run }]));
}

export const SCRIPT_COMMANDS: Readonly<Record<string, ScriptCommand>> = Object.freeze({
  ...noEffect(),
  ...of('query', QUERY_COMMANDS),
  ...of('query', TEXT_COMMANDS),
  sed: { kind: 'emulated', run: sed },
  ...of('emulated', FILE_COMMANDS),
  ...of('emulated', ACCOUNT_COMMANDS),
  'update-alternatives': { kind: 'emulated', run: updateAlternatives },
});
