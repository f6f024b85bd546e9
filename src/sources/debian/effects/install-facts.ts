/**
 * Install facts per .deb (tree/effects/package-facts.ts), cached under `<cache>/install-facts/`
 * by the .deb's sha256 as checksummed JSON, so install effects and install needs cost no .deb read
 * on a warm build. A missing or corrupt entry costs one read of the (verified) .deb.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { mapLimit } from '../../../concurrency.js';
import type { DebContents } from '../deb/deb-reader.js';
import { fetchDebs } from '../archive/download.js';
import { readCheckedJson, writeCheckedJson } from '../../../store/checked-json.js';
import { extractFacts, FACTS_FORMAT, type InstallFacts } from './package-facts.js';
import { contentKey } from './view.js';
import type { DeferredContent } from './workspace.js';

/** What fetching a .deb needs (a located lockfile entry has it). */
export interface FactsPackage {
  name: string;
  version: string;
  sha256: string;
  /** The archive root its filename is relative to. */
  baseUrl: string;
  filename: string;
  size: number;
}

/** With a wanted file, a package's files up to this size are kept too (scripts read their neighbours). */
const SMALL_FILE = 64 * 1024;

const factsPath = (cacheDir: string, sha256: string) => join(cacheDir, 'install-facts', `${sha256}.json`);

/** Facts this process has read or written, by cache and .deb: a .deb read again need not be described again. */
const known = new Set<string>();
const knownKey = (cacheDir: string, sha256: string) => `${cacheDir}\0${sha256}`;

/** Remembers the facts of a .deb read for another reason (its layer), unless they are known already. */
export async function rememberInstallFacts(cacheDir: string, sha256: string, deb: DebContents): Promise<void> {
  if (known.has(knownKey(cacheDir, sha256))) return;
  await writeCheckedJson(factsPath(cacheDir, sha256), extractFacts(deb));
  known.add(knownKey(cacheDir, sha256));
}

/** sha256 -> facts, for every package; missing ones are read from their .debs (fetched if needed). */
export async function installFacts(
  packages: readonly FactsPackage[],
  options: { cacheDir: string; log?: (m: string) => void },
): Promise<Map<string, InstallFacts>> {
  const out = new Map<string, InstallFacts>();
  await Promise.all(
    packages.map(async (p) => {
      const cached = (await readCheckedJson(factsPath(options.cacheDir, p.sha256))) as InstallFacts | undefined;
      if (cached?.format === FACTS_FORMAT && Array.isArray(cached.files)) {
        out.set(p.sha256, cached);
        known.add(knownKey(options.cacheDir, p.sha256));
      }
    }),
  );
  const missing = packages.filter((p) => !out.has(p.sha256));
  if (missing.length === 0) return out;
  await eachDeb(missing, options, async (p, deb) => {
    const facts = extractFacts(deb);
    await writeCheckedJson(factsPath(options.cacheDir, p.sha256), facts);
    known.add(knownKey(options.cacheDir, p.sha256));
    out.set(p.sha256, facts);
  });
  return out;
}

/** The bytes of package files effects asked for (held back from the facts as too many or too big). */
export async function loadContents(
  packages: readonly FactsPackage[],
  wanted: Iterable<DeferredContent>,
  options: { cacheDir: string; log?: (m: string) => void },
): Promise<Map<string, Uint8Array>> {
  const byPackage = new Map<string, Set<string>>();
  for (const w of wanted) byPackage.set(w.package, (byPackage.get(w.package) ?? new Set()).add(w.debPath));
  const out = new Map<string, Uint8Array>();
  await eachDeb(
    packages.filter((p) => byPackage.has(p.name)),
    options,
    async (p, deb) => {
      const paths = byPackage.get(p.name)!;
      for (const f of deb.files) {
        if (f.data && (paths.has(f.path) || f.data.byteLength <= SMALL_FILE))
          out.set(contentKey(p.name, f.path), f.data);
      }
    },
  );
  return out;
}

async function eachDeb(
  packages: readonly FactsPackage[],
  options: { cacheDir: string; log?: (m: string) => void },
  fn: (p: FactsPackage, deb: DebContents) => Promise<void>,
): Promise<void> {
  const paths = await fetchDebs(packages, { cacheDir: options.cacheDir, ...(options.log ? { log: options.log } : {}) });
  const { readDeb } = await import('../deb/deb-reader.js');
  await mapLimit(packages, Math.max(2, availableParallelism()), async (p) =>
    fn(p, await readDeb(paths.get(p.sha256.toLowerCase())!, { packageName: p.name })),
  );
}
