/**
 * The NSS effect: glibc dlopen()s libnss_<service>.so.2 for each service /etc/nsswitch.conf names
 * (pith's says `compat` for passwd and group), so no ELF header leads to them. Debian's libc6 ships
 * files, compat and dns; a libc brought by `binaries:` comes from the host without them, and then
 * getpwuid(65532) finds nothing. This copies, from the directory the host libc came from, each
 * named module the host has (and the libraries it needs that the image lacks). Services the host
 * does not have either (nis, db) are left out: glibc skips an unavailable service.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseElf } from '../../../elf/parse.js';
import { nssServices } from '../../../tree/trim/rules.js';
import { imageLibc } from './locale.js';
import type { EffectWorkspace } from './workspace.js';

export function applyNss(ws: EffectWorkspace): void {
  const libc = imageLibc(ws);
  const real = libc ? ws.stat(`/${libc.path}`) : undefined;
  if (!real || real.type !== 'file' || real.source.kind !== 'host') return; // Debian's libc6 ships its modules
  const hostDir = dirname(real.source.path);
  const imageDir = dirname(real.path);
  const services = nssServices(ws.text('/etc/nsswitch.conf'));
  const origin = {
    kind: 'effect' as const,
    detail: `NSS module of the host libc (${hostDir}), named by /etc/nsswitch.conf`,
  };
  const added: string[] = [];
  const add = (soname: string, depth: number): void => {
    const imagePath = `${imageDir}/${soname}`;
    if (ws.stat(imagePath) || depth > 8) return;
    const host = join(hostDir, soname);
    if (!existsSync(host)) return;
    const file = realpathSync(host);
    const data = readFileSync(file);
    ws.tree.add(imagePath, {
      type: 'file',
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: statSync(file).size,
      source: { kind: 'host', path: file },
      origin,
    });
    added.push(soname);
    let needed: string[];
    try {
      needed = parseElf(data).needed;
    } catch {
      return;
    }
    for (const lib of needed) add(lib, depth + 1);
  };
  for (const service of services) add(`libnss_${service}.so.2`, 0);
  if (added.length) ws.notes.push(`nss: ${added.join(', ')} copied from the host libc's directory (${hostDir})`);
}
