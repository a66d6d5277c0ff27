#!/usr/bin/env node
/**
 * eu_report.mjs - the report page of the EU pay transparency example
 * (schema/studies/eu-pay-transparency.json) in headless Chromium against 3
 * real parties on loopback: 300 synthetic answers (scripts/synthetic.mjs)
 * through `mpc submit`, `mpc compute`, `mpc report --csv --xlsx`. On the
 * page:
 * - the study's indicators come first, under the Directive's own headings
 *   ((a) to (g) of Article 9(1), in the study's order), each table holding
 *   exactly the CSV rows under that heading, every value equal to the CSV;
 * - the new statistics' column headings (Median, the quartiles, each
 *   band's share, the median pay gap) and their legend entries, in the
 *   analyses' sections;
 * - the CSV downloads are `mpc report --csv`'s bytes (the indicator
 *   column, the indicators' rows first), the spreadsheet is `mpc report
 *   --xlsx`'s, with its Indicators sheet;
 * - on a phone-sized screen the page does not scroll sideways; no console
 *   error, no CSP violation.
 * With MPC_SCREENSHOTS=DIR it saves the indicators at desktop and phone
 * width there (docs/screenshots/ holds the ones docs/STUDY.md shows; they
 * are taken before the hostile heading and labels are put in).
 *
 *   node tests/browser/eu_report.mjs          (MPC_BUILD selects the build dir)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { workbookCells } from '../integration/workbook.mjs';
import { csvNeutral, indicatorProblems, parseCsv } from '../integration/clear_stats.mjs';
import { PASSWORD, bin, cleanup, makeStudy, root, runAsync, startApproved } from '../integration/lib.mjs';
import { launchChromium, Recorder, runBrowserTest } from './lib.mjs';
import { assertCell, linkIn, phoneFits, tableCells } from './report_lib.mjs';

const N = 300;
const STUDY = 'schema/studies/eu-pay-transparency.json';
/** A heading a spreadsheet would read as a formula, and a label with markup. */
const HOSTILE_HEADING = '=HYPERLINK("https://example.com";"(g) by category")';
const HOSTILE_LABEL = 'Variable <img src=x onerror="window.pwned=1"> pay';
/** A label of 200 characters of 3 bytes each: written whole everywhere. */
const LONG_LABEL = `Basic pay ${'€'.repeat(190)}`;
const check = (name) => console.log(`ok: ${name}`);
const shots = process.env.MPC_SCREENSHOTS ? path.resolve(process.env.MPC_SCREENSHOTS) : null;

const browser = await launchChromium();
const recorder = new Recorder(browser);
const openPage = (url, options = {}) => recorder.open(url, { acceptDownloads: true, ...options });

let study = null;
await runBrowserTest(browser, recorder, async () => {
  study = await makeStudy({
    n: 3,
    tokens: 0,
    studyFile: STUDY,
    edit: (d) => {
      d.access = 'open';
      if (shots) return; // (the example as it is, for the docs)
      d.indicators.sections[6].heading = HOSTILE_HEADING;
      d.indicators.sections[6].tables[1].label = HOSTILE_LABEL;
      d.indicators.sections[6].tables[0].label = LONG_LABEL;
    },
  });
  await startApproved(study, ['--upload-rate', '6000']); // (an open study's default is 120 a minute)
  const answers = path.join(study.dir, 'people.csv');
  fs.writeFileSync(answers, execFileSync('node', [path.join(root, 'scripts/synthetic.mjs'), path.join(root, STUDY), String(N), '5']));
  const submitted = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', answers]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const mpc = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const computed = await mpc('compute');
  assert.equal(computed.code, 0, computed.stderr);
  const link = linkIn(computed.stdout);
  const csvFile = path.join(study.dir, 'report.csv');
  const xlsxFile = path.join(study.dir, 'report.xlsx');
  const reported = await mpc('report', ['--csv', csvFile, '--xlsx', xlsxFile]);
  assert.equal(reported.code, 0, reported.stderr);
  const csvText = fs.readFileSync(csvFile, 'utf8');
  const csv = parseCsv(csvText);
  const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
  assert.deepEqual(indicatorProblems(doc, csv), []);
  const rows = csv.slice(1).map(([analysis, group, statistic, value, note, indicator]) => ({ analysis, group, statistic, value, note, indicator }));
  check(`3 parties, ${N} submissions, compute, mpc report --csv --xlsx (the indicators' rows first, each with its heading)`);

  // The indicators: first, under the Directive's headings, in order.
  const { page } = await openPage(link);
  await page.waitForSelector('#report', { state: 'visible', timeout: 20000 });
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    for (const [size, viewport] of [['desktop', { width: 1280, height: 1400 }], ['phone', { width: 390, height: 1600 }]]) {
      await page.setViewportSize(viewport);
      await page.locator('#indicators').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: path.join(shots, `report-indicators-${size}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    console.log(`screenshots in ${shots}`);
    return;
  }
  assert.equal((await page.textContent('#indicators h2')).trim(), doc.indicators.title);
  const headings = await page.locator('#indicators section.indicator h3').allTextContents();
  assert.deepEqual(headings.map((h) => h.trim()), doc.indicators.sections.map((s) => s.heading));
  assert.ok(await page.evaluate(() => {
    const ind = document.getElementById('indicators');
    return ind.compareDocumentPosition(document.getElementById('analyses')) === Node.DOCUMENT_POSITION_FOLLOWING
      && ind.previousElementSibling.id === 'summary';
  }), 'the indicators between the summary and the analyses');
  const contents = await page.locator('#contents-list a').first();
  assert.equal(await contents.getAttribute('href'), '#indicators');
  assert.deepEqual(await page.locator('#indicators .indicator-label').allTextContents(),
    doc.indicators.sections.flatMap((s) => s.tables.filter((t) => t.label).map((t) => t.label)));
  assert.equal(await page.locator('#indicators img').count(), 0, 'the label\'s markup stays text');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.ok(rows.some((r) => r.indicator === `'${HOSTILE_HEADING}: ${HOSTILE_LABEL}`), 'the formula heading neutralised in the CSV');
  assert.equal(rows.filter((r) => r.indicator === `'${HOSTILE_HEADING}: ${LONG_LABEL}`).length, 8, 'a long label whole in the CSV');
  check('the indicators section: the study\'s title, (a) to (g) in order, the tables\' labels (markup as text, a formula neutralised in the CSV); first in the contents');

  // Each heading's tables hold exactly the CSV rows under it, each value the CSV's.
  let shownTotal = 0;
  for (const [k, sec] of doc.indicators.sections.entries()) {
    const cells = await tableCells(page, `#indicators section.indicator[data-indicator="${k}"] .table-block`);
    const heading = csvNeutral(sec.heading);
    const under = rows.filter((r) => r.indicator === heading || r.indicator.startsWith(`${heading}: `));
    assert.ok(under.length > 0, sec.heading);
    assert.deepEqual(cells.map((c) => `${c.analysis}|${c.group}|${c.statistic}`).sort(),
      under.map((r) => `${r.analysis}|${r.group}|${r.statistic}`).sort(), sec.heading);
    const byKey = new Map(under.map((r) => [`${r.analysis}|${r.group}|${r.statistic}`, r]));
    for (const c of cells) assertCell(c.text, byKey.get(`${c.analysis}|${c.group}|${c.statistic}`));
    shownTotal += cells.length;
  }
  assert.equal(shownTotal, rows.filter((r) => r.indicator !== '').length);
  check(`every indicator table holds the CSV rows under its heading (${shownTotal} figures), values equal`);

  // The new statistics' column headings, in the indicators and in the analyses.
  const th = (scope, stat) => page.locator(`${scope} th[data-statistic="${stat}"]`).first().textContent();
  assert.equal((await th('#indicators section.indicator[data-indicator="2"]', 'median_gap_percent')).trim(), 'Median pay gap (% below Man)');
  assert.equal((await th('#indicators section.indicator[data-indicator="0"]', 'gap_percent')).trim(), 'Pay gap (% below Man)');
  const bandHeads = [];
  for (let b = 1; b <= 4; b++) bandHeads.push((await th('#indicators section.indicator[data-indicator="5"]', `quartile_band_${b}`)).trim());
  assert.deepEqual(bandHeads, ['Share of the lowest quarter', 'Share of the lower middle quarter', 'Share of the upper middle quarter', 'Share of the highest quarter']);
  const quartileHeads = await page.locator('section.analysis[data-analysis="pay_quartiles"] thead th[data-statistic]').allTextContents();
  assert.deepEqual(quartileHeads.map((t) => t.trim()), ['Contributors', 'Lower quartile', 'Median', 'Upper quartile']);
  assert.equal((await th('section.analysis[data-analysis="variable_pay_gap"]', 'share_positive')).trim(), 'Share above 0');
  assert.equal((await page.locator('#indicators section.indicator[data-indicator="0"] tr[data-group="gender=Man"] td[data-statistic="gap_percent"] .gap-diff').textContent()), 'reference');
  check('column headings: Median, Lower/Upper quartile, each band\'s share, Pay gap and Median pay gap (% below Man), Share above 0');

  // The legend says what each of them means.
  const legend = async (name) => new Map((await page.locator(`section.analysis[data-analysis="${name}"] dl.legend > div`).evaluateAll((l) => l.map((d) => [
    d.querySelector('dt').textContent.trim(), d.querySelector('dd').textContent.trim()]))));
  const payGap = await legend('pay_gap');
  assert.match(payGap.get('Median'), /half of the group has that much or less.*lower of the two middle values/);
  assert.match(payGap.get('Median pay gap'), /the median for “Man” minus the group’s\) divided by the median for “Man”/);
  assert.match(payGap.get('Pay gap'), /pay-transparency laws/);
  assert.match((await legend('pay_quartiles')).get('Median'), /lower and upper quartiles likewise/);
  assert.match((await legend('pay_bands')).get('Quartile pay bands'), /cut into four bands at the quartiles of everyone.*add up to 100%/);
  assert.match((await legend('variable_pay_gap')).get('Share above 0'), /share of people receiving one/);
  const indicatorLegend = async (k) => (await page.locator(`#indicators section.indicator[data-indicator="${k}"] dl.legend dt`).allTextContents()).map((t) => t.trim());
  assert.deepEqual(await indicatorLegend(4), ['Share above 0']);
  // (one legend per heading, each entry once: (f)'s two tables, (g)'s two pay gaps)
  assert.equal(await page.locator('#indicators section.indicator[data-indicator="5"] dl.legend').count(), 1);
  assert.deepEqual(await indicatorLegend(5), ['Quartile pay bands', 'Median']);
  assert.deepEqual(await indicatorLegend(6), ['Pay gap']);
  check('the legend explains the median, the quartiles, the bands, the median pay gap and the share above 0');

  // The downloads: mpc report's CSV bytes (whole and one analysis) and workbook.
  const [all] = await Promise.all([page.waitForEvent('download'), page.click('#download-all')]);
  assert.equal(fs.readFileSync(await all.path(), 'utf8'), csvText);
  const [one] = await Promise.all([page.waitForEvent('download'), page.click('section[data-analysis="pay_gap"] a.download')]);
  const lines = csvText.trimEnd().split('\n');
  assert.equal(fs.readFileSync(await one.path(), 'utf8'), `${[lines[0], ...lines.filter((l) => l.startsWith('pay_gap,'))].join('\n')}\n`);
  const [sheet] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')]);
  await page.waitForFunction(() => /^Downloaded /.test(document.querySelector('#xlsx-status').textContent));
  const fromPage = await workbookCells(await sheet.path());
  assert.deepEqual(fromPage, await workbookCells(xlsxFile));
  assert.deepEqual([...fromPage.keys()], ['Summary', 'Indicators', ...doc.analyses.map((a) => a.name), 'Method']);
  assert.ok(fromPage.get('Indicators').some((r) => r[0] === HOSTILE_HEADING), 'the formula heading is a text cell');
  assert.ok(fromPage.get('Indicators').some((r) => r[0] === LONG_LABEL), 'a long label whole in the workbook');
  check('CSV downloads equal mpc report --csv byte for byte; the spreadsheet equals mpc report --xlsx, its Indicators sheet second');
  await page.close();

  await phoneFits(openPage, link);
  check('on a phone-sized screen: no sideways scrolling of the page');

  // The party admin's dashboard says how many runs of the search this
  // party took part in, of the most it allows.
  recorder.expectedErrors = /status of 401/; // (the page asks for its session before the sign-in)
  const { page: admin } = await openPage(`${study.parties[1].url}/admin`);
  await admin.waitForSelector('#login-form', { state: 'visible' });
  await admin.fill('#password', PASSWORD);
  await admin.click('#login-button');
  await admin.waitForSelector('#compute-searches', { state: 'visible', timeout: 20000 });
  assert.equal((await admin.textContent('#compute-searches')).trim(),
    'The search for the medians and quartiles has run 1 time with this party, of at most 10 '
    + '(each run opens some of the groups’ cumulative counts; 9 runs left).');
  await admin.close();
  recorder.expectedErrors = null;
  check('the dashboard: the search has run 1 time of at most 10 with this party');
}, () => {
  if (study) cleanup(study);
});
