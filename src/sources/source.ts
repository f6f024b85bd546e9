/**
 * What goes into an image comes from sources, one folder each under src/sources/: Debian
 * packages (debian/), the host's files and binaries (host/), inline paths (inline/), the system
 * files every image gets (system/), a base image (base-image/), and install effects
 * (debian/effects/). The build pipeline (src/build/) asks each, in order, what it brings to one
 * platform image, and never looks inside; a new package source (another distribution) is one new
 * folder whose source.ts implements Source.
 *
 * What a source brings takes one of a few shapes, and the pipeline treats them the same whatever
 * the source: ready layers (a base image's, passed through), parts (groups of entries that become
 * cached layers of their own, or join one tree when the image is trimmed: two policies over the
 * same parts), entries of the spec's own tree, config defaults, and facts for the SBOM.
 */
import type { Layer } from '../image/layer.js';
import type { ContainerConfig } from '../image/types.js';
import type { Lockfile } from '../lock/lockfile.js';
import type { SbomInput } from '../sbom/model.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Spool } from '../store/spool.js';
import type { TreeEntry } from '../tree/entry.js';
import type { FsTree } from '../tree/fs-tree.js';
import type { MergedUsrLink } from '../tree/merged-usr.js';
import type { Accounts } from './system/accounts.js';

export interface Source {
  /** Names the source in logs and errors. */
  readonly name: string;
  /**
   * Pins what the source resolves in pith.lock: the lock beside the spec when it still matches,
   * else resolved again (never with `frozen`). Sources that pin nothing have no lock().
   */
  lock?(ctx: LockContext): Promise<Pins>;
  /** What the source brings to one platform image. */
  contribute(ctx: PlatformContext): Promise<Contribution>;
}

export interface LockContext {
  archs: readonly string[];
  cacheDir: string;
  /** Never resolve: a missing or outdated lock is an error. */
  frozen?: boolean;
  /** Resolve even when the lock matches (pith lock). */
  update?: boolean;
  log?: (message: string) => void;
}

/** A lock as the build uses it: written (when `changed`) only once the image is built. */
export interface Pins {
  lock: Lockfile;
  /** Where the lock is read and written; undefined when the spec has none (a spec object). */
  path: string | undefined;
  changed: boolean;
}

export interface PlatformContext {
  /** OCI architecture name. */
  arch: string;
  /** The build epoch: every entry's mtime. */
  created: number;
  cacheDir: string;
  store: BlobStore;
  /** Progress, one line each (already prefixed with the architecture). */
  log: (message: string) => void;
  /** What the sources pinned, when any did. */
  pins?: Pins;
}

/** What a source brings to one platform image; every field is optional. */
export interface Contribution {
  /** Layers passed through as they are (a base image's), bottom first. */
  layers?: Layer[];
  /** The image those layers make: trimming and install effects see it; it is never written again. */
  below?: ImageBelow;
  /** Parts: cached layers of their own, or entries of the one tree a trimmed image is cut from. */
  parts?: PartSet;
  /** Writes entries of the spec's own tree (system files, host files, inline paths). */
  entries?: (tree: FsTree, ctx: TreeContext) => Promise<void>;
  /** Top-level links user paths are placed through (merged /usr). */
  links?: readonly MergedUsrLink[];
  /** What os-release says (system/os-release.ts); null when a part ships os-release itself. */
  os?: OsIdentity | null;
  config?: {
    /** A base image's config, inherited field by field as a Dockerfile's FROM does. */
    image?: ContainerConfig;
    /** Defaults presets and variants bring. */
    defaults?: ConfigDefaults;
  };
  sbom?: SbomContribution;
  /** Annotations of the platform image. */
  annotations?: Record<string, string>;
  /** Install effects: decide the accounts, then add entries once the spec's tree is known. */
  settle?: Settle;
}

/** A layer that exists already: the image needs only its descriptor and history. */

export interface ImageBelow {
  /** Identifies its content (the layers' diff_ids): part of cache keys of what is built on it. */
  key: readonly string[];
  /** Its entries (origin `base`), read when asked (bounded, held in memory). */
  entries(): Promise<TreeEntry[]>;
}

/**
 * Parts of one source in layer order. Every entry a part adds has origin kind `package` naming
 * the part, so a layer or a rule can claim it.
 */
export interface PartSet {
  /** Layers, in order, each with the parts that share it. */
  readonly groups: readonly PartGroup[];
  /** Every part, in the order they go into one tree (later ones win). */
  readonly parts: readonly Part[];
  /** The links the parts are placed through; undefined: the image below's. */
  readonly links?: readonly MergedUsrLink[];
  /** What a group's layer depends on, besides the build's mtime and compression: its cache key. */
  layerKey(group: PartGroup, links: readonly MergedUsrLink[]): Record<string, unknown>;
  /** Reads `parts` (fetched and verified first), a few at once, all started now, into `spool`. */
  read(
    parts: readonly Part[],
    spool: Spool,
    log?: (m: string) => void,
  ): Promise<ReadonlyMap<string, Promise<LoadedPart>>>;
  /** Once every part (and, when trimming, the spec's entries) is in `tree`: what installing them leaves (the CA bundle). */
  finish?(tree: FsTree, parts: readonly Part[]): void;
  /** After trimming: records listing files that were dropped are rewritten (dpkg's md5sums). */
  afterTrim?(tree: FsTree, dropped: ReadonlySet<string>): void;
  /** SBOM facts of a part whose layer came from the cache (remembered when it was built). */
  recallFacts(
    part: Part,
    ctx: { spool: Spool; links: readonly MergedUsrLink[]; log?: (m: string) => void },
  ): Promise<PartFacts>;
  rememberFacts(part: Part, facts: PartFacts): Promise<void>;
}

export interface PartGroup {
  /** The layer's name without its kind ('glibc' for `packages: glibc`). */
  name: string;
  /** Its history line. */
  createdBy: string;
  parts: Part[];
}

export interface Part {
  name: string;
  version: string;
  /** Its content's identity (a .deb's sha256). */
  key: string;
}

export interface LoadedPart {
  /** Adds the part's entries to `tree` (through the links there); returns what it left out. */
  addTo(tree: FsTree): LeftOut[];
  /** SBOM facts from `tree` as it ended (with trimming, the files still there). */
  facts(tree: FsTree): PartFacts;
}

/** A file a part did not put into the tree, and why. */
export interface LeftOut {
  path: string;
  type: TreeEntry['type'];
  size: number;
  why: string;
}

/** What the SBOM says of one part: its licence and, when the image is trimmed, the files present. */
export interface PartFacts {
  license?: string;
  files?: Array<{ path: string; sha256: string }>;
}

/** What the spec's own entries are made with. */
export interface TreeContext {
  arch: string;
  /** The image's accounts, once install effects settled them. */
  accounts: Accounts;
  /** Users install effects added: their homes are the effects' business. */
  effectUsers: ReadonlySet<string>;
  os: OsIdentity | null;
  /** A spec `owner:` as uid and gid; throws a located PithError for an unknown name. */
  owner: (owner: string | undefined, where: string) => { uid: number; gid: number };
}

/** What the image says it is. Debian-based images say ID=debian so scanners detect the OS. */
export interface OsIdentity {
  prettyName: string;
  name: string;
  id: string;
  versionId?: string;
  version?: string;
  versionCodename?: string;
  homeUrl?: string;
}

/** Config defaults that presets and variants bring; the spec's own values win over them. */
export interface ConfigDefaults {
  env: Record<string, string>;
  user?: string;
  workdir?: string;
  entrypoint?: string[];
  pathSuffix?: string;
}

export interface SbomContribution {
  /** The distribution the packages come from. */
  distro?: SbomInput['distro'];
  /** The packages the parts install (their facts come from the layers built). */
  packages?: readonly SbomPackageRecord[];
  /** The packages the image below came with. */
  base?: { name: string; packages: ReadonlyArray<SbomPackageRecord & { license?: string }> };
}

export interface SbomPackageRecord {
  name: string;
  version: string;
  architecture: string;
  source: string;
  sha256?: string;
}

/** The spec's own tree and config, made for given accounts. */
export type SpecImage = (
  accounts: Accounts,
  effectUsers: ReadonlySet<string>,
) => Promise<{ tree: FsTree; config: ContainerConfig }>;

export interface SettleContext {
  /** The links the spec's tree starts with. */
  links: readonly MergedUsrLink[];
  /** The spec's accounts, before effects add theirs. */
  accounts: Accounts;
  below?: ImageBelow;
}

export interface SettledImage {
  tree: FsTree;
  config: ContainerConfig;
  accounts: Accounts;
  effectUsers: ReadonlySet<string>;
  /** Entrypoint or cmd whose interpreter or loader the image lacks (one line each). */
  rootProblems: string[];
  warnings: string[];
  notes: string[];
}

export type Settle = (spec: SpecImage, ctx: SettleContext) => Promise<SettledImage>;
