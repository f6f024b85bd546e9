/**
 * The locale effect: glibc programs find C.UTF-8 only in /usr/lib/locale/C.utf8 (libc-bin, an
 * Essential package, ships it; nothing else does). When the image's environment names C.UTF-8
 * (LANG, LC_ALL or an LC_* variable), the image must hold it:
 *   - Debian's libc6: the resolution brings libc-bin (build/install-needs.ts), whose files are then
 *     in the image; if they are not (a lock made before), this says so;
 *   - a host libc brought by `binaries:`: the host's own C.utf8, which matches that libc, is copied;
 *   - no libc at all (static programs): nothing to do.
 * Another locale name cannot be made without running localedef: reported.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeEntry } from '../../../tree/entry.js';
import type { EffectWorkspace } from './workspace.js';
import { compareBytes } from '../../../byte-order.js';

export const C_UTF8_DIR = 'usr/lib/locale/C.utf8';
const HOST_C_UTF8 = '/usr/lib/locale/C.utf8';

/** Whether the environment names C.UTF-8 (any spelling glibc accepts: C.UTF-8, C.utf8). */
export function namesCUtf8(env: Readonly<Record<string, string>>): boolean {
  return localeVariables(env).some(([, v]) => isCUtf8(v));
}

function isCUtf8(value: string): boolean {
  return /^C\.utf-?8$/i.test(value);
}

function localeVariables(env: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(env).filter(
    ([k, v]) => (k === 'LANG' || k.startsWith('LC_')) && v !== '' && k !== 'LC_ALL_UNUSED',
  );
}

/** The libc.so.6 of the image, if any (Debian's or a host one). */
export function imageLibc(ws: EffectWorkspace): TreeEntry | undefined {
  const found = [...ws.tree.unordered()].filter((e) => /(^|\/)libc\.so\.6$/.test(e.path) && e.type !== 'dir');
  return found.sort((a, b) => compareBytes(a.path, b.path))[0];
}

export function applyLocale(ws: EffectWorkspace, env: Readonly<Record<string, string>>): void {
  for (const [name, value] of localeVariables(env)) {
    if (!isCUtf8(value) && value !== 'C' && value !== 'POSIX') {
      ws.unsupportedBy(
        'locale',
        `${name}=${value}: only C.UTF-8 (and C, POSIX) can be provided; use C.UTF-8 or add the locale's files under /usr/lib/locale`,
      );
    }
  }
  if (!namesCUtf8(env)) return;
  const libc = imageLibc(ws);
  if (!libc || ws.stat(C_UTF8_DIR)) return;
  const resolved = ws.stat(`/${libc.path}`) ?? libc;
  if (resolved.type === 'file' && resolved.source.kind === 'host') {
    copyHostLocale(ws);
    return;
  }
  ws.unsupportedBy(
    'libc-bin',
    `the environment names C.UTF-8 but /${C_UTF8_DIR} is not in the image; run pith lock so that libc-bin is resolved`,
  );
}

function copyHostLocale(ws: EffectWorkspace): void {
  if (!existsSync(HOST_C_UTF8)) {
    ws.unsupportedBy('locale', `the environment names C.UTF-8, but this host's libc has no ${HOST_C_UTF8} to copy`);
    return;
  }
  const origin = { kind: 'effect' as const, detail: `C.UTF-8 locale of the host libc (${HOST_C_UTF8})` };
  const walk = (hostDir: string, imageDir: string) => {
    ws.tree.add(imageDir, { type: 'dir', mode: 0o755, uid: 0, gid: 0, origin });
    for (const name of readdirSync(hostDir).sort()) {
      const host = join(hostDir, name);
      const info = statSync(host);
      if (info.isDirectory()) walk(host, `${imageDir}/${name}`);
      else if (info.isFile())
        ws.tree.add(`${imageDir}/${name}`, {
          type: 'file',
          mode: 0o644,
          uid: 0,
          gid: 0,
          size: info.size,
          source: { kind: 'host', path: host },
          origin,
        });
    }
  };
  walk(HOST_C_UTF8, C_UTF8_DIR);
  ws.notes.push(`locale: C.UTF-8 copied from this host's libc (${HOST_C_UTF8}), which binaries: brings`);
}
