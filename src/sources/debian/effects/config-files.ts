/**
 * The configuration files of a systemd-style `.d` directory, as systemd reads them: every `*.conf`
 * in /etc/NAME, /run/NAME, /usr/local/lib/NAME, /usr/lib/NAME and /lib/NAME, a file name found in
 * an earlier directory hiding the same name in later ones, in file-name order.
 */
import type { EffectWorkspace } from './workspace.js';
import { compareBytes } from '../../../byte-order.js';

const DIRS = ['etc', 'run', 'usr/local/lib', 'usr/lib', 'lib'];

export interface ConfigFile {
  path: string;
  text: string;
  /** The package that ships it ('spec' for a file of the spec). */
  package: string;
}

export function configFiles(ws: EffectWorkspace, name: string): ConfigFile[] {
  const byName = new Map<string, ConfigFile>();
  const all = [...ws.tree.unordered()]
    .filter((e) => e.path.includes(`${name}/`))
    .sort((a, b) => compareBytes(a.path, b.path));
  for (const dir of DIRS) {
    const prefix = `${dir}/${name}/`;
    for (const e of all) {
      if (!e.path.startsWith(prefix) || !e.path.endsWith('.conf') || e.path.slice(prefix.length).includes('/'))
        continue;
      const base = e.path.slice(prefix.length);
      if (byName.has(base)) continue;
      const text = ws.text(`/${e.path}`);
      if (text !== undefined) byName.set(base, { path: `/${e.path}`, text, package: e.origin.package ?? 'spec' });
    }
  }
  return [...byName.keys()].sort().map((k) => byName.get(k)!);
}
