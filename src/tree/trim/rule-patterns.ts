/** The file names and paths the `trim: closure` rules (rules.ts) look for: what tells them a program is kept. */

/** Both spellings of a library directory: unmerged bookworm (lib/) and merged /usr (usr/lib/). */
export const libDirs = (glob: string): string[] => [`lib/${glob}`, `usr/lib/${glob}`];

/** The directories of the default PATH (env's), where a link is how a program is called by name. */
export const COMMAND_DIRS = new Set(['usr/local/sbin', 'usr/local/bin', 'usr/sbin', 'usr/bin', 'sbin', 'bin']);

export const LIBC = /^libc\.so\.6$/;
export const LIBSSL = /^lib(ssl|crypto)\.so\.\d/;
export const PYTHON = /^python(3\.\d+)$/;
export const PERL = /^(perl|perl5\.\d+\.\d+|libperl\.so\.5\.\d+(\.\d+)*)$/;
export const NODE = /^(node|nodejs|libnode\.so\.\d+)$/;
export const RUBY = /^(ruby|ruby\d+\.\d+|libruby-\d+\.\d+\.so(\.\d+)*)$/;
export const PHP = /^(php\d+(\.\d+)?|libphp\d*(\.\d+)?\.so)$/;
export const JVM_FILE = /^usr\/lib\/jvm\/([^/]+)\//;
export const PERL_HEADERS = 'usr/lib/*/perl/*/CORE/**';
/** gcc's C compiler proper (the gcc driver runs it by path). */
export const C_COMPILER = /^usr\/(lib|libexec)\/gcc\/[^/]+\/[^/]+\/cc1$/;
export const FONTCONFIG = /^libfontconfig\.so\.1(\.\d+)*$/;
export const MAGICK = /^libMagickCore-\d+\.Q\d+(HDRI)?\.so(\.\d+)*$/;
export const GIT = /^usr\/(bin\/git|lib\/git-core\/.+)$/;
export const POSTGRESQL = /^usr\/(lib\/postgresql\/.+|share\/postgresql-common\/pg_wrapper)$/;
export const PG_JIT_PROVIDER = /^usr\/lib\/postgresql\/[^/]+\/lib\/llvmjit\.so$/;
export const JS_FILE = /\.(c|m)?js$|\.json$/;
export const NODE_TREES = [
  'usr/share/nodejs/**',
  'usr/lib/nodejs/**',
  'usr/lib/*/nodejs/**',
  'usr/local/lib/nodejs/**',
  'usr/local/share/nodejs/**',
  'usr/local/lib/node_modules/**',
];
/** What only service managers, schedulers and logins read: init scripts, cron jobs, logrotate configuration, motd scripts. */
export const SERVICE_FILES = [
  'etc/init.d/**',
  'etc/rc?.d/**',
  'etc/cron.d/**',
  'etc/cron.hourly/**',
  'etc/cron.daily/**',
  'etc/cron.weekly/**',
  'etc/cron.monthly/**',
  'etc/logrotate.d/**',
  'etc/update-motd.d/**',
];
/** The programs that read them: sysvinit's and systemd's init, service, cron, anacron, logrotate, and PAM's pam_motd (at login). */
export const SERVICE_MANAGER =
  /^((usr\/)?(s?bin|lib\/systemd)\/(init|systemd|service|invoke-rc\.d|cron|anacron|logrotate)|(usr\/)?lib\/[^/]+\/security\/pam_motd\.so)$/;
