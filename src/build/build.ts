import { access, constants, readlink, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { buildError, specError, usageError } from '../errors.js';
import { appendLayers, emptyImage, isoTime, setAnnotations, setConfig, setCreated } from '../image/mutate.js';
import type { Digest } from '../image/digest.js';
import { hostArch, platformFor } from '../image/platform.js';
import { writeLayer } from '../layers/layer.js';
import type { Compression } from '../layers/compression/codecs.js';
import { DEFAULT_LAYER_RULES, planLayers } from '../layers/plan.js';
import { sinks } from '../transports/sinks.js';
import { storeImageSet } from '../transports/store-images.js';
import type { Image, ImageArtifact } from '../image/image.js';
import type { Layer } from '../image/layer.js';
import { imageSummary, type ImageSummary } from './summary.js';
import type { LoadedSpec } from '../spec/load.js';
import { BlobStore } from '../store/blob-store.js';
import { defaultCacheDir } from '../store/cache-dir.js';
import { sweepOnce } from '../store/stale-temp.js';
import { collectGarbageIfLarge } from './collect-garbage.js';
import { resolveAccounts } from '../tree/files/accounts.js';
import { containerConfig } from './image-config.js';
import { imageTree } from './image-tree.js';
import { closureRoots } from './closure-roots.js';
import { debianSelection } from './debian-selection.js';
import { lockedPackages } from './debian-lock.js';
import { baseLoader } from './base-loader.js';
import { mergedUsrOf, packageLayers } from './package-layers.js';
import { installedImage, type InstalledImage } from './install-effects.js';
import type { SbomFile } from '../sbom/model.js';
import { imageSboms, treeFiles, writeSbomFiles, type ImageSboms } from './sbom.js';
import { builtLayer } from './built-layer.js';
import { locateLockedDebs, writeLockfile, type Lockfile } from '../resolve/lockfile.js';
import { debianIdentity, PITH_IDENTITY } from '../tree/files/os-release.js';


export interface BuildOptions {
  /** Where to write the result; omit to only build into the cache. */
  output?: { format: string; path: string };
  /** Cache root (default: $PITH_CACHE_DIR, $XDG_CACHE_HOME/pith, ~/.cache/pith). */
  cacheDir?: string;
  /** Environment for SOURCE_DATE_EPOCH (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Progress messages, one line each. */
  log?: (message: string) => void;
  /** Use the lockfile as it is; never resolve packages again. */
  frozen?: boolean;
  /** Allow plain HTTP (or unverified TLS) to the base image's registry. */
  insecure?: boolean;
  /** SPDX and CycloneDX SBOMs: computed, and written beside a file output. Default: true. */
  sbom?: boolean;
  /** Overrides the spec's `compression` (the CLI's --compression). */
  compression?: Compression;
  /** Receives why each file is kept and what was dropped and why, per package (any trim mode). */
  explain?: (text: string) => void;
  /** Warnings (what install effects could not emulate), one line each; default: log. */
  warn?: (message: string) => void;
  /** Make those warnings an error. */
  strict?: boolean;
}

export type { LayerSummary } from './summary.js';

export interface BuildResult {
  /** The digest of the manifest (one platform) or of the index (several). */
  digest: Digest;
  mediaType: string;
  artifact: ImageArtifact;
  /** What --json reports of each image, derived from the artifact's images. */
  images: ImageSummary[];
  created: string;
  output?: { format: string; path: string };
  /** One pair of SBOM documents per platform image (when options.sbom is not false). */
  sboms?: ImageSboms[];
  /** Where the SBOMs were written. */
  sbomFiles?: string[];
}

/** The build epoch: the spec's `created`, else SOURCE_DATE_EPOCH, else 0 (1970-01-01). */
export function buildEpoch(spec: LoadedSpec['spec'], env: NodeJS.ProcessEnv): number {
  if (spec.created !== undefined) return spec.created;
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== '') {
    if (!/^\d+$/.test(sde)) throw usageError(`SOURCE_DATE_EPOCH must be a whole number of seconds, not "${sde}"`);
    return Number(sde);
  }
  return 0;
}

/** spec -> resolve -> tree -> layers -> image -> sink: the one place the stages meet. */
export async function build(loaded: LoadedSpec, options: BuildOptions = {}): Promise<BuildResult> {
  const { spec } = loaded;
  const log = options.log ?? (() => undefined);
  const sink = options.output ? sinks.get(options.output.format) : undefined;
  if (options.output && !sink) {
    throw usageError(`unknown output format "${options.output.format}" (use one of: ${[...sinks.keys()].join(', ')})`);
  }
  if (options.output) await checkOutputWritable(options.output.path);

  const created = buildEpoch(spec, options.env ?? process.env);
  const compression = options.compression ?? spec.compression;
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  const store = new BlobStore(join(cacheDir, 'blobs'));
  // What killed runs left behind (temporaries, unpack spools) goes before this run adds its own.
  await sweepOnce(cacheDir);
  const accounts = resolveAccounts(spec.accounts);
  const archs = spec.archs ?? [hostArch()];
  const debian = await debianSelection(loaded, options.env ?? process.env);
  // On a base image pith writes no accounts or system files unless the spec asks (they would
  // shadow the base's /etc/passwd).
  const systemFiles = !spec.base || loaded.written('accounts');
  const annotations: Record<string, string> = { ...spec.annotations, 'org.opencontainers.image.created': isoTime(created) };
  const baseRef = spec.base?.startsWith('oci:') ? `oci:${resolveLayoutArg(spec.base.slice(4), loaded.dir)}` : spec.base;
  if (spec.base) annotations['org.opencontainers.image.base.name'] = spec.base;
  const clientOptions = { env: options.env ?? process.env, ...(options.insecure ? { insecure: true } : {}) };
  const bases = spec.base && baseRef ? baseLoader(spec.base, baseRef, { ...clientOptions, store, cacheDir, log }) : undefined;
  const locked = debian
    ? await lockedPackages(loaded, debian, archs, { cacheDir, frozen: options.frozen ?? false, deferWrite: true, log, ...(bases ? { base: bases } : {}) })
    : undefined;
  // The indexes read to resolve are garbage now: free them before the layers take memory.
  if (locked) collectGarbageIfLarge();

  const sboms: ImageSboms[] = [];
  const built: Image[] = [];
  for (const arch of archs) {
    const platform = platformFor(arch);
    // From a lock, the base image it pins; else what the reference names now.
    const loadedBase = bases ? await bases.load(arch, locked?.lock.inputs.base?.digest as Digest | undefined) : undefined;
    const base = loadedBase?.image;
    const imageAnnotations = base ? { ...annotations, 'org.opencontainers.image.base.digest': base.digest } : annotations;
    const layers: Layer[] = [];
    const addLayer = (layer: Layer) => layers.push(layer);
    const baseHistory = base?.config.history.filter((h) => !h.empty_layer) ?? [];
    for (const [i, layer] of (base?.layers ?? []).entries()) {
      addLayer({ ...layer, createdBy: baseHistory[i]?.created_by ?? `base ${base!.name}`, comment: `from ${base!.name}`, name: `base: ${i}` });
    }
    const packages = locked?.lock.packages[arch];
    if (locked && !packages) throw buildError(`${locked.path} has no packages for ${arch} (run pith lock)`);
    // Any configured mirror of the locked suites serves the .debs; their hashes come from the lock.
    const located = packages && debian ? locateLockedDebs(packages, debian.repos) : undefined;
    const closure = spec.trim === 'closure';
    const fromPackages =
      located && !closure
        ? await packageLayers(located, {
            cacheDir, store, trimDocs: spec.trim === 'docs', mtime: created, compression, log: (m) => log(`${arch}: ${m}`),
            ...(loadedBase ? { mergedUsr: loadedBase.inventory.mergedUsr } : {}),
          })
        : undefined;
    for (const layer of fromPackages?.layers ?? []) addLayer(layer);
    const os = !debian ? PITH_IDENTITY : packages?.some((p) => p.name === 'base-files') ? null : debianIdentity(debian.codename);
    const ownLinks = fromPackages?.mergedUsr ?? (located ? await mergedUsrOf(located, cacheDir, log) : []);
    // Files placed on a base go through the base's own /bin -> usr/bin links, never over them.
    const mergedUsr = ownLinks.length ? ownLinks : (loadedBase?.inventory.mergedUsr ?? []);
    // Install effects settle the accounts first, so the spec's user: and owners can name them.
    const installed = await installedImage(
      located ?? [],
      async (withEffects, effectUsers) => ({
        config: containerConfig(spec, systemFiles ? withEffects : undefined, loaded.where, debian?.defaults, base?.config.config),
        tree: await imageTree(loaded, arch, withEffects, { os, mergedUsr, busybox: debian?.busybox ?? false, systemFiles, effectUsers }),
      }),
      {
        cacheDir, log: (m) => log(`${arch}: ${m}`), trimDocs: spec.trim !== 'none', mergedUsr, accounts, arch, created,
        ...(base ? { base: async () => (await import('./base-tree.js')).baseTreeEntries(base, store) } : {}),
      },
    );
    reportEffects(installed, { arch, systemFiles, log, warn: options.warn ?? log, strict: options.strict ?? false });
    // On a base image the entrypoint may well be the base's: nothing to check it against.
    if (!base && installed.rootProblems.length > 0) throw buildError(`${arch}: ${installed.rootProblems[0]}`, { where: loaded.where([spec.entrypoint ? 'entrypoint' : 'cmd']) });
    const { config, tree } = installed;
    let facts = fromPackages?.facts;
    let files: SbomFile[] | undefined;
    /** With trim: closure, the packages that still contribute a file: only these are in the SBOM. */
    let contributing: Set<string> | undefined;
    if (closure) {
      // trim: closure: packages and the spec's files in one tree, trimmed to what the roots reach.
      const { closureImage } = await import('./closure-layers.js');
      const { roots, path, named } = closureRoots(config);
      if (roots.length === 0 && spec.keep.length === 0) {
        throw specError('trim: closure needs an entrypoint, a cmd or keep: paths to start from', { where: loaded.where(['trim']) });
      }
      const ldPath = config.Env?.find((e) => e.startsWith('LD_LIBRARY_PATH='))?.slice('LD_LIBRARY_PATH='.length);
      const image = await closureImage(located ?? [], tree, {
        cacheDir, store, mtime: created, compression, roots, path, named, keep: spec.keep,
        ...(ldPath ? { libraryPath: ldPath.split(':').filter(Boolean) } : {}),
        ...(base ? { base: { diffIds: base.layers.map((l) => l.diffId), entries: async () => (await import('./base-tree.js')).baseTreeEntries(base, store) } } : {}),
        log: (m) => log(`${arch}: ${m}`),
      });
      options.explain?.(`${arch}:\n${image.explanation}`);
      for (const layer of image.layers) addLayer(layer);
      files = image.files;
      facts = image.facts;
      contributing = new Set(image.packages);
    } else {
      if (options.explain) {
        const { explainUntrimmed } = await import('./explain-untrimmed.js');
        options.explain(`${arch}:\n${await explainUntrimmed(located ?? [], tree, { cacheDir, trimDocs: spec.trim === 'docs', log: (m) => log(`${arch}: ${m}`) })}`);
      }
      // Package-owned entries in the tree (the merged-/usr links) are already in package layers.
      const rules = [{ name: 'from-packages', createdBy: '', match: (e: { origin: { kind: string } }) => e.origin.kind === 'package' }, ...DEFAULT_LAYER_RULES];
      for (const plan of planLayers(tree, rules).filter((p) => p.name !== 'from-packages')) {
        const blob = await writeLayer(plan.entries, store, { mtime: created, compression });
        addLayer(builtLayer(blob, plan.name, plan.createdBy, plan.entries.length, store));
        log(`${arch}: layer ${plan.name}: ${plan.entries.length} entries, ${blob.size} bytes`);
      }
    }
    const image = setAnnotations(setCreated(appendLayers(setConfig(emptyImage(platform), config), layers), isoTime(created)), imageAnnotations);
    if (options.sbom !== false) {
      sboms.push(
        imageSboms({
          name: spec.name,
          tag: spec.tag,
          digest: image.digest,
          platform,
          created: isoTime(created),
          ...(debian ? { codename: debian.codename } : {}),
          packages: (packages ?? []).filter((p) => !contributing || contributing.has(p.name)).map((locked) => ({ locked, facts: facts?.get(locked.name) })),
          ...(loadedBase ? { base: { name: `${loadedBase.image.name}@${loadedBase.image.digest}`, packages: loadedBase.inventory.packages } } : {}),
          files: files ?? (await treeFiles(tree)),
        }),
      );
    }
    built.push(image);
  }

  // The images (and an index over several) into the store: what any output medium writes.
  const artifact: ImageArtifact = await storeImageSet({ name: spec.name, tag: spec.tag, images: built, annotations, store });
  const { root } = artifact;
  let sbomFiles: string[] | undefined;
  if (sink && options.output) {
    await sink.write(artifact, resolve(options.output.path));
    log(`wrote ${options.output.format} to ${options.output.path}`);
    if (sboms.length) {
      sbomFiles = await writeSbomFiles(resolve(options.output.path), sboms);
      log(`wrote ${sbomFiles.join(', ')}`);
    }
  }
  // Only a build whose packages were all fetched and checked pins them.
  if (locked?.changed) {
    await writeLockfile(locked.path, locked.lock);
    log(`wrote ${locked.path}`);
  }
  return {
    digest: root.digest,
    mediaType: root.mediaType,
    artifact,
    images: artifact.images.map(imageSummary),
    created: isoTime(created),
    ...(options.output ? { output: options.output } : {}),
    ...(sboms.length ? { sboms } : {}),
    ...(sbomFiles ? { sbomFiles } : {}),
  };
}

/** Notes to the log, warnings to `warn` (or, with strict, an error after all of them are printed). */
function reportEffects(
  installed: InstalledImage,
  options: { arch: string; systemFiles: boolean; log: (m: string) => void; warn: (m: string) => void; strict: boolean },
): void {
  for (const note of installed.notes) options.log(`${options.arch}: effects: ${note}`);
  const warnings = [...installed.warnings];
  if (!options.systemFiles && installed.effectUsers.size > 0) {
    warnings.push(`accounts ${[...installed.effectUsers].sort().join(', ')} are not written on a base image: add them under accounts: (users and groups) in the spec`);
  }
  for (const w of warnings) options.warn(`${options.arch}: ${w}`);
  if (options.strict && warnings.length > 0) {
    throw buildError(`--strict: ${options.arch}: ${warnings[0]}${warnings.length > 1 ? ` (and ${warnings.length - 1} more above)` : ''}`, { hint: 'or build without --strict' });
  }
}

/** Fail before building, not after, when the output can't be written. */
async function checkOutputWritable(path: string): Promise<void> {
  // The output is replaced by a rename, which would replace the link itself (or fail, for a layout
  // directory): say so before building rather than fail or surprise after.
  const link = await readlink(path).catch(() => undefined);
  if (link !== undefined) {
    throw buildError(`cannot write ${path}: it is a symbolic link (to ${link}), and pith does not write outputs through links`, {
      hint: `pass the path it points to with -o, or remove the link`,
    });
  }
  const parent = dirname(resolve(path));
  try {
    const info = await stat(parent);
    if (!info.isDirectory()) throw buildError(`cannot write ${path}: ${parent} is not a directory`);
    await access(parent, constants.W_OK);
  } catch (err) {
    if (err instanceof Error && err.name === 'PithError') throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw buildError(`cannot write ${path}: ${code === 'ENOENT' ? `directory ${parent} does not exist` : `${parent} is not writable`}`, {
      hint: 'create the directory or choose another -o',
    });
  }
}

/** Resolve the spec's packages again and write its lockfile (pith lock). */
export async function lockSpec(
  loaded: LoadedSpec,
  options: { cacheDir?: string; env?: NodeJS.ProcessEnv; log?: (m: string) => void; insecure?: boolean } = {},
): Promise<{ lock: Lockfile; path: string }> {
  const debian = await debianSelection(loaded, options.env ?? process.env);
  if (!debian) throw usageError(`${loaded.file} uses no Debian packages: there is nothing to lock`);
  const archs = loaded.spec.archs ?? [hostArch()];
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  const { base } = loaded.spec;
  const baseRef = base?.startsWith('oci:') ? `oci:${resolveLayoutArg(base.slice(4), loaded.dir)}` : base;
  const bases =
    base && baseRef
      ? baseLoader(base, baseRef, {
          store: new BlobStore(join(cacheDir, 'blobs')), cacheDir, env: options.env ?? process.env,
          ...(options.insecure ? { insecure: true } : {}), ...(options.log ? { log: options.log } : {}),
        })
      : undefined;
  const { lock, path } = await lockedPackages(loaded, debian, archs, {
    cacheDir,
    update: true,
    ...(options.log ? { log: options.log } : {}),
    ...(bases ? { base: bases } : {}),
  });
  return { lock, path };
}

/** `oci:DIR[:TAG]` with DIR relative to the spec file. */
function resolveLayoutArg(arg: string, specDir: string): string {
  return isAbsolute(arg) ? arg : resolve(specDir, arg);
}
