/**
 * Packages an image already holds (a base image's dpkg database, or its SBOM), as the solver
 * sees them: present, at one version, never replaced. Only what satisfying a relation needs is
 * kept (name, version, architecture, Multi-Arch, Provides); their own dependencies are the base's
 * business, as they are on an installed Debian system.
 */
import { PithError } from '../../../errors.js';
import { iterateDeb822 } from '../archive/deb822.js';
import type { MultiArch } from '../archive/packages-index.js';
import { parseProvides, type Relation } from './relations.js';

export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
  multiArch?: MultiArch;
  /** Empty when unknown (a package read from an SBOM). */
  provides: Relation[];
  /** Source package name (the package's own name when the control file has no Source). */
  source: string;
}

const MULTI_ARCH = new Set(['same', 'foreign', 'allowed', 'no']);

/**
 * The installed packages of a dpkg control text: one paragraph (status.d/<name>, as distroless
 * and pith write it, without a Status line: scanners take that as installed) or many
 * (var/lib/dpkg/status, where removed and half-installed packages are skipped).
 */
export function installedFromControl(text: string, where: string, arch: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  for (const p of iterateDeb822(text, { source: where })) {
    const name = p.get('Package');
    const version = p.get('Version');
    if (!name || !version)
      throw new PithError('input', `${where}:${p.line}: a package paragraph without Package and Version`);
    const status = p.get('Status');
    if (status !== undefined && status.split(/\s+/)[2] !== 'installed') continue;
    const multiArch = p.get('Multi-Arch');
    out.push({
      name,
      version,
      architecture: p.get('Architecture') ?? arch,
      ...(multiArch && MULTI_ARCH.has(multiArch) ? { multiArch: multiArch as MultiArch } : {}),
      provides: parseProvides(p.get('Provides'), { arch, where: `${where} (${name}) Provides` }),
      source: (p.get('Source') ?? name).split(/\s/)[0]!,
    });
  }
  return out;
}

/**
 * What the solver looks installed packages up by: package name, and provided (virtual) name.
 * Packages of another architecture count only when they are Multi-Arch: foreign (they satisfy
 * dependencies of any architecture, as dpkg has it).
 */
export class InstalledSet {
  private readonly byName = new Map<string, InstalledPackage>();
  private readonly byProvided = new Map<string, Array<{ pkg: InstalledPackage; provided: Relation }>>();

  constructor(packages: readonly InstalledPackage[], arch: string) {
    for (const pkg of packages) {
      if (pkg.architecture !== arch && pkg.architecture !== 'all' && pkg.multiArch !== 'foreign') continue;
      this.byName.set(pkg.name, pkg);
      for (const provided of pkg.provides) {
        const list = this.byProvided.get(provided.name) ?? [];
        list.push({ pkg, provided });
        this.byProvided.set(provided.name, list);
      }
    }
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): InstalledPackage | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  providers(name: string): ReadonlyArray<{ pkg: InstalledPackage; provided: Relation }> {
    return this.byProvided.get(name) ?? [];
  }
}
