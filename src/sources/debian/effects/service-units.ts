/**
 * What systemd prepares when it starts a package's service, which a container never runs:
 * for each `*.service` unit in lib/systemd/system (templates aside), the directories its
 * RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and ConfigurationDirectory=
 * name (under /run, /var/lib, /var/cache, /var/log and /etc; owned by its User= and Group= but
 * the configuration one; mode from *DirectoryMode=, 0755 otherwise), and the ExecStartPre= lines
 * that only make directories, owners and modes (mosquitto's `mkdir -m 740 -p /run/mosquitto`,
 * `chown mosquitto /run/mosquitto`), run through the same commands as maintainer scripts.
 * Other ExecStartPre= lines (nginx -t, a configuration check) belong to the service's start and
 * are left to it.
 */
import { splitFields } from './sysusers.js';
import { scriptHost } from './script-host.js';
import type { EffectWorkspace } from './workspace.js';
import { compareBytes } from '../../../byte-order.js';

const DIRECTORY_KEYS: Array<[key: string, base: string, owned: boolean]> = [
  ['RuntimeDirectory', '/run', true],
  ['StateDirectory', '/var/lib', true],
  ['CacheDirectory', '/var/cache', true],
  ['LogsDirectory', '/var/log', true],
  ['ConfigurationDirectory', '/etc', false],
];
/** ExecStartPre= commands that only prepare the filesystem. */
const PREPARING = new Set(['mkdir', 'chown', 'chgrp', 'chmod', 'install', 'ln', 'touch']);
const SPECIFIERS: Record<string, string> = {
  t: '/run',
  S: '/var/lib',
  C: '/var/cache',
  L: '/var/log',
  E: '/etc',
  '%': '%',
};

/** The [Service] section's settings, each key with all its values in order. */
export function serviceSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (section !== 'Service' || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return out;
}

export function applyServiceUnits(ws: EffectWorkspace): void {
  const units = [...ws.tree.unordered()].filter(
    (e) =>
      e.type === 'file' &&
      e.origin.kind === 'package' &&
      /^(usr\/)?lib\/systemd\/system\/[^/@]+\.service$/.test(e.path),
  );
  for (const unit of units.sort((a, b) => compareBytes(a.path, b.path))) {
    const text = ws.text(`/${unit.path}`);
    if (text === undefined) continue;
    const pkg = unit.origin.package!;
    const name = unit.path.slice(unit.path.lastIndexOf('/') + 1);
    const settings = serviceSettings(text);
    const last = (key: string) => settings.get(key)?.at(-1);
    const uid = last('User') ? ws.accounts.user(last('User')!, pkg)?.uid : 0;
    const gid = last('Group')
      ? ws.accounts.group(last('Group')!, pkg)?.gid
      : last('User')
        ? ws.accounts.user(last('User')!, pkg)?.gid
        : 0;
    if (uid === undefined || gid === undefined) {
      ws.unsupportedBy(
        pkg,
        `${name}: User=/Group= ${last('User') ?? ''}:${last('Group') ?? ''}, which no account of the image is`,
      );
      continue;
    }
    for (const [key, base, owned] of DIRECTORY_KEYS) {
      const mode = Number.parseInt(last(`${key}Mode`) ?? '0755', 8);
      for (const dir of (settings.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean)) {
        const path = `${base}/${dir.replace(/^\/+/, '')}`;
        const detail = `${name}: ${key}=${dir}`;
        if (ws.stat(path)) ws.change(path, owned ? { uid, gid, mode } : { mode }, pkg, detail);
        else ws.mkdir(path, pkg, detail, { parents: true, mode, ...(owned ? { uid, gid } : {}) });
      }
    }
    const host = scriptHost({ ws, pkg, script: `${name} ExecStartPre`, debconf: new Map(), env: {}, depth: 0 });
    for (const value of settings.get('ExecStartPre') ?? []) {
      const argv = splitFields(value.replace(/^[-@:+!]+/, ''));
      if (!argv?.length || argv.some((a) => a.includes('$'))) continue;
      const expanded = argv.map((a) => a.replace(/%(.)/g, (m, c: string) => SPECIFIERS[c] ?? m));
      const command = expanded[0]!.slice(expanded[0]!.lastIndexOf('/') + 1);
      if (!PREPARING.has(command) || expanded.some((a) => /%./.test(a))) continue;
      host.command([command, ...expanded.slice(1)], { stdin: () => '', cwd: '/', line: 0 });
    }
  }
}
