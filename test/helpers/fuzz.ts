/**
 * A small, seeded fuzzing kit: a deterministic PRNG, byte and text mutators, and the property
 * every target shares (a clean PithError or a result, never a crash, a stack or a hang). The
 * number of cases per target is PITH_FUZZ_CASES (default a few hundred, so CI stays quick; set
 * 1000 or more for a longer run) and the seed PITH_FUZZ_SEED (default fixed, so a failure
 * reproduces); a failing case names its seed and index.
 */
import assert from 'node:assert/strict';
import { isPithError } from '../../src/errors.js';

export const FUZZ_CASES = Math.max(1, Number(process.env.PITH_FUZZ_CASES ?? 250) || 250);
export const FUZZ_SEED = Number(process.env.PITH_FUZZ_SEED ?? 0x5eed) >>> 0;

/** mulberry32: tiny, fast, and the same sequence on every machine. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The generator for case `index` of a target: independent of how many cases ran before. */
export function caseRng(target: string, index: number): Rng {
  let h = FUZZ_SEED ^ 0x9e3779b9;
  for (const c of `${target}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return new Rng(h);
}

const BOUNDARY = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x0a, 0x2f, 0x2e, 0x30, 0x39];

/** One to a few random edits: flips, boundary bytes, inserts, deletes, truncation, duplication. */
export function mutateBytes(rng: Rng, data: Uint8Array, focus?: { start: number; end: number }): Uint8Array {
  let out: Uint8Array = new Uint8Array(data);
  const edits = 1 + rng.int(4);
  for (let e = 0; e < edits; e++) {
    const lo = focus ? Math.min(focus.start, out.length) : 0;
    const hi = focus ? Math.min(focus.end, out.length) : out.length;
    const at = hi > lo ? lo + rng.int(hi - lo) : 0;
    switch (rng.int(7)) {
      case 0:
        if (out.length) out[at] = out[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        if (out.length) out[at] = rng.pick(BOUNDARY);
        break;
      case 2: {
        const insert = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
        out = concat(out.subarray(0, at), insert, out.subarray(at));
        break;
      }
      case 3:
        out = concat(out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + rng.int(64))));
        break;
      case 4:
        out = out.subarray(0, at).slice();
        break;
      case 5: {
        const len = Math.min(out.length - at, 1 + rng.int(512));
        out = concat(out.subarray(0, at + len), out.subarray(at, at + len), out.subarray(at + len));
        break;
      }
      default:
        // a 4- or 8-byte field set to an extreme
        for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = rng.chance(0.5) ? 0xff : 0x00;
    }
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/** The shared property: an error is a PithError whose line is one printable line. */
export function assertCleanError(err: unknown, label: string): void {
  assert.ok(isPithError(err), `${label}: not a PithError: ${err instanceof Error ? err.stack : String(err)}`);
  const line = err.oneLine();
  assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(line), `${label}: control characters in ${JSON.stringify(line)}`);
  assert.ok(line.length <= 4096, `${label}: a ${line.length}-character error line`);
}

/** Runs `work` and fails if it takes longer than `ms` (a hang or a quadratic blow-up). */
export async function withinTime<T>(ms: number, label: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
