/**
 * console.mjs - the organizer's console (mpc organizer serve) driven in
 * headless Chromium from a blank folder to a downloaded report, with 3
 * real parties on loopback:
 *   - without its secret the page refuses to start;
 *   - the study from the pay-equity template with one change (the title),
 *     an error shown at its field by the core (the salary's range) and
 *     fixed; the live preview draws the form's questions;
 *   - the parties' public files added by file, paste and drop; a changed
 *     file and one with another party's key refused with their reasons;
 *   - the seal, the hash in groups, sealed.json downloaded and installed on
 *     every party, approved by each;
 *   - links made; contributions sent through the real form with them while
 *     the collection page's counts rise;
 *   - the compute with its progress, the .xlsx and the CSV downloaded: the
 *     CSV's rows are the statistics computed in the clear, the workbook's
 *     numbers the CSV's and equal to mpc report --xlsx cell for cell;
 *   - no page error, console error or CSP violation.
 * With MPC_SCREENSHOTS=DIR it saves every page at desktop and phone width
 * there (docs/screenshots/ holds the ones docs/CONSOLE.md shows).
 *
 *   MPC_BUILD=build node tests/browser/console.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkReport } from '../integration/check_report.mjs';
import { parseCsv } from '../integration/clear_stats.mjs';
import {
  bin, eventually, initParties, randomAnswers, resignPartyFile, root, runAsync, seeded, serveParty, startConsole,
} from '../integration/lib.mjs';
import { sheetNumbersProblems, workbookCells } from '../integration/workbook.mjs';
import { fill, launchChromium, receipt, Recorder } from './lib.mjs';

const N = 12;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const check = (name) => console.log(`ok: ${name}`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-console-browser-'));
const dir = path.join(tmp, 'organizer');
const shots = process.env.MPC_SCREENSHOTS ? path.resolve(process.env.MPC_SCREENSHOTS) : null;
const parties = [];
let con;
const browser = await launchChromium();
const recorder = new Recorder(browser);
const { problems } = recorder;

/** The page at desktop and phone width (MPC_SCREENSHOTS), scrolled to
 *  what `focus` selects. */
async function screenshots(page, name, focus = null) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    if (focus) await page.locator(focus).first().evaluate((e) => e.scrollIntoView({ block: 'center' }));
    else await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(shots, `console-${name}-${size}.png`) });
  }
  await page.setViewportSize(DESKTOP);
}

async function goStep(page, step) {
  await page.click(`#steps a[data-step="${step}"]`);
  await page.waitForSelector(`#step-${step}`, { state: 'visible' });
}

/** Sets an editor control (by its path in the study) and fires input. */
async function setControl(page, pathInStudy, value) {
  await page.fill(`[data-path="${pathInStudy}"]`, value);
}

try {
  parties.push(...await initParties(tmp, 3));
  con = await startConsole(dir);

  // Without the secret: the page says how to open it, and shows nothing else.
  recorder.expectedErrors = /401/;
  const { page: stranger } = await recorder.open(`${con.base}/`);
  await stranger.waitForSelector('#page-load-error', { state: 'visible' });
  assert.match(await stranger.textContent('#page-load-error'), /Open the whole link that mpc organizer serve printed/);
  assert.equal(await stranger.locator('#content').isVisible(), false);
  await stranger.close();
  recorder.expectedErrors = null;
  check('without the secret in its link the console shows how to open it, nothing else');

  const { page } = await recorder.open(con.link, { viewport: DESKTOP, acceptDownloads: true });
  page.on('dialog', (d) => d.accept());
  await page.waitForSelector('#content', { state: 'visible' });
  assert.equal(new URL(page.url()).hash, '#study', 'the secret leaves the address bar');
  assert.match(await page.textContent('#folder-warning'), /Losing it cannot be undone/);
  assert.equal((await page.textContent('#folder')).trim(), fs.realpathSync(dir));

  // 0. The EU template: its grids (relative and by a step), its median
  // among those receiving variable pay, its quartile bands and its report
  // headings, all in the form; the headings follow the analyses.
  const saved = async () => page.waitForFunction(() => /Saved/.test(document.querySelector('#study-state').textContent));
  const studyFile = () => JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8'));
  const fileSays = (what, test) => eventually(() => { try { return test(studyFile()); } catch { return false; } }, 5000, what);
  await page.click('[data-template="eu-pay-transparency"]');
  await fileSays('the EU template saved', (d) => d.id === 'eu-pay-transparency-2027');
  await saved();
  assert.equal(await page.inputValue('select[data-path="analyses[0].grid"]'), 'percent');
  assert.equal(await page.inputValue('[data-path="analyses[0].grid.percent"]'), '1');
  assert.equal(await page.inputValue('[data-path="analyses[0].grid.from"]'), '10000');
  assert.equal(await page.inputValue('[data-path="analyses[1].quantiles_among"]'), 'positive');
  assert.ok(await page.locator('input[data-group="analyses[2].stats"][value="quartile_bands"]').isChecked());
  assert.equal(await page.locator('#editor-indicators fieldset[data-indicator]').count(), 7);
  assert.equal(await page.inputValue('[data-path="indicators.sections[0].heading"]'), '(a) The gender pay gap');
  assert.ok(await page.locator('input[data-group="indicators.sections[0].tables[0].statistics"][value="gap_percent"]').isChecked());
  assert.equal(await page.inputValue('select[data-path="indicators.sections[5].tables[1].analysis"]'), 'pay_quartiles');
  await setControl(page, 'analyses[0].grid.percent', '2');
  await fileSays('a grid 2% apart', (d) => d.analyses[0].grid.percent === 2 && d.analyses[0].grid.from === 10000);
  await page.selectOption('select[data-path="analyses[0].grid"]', 'step');
  await fileSays('a grid by a step', (d) => d.analyses[0].grid === 1000);
  assert.equal(await page.inputValue('input[data-path="analyses[0].grid"]'), '1000');
  await page.fill('input[data-path="analyses[0].grid"]', '500');
  await fileSays('a step of 500', (d) => d.analyses[0].grid === 500);
  // (the quartiles include the median: with both ticked, the quartiles stay)
  await page.check('input[data-group="analyses[0].stats"][value="quartiles"]');
  await fileSays('quartiles instead of the median', (d) => d.analyses[0].stats.join() === 'count,mean,quartiles');
  assert.equal(await page.locator('input[data-group="analyses[0].stats"][value="median"]').isChecked(), false);
  // An analysis renamed: its headings follow; one removed: its table goes.
  await setControl(page, 'analyses[0].name', 'basic_pay_gap');
  await fileSays('the headings follow a rename', (d) => d.indicators.sections[0].tables[0].analysis === 'basic_pay_gap'
    && d.indicators.sections[2].tables[0].analysis === 'basic_pay_gap');
  await page.locator('fieldset.editor-item').filter({ has: page.locator('legend', { hasText: /^Analysis 6$/ }) })
    .getByRole('button', { name: 'Remove this analysis' }).click();
  await fileSays('a removed analysis leaves the headings', (d) => d.analyses.length === 5 && d.indicators.sections[6].tables.length === 1);
  await saved();
  assert.match(await page.textContent('#study-state'), /The study is valid/);
  // The headings edited in the form: a heading's text, a statistic more,
  // a table added and given another analysis (its statistics start
  // afresh), an error named at its field and fixed.
  await setControl(page, 'indicators.sections[0].heading', '(a) Gender pay gap (mean)');
  await fileSays('a heading edited', (d) => d.indicators.sections[0].heading === '(a) Gender pay gap (mean)');
  await page.check('input[data-group="indicators.sections[4].tables[0].statistics"][value="mean"]');
  await fileSays('a statistic added', (d) => d.indicators.sections[4].tables[0].statistics.join() === 'mean,share_positive');
  await page.locator('#editor-indicators fieldset[data-indicator="1"]').getByRole('button', { name: 'Add a table' }).click();
  await fileSays('a table added', (d) => d.indicators.sections[1].tables.length === 2);
  await page.selectOption('select[data-path="indicators.sections[1].tables[1].analysis"]', 'pay_quartiles');
  await fileSays('another analysis', (d) => JSON.stringify(d.indicators.sections[1].tables[1]) === '{"analysis":"pay_quartiles","statistics":["count"]}');
  await page.check('input[data-group="indicators.sections[1].tables[1].statistics"][value="quartiles"]');
  // (the quartiles of everyone are under (f) already: the core names the later table)
  const dup = page.locator('[data-error-for="indicators.sections[5].tables[1].statistics"]');
  await page.waitForFunction(() => document.querySelector('[data-error-for="indicators.sections[5].tables[1].statistics"]').textContent !== '');
  assert.match(await dup.textContent(), /"quartiles" of analysis "pay_quartiles" is already under indicators\.sections\[1\]; a statistic is shown under one heading only/);
  assert.match(await page.textContent('#study-state'), /Not saved/);
  await page.uncheck('input[data-group="indicators.sections[1].tables[1].statistics"][value="quartiles"]');
  await saved();
  assert.equal(await dup.textContent(), '');
  await page.getByRole('button', { name: 'Remove the report headings' }).click();
  await fileSays('the headings removed', (d) => d.indicators === undefined);
  await page.getByRole('button', { name: 'Add report headings' }).click();
  await fileSays('headings added', (d) => d.indicators?.sections.length === 1);
  await saved();
  check('the EU template: relative and step grids, quartiles keep over the median, median among receivers, bands; the report headings edited in the form, following a rename and a removal, a duplicate named at its table');

  // One report per employer: the access brings its two settings, with
  // defaults, into the form; the preview says employers upload their
  // export; another access takes them out again.
  await page.selectOption('select[data-path="access"]', 'organization');
  await fileSays('an organization study', (d) => d.access === 'organization' && d.max_rows === 10000 && d.privacy.min_contributors === 3);
  await setControl(page, 'max_rows', '5000');
  await setControl(page, 'privacy.min_contributors', '4');
  await fileSays('its settings edited', (d) => d.max_rows === 5000 && d.privacy.min_contributors === 4);
  await page.waitForFunction(() => /Each employer uploads its HR export/.test(document.querySelector('#preview').textContent));
  assert.equal(await page.locator('#preview .field[data-field]').count(), 0, 'no questions in its preview');
  await page.selectOption('select[data-path="access"]', 'token');
  await fileSays('back to personal links', (d) => d.access === 'token' && d.max_rows === undefined && d.privacy.min_contributors === undefined);
  assert.equal(await page.locator('[data-path="max_rows"]').count(), 0);
  check('organization access: the most people per employer and the fewest employers per group in the form, the preview; taken out with another access');

  // 1. The study: the template, one change, an error at its field, fixed.
  await page.click('[data-template="pay-equity"]');
  await fileSays('the pay-equity template saved', (d) => d.id === 'pay-equity-2026');
  await page.waitForFunction(() => /Saved/.test(document.querySelector('#study-state').textContent));
  await setControl(page, 'title', 'Pay equity at the council');
  await page.waitForFunction(() => /Saved/.test(document.querySelector('#study-state').textContent)
    && document.querySelector('#preview .preview-title').textContent === 'Pay equity at the council');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')).title, 'Pay equity at the council');
  assert.equal(await page.locator('#preview .field[data-field]').count(), 5, 'the preview draws the 5 questions');
  // A question of another kind: no member left behind that the form
  // cannot show (a yes/no question becomes a number and back).
  await page.selectOption('[data-path="fields[4].type"]', 'integer');
  await saved();
  assert.equal(await page.locator('[data-path="fields[4].max"]').count(), 1);
  assert.equal(await page.locator('#preview [name="manager"]').getAttribute('type'), 'text');
  await page.selectOption('[data-path="fields[4].type"]', 'boolean');
  await saved();
  await eventually(() => JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')).fields[4].type === 'boolean'
    && JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')).fields[4].min === undefined, 5000, 'saved');
  // A question renamed: the analyses that use it follow.
  await setControl(page, 'fields[0].name', 'sex');
  await saved();
  await setControl(page, 'fields[0].name', 'gender');
  await saved();
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')).analyses.map((a) => a.by),
    JSON.parse(fs.readFileSync(path.join(root, 'schema/studies/pay-equity.json'), 'utf8')).analyses.map((a) => a.by));
  assert.ok(await page.locator('#preview .plan li').count() >= 3, 'and the plan');
  await setControl(page, 'fields[3].max', '0');
  const slot = page.locator('[data-error-for="fields[3].max"]');
  await page.waitForFunction(() => document.querySelector('[data-error-for="fields[3].max"]').textContent !== '');
  assert.match(await slot.textContent(), /^fields\[3\]\.max: /);
  assert.equal(await page.locator('[data-path="fields[3].max"]').getAttribute('aria-invalid'), 'true');
  assert.match(await page.textContent('#study-state'), /Not saved/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')).fields[3].max, 1000000, 'not saved');
  await screenshots(page, 'study-error', '[data-path="fields[3].max"]');
  await setControl(page, 'fields[3].max', '500000');
  await page.waitForFunction(() => /Saved/.test(document.querySelector('#study-state').textContent));
  assert.equal(await slot.textContent(), '');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')).fields[3].max, 500000);
  await screenshots(page, 'study');
  check('the study: a template with one change; an error shown at its field by the core, fixed; the preview');

  // 2. Parties: a file, a paste, a drop; a changed file and a shared key refused.
  await goStep(page, 'parties');
  await page.setInputFiles('#party-files', parties[0].pub);
  recorder.expectedErrors = /status of (400|409)/; // (the refusals below)
  await page.waitForFunction(() => document.querySelectorAll('#party-list li').length === 1);
  const changed = { ...JSON.parse(fs.readFileSync(parties[1].pub, 'utf8')), url: 'http://127.0.0.1:9' };
  await page.fill('#party-paste', JSON.stringify(changed));
  await page.click('#party-add');
  await page.waitForFunction(() => /was changed after mpc-party init wrote it/.test(document.querySelector('#party-error').textContent));
  const sameKey = await resignPartyFile({ ...JSON.parse(fs.readFileSync(parties[0].pub, 'utf8')), name: 'Party 9', url: 'http://127.0.0.1:9' },
    path.join(parties[0].dir, 'party.key.json'));
  await page.fill('#party-paste', JSON.stringify(sameKey));
  await page.click('#party-add');
  await page.waitForFunction(() => /the same encryption key as party 1/.test(document.querySelector('#party-error').textContent));
  assert.equal(await page.locator('#party-list li').count(), 1, 'nothing added');
  recorder.expectedErrors = null;
  await screenshots(page, 'parties-refused', '#party-error');
  await page.fill('#party-paste', fs.readFileSync(parties[1].pub, 'utf8'));
  await page.click('#party-add');
  await page.waitForFunction(() => document.querySelectorAll('#party-list li').length === 2);
  const dt = await page.evaluateHandle((text) => {
    const d = new DataTransfer();
    d.items.add(new File([text], 'party.pub.json', { type: 'application/json' }));
    return d;
  }, fs.readFileSync(parties[2].pub, 'utf8'));
  await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dt });
  await page.waitForFunction(() => document.querySelectorAll('#party-list li').length === 3);
  assert.deepEqual(await page.locator('#party-list .party-name').allTextContents(), ['Party 1', 'Party 2', 'Party 3']);
  check('parties added by file, paste and drop; a changed file and a shared key refused with their reasons');

  await page.click('#seal-button');
  await page.waitForSelector('#sealed-info', { state: 'visible' });
  const [sealedDl] = await Promise.all([page.waitForEvent('download'), page.click('#download-sealed')]);
  assert.equal(sealedDl.suggestedFilename(), 'sealed.json');
  const sealedFile = path.join(tmp, 'sealed.json');
  await sealedDl.saveAs(sealedFile);
  const sealed = JSON.parse(fs.readFileSync(sealedFile, 'utf8'));
  assert.equal(fs.readFileSync(sealedFile, 'utf8'), fs.readFileSync(path.join(dir, 'sealed.json'), 'utf8'));
  assert.equal((await page.textContent('#hash-groups')).trim(), sealed.hash.match(/.{8}/g).join(' '));
  assert.equal(sealed.title, 'Pay equity at the council');
  await screenshots(page, 'parties-sealed', '#seal-card');
  check('sealed: the hash in groups of eight as the dashboard shows it, sealed.json downloaded');

  // The party admins install and approve it.
  for (const p of parties) {
    await serveParty(p, sealedFile);
    assert.equal((await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', sealedFile, '--yes'])).code, 0);
  }

  // 3. Links.
  await goStep(page, 'links');
  await page.fill('#links-count', String(N));
  const [linksDl] = await Promise.all([page.waitForEvent('download'), page.click('#links-make')]);
  assert.equal(linksDl.suggestedFilename(), 'links-1.csv');
  const links = fs.readFileSync(await linksDl.path(), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]);
  assert.equal(links.length, N);
  await page.fill('#emails', 'email,name\nann@example.org,Ann\nbob@example.org,Bob\n');
  const [mergeDl] = await Promise.all([page.waitForEvent('download'), page.click('#emails-make')]);
  const merge = fs.readFileSync(await mergeDl.path(), 'utf8').trim().split('\n');
  assert.equal(merge[0], 'email,link');
  assert.deepEqual(merge.slice(1).map((l) => l.split(',')[0]), ['ann@example.org', 'bob@example.org']);
  recorder.expectedErrors = /status of 400/;
  await page.fill('#emails', 'not-an-address@');
  await page.click('#emails-make');
  await page.waitForFunction(() => /not an e-mail address/.test(document.querySelector('#err-emails').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#links-files li').length === 2);
  recorder.expectedErrors = null;
  await screenshots(page, 'links', '#emails-make');
  check('links made: a CSV of links and a mail-merge file from pasted addresses; a bad address refused');

  // 4. Collection, while contributions arrive through the real form.
  await goStep(page, 'collection');
  const shown = () => page.locator('#collection-rows td.count').evaluateAll((tds) => tds.map((td) => td.dataset.count));
  await page.waitForFunction(() => document.querySelectorAll('#collection-rows tr').length === 3);
  await eventually(async () => (await shown()).every((c) => c === '0'), 10000, 'counts of 0');
  assert.deepEqual(await page.locator('#collection-rows td:nth-child(4)').allTextContents(), ['yes', 'yes', 'yes']);
  const answers = randomAnswers(N, seeded(31)).map((a) => ({ ...a, salary: Math.min(a.salary, 500000) }));
  for (let i = 0; i < N; i++) {
    const { page: form } = await recorder.open(links[i], { viewport: PHONE });
    await form.waitForSelector('#study-form');
    await fill(form, Object.fromEntries(Object.entries(answers[i]).map(([k, v]) => [k, String(v)])));
    await form.click('#submit-button');
    await receipt(form, 3);
    await form.close();
    if (i === 3 || i === N - 1) {
      const want = String(i + 1);
      await eventually(async () => (await shown()).every((c) => c === want), 15000, `the counts at ${want}`);
    }
  }
  await eventually(async () => (await page.locator('#chart polyline').count()) === 3, 10000, 'the chart');
  await screenshots(page, 'collection', '#collection-heading');
  check(`the collection page's counts rose to ${N} at every party as answers came through the form; the chart`);

  // 5. Compute and the report.
  await goStep(page, 'compute');
  await page.click('#compute-button');
  await page.waitForSelector('#report-card', { state: 'visible', timeout: 60000 });
  assert.match(await page.textContent('#report-summary'), new RegExp(`${N} submissions accepted, 0 rejected`));
  const [xlsxDl] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')]);
  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  assert.equal(xlsxDl.suggestedFilename(), 'report.xlsx');
  assert.equal(csvDl.suggestedFilename(), 'report.csv');
  const rows = parseCsv(fs.readFileSync(await csvDl.path(), 'utf8'));
  assert.deepEqual(checkReport(sealed, answers, rows), []);
  const cells = await workbookCells(await xlsxDl.path());
  assert.deepEqual(sheetNumbersProblems(cells, rows), []);
  const cliFile = path.join(tmp, 'cli.xlsx');
  const cli = await runAsync(bin('mpc'), ['report', '--organizer', dir, '--study', sealedFile, '--xlsx', cliFile]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(cells, await workbookCells(cliFile));
  assert.match(await page.getAttribute('#report-link', 'href'), new RegExp(`^${parties[0].url}/report#study=${sealed.hash}&key=`));
  await screenshots(page, 'compute', '#report-card');
  check('computed from the console; the .xlsx and the CSV downloaded, equal to the statistics computed in the clear and to mpc report');

  assert.deepEqual(problems, []);
  check('no page errors, console errors or CSP violations');
} finally {
  await browser.close();
  for (const p of parties) if (p.child && p.child.exitCode === null) p.child.kill('SIGKILL');
  await con?.stop();
  if (process.env.MPC_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}
