/**
 * eu_study.test.mjs - the EU pay transparency example
 * (schema/studies/eu-pay-transparency.json, issue 24) through 3 real
 * parties: synthetic answers (scripts/synthetic.mjs) submitted with
 * `mpc submit`, the compute (medians found by the parties' search), and
 * the report: every row equal to the statistics computed in the clear from
 * the same answers, the auditor finding nothing suppressed it can work
 * out, the Article 9 indicators released (the mean and median pay gaps, of
 * basic and of variable pay among those who receive it, the share
 * receiving variable pay, the quartiles of everyone and each gender's share
 * of each quartile pay band, the gap by category),
 * and the spreadsheet's numbers the CSV's. The indicators under the
 * Directive's own headings (the study's "indicators"): the CSV lists them
 * first, each row with its heading, and the spreadsheet's Indicators sheet
 * holds the headings in order and the same numbers.
 *
 *   MPC_BUILD=build node --test tests/integration/eu_study.test.mjs
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, clearStats, indicatorProblems, parseCsv } from './clear_stats.mjs';
import { bin, cleanup, makeStudy, root, runAsync, startApproved } from './lib.mjs';
import { sheetNumbersProblems, workbookCells } from './workbook.mjs';

const N = 300;
const STUDY = 'schema/studies/eu-pay-transparency.json';

describe('the EU pay transparency example, end to end', () => {
  let study;
  let answers;
  let rows;
  const org = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);

  before(async () => {
    study = await makeStudy({ n: 3, tokens: 0, studyFile: STUDY, edit: (d) => { d.access = 'open'; } });
    await startApproved(study, ['--upload-rate', '6000']); // (an open study's default is 120 a minute)
    const csv = path.join(study.dir, 'people.csv');
    fs.writeFileSync(csv, execFileSync('node', [path.join(root, 'scripts/synthetic.mjs'), path.join(root, STUDY), String(N), '11']));
    answers = answersFromCsv(fs.readFileSync(csv, 'utf8'));
    const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => cleanup(study));

  test('the compute releases every indicator, each equal to the clear one; the auditor finds nothing', async () => {
    const c = await org('compute');
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`${N} submissions accepted, 0 rejected`));
    const csv = path.join(study.dir, 'report.csv');
    const xlsx = path.join(study.dir, 'report.xlsx');
    const r = await org('report', ['--csv', csv, '--xlsx', xlsx]);
    assert.equal(r.code, 0, r.stderr);
    rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    assert.deepEqual(checkReport(doc, answers, rows), []);
    const expected = clearStats(doc, answers);
    assert.equal(rows.length - 1, expected.size);
    const value = (a, g, s) => {
      const row = rows.find((x) => x[0] === a && x[1] === g && x[2] === s);
      assert.ok(row, `no row ${a} ${g} ${s}`);
      assert.equal(row[4], '', `${a} ${g} ${s} is ${row[4]}`);
      assert.ok(expected.has(`${a}|${g}|${s}`)); // (and checkReport found it equal to the clear value)
      return Number(row[3]);
    };
    // Article 9 (a) and (c): the mean and the median pay gap (women below men).
    assert.ok(value('pay_gap', 'gender=Woman', 'gap_percent') > 0);
    assert.ok(value('pay_gap', 'gender=Woman', 'median_gap_percent') > 0);
    assert.ok(value('pay_gap', 'gender=Man', 'median') > value('pay_gap', 'gender=Woman', 'median'));
    // (b), (d), (e): variable pay, its median among those who receive it, and the share receiving it.
    value('variable_pay_gap', 'gender=Woman', 'gap_percent');
    value('variable_pay_gap', 'gender=Woman', 'median_gap_percent');
    assert.ok(value('variable_pay_gap', 'gender=Woman', 'median') > 0);
    assert.ok(value('variable_pay_gap', 'gender=Woman', 'share_positive') < value('variable_pay_gap', 'gender=Man', 'share_positive'));
    // The quartiles of everyone (the limits of the quartile pay bands).
    const q = ['quartile_1', 'median', 'quartile_3'].map((s) => value('pay_quartiles', '', s));
    assert.ok(q[0] <= q[1] && q[1] <= q[2], q.join(' '));
    // (f): the proportion of women and men in each quartile pay band (fewer women in the top one).
    for (let b = 1; b <= 4; b++) {
      const w = value('pay_bands', 'gender=Woman', `quartile_band_${b}`);
      const m = value('pay_bands', 'gender=Man', `quartile_band_${b}`);
      assert.ok(Math.abs(w + m - 1) < 1e-9, `band ${b}: ${w} + ${m}`);
    }
    assert.ok(value('pay_bands', 'gender=Woman', 'quartile_band_4') < value('pay_bands', 'gender=Woman', 'quartile_band_1'));
    // (g): the gap by category of workers, of basic and of variable pay.
    value('category_pay_gap', 'gender=Woman;category=Operational', 'gap_percent');
    value('category_variable_pay_gap', 'gender=Woman;category=Operational', 'gap_percent');
    // The spreadsheet holds the CSV's numbers.
    const cells = await workbookCells(xlsx);
    assert.deepEqual(sheetNumbersProblems(cells, rows), []);
    // The Article 9 indicators under the Directive's headings: first in
    // the CSV, in the study's order, each with its heading; all seven.
    assert.deepEqual(indicatorProblems(doc, rows), []);
    const headed = rows.slice(1).filter((x) => x[5] !== '');
    assert.deepEqual([...new Set(headed.map((x) => x[5].replace(/:.*/, '').slice(0, 3)))],
      ['(a)', '(b)', '(c)', '(d)', '(e)', '(f)', '(g)']);
    assert.deepEqual(rows.slice(1, 1 + rows.slice(1).filter((x) => x[0] === '_study').length + headed.length)
      .filter((x) => x[0] !== '_study'), headed, 'the headed rows come right after the _study rows');
    assert.deepEqual(headed.filter((x) => x[5].startsWith('(a)')).map((x) => [x[0], x[1], x[2]]),
      [['pay_gap', 'gender=Woman', 'gap_percent'], ['pay_gap', 'gender=Man', 'gap_percent']]);
    assert.equal(headed.filter((x) => x[5].startsWith('(f)')).length, 2 * 4 + 3);
    assert.equal(headed.filter((x) => x[5] === '(g) The gender pay gap between workers by categories of workers: Complementary or variable components').length, 8);
    // The Indicators sheet: the title, the headings in order, the labels,
    // and the numbers of the headed rows.
    const sheet = cells.get('Indicators');
    assert.ok(sheet, 'an Indicators sheet');
    assert.equal(sheet[0][0], doc.indicators.title);
    const texts = sheet.map((r) => r[0]).filter((v) => typeof v === 'string');
    const headings = doc.indicators.sections.map((s) => s.heading);
    assert.deepEqual(texts.filter((t) => headings.includes(t)), headings);
    assert.ok(sheet.some((r) => r[0] === 'Ordinary basic wage or salary' && r[1] === '(analysis category_pay_gap)'));
    const sheetNumbers = sheet.flat().filter((v) => typeof v === 'number').sort((x, y) => x - y);
    const headedNumbers = headed.filter((x) => x[3] !== '').map((x) => Number(x[3])).sort((x, y) => x - y);
    assert.deepEqual(sheetNumbers, headedNumbers);
    assert.deepEqual([...cells.keys()].slice(0, 3), ['Summary', 'Indicators', 'pay_gap']);
    if (process.env.EU_PRINT) console.log(rows.map((x) => x.join(',')).join('\n'));
  });
});
