/**
 * The Debian packages an image says it holds: distroless' `var/lib/dpkg/status.d/<name>` (one
 * control paragraph each, with `<name>.md5sums` beside it) and the classic
 * `var/lib/dpkg/status` + `var/lib/dpkg/info/<name>[:arch].md5sums`.
 */
import { byKey, compareBytes } from '../byte-order.js';
import type { LayerEntry } from './walk.js';

export const STATUS_D = 'var/lib/dpkg/status.d';
export const STATUS_FILE = 'var/lib/dpkg/status';
export const INFO_DIR = 'var/lib/dpkg/info';

export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
  /** The source package (without its version), the name when the control file gives none. */
  source: string;
  /** Layer index of the package's status entry. */
  layer: number;
  /** The paths its md5sums list that are present in the image. */
  files: string[];
  /** Sum of those files' sizes. */
  size: number;
}

/** Whether the walker must keep a path's content to read the package database or os-release. */
export function isMetadataPath(path: string): boolean {
  return (
    path.startsWith(`${STATUS_D}/`) ||
    path === STATUS_FILE ||
    (path.startsWith(`${INFO_DIR}/`) && path.endsWith('.md5sums')) ||
    path === 'etc/os-release' ||
    path === 'usr/lib/os-release'
  );
}

/** The fields of each paragraph of a deb822 text (first line of multi-line values). */
export function parseParagraphs(text: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  let current: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (Object.keys(current).length) out.push(current);
      current = {};
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t') || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) current[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (Object.keys(current).length) out.push(current);
  return out;
}

/** The paths an md5sums text names, relative to the root. */
export function md5sumsPaths(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^[0-9a-fA-F]{32} [ *](.+)$/.exec(line);
    if (m) out.push(m[1]!.replace(/^(\.\/|\/)+/, ''));
  }
  return out;
}

function fromParagraph(p: Record<string, string>, layer: number): Omit<InstalledPackage, 'files' | 'size'> | undefined {
  const name = p['package'];
  if (!name) return undefined;
  // A classic status file lists removed packages too: keep what is installed.
  const status = p['status'];
  if (status !== undefined && !/\binstalled$/.test(status)) return undefined;
  return {
    name,
    version: p['version'] ?? '',
    architecture: p['architecture'] ?? '',
    source: (p['source'] ?? name).split(' ')[0]!,
    layer,
  };
}

/** Reads the package database out of a merged filesystem; packages sorted by name. */
export function readPackages(fs: Map<string, LayerEntry>): InstalledPackage[] {
  const found = new Map<string, { pkg: Omit<InstalledPackage, 'files' | 'size'>; md5?: LayerEntry }>();
  for (const e of fs.values()) {
    if (e.type !== 'file' || !e.data || !e.path.startsWith(`${STATUS_D}/`)) continue;
    const base = e.path.slice(STATUS_D.length + 1);
    if (base.includes('/') || base.endsWith('.md5sums')) continue;
    for (const p of parseParagraphs(e.data.toString('utf8'))) {
      const pkg = fromParagraph(p, e.layer);
      if (pkg)
        found.set(pkg.name, {
          pkg,
          ...(fs.get(`${STATUS_D}/${base}.md5sums`) ? { md5: fs.get(`${STATUS_D}/${base}.md5sums`)! } : {}),
        });
    }
  }
  const status = fs.get(STATUS_FILE);
  if (status?.data) {
    for (const p of parseParagraphs(status.data.toString('utf8'))) {
      const pkg = fromParagraph(p, status.layer);
      if (!pkg || found.has(pkg.name)) continue;
      const md5 =
        fs.get(`${INFO_DIR}/${pkg.name}.md5sums`) ?? fs.get(`${INFO_DIR}/${pkg.name}:${pkg.architecture}.md5sums`);
      // The package's layer: where its md5sums are, the status file being shared by all.
      found.set(pkg.name, { pkg: md5 ? { ...pkg, layer: md5.layer } : pkg, ...(md5 ? { md5 } : {}) });
    }
  }
  return [...found.values()]
    .map(({ pkg, md5 }) => {
      const files = md5?.data
        ? md5sumsPaths(md5.data.toString('utf8'))
            .filter((p) => fs.has(p))
            .sort(compareBytes)
        : [];
      return { ...pkg, files, size: files.reduce((n, p) => n + (fs.get(p)?.size ?? 0), 0) };
    })
    .sort(byKey((p) => p.name));
}

/** path -> owning package name, including each package's own database files. */
export function ownership(packages: InstalledPackage[]): Map<string, string> {
  const owner = new Map<string, string>();
  for (const p of packages) {
    for (const f of p.files) if (!owner.has(f)) owner.set(f, p.name);
    for (const f of [
      `${STATUS_D}/${p.name}`,
      `${STATUS_D}/${p.name}.md5sums`,
      `${INFO_DIR}/${p.name}.md5sums`,
      `${INFO_DIR}/${p.name}:${p.architecture}.md5sums`,
    ])
      owner.set(f, p.name);
  }
  return owner;
}
