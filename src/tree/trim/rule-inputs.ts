/**
 * Readers of the image files the trim rules (rules.ts) look at: nsswitch.conf, gconv-modules,
 * passwd, and the dpkg control files under var/lib/dpkg/status.d. Pure text in, sorted lists out.
 */
import { controlField } from './dpkg-database.js';

/**
 * The NSS services an nsswitch.conf names (`database: service [STATUS=action] service ...`), plus
 * `files`, glibc's default for a database the file leaves out. Without a file glibc uses files
 * and dns (nss/nsswitch.c). Sorted, deduplicated.
 */
export function nssServices(text: string | undefined): string[] {
  if (text === undefined) return ['dns', 'files'];
  const services = new Set<string>(['files']);
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '');
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    for (const word of line
      .slice(colon + 1)
      .replace(/\[[^\]]*\]/g, ' ')
      .split(/\s+/)) {
      if (/^[A-Za-z0-9_-]+$/.test(word)) services.add(word);
    }
  }
  return [...services].sort();
}

/**
 * The module files a gconv-modules file names: `module FROM TO FILE [COST]` lines, FILE relative to
 * the gconv directory and without `.so` (glibc's gconv_conf.c). Sorted, deduplicated.
 */
export function gconvModuleFiles(text: string): string[] {
  const files = new Set<string>();
  for (const raw of text.split('\n')) {
    const words = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (words[0] !== 'module' || words.length < 4) continue;
    const file = words[3]!;
    if (/^[A-Za-z0-9_.+-]+$/.test(file) && !file.startsWith('.')) files.add(file);
  }
  return [...files].sort();
}

/** The home directories of a passwd file (6th field), absolute, other than `/` and /nonexistent. Sorted. */
export function passwdHomes(text: string | undefined): string[] {
  const homes = new Set<string>();
  for (const line of (text ?? '').split('\n')) {
    const home = line.split(':')[5];
    if (home && home.startsWith('/') && home !== '/' && !home.startsWith('/nonexistent')) homes.add(home);
  }
  return [...homes].sort();
}

/** A control file's source package: `Source: name (version)` names it, else the package is its own source. */
export function sourceOf(control: string, packageName: string): string {
  return controlField(control, 'Source')?.split(/\s/)[0] || packageName;
}

/**
 * Every package a control file's Depends and Pre-Depends name, in any alternative, without
 * version relations or `:arch` qualifiers. Sorted, deduplicated.
 */
export function dependencyNames(control: string): string[] {
  const names = new Set<string>();
  for (const field of ['Pre-Depends', 'Depends']) {
    for (const alternative of (controlField(control, field) ?? '').split(/[,|]/)) {
      const name = alternative.trim().split(/[\s(:[]/)[0];
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * `packages` and, transitively, the packages of the same source package they depend on (nginx ->
 * nginx-common, whose /etc/nginx/nginx.conf nginx reads). `control` gives a package's control
 * text, or undefined when it is not installed.
 */
export async function withSameSourceDependencies(
  packages: Iterable<string>,
  control: (name: string) => Promise<string | undefined>,
): Promise<Set<string>> {
  const out = new Set<string>(packages);
  const queue = [...out];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const text = await control(name);
    if (text === undefined) continue;
    const source = sourceOf(text, name);
    for (const dep of dependencyNames(text)) {
      if (out.has(dep)) continue;
      const depText = await control(dep);
      if (depText !== undefined && sourceOf(depText, dep) === source) {
        out.add(dep);
        queue.push(dep);
      }
    }
  }
  return out;
}
