/**
 * report.test.mjs - `mpc report` against a hostile leader, and labels that
 * look like formulas or separators (issue 20, holes 2 and 3). 3 real
 * parties on loopback, each behind a proxy (tests/integration/proxy.mjs)
 * that the study names; the study's choice labels contain ";", "=" and
 * start with "=" and "@", as a legitimate study may. After a real compute:
 *
 * - the spreadsheet (`--xlsx`, read back with exceljs) has every group
 *   under its own column values, equal to the statistics computed in the
 *   clear;
 * - the CSV holds no text cell a spreadsheet reads as a formula (at its
 *   start or after a ";", the separator of spreadsheets set to ";"), and
 *   negative numbers stay numbers;
 * - a leader (the proxy, rewriting GET /api/result) that answers for
 *   another study, or with a row of an unknown analysis, group or
 *   statistic, a value that is not a number, or rows missing or repeated,
 *   is refused with a message naming the first bad row, and no file is
 *   written.
 *
 *   MPC_BUILD=build node --test tests/integration/report.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { checkReport } from './check_report.mjs';
import { clearStats, parseCsv } from './clear_stats.mjs';
import { bin, cleanup, makeStudy, runAsync, startParty, writeCsv } from './lib.mjs';
import { proxy } from './proxy.mjs';

const DEPTS = ['Sales; Marketing', 'A=B', '=Lead', 'Ops;=Lead'];
const PLACES = ['@home', 'office'];
/** A text cell a spreadsheet would read as a formula. */
const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** The CSV's group with the neutralising quotes taken out: the study's
 *  own group text. */
const unquote = (g) => g.replace(/^'(?=[=+\-@\t\r])/, '').replace(/;'(?=[=+\-@\t\r])/g, ';');

describe('mpc report: labels with ";" and "=", a hostile leader (3 parties behind proxies)', () => {
  let study;
  let answers;
  let leaderProxy;
  const proxies = [];
  const report = (args) => runAsync(bin('mpc'), ['report', '--organizer', study.org, '--study', study.sealed, ...args]);

  before(async () => {
    study = await makeStudy({
      n: 3,
      proxied: true,
      edit: (d) => {
        d.access = 'open';
        d.fields = [
          { name: 'dept', label: 'Department', type: 'choice', choices: DEPTS },
          { name: 'place', label: 'Place of work', type: 'choice', choices: PLACES },
          { name: 'delta', label: 'Change', type: 'integer', min: -1000, max: 1000 },
        ];
        d.analyses = [
          { name: 'change', of: 'delta', by: ['dept', 'place'], stats: ['count', 'sum', 'mean'] },
          { name: 'heads', by: ['place', 'dept'], stats: ['count'] },
          { name: 'bands', of: 'delta', by: ['dept'], stats: ['histogram'], bins: [-1000, 0] },
        ];
        d.privacy = { min_submissions: 10, min_cell_count: 2 };
      },
    });
    for (const p of study.parties) {
      const px = await proxy(p.port, p.listenPort);
      proxies.push(px);
      await startParty(study, p);
    }
    [leaderProxy] = proxies;
    // Every cell and every band has at least 2 contributors (nothing is
    // suppressed), mostly negative changes.
    answers = Array.from({ length: 48 }, (_, i) => ({
      dept: DEPTS[i % DEPTS.length], place: PLACES[Math.floor(i / DEPTS.length) % PLACES.length],
      delta: i % 12 < 4 ? 100 + i : -900 + ((i * 37) % 900),
    }));
    const csv = writeCsv(path.join(study.dir, 'people.csv'), answers, ['dept', 'place', 'delta']);
    let r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    for (const p of study.parties) {
      r = await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
      assert.equal(r.code, 0, r.stderr);
    }
    r = await runAsync(bin('mpc'), ['compute', '--organizer', study.org, '--study', study.sealed]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    for (const px of proxies) await px.close();
    cleanup(study);
  });

  test('the spreadsheet puts every group under its own column values (labels with ";" and "=")', async () => {
    const xlsx = path.join(study.dir, 'report.xlsx');
    const r = await report(['--xlsx', xlsx]);
    assert.equal(r.code, 0, r.stderr);
    const expected = clearStats(JSON.parse(fs.readFileSync(study.sealed, 'utf8')), answers);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['Summary', 'change', 'heads', 'bands', 'Method']);
    const sheets = [
      ['change', ['dept', 'place'], ['Department', 'Place of work', 'count', 'sum', 'mean']],
      ['heads', ['place', 'dept'], ['Place of work', 'Department', 'count']],
      ['bands', ['dept'], ['Department', 'histogram[-1000;0)', 'histogram[0;)']],
    ];
    for (const [name, by, header] of sheets) {
      const ws = wb.getWorksheet(name);
      assert.deepEqual(ws.getRow(3).values.slice(1), header, name);
      const groups = by.map((f) => (f === 'dept' ? DEPTS : PLACES)).reduce((acc, labels) =>
        acc.flatMap((g) => labels.map((l) => [...g, l])), [[]]);
      assert.equal(ws.rowCount >= 3 + groups.length, true);
      groups.forEach((labels, i) => {
        const row = ws.getRow(4 + i);
        const values = labels.map((_, k) => row.getCell(k + 1).value);
        assert.deepEqual(values, labels, `${name} row ${4 + i}: the group's own labels`);
        const group = by.map((f, k) => `${f}=${labels[k]}`).join(';');
        header.slice(by.length).forEach((stat, k) => {
          const want = expected.get(`${name}|${group}|${stat}`);
          assert.ok(want, `${name}|${group}|${stat}`);
          const got = row.getCell(by.length + k + 1).value;
          assert.equal(typeof got, 'number', `${name} ${group} ${stat}: a number`);
          if (typeof want.value === 'number') assert.ok(Math.abs(got - want.value) <= 1e-9 * Math.abs(want.value));
          else assert.equal(String(got), want.value, `${name} ${group} ${stat}`);
        });
      });
    }
  });

  test('the CSV: no cell a spreadsheet reads as a formula; negative numbers stay numbers', async () => {
    const csv = path.join(study.dir, 'report.csv');
    const r = await report(['--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    const text = fs.readFileSync(csv, 'utf8');
    const rows = parseCsv(text);
    for (const row of rows) {
      assert.equal(row.length, 6, JSON.stringify(row));
      for (const cell of row) {
        if (NUMBER.test(cell)) continue;
        assert.doesNotMatch(cell, FORMULA, `a cell: ${cell}`);
        for (const part of cell.split(';')) assert.doesNotMatch(part, FORMULA, `after a ";": ${cell}`);
      }
    }
    // The label "Ops;=Lead" after its ";" is quoted; "=Lead" and "@home"
    // follow "dept=" and "place=", which no spreadsheet reads as a formula.
    assert.ok(rows.some((x) => x[1] === "dept=Ops;'=Lead;place=@home" && x[2] === 'count'), 'neutralised after ";"');
    assert.ok(rows.some((x) => x[1] === 'dept==Lead;place=office'), 'a label starting with "="');
    assert.ok(text.includes('\nchange,dept=Sales; Marketing;place=@home,sum,-'), 'a negative sum, unquoted');
    const negative = rows.filter((x) => x[2] === 'sum' && x[3].startsWith('-'));
    assert.ok(negative.length > 0 && negative.every((x) => NUMBER.test(x[3])), 'negative sums are plain numbers');
    const [header, ...body] = rows;
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    assert.deepEqual(checkReport(doc, answers, [header, ...body.map(([a, g, ...rest]) => [a, unquote(g), ...rest])]), []);
  });

  /** mpc report with the leader's /api/result rewritten by edit(result):
   *  must fail with a message matching `message`, writing no file. */
  async function refused(edit, message) {
    leaderProxy.plan = (req) => (req.url === '/api/result' ? {
      rewrite: (status, body) => {
        const j = JSON.parse(body.toString('utf8'));
        edit(j);
        return { status, body: Buffer.from(JSON.stringify(j)) };
      },
    } : undefined);
    const dir = fs.mkdtempSync(path.join(study.dir, 'refused-'));
    try {
      const r = await report(['--csv', path.join(dir, 'r.csv'), '--xlsx', path.join(dir, 'r.xlsx')]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /[Nn]othing was written/);
      assert.deepEqual(fs.readdirSync(dir), [], 'no file written');
    } finally {
      leaderProxy.plan = undefined;
    }
  }
  const row = (j, analysis, statistic) => j.rows.find((x) => x.analysis === analysis && x.statistic === statistic);

  test('a result for another study is refused', async () => {
    await refused((j) => { j.study = '00'.repeat(32); },
      /the leader's result is for another study \(0{64}\), not the sealed one \([0-9a-f]{64}\)/);
  });

  test('rows of an unknown analysis, group or statistic, or a value that is no number, are refused', async () => {
    await refused((j) => { j.rows[2].analysis = '=HYPERLINK("http://evil.example","x")'; },
      /result row 3: analysis "=HYPERLINK\("http:\/\/evil.example","x"\)" is not one of the study's analyses/);
    await refused((j) => { j.rows[5].group = "=cmd|' /C calc'!A0"; },
      /result row 6: group "=cmd\|' \/C calc'!A0" is not a group of analysis "change"/);
    await refused((j) => { j.rows.at(-1).statistic = '@SUM(1+1)'; },
      /result row \d+: statistic "@SUM\(1\+1\)" is not one of analysis "bands"'s statistics/);
    await refused((j) => { row(j, 'change', 'sum').value = '-2+3+cmd|x'; },
      /result row 4: value "-2\+3\+cmd\|x" of "sum" is not a whole number/);
    await refused((j) => { row(j, 'change', 'mean').value = '=1+1'; },
      /result row 5: value "=1\+1" of "mean" is not a number/);
    await refused((j) => { j.rows.splice(4, 1); },
      /result row 5: expected analysis "change", group "dept=Sales; Marketing;place=@home", statistic "mean" here/);
    await refused((j) => { j.rows.push(j.rows[3]); },
      /the result has \d+ rows; the study has \d+: rows are repeated/);
  });

  test('the leader unchanged: accepted again', async () => {
    const r = await report(['--csv', path.join(study.dir, 'again.csv')]);
    assert.equal(r.code, 0, r.stderr);
  });
});
