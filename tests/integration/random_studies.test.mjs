/**
 * random_studies.test.mjs - issue 22 on randomized studies
 * (random_studies.mjs: random fields, nested and crossed groupings,
 * histograms, several analyses on one field, skewed data with many small
 * cells), 200 seeds:
 * - the core takes every study (its schema and compiler), and its release path (build/tests/clear_report:
 *   the circuit's encoding and truncation, unshard, study_result) gives
 *   the rows clear_stats.mjs computes apart from it, written as the
 *   report's CSV (report_file.c) with the study's random indicators
 *   (two thirds of the studies): their rows first, each with its heading,
 *   some headings made to look like formulas;
 * - complementary suppression (clear_report --suppress, backend/lib/suppress.c):
 *   every released row equals the statistics in the clear, every group or
 *   bin with 1 to min_cell_count - 1 contributors is suppressed for its own
 *   size, and the auditor finds no suppressed value it can work out;
 * - control: the suppression auditor (audit.mjs) on today's primary-only
 *   release finds what can be worked out in a large share of the studies,
 *   and each finding is sound (a released value below min_cell_count, or a
 *   suppressed group whose true count lies in the range it gives).
 *
 *   node --test tests/integration/random_studies.test.mjs
 *
 * Environment: RANDOM_STUDY_SEED=S runs seed S alone (what a failure
 * names), RANDOM_STUDIES=N the seeds 1 to N (default 200),
 * RANDOM_STUDY_WORKERS the threads (default 2); MPC_BUILD as lib.mjs.
 * `node tests/integration/random_studies.mjs S DIR` writes the study and
 * answers of seed S.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { before, describe, test } from 'node:test';
import { checkSeeds, coreRows, randomAnswers, randomStudy } from './random_studies.mjs';

const one = process.env.RANDOM_STUDY_SEED;
const N = Number(process.env.RANDOM_STUDIES ?? 200);
const seeds = one !== undefined ? [Number(one)] : Array.from({ length: N }, (_, i) => i + 1);
const workers = Number(process.env.RANDOM_STUDY_WORKERS ?? Math.min(2, os.cpus().length));
const KINDS = ['released', 'count', 'sum', 'squares'];
/** The least share of studies in which the auditor must find something
 *  (the 200 seeds: about two thirds). */
const MIN_SHARE = 0.4;

const again = (seed) => `RANDOM_STUDY_SEED=${seed} node --test tests/integration/random_studies.test.mjs `
  + `(node tests/integration/random_studies.mjs ${seed} DIR writes its study and answers)`;
const report = (bad, what) => bad.slice(0, 5).map((r) => `seed ${r.seed} (${r.summary}): ${what(r)}\n  again: ${again(r.seed)}`)
  .join('\n') + (bad.length > 5 ? `\n... and ${bad.length - 5} more seeds` : '');

describe(`the suppression auditor and the core on ${seeds.length} random studies`, () => {
  let results;
  let seconds;
  before(async () => {
    const t = process.hrtime.bigint();
    results = await checkSeeds(seeds, workers);
    seconds = Number(process.hrtime.bigint() - t) / 1e9;
  });

  test('the generator gives the same study and answers for a seed, and others for other seeds', () => {
    const s = randomStudy(seeds[0]);
    assert.deepEqual(randomStudy(seeds[0]), s);
    assert.deepEqual(randomAnswers(s, seeds[0]), randomAnswers(s, seeds[0]));
    assert.notDeepEqual(randomStudy(seeds[0] + 1).fields, s.fields);
  });

  test('the core takes every study and releases the rows clear_stats.mjs computes', () => {
    assert.equal(results.length, seeds.length);
    const bad = results.filter((r) => r.core !== null);
    assert.equal(bad.length, 0, `${bad.length} of ${results.length} studies:\n${report(bad, (r) => r.core)}`);
  });

  test('complementary suppression: every released value right, nothing suppressed can be worked out', () => {
    const failed = results.filter((r) => r.pattern !== null);
    assert.equal(failed.length, 0, `${failed.length} of ${results.length} studies:\n${report(failed, (r) => r.pattern)}`);
    const leaky = results.filter((r) => r.leaks.length);
    assert.equal(leaky.length, 0, `the auditor works out suppressed values in ${leaky.length} studies:\n${report(leaky, (r) => r.leaks.slice(0, 3).join('; '))}`);
    const added = results.reduce((x, r) => x + r.complementary, 0);
    console.log(`random studies, complementary suppression: no finding in ${results.length} studies; `
      + `${added} rows suppressed to protect another group, in ${results.filter((r) => r.complementary).length} studies`);
  });

  test('control: on primary-only suppression the auditor finds leaks, and each finding is sound', () => {
    const failed = results.filter((r) => r.audit !== null);
    assert.equal(failed.length, 0, `the auditor failed on ${failed.length} studies:\n${report(failed, (r) => r.audit)}`);
    const unsound = results.filter((r) => r.unsound.length);
    assert.equal(unsound.length, 0, `unsound findings in ${unsound.length} studies:\n${report(unsound, (r) => r.unsound.slice(0, 3).join('; '))}`);
    const found = results.filter((r) => r.findings.length);
    const byKind = Object.fromEntries(KINDS.map((k) => [k, 0]));
    const studiesBy = Object.fromEntries(KINDS.map((k) => [k, 0]));
    for (const r of results) {
      for (const f of r.findings) byKind[f.kind]++;
      for (const k of KINDS) if (r.findings.some((f) => f.kind === k)) studiesBy[k]++;
    }
    const share = found.length / results.length;
    console.log(`random studies: ${results.length} studies (seeds ${seeds[0]}..${seeds.at(-1)}), ${found.length} with findings `
      + `(${(100 * share).toFixed(1)}%); findings by kind (studies): ${KINDS.map((k) => `${k} ${byKind[k]} (${studiesBy[k]})`).join(', ')}; `
      + `${results.reduce((x, r) => x + r.solved, 0)} LPs, ${seconds.toFixed(1)} s on ${workers} threads`);
    if (results.length < 50) return; // one seed, or a few: nothing to count
    assert.ok(share >= MIN_SHARE, `the auditor found something in only ${found.length} of ${results.length} studies `
      + `(expected at least ${100 * MIN_SHARE}%): the control lost its power, or the generator its small cells`);
    for (const k of KINDS) assert.ok(studiesBy[k] > 0, `no study has a finding of kind ${k}`);
  });
});

// A study of ungrouped counts alone: the circuit has nothing of its own
// to output (before, the core refused it: "the study cannot be compiled:
// size exceeds a limit of the core"), and its counts are the number of
// submissions.
test('a study of ungrouped counts alone is compiled and released', () => {
  const study = {
    format: 'mpc-study/1', id: 'ungrouped-counts', title: 'Ungrouped counts', access: 'open',
    fields: [{ name: 'member', label: 'Member?', type: 'boolean' }, { name: 'age', label: 'Age', type: 'integer', min: 18, max: 70 }],
    analyses: [{ name: 'everyone', stats: ['count'] }, { name: 'again', of: 'age', by: [], stats: ['count'] }],
    privacy: { min_submissions: 1, min_cell_count: 3 },
  };
  const r = coreRows(study, [{ member: true, age: 30 }, { member: false, age: 40 }, { member: true, age: 50 }]);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.rows.slice(1).filter((x) => x[2] === 'count').map((x) => x.slice(0, 4)),
    [['everyone', '', 'count', '3'], ['again', '', 'count', '3']]);
});
