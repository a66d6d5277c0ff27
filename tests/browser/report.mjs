#!/usr/bin/env node
/**
 * report.mjs - the organizer's report page (/report on the leader) in
 * headless Chromium (Debian's, driven by playwright-core) against 3 real
 * parties on loopback, through the commands of docs/DESIGN.md, section 6: 150
 * submissions, approvals, `mpc compute`, `mpc report --csv`. Before the
 * compute the page says there are no results yet; after it, the link that
 * `mpc compute` prints shows the title, the summary, one section per
 * analysis whose tables hold every value of the CSV (formatted, compared
 * numerically; suppressed cells say so), a gap chart and a histogram, and
 * CSV downloads equal to `mpc report --csv` byte for byte. A link without
 * its key, with a wrong key or for another study, and a server that cannot
 * be reached show #report-error and no table. Two job labels look like
 * formulas ("Sales;=Lead", "@Craft", as a legitimate study may have): the
 * page's CSV, like `mpc report --csv`, writes no text cell that a
 * spreadsheet reads as a formula, at its start or after a ";" (the group
 * "job=Sales;'=Lead"). The key never travels in a
 * URL. The form of the released study says on load that it is closed. The
 * dashboard shows "Results released". Every page must load with
 * no console error (except the failed loads a step causes on purpose) and
 * no CSP violation.
 *
 *   node tests/browser/report.mjs          (MPC_BUILD selects the build dir)
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sheetNumbersProblems, workbookCells } from '../integration/workbook.mjs';
import { checkReport } from '../integration/check_report.mjs';
import { answersFromCsv, parseCsv } from '../integration/clear_stats.mjs';
import {
  PASSWORD, bin, cleanup, ecdsaKey, makeStudy, randomAnswers, runAsync, seeded, startParty, writeCsv,
} from '../integration/lib.mjs';
import { launchChromium, Recorder, runBrowserTest } from './lib.mjs';
import { PROTECTING, assertCell, linkIn, phoneFits, tableCells } from './report_lib.mjs';

const N = 150;
const ANALYSES = ['headcount', 'salary', 'salary_bands'];
/** Job labels a spreadsheet would read as formulas (after a ";", at the start). */
const JOBS = { Sales: 'Sales;=Lead', Craft: '@Craft' };
const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
/** The CSV's group with the neutralising quotes taken out: the page's. */
const unquote = (g) => g.replace(/^'(?=[=+\-@\t\r])/, '').replace(/;'(?=[=+\-@\t\r])/g, ';');
const check = (name) => console.log(`ok: ${name}`);

const browser = await launchChromium();
/** Everything a page did that the test looks at afterwards. */
const recorder = new Recorder(browser);
const { requests } = recorder;
const openPage = (url, options = {}, setup = null) => recorder.open(url, { acceptDownloads: true, ...options }, setup);

/** The report link for a study, made as `mpc` makes it: the organizer's
 *  ECDSA P-256 signature (r||s) over SHA-256("mpc-report/1" || study hash)
 *  (docs/COMPUTE.md). Lets the test open the page before the compute,
 *  when no command prints the link yet. */
async function reportLink(study) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(study.org, f), 'utf8'));
  const key = await ecdsaKey(read('organizer.key.json').signing_private_key, read('organizer.pub.json').signing_public_key);
  const message = Buffer.concat([Buffer.from('mpc-report/1'), Buffer.from(study.hash, 'hex')]);
  const sig = crypto.sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
  return `${study.parties[0].url}/report#study=${study.hash}&key=${sig.toString('hex')}`;
}

/** Waits for #report-error; checks its text; no report, no table. */
async function assertReportError(page, pattern) {
  await page.waitForSelector('#report-error', { state: 'visible', timeout: 20000 });
  assert.match(await page.textContent('#report-error'), pattern);
  assert.equal(await page.locator('#report').isVisible(), false);
  assert.equal(await page.locator('table').count(), 0);
  assert.equal(await page.locator('section.analysis').count(), 0);
}

let study = null;
await runBrowserTest(browser, recorder, async () => {
  study = await makeStudy({
    n: 3,
    tokens: 200,
    edit: (d) => {
      d.fields.find((f) => f.name === 'job').choices = d.fields.find((f) => f.name === 'job').choices.map((c) => JOBS[c] ?? c);
      d.analyses[1].stats.push('share_positive'); // (shown as a percent, like the pay gap)
    },
  });
  for (const p of study.parties) await startParty(study, p);
  const [leader] = study.parties;
  const mpc = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);

  for (const p of study.parties) {
    const r = await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
    assert.equal(r.code, 0, r.stderr);
  }
  const answers = writeCsv(path.join(study.dir, 'answers.csv'),
    // (seed 4: suppressed groups, and figures withheld to protect them)
    randomAnswers(N, seeded(4)).map((a, i) => ({ ...a, job: JOBS[a.job] ?? a.job, salary: i % 6 ? a.salary : 0 })));
  const submitted = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', answers,
    '--tokens', path.join(study.dir, 'tokens.csv')]);
  assert.equal(submitted.code, 0, submitted.stderr);
  check(`3 parties approved; ${N} submissions`);

  // 1. Before the compute: no results yet.
  const early = await reportLink(study);
  recorder.expectedErrors = /status of 404/;
  const { page: before, response } = await openPage(early);
  assert.match(response.headers()['content-security-policy'], /script-src 'self'(;|$)/);
  await assertReportError(before, /No results yet/);
  assert.match(await before.textContent('#report-error'), /mpc compute/);
  recorder.expectedErrors = null;
  await before.close();
  const noSheet = await fetch(`${leader.url}/api/report.xlsx`, { headers: { 'X-MPC-Report-Key': early.split('key=')[1] } });
  assert.equal(noSheet.status, 404);
  assert.match((await noSheet.json()).error, /no result yet: run mpc compute first/);
  check('before the compute: "No results yet", run mpc compute; no table; no spreadsheet (404)');

  // 2. The compute, and the report as CSV.
  const computed = await mpc('compute');
  assert.equal(computed.code, 0, computed.stderr);
  const link = linkIn(computed.stdout);
  const key = new URL(link).hash.match(/key=([0-9a-f]{128})$/)[1];
  assert.ok(link.startsWith(`${leader.url}/report#study=${study.hash}&key=`), link);
  const csvFile = path.join(study.dir, 'report.csv');
  const reported = await mpc('report', ['--csv', csvFile]);
  assert.equal(reported.code, 0, reported.stderr);
  assert.ok(linkIn(reported.stdout).startsWith(`${leader.url}/report#study=${study.hash}&key=`));
  const csvText = fs.readFileSync(csvFile, 'utf8');
  const [header, ...csvRows] = parseCsv(csvText);
  assert.deepEqual(header, ['analysis', 'group', 'statistic', 'value', 'note', 'indicator']);
  const rows = csvRows.map(([analysis, group, statistic, value, note]) => ({ analysis, group: unquote(group), statistic, value, note }));
  // The report against the answers in the clear, and the auditor.
  const problems = checkReport(JSON.parse(fs.readFileSync(study.sealed, 'utf8')),
    answersFromCsv(fs.readFileSync(answers, 'utf8')), [header, ...rows.map((r) => header.map((h) => r[h]))]);
  assert.deepEqual(problems, []);
  check('mpc compute and mpc report print the report link; the report passes the auditor');

  // 3. The page.
  const { page } = await openPage(link);
  await page.waitForSelector('#report', { state: 'visible', timeout: 20000 });
  assert.equal(await page.locator('#report-error').isVisible(), false);
  assert.equal((await page.textContent('#report-title')).trim(), 'Pay equity survey 2026');
  assert.match(await page.title(), /Pay equity survey 2026/);
  assert.equal((await page.textContent('#accepted')).trim(), String(N));
  assert.equal((await page.textContent('#rejected')).trim(), '0');
  assert.equal((await page.textContent('#incomplete')).trim(), '0');
  const summary = await page.textContent('#summary');
  assert.match(summary, /at least 10 submissions/);
  assert.match(summary, /fewer than 5 contributors/);
  assert.equal(await page.locator('#plan li').count(), 4);
  assert.match(await page.locator('#plan li').last().textContent(), /^Small groups: .*more groups than the small ones alone may be withheld/);
  assert.match(await page.textContent('#released'), /Released on/);
  check(`title and summary: accepted ${N}, rejected 0, incomplete 0, thresholds, plan`);

  const sections = await page.locator('section.analysis').evaluateAll((l) => l.map((s) => s.dataset.analysis));
  assert.deepEqual(sections, ANALYSES);
  for (const name of ANALYSES) {
    assert.equal(await page.locator(`section.analysis[data-analysis="${name}"] table`).count(), 1, name);
  }
  check('one section with a table per analysis (headcount, salary, salary_bands)');

  const cells = await tableCells(page);
  const shown = new Map(cells.map((c) => [`${c.analysis}|${c.group}|${c.statistic}`, c.text]));
  const statRows = rows.filter((r) => r.analysis !== '_study');
  assert.equal(cells.length, statRows.length, 'one cell per CSV row');
  let suppressed = 0;
  let withheld = 0;
  for (const row of statRows) {
    const text = shown.get(`${row.analysis}|${row.group}|${row.statistic}`);
    assert.ok(text !== undefined, `no cell for ${row.analysis} ${row.group} ${row.statistic}`);
    assertCell(text, row);
    if (row.note === 'suppressed') suppressed += 1;
    if (row.note === PROTECTING) withheld += 1;
  }
  assert.ok(suppressed > 0, 'the data has suppressed cells');
  assert.ok(withheld > 0, 'the data has cells withheld to protect others');
  assert.match(await page.textContent('#summary'), new RegExp(`some other groups may be withheld as well, shown as “withheld”: they were never released either; this report has ${withheld} withheld figure${withheld === 1 ? "" : "s"}`));
  assert.ok(statRows.some((r) => r.value !== '' && Number(r.value) >= 1000), 'the data has numbers with separators');
  check(`every one of the ${statRows.length} values equals the CSV (${suppressed} say "suppressed", ${withheld} "withheld")`);

  // Charts: a gap chart for salary, a histogram for salary_bands.
  const gapSvg = page.locator('section[data-analysis="salary"] figure[data-chart="gap"] svg[role="img"]');
  assert.equal(await gapSvg.count(), 1);
  assert.match(await gapSvg.getAttribute('aria-label'), /Gap chart/);
  assert.ok((await gapSvg.locator('title').first().textContent()).length > 0);
  const gapRows = rows.filter((r) => r.analysis === 'salary' && r.statistic === 'gap' && !r.group.startsWith('gender=Man;'));
  assert.equal(await gapSvg.locator('rect.bar').count(), gapRows.filter((r) => r.value !== '').length,
    'one bar per group with a gap (the reference groups are the line at 1)');
  const gapSuppressed = gapRows.filter((r) => r.value === '' && r.note !== 'undefined').length;
  assert.equal(await gapSvg.locator('text.bar-note.is-suppressed').count(), gapSuppressed, 'suppressed groups labelled');
  const histSvg = page.locator('section[data-analysis="salary_bands"] figure[data-chart="histogram"] svg[role="img"]');
  assert.equal(await histSvg.count(), 1);
  assert.match(await histSvg.getAttribute('aria-label'), /Histogram/);
  assert.equal(await histSvg.locator('rect.bar').count(),
    rows.filter((r) => r.analysis === 'salary_bands' && r.value !== '').length, 'one bar per released bin');
  check(`charts: gap (${gapRows.length} groups, ${gapSuppressed} suppressed) and histogram, with accessible names`);

  // CSV downloads: the same bytes as mpc report --csv.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
  assert.equal(fs.readFileSync(await download.path(), 'utf8'), csvText);
  const [one] = await Promise.all([
    page.waitForEvent('download'),
    page.click('section[data-analysis="salary"] a.download'),
  ]);
  const salaryCsv = ['analysis,group,statistic,value,note,indicator',
    ...csvText.trimEnd().split('\n').filter((l) => l.startsWith('salary,'))].join('\n');
  assert.equal(fs.readFileSync(await one.path(), 'utf8'), `${salaryCsv}\n`);
  check('CSV downloads equal mpc report --csv (whole report and one analysis)');

  // The spreadsheet: the page's download is the workbook mpc report --xlsx
  // writes (one writer), cell for cell, and its numbers are the CSV's.
  const [sheet] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')]);
  assert.match(sheet.suggestedFilename(), /-report\.xlsx$/);
  await page.waitForFunction(() => /^Downloaded /.test(document.querySelector('#xlsx-status').textContent));
  const xlsxFile = path.join(study.dir, 'report.xlsx');
  assert.equal((await mpc('report', ['--xlsx', xlsxFile])).code, 0);
  const fromPage = await workbookCells(await sheet.path());
  const fromCli = await workbookCells(xlsxFile);
  assert.deepEqual([...fromPage.keys()], ['Summary', ...ANALYSES, 'Method']);
  assert.deepEqual(fromPage, fromCli);
  assert.deepEqual(sheetNumbersProblems(fromPage, parseCsv(csvText)), []);
  // Without the key, or with another: refused, nothing sent.
  for (const headers of [{}, { 'X-MPC-Report-Key': '00'.repeat(64) }]) {
    const r = await fetch(`${leader.url}/api/report.xlsx`, { headers });
    assert.equal(r.status, 403);
    assert.match((await r.json()).error, /needs the organizer's report link/);
  }
  check('the page\'s spreadsheet equals mpc report --xlsx cell for cell, its numbers the CSV\'s; refused without the key');

  // No text cell of the page's CSV is read as a formula: at a cell's start
  // or after a ";"; numbers stay numbers.
  const pageCsv = parseCsv(fs.readFileSync(await download.path(), 'utf8'));
  for (const row of pageCsv) {
    for (const cell of row) {
      if (NUMBER.test(cell)) continue;
      for (const part of cell.split(';')) assert.doesNotMatch(part, FORMULA, `a cell: ${cell}`);
    }
  }
  assert.ok(pageCsv.some((r) => r[1] === "gender=Woman;job=Sales;'=Lead" && r[2] === 'mean'), 'the label "Sales;=Lead" neutralised');
  assert.ok(pageCsv.some((r) => r[1] === 'gender=Woman;job=@Craft'), 'the label "@Craft" after "job="');
  check('the page\'s CSV: "Sales;=Lead" written as "Sales;\'=Lead", no cell read as a formula');

  // The key only ever travels in the header, never in a URL.
  const keys = [key, early.split('key=')[1]];
  const reportRequests = requests.filter((r) => new URL(r.url).pathname === '/api/report');
  assert.ok(reportRequests.length >= 2);
  for (const r of reportRequests) assert.ok(keys.includes(r.headers['x-mpc-report-key']), 'the key in the header');
  for (const r of requests) {
    for (const k of keys) assert.ok(!r.url.includes(k.slice(0, 32)), `the key in a request URL: ${r.url}`);
  }
  check('the report key is sent only in X-MPC-Report-Key');

  // Hiding the suppressed groups, on a table that has some.
  const salaryRows = page.locator('section[data-analysis="salary"] tbody tr');
  const all = await salaryRows.count();
  const fully = await page.locator('section[data-analysis="salary"] tbody tr.is-suppressed-row').count();
  if (fully > 0 && fully < all) {
    await page.check('section[data-analysis="salary"] .table-filter input');
    assert.equal(await page.locator('section[data-analysis="salary"] tbody tr:visible').count(), all - fully);
    check(`"Hide the suppressed groups" hides ${fully} of ${all} rows`);
  }
  await page.close();

  await phoneFits(openPage, link, async (phone) => {
    assert.equal(await phone.locator('section[data-analysis="salary"] svg').count(), 1);
  });
  check('on a phone-sized screen: no sideways scrolling of the page');

  // 4. Links that must not show the report.
  const flip = (hex, at) => hex.slice(0, at) + (hex[at] === 'a' ? 'b' : 'a') + hex.slice(at + 1);
  const base = `${leader.url}/report#study=${study.hash}`;
  const bad = [
    [`${base}&key=${flip(key, 40)}`, /does not open the report/, /status of 403/],
    [base, /no report key/, null],
    [`${leader.url}/report`, /no report key/, null],
    [`${base}&key=${key.slice(0, 100)}`, /damaged/, null],
    [`${leader.url}/report#study=${flip(study.hash, 3)}&key=${key}`, /another study/, null],
  ];
  for (const [url, message, expected] of bad) {
    recorder.expectedErrors = expected;
    const countBefore = requests.filter((r) => new URL(r.url).pathname === '/api/report').length;
    const { page: p } = await openPage(url);
    await assertReportError(p, message);
    const sent = requests.filter((r) => new URL(r.url).pathname === '/api/report').length - countBefore;
    if (/no report key|damaged/.test(message.source)) assert.equal(sent, 0, 'no request without a usable key');
    await p.close();
  }
  recorder.expectedErrors = null;
  check('a wrong key, no key, a damaged key, another study: #report-error, no table');

  // The server cannot be reached.
  recorder.expectedErrors = /ERR_FAILED|ERR_CONNECTION/;
  const { page: offline } = await openPage(link, {}, (pg) => pg.route(`${leader.url}/api/report`, (r) => r.abort('failed')));
  await assertReportError(offline, /did not answer/);
  await offline.close();
  recorder.expectedErrors = null;
  check('a network error: #report-error, no table');

  // 5. The form of a released study says on load that it is closed (every
  // party refuses new answers): no form to fill in for nothing.
  {
    const { page: form } = await openPage(study.tokens[N + 5].link);
    await form.waitForSelector('#page-load-error', { state: 'visible', timeout: 20000 });
    assert.match(await form.textContent('#page-load-error-title'), /This study is closed/);
    assert.match(await form.textContent('#page-load-error-message'), /results of this study were released on .*no more answers are accepted/);
    assert.equal(await form.locator('#content').isVisible(), false);
    assert.equal(await form.locator('input, select').count(), 0);
    await form.close();
    const r = await fetch(`${study.parties[1].url}/api/collection`);
    const j = await r.json();
    assert.equal(j.open, false);
    assert.match(j.released_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
  check('the form of the released study says on load that it is closed: no form');

  // 6. The dashboard shows the release.
  recorder.expectedErrors = /status of 401 \(Unauthorized\)/; // not signed in yet
  const { page: admin } = await openPage(`${leader.url}/admin`);
  await admin.waitForSelector('#login-form', { state: 'visible' });
  await admin.fill('#password', PASSWORD);
  await admin.click('#login-button');
  await admin.waitForSelector('#dashboard', { state: 'visible' });
  await admin.waitForFunction(() => document.querySelector('#compute-state').textContent.trim() === 'Results released',
    null, { timeout: 20000 });
  const detail = await admin.textContent('#compute-detail');
  assert.match(detail, new RegExp(`${N} submissions accepted, 0 rejected \\(invalid proof\\), 0 incomplete`));
  assert.equal(await admin.locator('#compute-progress-wrap').isVisible(), false);
  await admin.close();
  recorder.expectedErrors = null;
  check('the dashboard shows "Results released" with the counts');
}, () => {
  if (study) cleanup(study);
});
