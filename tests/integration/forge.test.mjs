/**
 * forge.test.mjs - malicious contributors (docs/DESIGN.md, sections 2.2 and 6):
 * honest submissions mixed with deliberately invalid ones of every kind
 * `mpc submit --forge` makes, all uploaded like any other. The compute
 * must reject every forged one (counted, never included) and release
 * statistics equal to the honest answers' alone, computed in the clear.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, clearStats, parseCsv } from './clear_stats.mjs';
import { bin, cleanup, makeStudy, randomAnswers, runAsync, seeded, startApproved, startParty, writeCsv } from './lib.mjs';

const KINDS = ['range', 'multi-choice', 'no-choice', 'bad-proof', 'bad-share', 'public-share-mismatch', 'bin-value', 'positive-indicator',
  'grid-value', 'grid-two-cells'];
const COLUMNS = ['gender', 'ethnicity', 'job', 'salary', 'manager', 'bonus'];
/** Answers with a bonus too (0 for about a third). */
const withBonus = (answers, random) => answers.map((a) => ({ ...a, bonus: random() < 0.35 ? 0 : Math.floor(random() * 30001) }));
const HONEST = 60;
const PER_KIND = 6;

describe('forged submissions are rejected; the result is the honest answers\' alone', () => {
  let study;
  const org = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const submit = (csv, extra = []) => runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, ...extra]);

  before(async () => {
    // (the salary's share above 0 too, for positive-indicator; a bonus's
    // quartiles by manager, for grid-value and grid-two-cells)
    study = await makeStudy({
      n: 3, tokens: 0, edit: (doc) => {
        doc.access = 'open';
        doc.analyses[1].stats.push('share_positive');
        doc.fields.push({ name: 'bonus', label: 'Bonus (USD)', type: 'integer', min: 0, max: 50000 });
        doc.analyses.push({ name: 'bonus', of: 'bonus', by: ['manager'], stats: ['count', 'quartiles'], grid: 1000 });
      },
    });
    await startApproved(study);
  });
  after(() => cleanup(study));

  test('--forge refuses unknown kinds and studies without a field to forge, sending nothing', async () => {
    const csv = path.join(study.dir, 'one.csv');
    writeCsv(csv, withBonus(randomAnswers(1, seeded(1)), seeded(2)), COLUMNS);
    const r = await submit(csv, ['--forge', 'sneaky']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--forge must be one of range, multi-choice, no-choice, bad-proof, bad-share, public-share-mismatch, bin-value, positive-indicator, grid-value, grid-two-cells, presence, count-above-max, sum-bounds\n/);
  });

  test('honest rows and forged rows of every kind are uploaded and confirmed like any other', async () => {
    const honest = path.join(study.dir, 'honest.csv');
    // (every fifth with a salary of 0: a share above 0 below 1)
    writeCsv(honest, withBonus(randomAnswers(HONEST, seeded(7)).map((a, i) => (i % 5 ? a : { ...a, salary: 0 })), seeded(8)), COLUMNS);
    let r = await submit(honest);
    assert.equal(r.code, 0, r.stderr);
    for (const [k, kind] of KINDS.entries()) {
      const csv = path.join(study.dir, `${kind}.csv`);
      writeCsv(csv, withBonus(randomAnswers(PER_KIND, seeded(100 + k)), seeded(200 + k)), COLUMNS);
      r = await submit(csv, ['--forge', kind]);
      assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
      assert.match(r.stderr, /Forging: every row is sent as a deliberately invalid report/);
      assert.match(r.stdout, new RegExp(`Submitted ${PER_KIND} of ${PER_KIND} rows to 3 parties`));
    }
  });

  test('the compute rejects every forged report and completes', async () => {
    const r = await org('compute');
    assert.equal(r.code, 0, r.stderr);
    const forged = KINDS.length * PER_KIND;
    assert.match(r.stdout, new RegExp(`${HONEST} submissions accepted, ${forged} rejected`));
  });

  test('the released statistics equal the honest answers\' computed in the clear', async () => {
    const csv = path.join(study.dir, 'report.csv');
    const r = await org('report', ['--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    const honest = answersFromCsv(fs.readFileSync(path.join(study.dir, 'honest.csv'), 'utf8'));
    const expected = clearStats(doc, honest, KINDS.length * PER_KIND);
    const rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    assert.deepEqual(checkReport(doc, honest, rows, KINDS.length * PER_KIND), []);
    assert.equal(rows.length - 1, expected.size);
    // The bonus's quartiles are released (no part of the bonus is withheld)
    // and equal the honest answers' in the clear.
    const quartiles = rows.filter((x) => x[0] === 'bonus' && x[2].match(/^(quartile_1|median|quartile_3)$/));
    assert.equal(quartiles.length, 6);
    for (const [a, g, s, value, note] of quartiles) {
      assert.equal(note, '', `${g} ${s}`);
      assert.equal(value, expected.get(`${a}|${g}|${s}`).value);
    }
  });
});

describe('--forge needs a field of the kind it forges', () => {
  let study;
  before(async () => {
    study = await makeStudy({
      n: 2, tokens: 0, edit: (doc) => {
        doc.access = 'open';
        doc.fields = doc.fields.filter((f) => f.type !== 'integer');
        doc.analyses = [{ name: 'headcount', by: ['gender'], stats: ['count'] }];
      },
    });
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('range on a study without integer fields: a clear error, nothing sent', async () => {
    const csv = path.join(study.dir, 'one.csv');
    writeCsv(csv, randomAnswers(2, seeded(3)), ['gender', 'ethnicity', 'job', 'manager']);
    const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, '--forge', 'range']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--forge: this study has no integer field to forge; nothing was sent/);
    const s = await fetch(`${study.parties[0].url}/api/study`);
    assert.equal(s.status, 200);
  });
});
