/**
 * The maintainer-scripts effect: each package's preinst (`install`) and postinst (`configure`,
 * no previous version) interpreted as a fresh install would run them, dependencies before their
 * dependents as dpkg configures them, with debconf answering every question with its default.
 * The commands they run are emulated through commands/table.ts; what is not emulated is collected
 * per package for one warning line.
 */
import { applyAlternatives } from './commands/alternatives.js';
import { templateDefaults } from './debconf.js';
import { scriptHost } from './script-host.js';
import { runScript, ShellLimitError, ShellRuntimeError } from './shell/interpreter.js';
import { parseScript, ShellSyntaxError } from './shell/parser.js';
import type { EffectWorkspace } from './workspace.js';
import { compareBytes } from '../../../byte-order.js';

export interface PackageScripts {
  name: string;
  version: string;
  preinst?: string;
  postinst?: string;
  /** The control archive's debconf templates. */
  templates?: string;
  /** Names in Pre-Depends and Depends (every alternative), for the configure order. */
  depends: string[];
}

const SCRIPT_ARGS: Record<'preinst' | 'postinst', string[]> = { preinst: ['install'], postinst: ['configure', ''] };

export function runMaintainerScripts(ws: EffectWorkspace, packages: readonly PackageScripts[]): void {
  // Parsed on the first db_get only: tzdata's templates alone are large.
  let defaults: ReadonlyMap<string, string> | undefined;
  const debconf = {
    get: (question: string) =>
      (defaults ??= templateDefaults(packages.flatMap((p) => (p.templates ? [p.templates] : [])))).get(question),
  };
  const order = configureOrder(packages);
  for (const script of ['preinst', 'postinst'] as const) {
    for (const pkg of order) {
      const text = pkg[script];
      if (text !== undefined) runOne(ws, pkg, script, text, debconf);
    }
  }
  applyAlternatives(ws);
  for (const [path, pkg] of ws.removed) {
    if (ws.tree.get(path)?.origin.kind === 'package')
      ws.unsupportedBy(pkg, `a removal of /${path} (a later layer cannot remove another layer's file)`);
  }
}

function runOne(
  ws: EffectWorkspace,
  pkg: PackageScripts,
  script: 'preinst' | 'postinst',
  text: string,
  debconf: Pick<ReadonlyMap<string, string>, 'get'>,
): void {
  let parsed;
  try {
    parsed = parseScript(text);
  } catch (err) {
    if (!(err instanceof ShellSyntaxError)) throw err;
    ws.unsupportedBy(pkg.name, `its ${script}, which pith cannot read (${err.message})`);
    return;
  }
  const env = {
    DPKG_MAINTSCRIPT_PACKAGE: pkg.name,
    DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT: '1',
    DPKG_MAINTSCRIPT_NAME: script,
    DPKG_MAINTSCRIPT_ARCH: ws.arch,
    DPKG_MAINTSCRIPT_VERSION: pkg.version,
    DPKG_RUNNING_VERSION: '1.21.22',
    DPKG_ADMINDIR: '/var/lib/dpkg',
    DPKG_ROOT: '',
    DEBIAN_FRONTEND: 'noninteractive',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  };
  try {
    const { status } = runScript(parsed, scriptHost({ ws, pkg: pkg.name, script, debconf, env, depth: 0 }), {
      name: `/var/lib/dpkg/info/${pkg.name}.${script}`,
      args: SCRIPT_ARGS[script],
      env,
    });
    if (status !== 0) ws.unsupportedBy(pkg.name, `its ${script}, which exits with status ${status} as pith follows it`);
  } catch (err) {
    if (!(err instanceof ShellLimitError || err instanceof ShellRuntimeError)) throw err;
    ws.unsupportedBy(pkg.name, `its ${script}, which stops: ${err.message}`);
  }
}

/** Dependencies first (dpkg configures a package after what it depends on); cycles and ties by name. */
export function configureOrder<T extends { name: string; depends: string[] }>(packages: readonly T[]): T[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const done = new Set<string>();
  const out: T[] = [];
  const visiting = new Set<string>();
  const visit = (p: T) => {
    if (done.has(p.name) || visiting.has(p.name)) return;
    visiting.add(p.name);
    for (const dep of [...new Set(p.depends)].sort()) {
      const d = byName.get(dep);
      if (d) visit(d);
    }
    visiting.delete(p.name);
    done.add(p.name);
    out.push(p);
  };
  for (const p of [...packages].sort((a, b) => compareBytes(a.name, b.name))) visit(p);
  return out;
}
