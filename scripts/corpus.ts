/**
 * The real-package corpus as a report: `node dist/scripts/corpus.js [ENTRY...] [options]`
 * (after `npm run build`). Builds every entry of test/corpus with trim: docs and trim: closure,
 * runs its smoke test with runc, and prints one line per entry and mode, then the totals.
 *   --mode docs|closure   only this mode
 *   --cache-dir DIR       pith's cache (default $PITH_CORPUS_CACHE, else ~/.cache/pith-corpus)
 *   --budget-min N        stop starting entries after N minutes (default 45)
 *   --corpus-dir DIR      entries from DIR instead of test/corpus (a copy with edited specs)
 *   --keep                keep the work directory (images, build logs) and print its path
 *   --check               exit 1 when the results differ from test/corpus/known-failing.yaml
 */
import { parseArgs } from 'node:util';
import { loadCorpus, loadKnownFailing, MODES, type CorpusEntry, type Mode } from '../test/helpers/corpus/corpus.js';
import { compareWithKnown, formatLine, formatTotals, HEADER } from '../test/helpers/corpus/report.js';
import { abandonCorpusRuns, DEFAULT_BUDGET_MS, runCorpus } from '../test/helpers/corpus/run.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string' },
    'cache-dir': { type: 'string' },
    'corpus-dir': { type: 'string' },
    'budget-min': { type: 'string' },
    keep: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});

if (values.mode !== undefined && !(MODES as readonly string[]).includes(values.mode)) {
  console.error(`corpus: --mode must be one of ${MODES.join(', ')}`);
  process.exit(2);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    abandonCorpusRuns();
    process.exit(130);
  });
}

let entries: CorpusEntry[];
try {
  entries = loadCorpus(positionals, values['corpus-dir']);
} catch (e) {
  console.error(`corpus: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}

const started = Date.now();
console.log(HEADER);
const { results, work } = await runCorpus({
  entries,
  corpusDir: values['corpus-dir'],
  modes: values.mode ? [values.mode as Mode] : MODES,
  cacheDir: values['cache-dir'],
  deadline: started + (values['budget-min'] ? Number(values['budget-min']) * 60_000 : DEFAULT_BUDGET_MS),
  keepWork: values.keep,
  onResult: (r) => console.log(formatLine(r)),
});
for (const line of formatTotals(results, Date.now() - started)) console.log(line);
if (values.keep) console.log(`work directory kept: ${work}`);
if (values.check) {
  const problems = compareWithKnown(results, loadKnownFailing(values['corpus-dir']));
  for (const p of problems) console.log(`check: ${p}`);
  process.exitCode = problems.length ? 1 : 0;
}
