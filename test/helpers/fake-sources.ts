/**
 * Sources for unit tests of the build steps (src/build/): each implements the Source interface
 * of src/sources/source.ts with bytes held in memory, no network, no mirror. One writes entries
 * of the spec's tree, one passes a ready layer through (as a base image does), one brings parts
 * (as Debian does) and counts what it reads, one holds every platform until all have started.
 * Plus what the tests need around them: a loaded spec, a Run, a plan, and a layer's tar members.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { prepareRun, type Run } from '../../src/build/run.js';
import type { SourcePlan } from '../../src/build/sources.js';
import type { BuildOptions } from '../../src/build/types.js';
import type { Digest } from '../../src/image/digest.js';
import type { ContainerConfig } from '../../src/image/types.js';
import { writeLayer } from '../../src/layers/layer.js';
import { parseSpec, type LoadedSpec } from '../../src/spec/load.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import type {
  Contribution,
  LoadedPart,
  Part,
  PartFacts,
  PartGroup,
  PartSet,
  PlatformContext,
  Source,
  TreeContext,
} from '../../src/sources/source.js';
import { resolveAccounts, resolveOwner } from '../../src/sources/system/accounts.js';
import { PITH_IDENTITY } from '../../src/sources/system/os-release.js';
import type { FileEntry, Origin, TreeEntry } from '../../src/tree/entry.js';
import { FsTree } from '../../src/tree/fs-tree.js';
import { addMergedUsrLinks, type MergedUsrLink } from '../../src/tree/merged-usr.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** A 0644 root-owned regular file holding `content`, as sources add them to a tree. */
export function fileEntry(content: string, origin: Origin): Omit<FileEntry, 'path'> {
  const data = bytes(content);
  return { type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.byteLength, source: { kind: 'bytes', data }, origin };
}

/** What writing into the spec's tree is given, for a spec's accounts (no base image, pith's os-release). */
export function specTreeContext(yaml: string): TreeContext {
  const accounts = resolveAccounts(loadedSpec(yaml).spec.accounts);
  return {
    arch: 'amd64',
    accounts,
    effectUsers: new Set(),
    os: PITH_IDENTITY,
    owner: (o) => (o ? resolveOwner(o, accounts) : { uid: 0, gid: 0 }),
  };
}
const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A fresh directory under /tmp for one test's cache or output. */
export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `steps-${label}-`));

/** A spec as parseSpec reads it, in a directory of its own (host paths resolve against it). */
export function loadedSpec(yaml: string, dir = tempDir('spec')): LoadedSpec {
  return parseSpec(yaml, join(dir, 'pith.yaml'));
}

/** Step 0 with a cache of its own (unless given) and no host state. */
export function testRun(loaded: LoadedSpec, options: BuildOptions = {}): Promise<Run> {
  return prepareRun(loaded, { cacheDir: tempDir('cache'), env: {}, ...options });
}

/** What resolveSources would return for these sources. */
export function planOf(loaded: LoadedSpec, sources: Source[]): SourcePlan {
  return { sources, accounts: resolveAccounts(loaded.spec.accounts), writesAccounts: true };
}

/** Files of the spec's tree (text content), with origin `file` unless told. */
export function entriesSource(
  name: string,
  files: Record<string, string>,
  extra: Omit<Contribution, 'entries'> & { kind?: Origin['kind'] } = {},
): Source {
  const { kind = 'file', ...rest } = extra;
  return {
    name,
    contribute: async () => ({
      ...rest,
      entries: async (tree: FsTree) => {
        for (const [path, content] of Object.entries(files)) {
          tree.add(path, fileEntry(content, { kind, detail: `${name}: ${path}` }));
        }
      },
    }),
  };
}

/** Entries as a base image's tree would list them (origin `base`). */
function baseEntries(files: Record<string, string>): TreeEntry[] {
  return Object.entries(files).map(([path, content]) => ({
    path: path.replace(/^\//, ''),
    ...fileEntry(content, { kind: 'base', detail: 'base' }),
  }));
}

/**
 * A ready layer passed through as a base image's is: written into the platform's store when asked
 * to contribute, with the image below it, its config and its packages for the SBOM.
 */
export function readyLayerSource(
  files: Record<string, string>,
  options: { config?: ContainerConfig; packages?: Array<{ name: string; version: string }> } = {},
): Source {
  return {
    name: 'fake base',
    contribute: async (ctx: PlatformContext) => {
      const entries = baseEntries(files);
      const blob = await writeLayer(entries, ctx.store, { mtime: 0, compression: { algorithm: 'gzip', level: 2 } });
      return {
        layers: [
          {
            mediaType: blob.mediaType,
            digest: blob.digest,
            size: blob.size,
            diffId: blob.diffId,
            name: 'base: 0',
            createdBy: 'fake base layer',
            store: ctx.store,
          },
        ],
        below: { key: [blob.diffId], entries: async () => baseEntries(files) },
        ...(options.config ? { config: { image: options.config } } : {}),
        sbom: {
          base: {
            name: 'fake-base@sha256:0',
            packages: (options.packages ?? []).map((p) => ({
              ...p,
              architecture: ctx.arch,
              source: p.name,
              license: 'MIT',
            })),
          },
        },
        annotations: { 'org.opencontainers.image.base.digest': blob.digest },
      };
    },
  };
}

export interface FakePart {
  name: string;
  version: string;
  /** Image path -> content. */
  files: Record<string, string>;
  license?: string;
}

/** What a parts source did, for the tests to assert on. */
export interface PartsLog {
  /** Names of the parts read, in the order asked. */
  reads: string[];
  /** Facts remembered when a part's layer was built, by part key. */
  remembered: Map<string, PartFacts>;
  /** Names of the parts whose facts were recalled (their layer came from the cache). */
  recalled: string[];
}

/**
 * Parts in groups (one layer each, as Debian's source packages), as Debian's PartSet behaves:
 * a part's key is its content's hash, its entries have origin `package`, its facts are its
 * licence and, with `listFiles` (Debian lists them when trimming), its files still in the tree. `log` may be shared across runs, as Debian's
 * remembered facts live in the cache.
 */
export function partsSource(
  groups: Record<string, FakePart[]>,
  options: { links?: readonly MergedUsrLink[]; log?: PartsLog; listFiles?: boolean } = {},
): Source & { log: PartsLog } {
  const log: PartsLog = options.log ?? { reads: [], remembered: new Map(), recalled: [] };
  const all = Object.values(groups).flat();
  const byName = new Map(all.map((p) => [p.name, p]));
  const keyOf = (p: FakePart) => sha256(JSON.stringify([p.name, p.version, Object.entries(p.files).sort()]));
  const partOf = (p: FakePart): Part => ({ name: p.name, version: p.version, key: keyOf(p) });
  const partGroups: PartGroup[] = Object.entries(groups).map(([name, parts]) => ({
    name,
    createdBy: `fake: parts ${parts.map((p) => `${p.name} ${p.version}`).join(', ')}`,
    parts: parts.map(partOf),
  }));
  const loadedPart = (p: FakePart): LoadedPart => ({
    addTo: (tree) => {
      for (const [path, content] of Object.entries(p.files)) {
        tree.add(path, fileEntry(content, { kind: 'package', detail: p.name, package: p.name }));
      }
      return [];
    },
    // As Debian's: the licence, and (when files are listed: a trimmed image) the part's files still in the tree.
    facts: (tree) => ({
      ...(p.license ? { license: p.license } : {}),
      ...(options.listFiles
        ? {
            files: tree
              .list()
              .flatMap((e) =>
                e.type === 'file' && e.origin.package === p.name && e.source.kind === 'bytes'
                  ? [{ path: e.path, sha256: sha256(e.source.data) }]
                  : [],
              ),
          }
        : {}),
    }),
  });
  const set: PartSet = {
    groups: partGroups,
    parts: partGroups.flatMap((g) => g.parts),
    ...(options.links ? { links: options.links } : {}),
    layerKey: (group, links) => ({ format: 'fake-parts', parts: group.parts.map((p) => p.key), links }),
    read: async (parts) => {
      const out = new Map<string, Promise<LoadedPart>>();
      for (const part of parts) {
        log.reads.push(part.name);
        out.set(part.name, Promise.resolve(loadedPart(byName.get(part.name)!)));
      }
      return out;
    },
    // As Debian's: remembered facts, else (a layer cached by another run) the part read again.
    recallFacts: async (part, ctx) => {
      log.recalled.push(part.name);
      const remembered = log.remembered.get(part.key);
      if (remembered) return remembered;
      log.reads.push(part.name);
      const tree = new FsTree();
      addMergedUsrLinks(tree, ctx.links);
      const loaded = loadedPart(byName.get(part.name)!);
      loaded.addTo(tree);
      const facts = loaded.facts(tree);
      log.remembered.set(part.key, facts);
      return facts;
    },
    rememberFacts: async (part, facts) => {
      log.remembered.set(part.key, facts);
    },
  };
  return {
    name: 'fake parts',
    log,
    contribute: async (ctx) => ({
      parts: set,
      sbom: {
        distro: { id: 'debian', versionId: '12', codename: 'bookworm' },
        packages: all.map((p) => ({
          name: p.name,
          version: p.version,
          architecture: ctx.arch,
          source: p.name,
          sha256: keyOf(p),
        })),
      },
    }),
  };
}

/**
 * Holds each platform's contribution until `count` platforms have asked: if the platforms were
 * built one after another, the first would wait for the second forever (here: fail after `ms`).
 */
export function barrierSource(count: number, ms = 5000): Source & { arrived: string[] } {
  const arrived: string[] = [];
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    name: 'barrier',
    arrived,
    contribute: async (ctx) => {
      arrived.push(ctx.arch);
      if (arrived.length >= count) open();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `barrier: ${ctx.arch} waited ${ms} ms for ${count} platforms; only ${arrived.join(', ')} started`,
              ),
            ),
          ms,
        );
      });
      try {
        await Promise.race([opened, timeout]);
      } finally {
        clearTimeout(timer);
      }
      return {};
    },
  };
}

export interface TarMember {
  path: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  content?: string;
}

/** The members of a gzip layer blob in the store, in tar order. */
export async function layerMembers(store: BlobStore, digest: Digest): Promise<TarMember[]> {
  const members: TarMember[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        members.push({
          path: header.name,
          type: header.type ?? 'file',
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000),
          ...(header.type === 'file' ? { content: Buffer.concat(chunks).toString() } : {}),
        });
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([gunzipSync(await store.readBytes(digest))]).pipe(ex);
  await done;
  return members;
}

/** The regular files of a layer, path -> content. */
export async function layerFiles(store: BlobStore, digest: Digest): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await layerMembers(store, digest)).filter((m) => m.type === 'file').map((m) => [m.path, m.content ?? '']),
  );
}
