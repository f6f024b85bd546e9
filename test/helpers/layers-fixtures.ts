/** Shared fixtures for the layers tests: entry builders, tar readers, byte-stream utilities. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar, { type Header } from 'tar-stream';
import type { DirEntry, FileEntry, HardlinkEntry, Origin, SymlinkEntry, TreeEntry } from '../../src/tree/entry.js';

export const origin: Origin = { kind: 'file', detail: 'test' };

interface Meta {
  mode?: number;
  uid?: number;
  gid?: number;
}

export function fileEntry(path: string, content: string | Uint8Array, meta: Meta = {}): FileEntry {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return {
    type: 'file',
    path,
    mode: meta.mode ?? 0o644,
    uid: meta.uid ?? 0,
    gid: meta.gid ?? 0,
    origin,
    size: data.byteLength,
    source: { kind: 'bytes', data },
  };
}

export function hostFileEntry(path: string, hostPath: string, size: number, meta: Meta = {}): FileEntry {
  return {
    type: 'file',
    path,
    mode: meta.mode ?? 0o644,
    uid: meta.uid ?? 0,
    gid: meta.gid ?? 0,
    origin: { kind: 'path', detail: hostPath },
    size,
    source: { kind: 'host', path: hostPath },
  };
}

export function dirEntry(path: string, meta: Meta = {}): DirEntry {
  return { type: 'dir', path, mode: meta.mode ?? 0o755, uid: meta.uid ?? 0, gid: meta.gid ?? 0, origin };
}

export function symlinkEntry(path: string, target: string, meta: Meta = {}): SymlinkEntry {
  return {
    type: 'symlink',
    path,
    target,
    mode: meta.mode ?? 0o777,
    uid: meta.uid ?? 0,
    gid: meta.gid ?? 0,
    origin,
  };
}

export function hardlinkEntry(path: string, target: string, meta: Meta = {}): HardlinkEntry {
  return {
    type: 'hardlink',
    path,
    target,
    mode: meta.mode ?? 0o644,
    uid: meta.uid ?? 0,
    gid: meta.gid ?? 0,
    origin,
  };
}

/** Add a 0755 root-owned directory entry for every missing parent, as the tree stage does. */
export function withParents(entries: readonly TreeEntry[]): TreeEntry[] {
  const have = new Set(entries.map((e) => e.path));
  const out = [...entries];
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!have.has(parent)) {
        have.add(parent);
        out.push(dirEntry(parent));
      }
    }
  }
  return out;
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const piece of stream) parts.push(piece);
  return Buffer.concat(parts);
}

/** Re-deliver `data` in pieces of the given sizes (cycled), to vary a consumer's input chunking. */
export async function* pieces(data: Buffer, sizes: readonly number[]): AsyncGenerator<Buffer> {
  let offset = 0;
  for (let i = 0; offset < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(offset, offset + n);
    offset += n;
  }
}

/** A deterministic PRNG (mulberry32), so "random" fixtures are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(length: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** Text-like bytes that compress well but not trivially. */
export function compressibleBytes(length: number, seed: number): Buffer {
  const words = ['layer', 'digest', 'sha256', 'usr/lib', 'libc.so.6', 'pith', 'tar', 'gzip', '\n', ' ', '0755'];
  const next = prng(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const w = words[Math.floor(next() * words.length)]!;
    parts.push(w);
    size += w.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, length);
}

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pith-layers-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Run a host tool (GNU tar, gzip) with a UTF-8 C locale; throws with its stderr if it fails. */
export function run(cmd: string, args: readonly string[], input?: Buffer): SpawnSyncReturns<Buffer> {
  const result = spawnSync(cmd, args, {
    input,
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result;
}

export interface ReadMember {
  /** tar-stream's header, plus the PAX records it applied (it exposes them as `pax`). */
  header: Omit<Header, 'pax' | 'linkname'> & { linkname: string | null; pax?: Record<string, string> | null };
  data: Buffer;
}

/** Parse an archive with tar-stream (an independent reader) into headers and contents. */
export async function readTar(archive: Buffer): Promise<ReadMember[]> {
  const extract = tar.extract();
  const done = (async () => {
    const members: ReadMember[] = [];
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const piece of entry) parts.push(piece as Buffer);
      members.push({ header: entry.header as ReadMember['header'], data: Buffer.concat(parts) });
    }
    return members;
  })();
  extract.end(archive);
  return done;
}
