/**
 * The real-package corpus as data: test/corpus/<entry>/pith.yaml (an ordinary spec) beside
 * smoke.yaml (what the entry must do, as steps), and test/corpus/known-failing.yaml (the entries
 * and trim modes expected to fail today, each with its reason).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/** test/corpus in the source tree (this file runs from dist/test/helpers/corpus). */
export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test', 'corpus');

export const MODES = ['docs', 'closure'] as const;
export type Mode = (typeof MODES)[number];

const expectation = z.strictObject({
  code: z.number().int().optional(),
  stdout: z.string().optional(),
  stderr: z.string().optional(),
});
const argv = z.array(z.string()).min(1);
const common = { user: z.string().optional(), timeout: z.number().positive().optional() };
const command = { args: argv.optional(), cmd: z.array(z.string()).optional(), ...common };

const step = z.union([
  z.strictObject({
    run: z.strictObject({ ...command, network: z.enum(['own', 'host']).optional(), expect: expectation.optional() }),
  }),
  z.strictObject({ start: z.strictObject(command) }),
  z.strictObject({
    request: z.strictObject({
      port: z.number().int().positive(),
      send: z.string().default(''),
      expect: z.string(),
      timeout: common.timeout,
    }),
  }),
  z.strictObject({ exec: z.strictObject({ args: argv, ...common, expect: expectation.optional() }) }),
]);
export type Step = z.infer<typeof step>;
export type Expectation = z.infer<typeof expectation>;

const smokeSchema = z.strictObject({
  about: z.string(),
  steps: z.array(step).min(1),
});

export interface CorpusEntry {
  name: string;
  dir: string;
  about: string;
  steps: Step[];
}

/** Every entry (sorted), or those named; an unknown name or a bad smoke.yaml throws. */
export function loadCorpus(only: string[] = [], corpusDir = CORPUS_DIR): CorpusEntry[] {
  const names = readdirSync(corpusDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(corpusDir, d.name, 'smoke.yaml')))
    .map((d) => d.name)
    .sort();
  for (const name of only)
    if (!names.includes(name)) throw new Error(`no corpus entry ${name} (have: ${names.join(', ')})`);
  return names.filter((n) => only.length === 0 || only.includes(n)).map((name) => loadEntry(corpusDir, name));
}

function loadEntry(corpusDir: string, name: string): CorpusEntry {
  const dir = join(corpusDir, name);
  const file = join(dir, 'smoke.yaml');
  const parsed = smokeSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { name, dir, ...parsed.data };
}

/**
 * The corpus' rules for its specs: no `trim:` (the runner sets it: a spec that did would make
 * both builds the same) and no `keep:` (closure mode must find what programs need by itself).
 * Checked by the e2e test; a copy given with --corpus-dir may break them to try a workaround.
 */
export function specRuleViolations(entries: CorpusEntry[]): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    const spec = readFileSync(join(entry.dir, 'pith.yaml'), 'utf8');
    if (/^trim\s*:/m.test(spec))
      problems.push(`${entry.name}/pith.yaml: remove trim: (the corpus builds every entry in each mode)`);
    if (/^keep\s*:/m.test(spec))
      problems.push(`${entry.name}/pith.yaml: keep: is not allowed (closure mode must find what programs need)`);
  }
  return problems;
}

const knownSchema = z.record(
  z.string(),
  z.strictObject({ docs: z.string().optional(), closure: z.string().optional() }),
);
export type KnownFailing = z.infer<typeof knownSchema>;

/** test/corpus/known-failing.yaml: entry -> mode -> why it fails today. */
export function loadKnownFailing(corpusDir = CORPUS_DIR): KnownFailing {
  const file = join(corpusDir, 'known-failing.yaml');
  const parsed = knownSchema.safeParse(parse(readFileSync(file, 'utf8')) ?? {});
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
