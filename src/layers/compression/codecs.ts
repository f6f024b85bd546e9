/**
 * The layer compressors, chunk by chunk. Each chunk of a layer is compressed on its own into a
 * self-contained unit (a gzip member, a zstd frame), so chunks can be compressed in any order on
 * any thread and the bytes depend only on the chunk, the level and the pinned WebAssembly code:
 * never on the Node build, its zlib, the CPU or the core count.
 *
 * gzip: libdeflate (npm `libdeflate`, WebAssembly) raw deflate between pith's own fixed member
 * header and the CRC32/ISIZE trailer. A layer is a multi-member gzip file (RFC 1952 2.2), as
 * eStargz layers are; every OCI runtime and registry tool reads those.
 * zstd: libzstd (npm `@bokuweb/zstd-wasm`, WebAssembly), one frame per chunk (RFC 8878 allows
 * concatenated frames).
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import {
  COMPRESSION_LEVELS,
  LAYER_MEDIA_TYPES,
  type Compression,
  type CompressionAlgorithm,
} from '../../image/compression.js';

export type { Compression, CompressionAlgorithm } from '../../image/compression.js';
export { DEFAULT_COMPRESSION } from '../../image/compression.js';

interface CodecInfo {
  mediaType: string;
  /** Bytes per independently compressed unit: part of the output's identity. */
  chunkSize: number;
  levels: { min: number; max: number; default: number };
  /** The pinned implementation: npm package and version (checked by a test against node_modules). */
  implementation: string;
}

export const CODECS: Record<CompressionAlgorithm, CodecInfo> = {
  gzip: {
    mediaType: LAYER_MEDIA_TYPES.gzip,
    chunkSize: 1024 * 1024,
    levels: COMPRESSION_LEVELS.gzip,
    implementation: 'libdeflate@0.1.0',
  },
  zstd: {
    mediaType: LAYER_MEDIA_TYPES.zstd,
    chunkSize: 4 * 1024 * 1024,
    levels: COMPRESSION_LEVELS.zstd,
    implementation: '@bokuweb/zstd-wasm@0.0.27',
  },
};

/** What a cache key must name so cached layers never mix bytes of different compressors. */
export function compressionIdentity(c: Compression): string {
  const info = CODECS[c.algorithm];
  return `${c.algorithm} ${info.implementation} level ${c.level} chunk ${info.chunkSize}`;
}

export function checkCompression(c: Compression): void {
  const info = CODECS[c.algorithm];
  if (!info) throw new RangeError(`unknown compression "${String(c.algorithm)}"`);
  const { min, max } = info.levels;
  if (!Number.isInteger(c.level) || c.level < min || c.level > max) {
    throw new RangeError(`${c.algorithm} level ${c.level} is not ${min}..${max}`);
  }
}

type ChunkCompressor = (chunk: Uint8Array, level: number) => Uint8Array;

const loaded = new Map<CompressionAlgorithm, Promise<ChunkCompressor>>();

/** The chunk compressor of an algorithm, its WebAssembly instantiated on first use. */
export function chunkCompressor(algorithm: CompressionAlgorithm): Promise<ChunkCompressor> {
  let codec = loaded.get(algorithm);
  if (!codec) {
    codec = algorithm === 'gzip' ? loadGzip() : loadZstd();
    loaded.set(algorithm, codec);
  }
  return codec;
}

/**
 * Fixed member header: magic, CM=deflate, no flags, MTIME=0, XFL=0 whatever the level, OS=255
 * ("unknown"), so nothing about the host or the time ends up in the bytes.
 */
const GZIP_HEADER = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

async function loadGzip(): Promise<ChunkCompressor> {
  const { deflate } = await import('libdeflate');
  return (chunk, level) => {
    const body = deflate(chunk, level);
    const member = new Uint8Array(GZIP_HEADER.length + body.length + 8);
    member.set(GZIP_HEADER, 0);
    member.set(body, GZIP_HEADER.length);
    const trailer = new DataView(member.buffer, GZIP_HEADER.length + body.length, 8);
    // CRC-32 is a fixed function of the bytes; zlib only computes it.
    trailer.setUint32(0, zlib.crc32(chunk) >>> 0, true);
    trailer.setUint32(4, chunk.length >>> 0, true);
    return member;
  };
}

interface ZstdModule {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
}

async function loadZstd(): Promise<ChunkCompressor> {
  // The package's ESM build is broken under Node (it calls require); its CommonJS build works.
  const zstd = createRequire(import.meta.url)('@bokuweb/zstd-wasm') as ZstdModule;
  await zstd.init();
  return (chunk, level) => zstd.compress(chunk, level);
}
