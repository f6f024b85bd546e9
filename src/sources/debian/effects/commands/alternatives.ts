/**
 * update-alternatives as postinst scripts call it. `--install LINK NAME PATH PRIORITY [--slave
 * LINK NAME PATH]...` registers a choice; once every package is configured, `applyAlternatives`
 * makes the links dpkg's update-alternatives would leave in automatic mode: for each name the
 * existing choice with the highest priority (ties: the first path in byte order) or the one
 * `--set` chose, as LINK -> /etc/alternatives/NAME -> PATH, plus the chosen choice's slaves whose
 * paths exist. Queries (--query, --list, --display) find nothing registered before.
 */
import { compareBytes } from '../../../../byte-order.js';
import type { Alternative, EffectWorkspace } from '../workspace.js';
import { FAIL, OK, type CommandHandler, type ScriptCall } from './call.js';

const GLOBAL_FLAGS = new Set(['--quiet', '--verbose', '--force', '--skip-auto', '--debug']);
const GLOBAL_WITH_VALUE = new Set(['--altdir', '--admindir', '--instdir', '--root', '--log']);

export const updateAlternatives: CommandHandler = (call) => {
  const args: string[] = [];
  for (let i = 1; i < call.argv.length; i++) {
    const a = call.argv[i]!;
    if (GLOBAL_FLAGS.has(a)) continue;
    if (GLOBAL_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.includes('=') && GLOBAL_WITH_VALUE.has(a.slice(0, a.indexOf('=')))) continue;
    args.push(a);
  }
  switch (args[0]) {
    case '--install':
      return install(call, args.slice(1));
    case '--set':
      if (args.length !== 3) return call.unsupported();
      call.ws.manualAlternatives.set(args[1]!, args[2]!);
      return OK;
    case '--auto':
    case '--remove':
    case '--remove-all':
      return OK;
    case '--query':
    case '--list':
    case '--display':
    case '--get-selections':
      return FAIL;
    default:
      return call.unsupported();
  }
};

function install(call: ScriptCall, args: string[]): { status: number } {
  const [link, name, path, priorityText, ...rest] = args;
  if (!link || !name || !path || !priorityText || !/^-?\d+$/.test(priorityText)) return call.unsupported();
  const slaves: Alternative['slaves'] = [];
  for (let i = 0; i < rest.length; i += 4) {
    if (rest[i] !== '--slave' || rest.length < i + 4) return call.unsupported();
    slaves.push({ link: rest[i + 1]!, name: rest[i + 2]!, path: rest[i + 3]! });
  }
  // dpkg refuses a choice whose file is missing; such a choice never takes part.
  if (!call.ws.stat(path)) return FAIL;
  call.ws.alternatives.push({ link, name, path, priority: Number(priorityText), slaves, package: call.pkg });
  return OK;
}

/** The links for every registered name (call after all postinst scripts). */
export function applyAlternatives(ws: EffectWorkspace): void {
  const names = [...new Set(ws.alternatives.map((a) => a.name))].sort(compareBytes);
  for (const name of names) {
    const choices = ws.alternatives.filter((a) => a.name === name);
    const manual = ws.manualAlternatives.get(name);
    const best =
      choices.find((c) => c.path === manual) ??
      [...choices].sort((a, b) => b.priority - a.priority || compareBytes(a.path, b.path))[0]!;
    // A manual page's alternative goes with the manual pages trim: docs drops.
    if (ws.trimmed(best.link.replace(/^\/+/, ''))) continue;
    link(ws, best, best.link, best.name, best.path);
    for (const slave of best.slaves)
      if (ws.stat(slave.path) && !ws.trimmed(slave.link.replace(/^\/+/, '')))
        link(ws, best, slave.link, slave.name, slave.path);
    ws.notes.push(
      `${best.package}: alternative ${name}: ${best.link} -> ${best.path} (priority ${best.priority}${choices.length > 1 ? ` of ${choices.length} choices` : ''})`,
    );
  }
}

function link(ws: EffectWorkspace, choice: Alternative, linkPath: string, name: string, target: string): void {
  const detail = `update-alternatives ${name}`;
  const existing = ws.lstat(linkPath);
  if (existing && existing.type !== 'symlink') {
    ws.notes.push(
      `${choice.package}: alternative ${name}: ${linkPath} is a ${existing.type} in the image, not replaced with a link`,
    );
    return;
  }
  ws.mkdir('/etc/alternatives', choice.package, detail, { parents: true });
  ws.put(`/etc/alternatives/${name}`, { type: 'symlink', target, mode: 0o777, uid: 0, gid: 0 }, choice.package, detail);
  ws.put(
    linkPath,
    { type: 'symlink', target: `/etc/alternatives/${name}`, mode: 0o777, uid: 0, gid: 0 },
    choice.package,
    detail,
  );
}
