/**
 * Throughput of pith's layer compression (gzip and zstd) against pigz and zstd on real files. Not a test (no assertions, machine
 * dependent); run after `tsc -p .`:
 *   [ROUNDS=3] [ONLY=regex] node dist/test/helpers/layers-bench.js [dir=/usr/lib/x86_64-linux-gnu] [MB=200]
 * It tars up to MB of regular files from dir (pith's tar writer, host sources) into a temp file,
 * then compresses that same tar with pith (several levels / concurrencies) and with `pigz -p 2`
 * and `zstd -T2`, reporting MB/s of uncompressed input and the compressed size.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Compression } from '../../src/layers/compression/codecs.js';
import { compressStream } from '../../src/layers/compression/stream.js';
import { writeLayer } from '../../src/layers/layer.js';
import { tarStream } from '../../src/layers/tar-writer.js';
import { BlobStore } from '../../src/store/blob-store.js';
import type { TreeEntry } from '../../src/tree/entry.js';
import { collect, hostFileEntry, withParents } from './layers-fixtures.js';

const MB = 1e6;

async function gatherFiles(root: string, limit: number): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (total >= limit) return;
      const path = join(dir, name);
      const st = await lstat(path);
      if (st.isDirectory()) await walk(path);
      else if (st.isFile() && total + st.size <= limit * 1.05) {
        entries.push(hostFileEntry(relative('/', path), path, st.size));
        total += st.size;
      }
    }
  };
  await walk(root);
  return withParents(entries);
}

interface Run {
  size: number;
  wall: number;
  cpu: number;
}

/** Wall and CPU seconds (all threads of this process: the threadpool's deflate included). */
async function measure(fn: () => Promise<number>): Promise<Run> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const size = await fn();
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { size, wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

async function pithCompress(file: string, compression: Compression, concurrency?: number): Promise<Run> {
  return measure(async () => {
    let size = 0;
    const source = createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    for await (const piece of compressStream(source, compression, concurrency ? { concurrency } : {}))
      size += piece.length;
    return size;
  });
}

/** An external compressor's wall time, CPU time (from the shell's `times`) and output size. */
function external(command: string): Run {
  const start = process.hrtime.bigint();
  const lines = spawnSync('bash', ['-c', `${command} | wc -c; times`])
    .stdout.toString()
    .trim()
    .split('\n');
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = [...(lines[2] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { size: Number(lines[0]), wall, cpu };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const root = process.argv[2] ?? '/usr/lib/x86_64-linux-gnu';
  const limit = Number(process.argv[3] ?? 200) * MB;
  const dir = await mkdtemp(join(tmpdir(), 'pith-bench-'));
  try {
    const entries = await gatherFiles(root, limit);
    const tarStart = process.hrtime.bigint();
    const tar = await collect(tarStream(entries, { mtime: 0 }));
    const tarSeconds = Number(process.hrtime.bigint() - tarStart) / 1e9;
    const tarFile = join(dir, 'layer.tar');
    await writeFile(tarFile, tar);
    const n = tar.length;
    console.log(`node ${process.version}, ${availableParallelism()} cpus`);
    console.log(
      `tar of ${entries.length} entries from ${root}: ${(n / MB).toFixed(1)} MB, tar writer ${(n / MB / tarSeconds).toFixed(0)} MB/s`,
    );
    // Warm the page cache for the tar file so every contender reads it from memory.
    spawnSync('cat', [tarFile], { stdio: 'ignore' });
    const rounds = Number(process.env['ROUNDS'] ?? 3);
    const contenders: [string, () => Promise<Run>][] = [];
    for (const level of [1, 4, 6])
      contenders.push([`pigz -p 2 -${level}`, async () => external(`pigz -p 2 -${level} -c ${tarFile}`)]);
    for (const level of [1, 2, 4, 6])
      contenders.push([`pith gzip ${level}`, () => pithCompress(tarFile, { algorithm: 'gzip', level })]);
    contenders.push(['gzip -6 (1 thread)', async () => external(`gzip -6 -c ${tarFile}`)]);
    for (const level of [1, 3, 9]) {
      contenders.push([`zstd -T2 -${level}`, async () => external(`zstd -q -T2 -${level} -c ${tarFile}`)]);
      contenders.push([`pith zstd ${level}`, () => pithCompress(tarFile, { algorithm: 'zstd', level })]);
    }
    for (const concurrency of [1, 2, 8]) {
      contenders.push([
        `pith gzip 2 conc ${concurrency}`,
        () => pithCompress(tarFile, { algorithm: 'gzip', level: 2 }, concurrency),
      ]);
    }
    contenders.push([
      'writeLayer gzip 2 (files+tar+2 sha256+store)',
      () =>
        measure(
          async () =>
            (
              await writeLayer(entries, new BlobStore(join(dir, 'store')), {
                mtime: 0,
                compression: { algorithm: 'gzip', level: 2 },
              })
            ).size,
        ),
    ]);

    // ONLY=<regex> keeps a subset, e.g. ONLY='-6 ' for the level-6 rows.
    const only = new RegExp(process.env['ONLY'] ?? '');
    contenders.splice(0, contenders.length, ...contenders.filter(([label]) => only.test(label)));
    // Rounds interleave the contenders, so a busy neighbour hurts all of them alike.
    const runs = new Map<string, Run[]>(contenders.map(([label]) => [label, []]));
    for (let round = 0; round < rounds; round++) {
      for (const [label, run] of contenders) runs.get(label)!.push(await run());
    }
    console.log(`median of ${rounds} interleaved rounds; MB/s of uncompressed input; CPU s = all threads`);
    for (const [label, list] of runs) {
      const wall = median(list.map((r) => r.wall));
      const cpu = median(list.map((r) => r.cpu));
      console.log(
        `${label.padEnd(42)} ${(n / MB / wall).toFixed(1).padStart(6)} MB/s  wall ${wall.toFixed(2)} s  ` +
          `cpu ${cpu.toFixed(2)} s (${(n / MB / cpu).toFixed(1)} MB per cpu-s)  ratio ${(list[0]!.size / n).toFixed(4)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
