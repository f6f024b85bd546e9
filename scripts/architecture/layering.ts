/**
 * pith's layering: each folder of src/ with its rank. A file may import its own row and rows of
 * strictly lower rank; an import up the table (type-only ones too) is a back edge, and rows of
 * equal rank are independent peers that import neither way. Low rows are what many stages share
 * (errors, the image model, the store); high rows compose them along the pipeline
 * spec -> sources -> tree -> layers -> image -> outputs. A new folder needs a row here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Layer {
  name: string;
  rank: number;
  /** Under src/: `folder/` for a folder (longest prefix wins), `file.ts` for one file. */
  paths: readonly string[];
  why: string;
}

export const LAYERS: readonly Layer[] = [
  {
    name: 'foundations',
    rank: 0,
    paths: ['errors.ts', 'byte-order.ts', 'concurrency.ts', 'limits.ts'],
    why: 'located errors, byte order, bounded concurrency, input limits: used everywhere, import nothing of pith',
  },
  {
    name: 'image',
    rank: 1,
    paths: ['image/'],
    why: 'the OCI model (digests, media types, config, manifest, index, stable JSON) that every stage reads or writes',
  },
  {
    name: 'store',
    rank: 2,
    paths: ['store/'],
    why: "content-addressed blobs and checked cache entries, keyed by the model's digests",
  },
  {
    name: 'spec',
    rank: 3,
    paths: ['spec/'],
    why: "what was asked: the spec's types, schema and parser; knows only platforms and limits",
  },
  {
    name: 'lock',
    rank: 4,
    paths: ['lock/'],
    why: 'the lockfile (pins read and written), a plain document over the store',
  },
  {
    name: 'elf',
    rank: 5,
    paths: ['elf/'],
    why: 'ELF parser and shared-library closure: pure bytes, no filesystem model',
  },
  {
    name: 'sbom',
    rank: 6,
    paths: ['sbom/'],
    why: 'SPDX and CycloneDX documents from package facts; knows only the model',
  },
  {
    name: 'tree',
    rank: 7,
    paths: ['tree/'],
    why: 'the in-memory filesystem every source fills and trim cuts (reads ELF for the closure)',
  },
  {
    name: 'layers',
    rank: 8,
    paths: ['layers/'],
    why: 'tree entries -> deterministic tar -> gzip/zstd blobs, and layer blobs read back',
  },
  {
    name: 'registry-client',
    rank: 9,
    paths: ['registry-client/'],
    why: 'the distribution API (auth, pull, push, referrers) over the model and the store',
  },
  {
    name: 'transports',
    rank: 10,
    paths: ['transports/'],
    why: 'every medium read and written (layout, oci-archive, docker-archive, registry; push with SBOMs)',
  },
  {
    name: 'sources',
    rank: 11,
    paths: ['sources/'],
    why: 'what goes in (Debian, host, system files, inline paths, base images) behind one Source interface',
  },
  {
    name: 'build',
    rank: 12,
    paths: ['build/'],
    why: 'the pipeline composed of steps: spec -> sources -> tree -> layers -> image -> outputs',
  },
  {
    name: 'inspect',
    rank: 12,
    paths: ['inspect/'],
    why: 'images read back for inspect, diff and audit; a peer of build, neither needs the other',
  },
  { name: 'server', rank: 13, paths: ['server/'], why: '`pith serve`: a registry that runs build on first pull' },
  {
    name: 'library',
    rank: 14,
    paths: ['index.ts'],
    why: 'the public face: re-exports of what the CLI and library users need, nothing of its own',
  },
  { name: 'cli', rank: 15, paths: ['cli/'], why: 'argv, exit codes and printing over the public faces' },
];

/**
 * The files a user of the package (and the CLI) may import: src/index.ts and every entry of
 * package.json "exports", mapped from dist/src/...js back to src/...ts.
 */
export function publicFaces(root: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports?: unknown };
  const faces = new Set(['src/index.ts']);
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      const match = /^\.\/dist\/(src\/.+)\.js$/.exec(value);
      if (match) faces.add(`${match[1]}.ts`);
    } else if (value && typeof value === 'object') {
      for (const inner of Object.values(value)) collect(inner);
    }
  };
  collect(manifest.exports);
  return faces;
}
