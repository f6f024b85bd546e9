/**
 * The real-package corpus (test/corpus): every entry built with trim: docs and trim: closure and
 * its smoke test run with runc, against the expected state in test/corpus/known-failing.yaml.
 * An entry that fails without being listed is a regression; a listed entry that passes must be
 * taken off the list. `PITH_CORPUS_ENTRIES=nginx,redis` runs only those entries.
 * The table is printed at the end (also: `node dist/scripts/corpus.js`).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCorpus, loadKnownFailing, specRuleViolations } from '../helpers/corpus/corpus.js';
import { compareWithKnown, formatLine, formatTotals, HEADER } from '../helpers/corpus/report.js';
import { DEFAULT_BUDGET_MS, runCorpus, type EntryResult } from '../helpers/corpus/run.js';

const only = (process.env.PITH_CORPUS_ENTRIES ?? '').split(',').filter(Boolean);
const entries = loadCorpus(only);
const known = loadKnownFailing();
const results: EntryResult[] = [];
const started = Date.now();

describe('corpus of real Debian packages', () => {
  test('specs set no trim: or keep:; known-failing.yaml names only corpus entries', () => {
    const all = loadCorpus();
    assert.deepEqual(specRuleViolations(all), []);
    const names = new Set(all.map((e) => e.name));
    assert.deepEqual(
      Object.keys(known).filter((n) => !names.has(n)),
      [],
    );
  });

  for (const entry of entries) {
    test(`${entry.name}: ${entry.about}`, { timeout: 30 * 60_000 }, async () => {
      const { results: mine } = await runCorpus({ entries: [entry], deadline: started + DEFAULT_BUDGET_MS });
      results.push(...mine);
      assert.deepEqual(compareWithKnown(mine, known), []);
    });
  }

  after(() => {
    console.log(HEADER);
    for (const r of results) console.log(formatLine(r));
    for (const line of formatTotals(results, Date.now() - started)) console.log(line);
  });
});
