#!/usr/bin/env node
/**
 * upload.mjs - employers as contributors through the real upload page
 * (web/submit/upload.js) in headless Chromium, against 3 real parties on
 * loopback. 12 employers of an "access": "organization" pay-equity study
 * open their own link and upload their HR export:
 * - six as CSV (one semicolon-separated, one with its columns named in
 *   other case and order, one with bad rows), six as .xlsx (written with
 *   exceljs, read in the page with read-excel-file);
 * - the rows that cannot be used are listed with their reasons and left
 *   out; the summary counts the rows, the people per group, the totals;
 * - one employer maps its oddly named columns by hand, sends, then uploads
 *   a corrected export from the same page: the mapping is remembered, and
 *   the later report replaces the earlier one as a whole;
 * then `mpc compute` and `mpc report`: the report equals the statistics of
 * the rows that count computed in the clear (check_report.mjs, with the
 * auditor), and the groups of non-binary people, many but from two
 * employers only, are suppressed (min_contributors 3). The upload page fits
 * a phone's width; no console error or CSP violation anywhere.
 * With MPC_SCREENSHOTS=DIR it saves the upload page at desktop and phone
 * width there (docs/screenshots/ holds the ones docs/STUDY.md shows).
 *
 *   node tests/browser/upload.mjs          (MPC_BUILD selects the build dir)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { checkReport } from '../integration/check_report.mjs';
import { parseCsv } from '../integration/clear_stats.mjs';
import { bin, cleanup, makeStudy, runAsync, seeded, startApproved, workforce } from '../integration/lib.mjs';
import { workbookCells } from '../integration/workbook.mjs';
import { launchChromium, receipt, Recorder, runBrowserTest } from './lib.mjs';
import { linkIn } from './report_lib.mjs';

const EMPLOYERS = 12;
const MAX_ROWS = 60;
const COLUMNS = ['gender', 'ethnicity', 'job', 'salary', 'manager'];
const check = (name) => console.log(`ok: ${name}`);
const shots = process.env.MPC_SCREENSHOTS ? path.resolve(process.env.MPC_SCREENSHOTS) : null;


const csvCell = (v) => (typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v));
function writeCsv(file, header, rows, sep = ',') {
  fs.writeFileSync(file, `${header.map(csvCell).join(sep)}\r\n${rows.map((r) => r.map(csvCell).join(sep)).join('\r\n')}\r\n`);
  return file;
}
async function writeXlsx(file, header, rows) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Staff');
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
  return file;
}
const asRow = (a, cols = COLUMNS) => cols.map((c) => a[c]);

const browser = await launchChromium();
const recorder = new Recorder(browser);
let study = null;
await runBrowserTest(browser, recorder, async () => {
  study = await makeStudy({
    n: 3, tokens: EMPLOYERS, edit: (d) => {
      d.access = 'organization';
      d.max_rows = MAX_ROWS;
      d.privacy.min_contributors = 3;
    },
  });
  await startApproved(study);
  const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
  const counted = [];
  const random = seeded(2026);

  /** Opens employer e's link; waits for the upload section. */
  async function openUpload(e, options = {}) {
    const { page } = await recorder.open(study.tokens[e].link, options);
    await page.waitForSelector('#upload', { state: 'visible', timeout: 20000 });
    assert.equal(await page.isVisible('#study-form'), false, 'no questions in an organization study');
    return page;
  }
  /** Chooses a file; waits until its rows are checked. */
  async function choose(page, file) {
    await page.setInputFiles('#upload-file', file);
    await page.waitForSelector('#upload-summary', { state: 'visible', timeout: 20000 });
  }
  const fact = async (page, name) => (await page.textContent(`#upload-facts [data-fact="${name}"] dd`)).trim();
  async function send(page, people) {
    assert.equal(await page.textContent('#upload-button'), `Send the report of ${people} people`);
    await page.click('#upload-button');
    return receipt(page, 3, 60000);
  }

  for (let e = 0; e < EMPLOYERS; e++) {
    const people = workforce(e, random);
    const file = path.join(study.dir, `employer${e}.${e < 6 ? 'csv' : 'xlsx'}`);
    let page;
    if (e === 1) {
      // Semicolons, as a European spreadsheet exports CSV.
      writeCsv(file, COLUMNS, people.map((a) => asRow(a)), ';');
    } else if (e === 2) {
      // The labels as headings, in other case and order; choices in capitals, yes/no.
      const header = ['SALARY', 'job category', 'Gender', 'Race / Ethnicity', 'Do you manage people?'];
      writeCsv(file, header, people.map((a) => [a.salary, a.job, a.gender.toUpperCase(), a.ethnicity, a.manager ? 'Yes' : 'No']));
    } else if (e === 3) {
      // Four rows that cannot be used, among the good ones.
      const rows = people.map((a) => asRow(a));
      rows.splice(2, 0, ['Woman', 'Asian', 'Sales', '85,000', 'false']);
      rows.splice(5, 0, ['Unknown', 'Asian', 'Sales', '50000', 'false']);
      rows.splice(9, 0, ['Man', 'White', '', '60000', 'true']);
      rows.push(['Man', 'White', 'Sales', '2000000', 'maybe']);
      writeCsv(file, COLUMNS, rows);
    } else if (e < 6) {
      writeCsv(file, COLUMNS, people.map((a) => asRow(a)));
    } else if (e === 7) {
      // Columns only a person can match; first a wrong export, then the right one.
      const header = ['Sex', 'Origin', 'Role', 'Base pay', 'Supervisor'];
      const wrong = path.join(study.dir, 'wrong.xlsx');
      await writeXlsx(wrong, header, people.map((a) => [a.gender, a.ethnicity, 'Executives', 999999, a.manager]));
      await writeXlsx(file, header, people.map((a) => [a.gender, a.ethnicity, a.job, a.salary, a.manager]));
      page = await openUpload(e);
      await page.setInputFiles('#upload-file', wrong);
      await page.waitForSelector('#upload-mapping-status', { state: 'visible', timeout: 20000 });
      assert.match(await page.textContent('#upload-mapping-status'), /Choose the column of: Gender, Race \/ ethnicity, Job category, Annual salary \(USD\), Do you manage people\?/);
      assert.equal(await page.isDisabled('#upload-button'), true);
      for (const [field, col] of [['gender', 'Sex'], ['ethnicity', 'Origin'], ['job', 'Role'], ['salary', 'Base pay'], ['manager', 'Supervisor']]) {
        await page.selectOption(`#map-${field}`, { label: col });
      }
      await page.waitForSelector('#upload-summary', { state: 'visible' });
      await send(page, people.length);
      // The correction, from the same page: the mapping is remembered.
      await page.click('#correct-button');
      await choose(page, file);
      assert.equal(await page.$eval('#map-salary', (s) => s.options[s.selectedIndex].textContent), 'Base pay');
      await send(page, people.length);
      check('an employer mapped its columns by hand, sent, then replaced its report from the same page with the mapping remembered');
    } else {
      await writeXlsx(file, COLUMNS, people.map((a) => asRow(a)));
    }
    if (!page) {
      page = await openUpload(e);
      await choose(page, file);
      if (e === 3) {
        const items = await page.$$eval('#upload-problems-list li', (li) => li.map((x) => x.textContent));
        assert.deepEqual(items.map((t) => t.split(':')[0]), ['Row 4', 'Row 7', 'Row 11', `Row ${people.length + 5}`]);
        assert.match(items[0], /Annual salary \(USD\): must be a whole number from 0 to 1000000 \(digits only, no separators\)/);
        assert.match(items[1], /Gender: "Unknown" is not one of the choices "Woman", "Man", "Non-binary"/);
        assert.match(items[2], /Job category: missing/);
        assert.match(items[3], /Annual salary \(USD\): 2000000 is above the maximum 1000000; Do you manage people\?: must be true or false/);
        assert.equal(await fact(page, 'Rows left out'), '4');
        assert.match(await page.textContent('#upload-problems-intro'), /4 rows of employer3\.csv cannot be used and will be left out of the report/);
        check('the rows that cannot be used are listed with their reasons, and left out');
      }
      assert.equal(await fact(page, 'People in the report'), String(people.length));
      const groups = await page.$$eval('#upload-groups .summary-group', (gs) => gs.map((g) => [g.querySelector('h4').textContent,
        [...g.querySelectorAll('tr')].map((r) => [r.querySelector('th').textContent, r.querySelector('td').textContent])]));
      const gender = Object.fromEntries(groups.find(([h]) => h === 'Gender')[1]);
      for (const g of ['Woman', 'Man', 'Non-binary']) assert.equal(gender[g], String(people.filter((a) => a.gender === g).length));
      const totals = Object.fromEntries(groups.find(([h]) => h === 'Totals')[1]);
      assert.equal(totals['Annual salary (USD)'], people.reduce((s, a) => s + a.salary, 0).toLocaleString('en'));
      if (e === 3 && shots) {
        fs.mkdirSync(shots, { recursive: true });
        await page.locator('#upload').screenshot({ path: path.join(shots, 'upload-desktop.png') });
      }
      await send(page, people.length);
    }
    await page.close();
    for (const a of people) counted.push({ ...a, salary: String(a.salary), manager: String(a.manager), _employer: e });
  }
  check('12 employers uploaded their exports (CSV and .xlsx); every party confirmed each report');

  // On a phone: the upload page, with a file chosen, does not scroll sideways.
  const phone = await openUpload(3, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await choose(phone, path.join(study.dir, 'employer3.csv'));
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
  if (shots) await phone.locator('#upload').screenshot({ path: path.join(shots, 'upload-phone.png') });
  await phone.close();
  check('the upload page fits a phone\'s width');

  const mpc = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const computed = await mpc('compute');
  assert.equal(computed.code, 0, computed.stderr);
  assert.match(computed.stdout, new RegExp(`${EMPLOYERS} submissions accepted, 0 rejected`));
  const csvFile = path.join(study.dir, 'report.csv');
  const xlsxFile = path.join(study.dir, 'report.xlsx');
  const reported = await mpc('report', ['--csv', csvFile, '--xlsx', xlsxFile]);
  assert.equal(reported.code, 0, reported.stderr);
  const rows = parseCsv(fs.readFileSync(csvFile, 'utf8'));
  assert.deepEqual(checkReport(doc, counted, rows, 0), []);
  const get = (a, g, s) => rows.find((x) => x[0] === a && x[1] === g && x[2] === s);
  assert.equal(get('_study', '', 'people')[3], String(counted.length));
  const nb = counted.filter((a) => a.gender === 'Non-binary').length;
  assert.ok(nb >= 10, `${nb} non-binary people`);
  assert.ok(rows.filter((y) => y[1].includes('gender=Non-binary') && y[4] === 'suppressed').length >= 10);
  assert.deepEqual(get('salary', 'gender=Non-binary;job=Executives', 'count').slice(3, 5), ['', 'suppressed']);
  assert.deepEqual(rows.filter((y) => y[1].includes('gender=Non-binary') && y[3] !== '' && y[3] !== '0'), []);
  check(`the report equals the ${counted.length} rows that count in the clear; the ${nb} non-binary people of 2 employers are suppressed`);

  // The report counts organizations and people: the page and the spreadsheet.
  const { page } = await recorder.open(linkIn(computed.stdout));
  await page.waitForSelector('#report', { state: 'visible', timeout: 20000 });
  assert.equal(await page.textContent('#accepted-label'), 'Organizations (reports used)');
  assert.equal((await page.textContent('#accepted')).trim(), String(EMPLOYERS));
  assert.equal((await page.textContent('#people')).trim(), String(counted.length));
  assert.match(await page.textContent('#thresholds'), /with people from fewer than 3 organizations is “suppressed” too, however many people it holds/);
  await page.close();
  const summary = (await workbookCells(xlsxFile)).get('Summary');
  const at = (label) => summary.find((r) => r[0] === label)?.[1];
  assert.equal(String(at("People (in the organizations' reports)")), String(counted.length));
  assert.equal(String(at('Minimum organizations per group')), '3');
  check('the report page and the spreadsheet count the organizations and their people');
}, () => study && cleanup(study));
