/**
 * An image's attack surface: shells, package managers, setuid/setgid files, world-writable
 * paths, executables, packages, a root user; and which `--deny` rules it breaks.
 */
import { byKey } from '../byte-order.js';
import { PithError } from '../errors.js';
import type { AnalyzedImage } from './analyze.js';
import type { LayerEntry } from './walk.js';

export const DENY_RULES = ['shell', 'package-manager', 'setuid', 'setgid', 'world-writable', 'root-user'] as const;
export type DenyRule = (typeof DENY_RULES)[number];

export const SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'busybox',
  'ash',
  'zsh',
  'ksh',
  'mksh',
  'csh',
  'tcsh',
  'fish',
  'rbash',
  'toybox',
]);
export const PACKAGE_MANAGERS = new Set([
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
  'dpkg-deb',
  'pip',
  'pip3',
  'easy_install',
  'apk',
  'yum',
  'dnf',
  'microdnf',
  'rpm',
  'zypper',
  'pacman',
  'gem',
  'npm',
]);

export interface AuditPath {
  path: string;
  type: string;
  mode: string;
  layer: number;
}

export interface AuditReport {
  source: string;
  shells: AuditPath[];
  packageManagers: AuditPath[];
  setuid: AuditPath[];
  setgid: AuditPath[];
  /** World-writable paths, sticky directories excluded. */
  worldWritable: AuditPath[];
  /** World-writable directories with the sticky bit (/tmp). */
  stickyWorldWritable: AuditPath[];
  executables: number;
  packages: number;
  user: string;
  rootUser: boolean;
  violations: string[];
}

/** A directory where programs are looked up: .../bin, .../sbin, or /busybox. */
function inBinDir(path: string): boolean {
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const last = dir.slice(dir.lastIndexOf('/') + 1);
  return last === 'bin' || last === 'sbin' || dir === 'busybox';
}

const baseName = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const octal = (m: number) => m.toString(8).padStart(4, '0');
const item = (e: LayerEntry): AuditPath => ({
  path: `/${e.path}`,
  type: e.type,
  mode: octal(e.mode),
  layer: e.layer + 1,
});

/** Whether a config User runs as root: empty, root, 0, or root/0 with a group. */
export function isRootUser(user: string): boolean {
  const u = user.split(':')[0]!.trim();
  return u === '' || u === 'root' || u === '0';
}

export function parseDeny(text: string | undefined, command: string): DenyRule[] {
  if (text === undefined || text.trim() === '') return [];
  const rules = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const r of rules) {
    if (!(DENY_RULES as readonly string[]).includes(r))
      throw new PithError('usage', `${command}: unknown --deny rule "${r}" (rules: ${DENY_RULES.join(', ')})`);
  }
  return rules as DenyRule[];
}

export function auditImage(image: AnalyzedImage, deny: DenyRule[], maxPackages?: number): AuditReport {
  const entries = [...image.fs.values()].sort(byKey((e) => e.path));
  const runnable = (e: LayerEntry) => e.type === 'file' || e.type === 'symlink' || e.type === 'hardlink';
  const shells = entries.filter((e) => runnable(e) && inBinDir(e.path) && SHELLS.has(baseName(e.path))).map(item);
  const packageManagers = entries
    .filter((e) => runnable(e) && inBinDir(e.path) && PACKAGE_MANAGERS.has(baseName(e.path)))
    .map(item);
  const setuid = entries.filter((e) => e.type === 'file' && (e.mode & 0o4000) !== 0).map(item);
  const setgid = entries.filter((e) => e.type === 'file' && (e.mode & 0o2000) !== 0).map(item);
  const writable = entries.filter((e) => e.type !== 'symlink' && (e.mode & 0o002) !== 0);
  const sticky = (e: LayerEntry) => e.type === 'dir' && (e.mode & 0o1000) !== 0;
  const worldWritable = writable.filter((e) => !sticky(e)).map(item);
  const stickyWorldWritable = writable.filter(sticky).map(item);
  const executables = entries.filter((e) => e.type === 'file' && (e.mode & 0o111) !== 0).length;
  const user = image.report.config.user;
  const rootUser = isRootUser(user);
  const packages = image.report.packages.length;

  const violations: string[] = [];
  const named = (rule: string, found: AuditPath[]) => {
    for (const f of found) violations.push(`${rule}: ${f.path}`);
  };
  if (deny.includes('shell')) named('shell', shells);
  if (deny.includes('package-manager')) named('package-manager', packageManagers);
  if (deny.includes('setuid')) named('setuid', setuid);
  if (deny.includes('setgid')) named('setgid', setgid);
  if (deny.includes('world-writable')) named('world-writable', worldWritable);
  if (deny.includes('root-user') && rootUser)
    violations.push(`root-user: the image runs as ${user === '' ? 'root (no User set)' : `"${user}"`}`);
  if (maxPackages !== undefined && packages > maxPackages)
    violations.push(`max-packages: ${packages} packages, more than ${maxPackages}`);
  return {
    source: image.report.source,
    shells,
    packageManagers,
    setuid,
    setgid,
    worldWritable,
    stickyWorldWritable,
    executables,
    packages,
    user,
    rootUser,
    violations,
  };
}

export function formatAudit(a: AuditReport): string {
  const out: string[] = [`image: ${a.source}`];
  const section = (title: string, items: AuditPath[]) => {
    out.push(`${title}: ${items.length === 0 ? 'none' : items.length}`);
    for (const i of items) out.push(`  ${i.path} (${i.type}, ${i.mode}, layer ${i.layer})`);
  };
  section('shells', a.shells);
  section('package managers', a.packageManagers);
  section('setuid files', a.setuid);
  section('setgid files', a.setgid);
  section('world-writable paths', a.worldWritable);
  section('world-writable sticky directories', a.stickyWorldWritable);
  out.push(`executables: ${a.executables}`);
  out.push(`packages: ${a.packages}`);
  out.push(`user: ${a.user || '(none)'}${a.rootUser ? ' (root)' : ''}`);
  return `${out.join('\n')}\n`;
}
