#!/usr/bin/env node
/**
 * submit.mjs - the contributor's form (/submit) in headless Chromium
 * (Debian's, driven by playwright-core) against 3 real parties on loopback:
 * the form is generated from the sealed study; invalid answers are refused
 * in the page without any request; a valid answer reaches every party
 * (checked on each party's /api/status) and only encrypted bodies are sent;
 * a correction replaces the first answer; a party that is down is retried
 * until it confirms (automatically and with "Retry now"); a lost answer is
 * retried with the same body and counted once; a refusal is shown and not
 * retried; a link with the wrong hash, or without its token, and a core or
 * study that fails to load show no form; an open study works end to end on
 * a phone-sized screen, and the same answer sent twice has fresh shares,
 * seeds and HPKE keys (every upload opened with the parties' keys). Every page must load with no console error and no
 * CSP violation.
 *
 *   node tests/browser/submit.mjs          (MPC_BUILD selects the build dir)
 */
import assert from 'node:assert/strict';
import {
  assertFreshShares, cleanup, login, makeStudy, openShares, startParty, status, stopParty,
} from '../integration/lib.mjs';
import { fill, launchChromium, receipt, Recorder } from './lib.mjs';

const MEMBERS = ['ciphertext', 'enc', 'party', 'public_share', 'report_id', 'seq', 'study', 'token'];
const check = (name) => console.log(`ok: ${name}`);

// Answers unusual enough that finding them in a request cannot be chance.
const FIRST = { gender: 'Non-binary', ethnicity: 'Native Hawaiian or Pacific Islander', job: 'Professionals', salary: '85123', manager: 'true' };
const CORRECTED = { ...FIRST, job: 'Technicians', salary: '91234' };
const THIRD = { gender: 'Woman', ethnicity: 'Two or more races', job: 'Craft', salary: '67891', manager: 'false' };

const browser = await launchChromium();
/** Everything a page did that the test looks at afterwards. */
const recorder = new Recorder(browser);
const { problems, consoleText, requests } = recorder;
const openPage = (url, options = {}, setup = null) => recorder.open(url, options, setup);

const uploads = () => requests.filter((r) => new URL(r.url).pathname === '/api/reports');

async function counts(p) {
  const s = await status(p, await login(p));
  return { received: s.submissions.received, current: s.submissions.current };
}

/** The upload bodies the page sent for one report id, by party index. */
function sentBodies(reportId) {
  const out = [];
  for (const r of uploads()) {
    assert.equal(r.method, 'POST');
    const body = JSON.parse(r.body);
    if (body.report_id === reportId) out[body.party] = { url: r.url, text: r.body, body };
  }
  return out;
}

/** No trace of an answer in a request: labels and field names in the raw
 *  text (URL and body), the salary's digits and the labels in the decoded
 *  bytes (base64 text can hold short digit runs by chance; bytes cannot). */
function assertNoPlaintext(request, answer) {
  const words = [answer.gender, answer.ethnicity, answer.job, 'salary', 'gender', 'ethnicity', 'manager'];
  for (const w of words) {
    assert.ok(!request.text.includes(w), `"${w}" in a request body`);
    assert.ok(!request.url.includes(w), `"${w}" in a request URL`);
  }
  assert.ok(!request.url.includes(answer.salary), 'the salary in a request URL');
  for (const member of ['public_share', 'enc', 'ciphertext']) {
    const bytes = Buffer.from(request.body[member], 'base64').toString('latin1');
    for (const w of [...words, answer.salary]) assert.ok(!bytes.includes(w), `"${w}" in the decoded ${member}`);
  }
}

let failed = false;
const studies = [];
try {
  const study = await makeStudy({ n: 3 });
  studies.push(study);
  for (const p of study.parties) await startParty(study, p);
  const [leader, helper2, helper3] = study.parties;

  // 1. The form, from the study.
  const { page, response } = await openPage(study.tokens[0].link);
  assert.match(response.headers()['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);
  await page.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  assert.equal((await page.textContent('#study-title')).trim(), 'Pay equity survey 2026');
  assert.equal(await page.locator('#page-load-error').isVisible(), false);
  assert.deepEqual(await page.locator('#fields > [data-field]').evaluateAll((l) => l.map((e) => e.dataset.field)),
    ['gender', 'ethnicity', 'job', 'salary', 'manager']);
  assert.equal(await page.locator('input[type="radio"][name="gender"]').count(), 3);
  assert.equal(await page.locator('select[name="ethnicity"] option').count(), 9); // "Choose…" + 8
  assert.equal(await page.locator('select[name="job"] option').count(), 11);
  assert.equal(await page.getAttribute('input[name="salary"]', 'inputmode'), 'numeric');
  assert.deepEqual(await page.locator('input[name="manager"]').evaluateAll((l) => l.map((e) => e.value)), ['true', 'false']);
  assert.match(await page.getAttribute('input[name="salary"]', 'aria-describedby'), /salary-help/);
  assert.equal(await page.locator('#plan li').count(), 4);
  assert.match(await page.locator('#plan li').last().textContent(), /^Small groups: .*more groups than the small ones alone may be withheld/);
  const promises = await page.textContent('#promises');
  assert.match(promises, /3 secret shares/);
  assert.match(promises, /Party 1, Party 2,? and Party 3/);
  assert.match(promises, /not anonymous/);
  const partyList = await page.locator('#parties li').allTextContents();
  assert.deepEqual(partyList.map((t) => t.split(' ').slice(0, 2).join(' ')), ['Party 1', 'Party 2', 'Party 3']);
  study.parties.forEach((p, i) => assert.ok(partyList[i].includes(new URL(p.url).host)));
  assert.match(await page.textContent('#thresholds'), /fewer than 5 people/);
  assert.equal(await page.locator('#receipt').isVisible(), false);
  assert.equal(await page.isVisible('#unreachable'), false, 'every party answered');
  check('a token link shows the form generated from the study (5 fields, plan, parties)');

  // 2. Invalid answers: refused in the page, nothing sent.
  await fill(page, { ethnicity: 'Asian', job: 'Professionals', salary: '85,000' });
  await page.click('#submit-button');
  await page.waitForSelector('#error-summary', { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'error-summary');
  assert.equal(await page.getAttribute('#error-summary', 'role'), 'alert');
  const summary = await page.textContent('#error-summary');
  assert.match(summary, /Gender/);
  assert.match(summary, /Annual salary/);
  assert.match(summary, /Do you manage people/);
  assert.equal(await page.locator('#error-summary a').count(), 3);
  assert.match(await page.textContent('#salary-error'), /whole number from 0 to 1000000, digits only/);
  assert.match(await page.textContent('#gender-error'), /choose/i);
  assert.match(await page.textContent('#manager-error'), /yes or no/i);
  assert.equal(await page.textContent('#job-error'), '');
  assert.equal(await page.getAttribute('input[name="salary"]', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('input[name="salary"]', 'aria-describedby'), /salary-error/);
  await page.click('#error-summary a[data-field="salary"]');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'salary');

  await fill(page, { gender: 'Woman', salary: '2000000', manager: 'false' });
  await page.click('#submit-button');
  await page.waitForFunction(() => /maximum/.test(document.querySelector('#salary-error').textContent));
  assert.equal(await page.locator('#error-summary a').count(), 1);
  assert.equal(await page.textContent('#gender-error'), '');
  assert.equal(await page.getAttribute('input[name="gender"]', 'aria-invalid'), null);
  // A corrected text field clears its error as it is typed, and a click on
  // the next field right after counts (nothing moves under the pointer).
  await page.fill('input[name="salary"]', '85000');
  assert.equal(await page.textContent('#salary-error'), '');
  await page.check('input[name="manager"][value="true"]');
  assert.equal(await page.isChecked('input[name="manager"][value="true"]'), true);
  await page.waitForTimeout(300);
  assert.equal(uploads().length, 0, 'no request to /api/reports for invalid answers');
  check('invalid answers (85,000; 2000000; missing choices) refused in the page: summary, inline errors, no request');

  // 3. A valid answer reaches every party.
  await fill(page, FIRST);
  await page.click('#submit-button');
  const first = await receipt(page, 3);
  assert.equal(await page.locator('#error-summary').isVisible(), false);
  assert.match(await page.textContent('#receipt'), /open your link again and submit: the new answers replace these/);
  assert.match(await page.textContent('#status'), /Submitted/);
  for (const p of study.parties) assert.deepEqual(await counts(p), { received: 1, current: 1 });
  check('a valid answer: receipt with every party confirmed; each party counts 1');

  // 4. Only the core's encrypted bodies were sent.
  assert.equal(uploads().length, 3, 'one upload per party');
  const firstBodies = sentBodies(first);
  for (const [i, r] of firstBodies.entries()) {
    assert.equal(new URL(r.url).origin, study.parties[i].url);
    assert.deepEqual(Object.keys(r.body).sort(), MEMBERS);
    assert.equal(r.body.study, study.hash);
    assert.equal(r.body.token, study.tokens[0].token);
    assertNoPlaintext(r, FIRST);
  }
  for (const r of requests) assert.ok(!r.url.includes(FIRST.salary) && !r.url.includes('Professionals'));
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  assert.ok(!consoleText.some((t) => t.includes(FIRST.salary) || t.includes('Professionals')), 'answers on the console');
  check('only encrypted bodies sent (8 members; no answer in any URL, body or decoded bytes; nothing stored or logged)');

  // 5. A correction with the same token replaces the first answer.
  await page.click('#correct-button');
  await page.waitForSelector('#receipt', { state: 'hidden' });
  assert.equal(await page.isEnabled('#submit-button'), true);
  assert.equal(await page.inputValue('input[name="salary"]'), FIRST.salary);
  await fill(page, CORRECTED);
  await page.click('#submit-button');
  const second = await receipt(page, 3);
  assert.notEqual(second, first);
  const secondBodies = sentBodies(second);
  for (const [i, r] of secondBodies.entries()) {
    assert.ok(r.body.seq > firstBodies[i].body.seq, 'the correction has a larger seq');
    assertNoPlaintext(r, CORRECTED);
  }
  for (const p of study.parties) assert.deepEqual(await counts(p), { received: 2, current: 1 });
  check('a correction from the same page: every party received 2, current 1');
  await page.close();

  // 6. A party down: the page waits and retries until it confirms.
  await stopParty(helper3);
  recorder.expectedErrors = /ERR_CONNECTION_REFUSED/;
  const { page: page2 } = await openPage(study.tokens[1].link);
  await page2.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  // Said on load, before anyone types.
  assert.equal(await page2.isVisible('#unreachable'), true);
  assert.match(await page2.textContent('#unreachable'), /^Party 3 \(127\.0\.0\.1:\d+\) cannot be reached right now\. You can still fill in the form/);
  await fill(page2, THIRD);
  await page2.click('#submit-button');
  const waiting3 = '#sending li[data-party-index="2"]';
  // Two failures: the retries are automatic.
  await page2.waitForFunction((sel) => /waiting, retrying \(attempt [3-9]\)/i.test(document.querySelector(sel)?.textContent),
    waiting3, { timeout: 20000 });
  for (const i of [0, 1]) assert.match(await page2.textContent(`#sending li[data-party-index="${i}"]`), /confirmed/i);
  assert.equal(await page2.locator('#receipt').isVisible(), false);
  assert.match(await page2.textContent('#status'), /not complete/i);
  assert.match(await page2.textContent('#status'), /keep this page open/i);
  assert.match(await page2.textContent('#status'), /Party 3/);
  assert.equal(await page2.isVisible('#retry-button'), true);
  assert.equal(await page2.isDisabled('#submit-button'), true);
  await startParty(study, helper3);
  await receipt(page2, 3, 30000);
  recorder.expectedErrors = null;
  assert.deepEqual(await counts(helper3), { received: 3, current: 2 });
  assert.deepEqual(await counts(leader), { received: 3, current: 2 });
  check('party 3 down: "waiting, retrying" and no receipt; restarted: retried automatically, receipt, counted');
  await page2.close();

  // ... and "Retry now" does not wait for the next automatic attempt.
  await stopParty(helper2);
  recorder.expectedErrors = /ERR_CONNECTION_REFUSED/;
  const { page: page3 } = await openPage(study.tokens[2].link);
  await page3.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  await fill(page3, THIRD);
  await page3.click('#submit-button');
  // After 3 failures the next automatic try is about 8 s away.
  const waiting2 = '#sending li[data-party-index="1"]';
  await page3.waitForFunction((sel) => /attempt 4\)/.test(document.querySelector(sel)?.textContent), waiting2, { timeout: 20000 });
  await startParty(study, helper2);
  const clicked = Date.now();
  await page3.click('#retry-button');
  await receipt(page3, 3, 5000);
  assert.ok(Date.now() - clicked < 5000);
  recorder.expectedErrors = null;
  assert.deepEqual(await counts(helper2), { received: 4, current: 3 });
  check('"Retry now" delivers at once once the party is back');
  await page3.close();

  // A lost answer: party 2 stores the upload but the page never hears back.
  // The retry sends the same body; the party answers 409 "same": confirmed,
  // and counted once.
  recorder.expectedErrors = /ERR_CONNECTION_RESET|status of 409/;
  const { page: page4 } = await openPage(study.tokens[3].link);
  await page4.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  let dropped = 0;
  await page4.route(`${helper2.url}/api/reports`, async (route) => {
    if (route.request().method() !== 'POST' || dropped > 0) return route.continue();
    dropped++;
    const stored = await route.fetch();
    assert.equal(stored.status(), 201);
    return route.abort('connectionreset');
  });
  await fill(page4, THIRD);
  await page4.click('#submit-button');
  const lostId = await receipt(page4, 3);
  assert.equal(dropped, 1);
  assert.match(await page4.textContent('#receipt li[data-party-index="1"]'), /already stored/);
  assert.equal(sentBodies(lostId).length, 3);
  assert.deepEqual(await counts(helper2), { received: 5, current: 4 });
  assert.deepEqual(await counts(leader), { received: 5, current: 4 });
  recorder.expectedErrors = null;
  check('an answer lost on the way: the retry is recognized ("same"), confirmed and counted once');
  await page4.close();

  // A refusal is final: a tampered token is refused by every party; the page
  // says so, does not retry, and shows no receipt.
  recorder.expectedErrors = /status of 403/;
  const tampered = study.tokens[4].token.replace(/.(?=.{20}$)/, (c) => (c === 'A' ? 'B' : 'A'));
  const { page: page5 } = await openPage(`${leader.url}/submit#study=${study.hash}&token=${tampered}`);
  await page5.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  const refusedBefore = uploads().length;
  await fill(page5, THIRD);
  await page5.click('#submit-button');
  await page5.waitForSelector('#edit-button', { state: 'visible', timeout: 20000 });
  const said = await page5.textContent('#status');
  assert.match(said, /not complete/i);
  assert.match(said, /not a valid participation token/);
  for (let i = 0; i < 3; i++) assert.match(await page5.textContent(`#sending li[data-party-index="${i}"]`), /Refused/);
  assert.equal(await page5.locator('#receipt').isVisible(), false);
  await page5.waitForTimeout(2500);
  assert.equal(uploads().length - refusedBefore, 3, 'a refusal is not retried');
  await page5.click('#edit-button');
  assert.equal(await page5.isEnabled('#submit-button'), true);
  recorder.expectedErrors = null;
  check('a refused token: the party\'s reason shown, not complete, no retry, no receipt');
  await page5.close();

  // 7. Links that must not show a form.
  const uploadsBefore = uploads().length;
  const bad = [
    [`${leader.url}/submit#study=${'0'.repeat(64)}&token=${study.tokens[5].token}`, /does not match the study in your link/i],
    [`${leader.url}/submit#study=${study.hash.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}&token=${study.tokens[5].token}`, /does not match/i],
    [`${leader.url}/submit#token=${study.tokens[5].token}`, /link is incomplete/i],
    [`${leader.url}/submit#study=${study.hash}`, /personal link/i],
  ];
  for (const [url, message] of bad) {
    const { page: p } = await openPage(url);
    await p.waitForSelector('#page-load-error', { state: 'visible', timeout: 20000 });
    assert.match(await p.textContent('#page-load-error'), message);
    assert.match(await p.textContent('#page-load-error'), /organizer/);
    assert.equal(await p.locator('#study-form').isVisible(), false);
    assert.equal(await p.locator('input, select').count(), 0);
    await p.close();
  }
  check('a wrong or missing hash, or a missing token: #page-load-error, no form');

  // The core or the study cannot be loaded: a clear message, no form.
  recorder.expectedErrors = /ERR_FAILED|status of 500/;
  const failures = [
    ['/web/mpc_core.wasm', (route) => route.abort('failed'), /could not start/],
    ['/api/study', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"x"}' }),
      /study could not be loaded/],
  ];
  for (const [path, handler, message] of failures) {
    const { page: p } = await openPage(study.tokens[5].link, {}, (pg) => pg.route(`${leader.url}${path}`, handler));
    await p.waitForSelector('#page-load-error', { state: 'visible', timeout: 20000 });
    assert.match(await p.textContent('#page-load-error'), message);
    assert.equal(await p.locator('input, select').count(), 0);
    await p.close();
  }
  recorder.expectedErrors = null;
  assert.equal(uploads().length, uploadsBefore, 'no uploads from the pages that showed no form');
  check('the WebAssembly core or the study failing to load: #page-load-error, no form');
  for (const p of study.parties) await stopParty(p);

  // 8. An open study, on a phone-sized screen.
  const open = await makeStudy({ n: 3, edit: (d) => { d.access = 'open'; } });
  studies.push(open);
  for (const p of open.parties) await startParty(open, p);
  const before = uploads().length;
  const { page: phone } = await openPage(`${open.parties[0].url}/submit#study=${open.hash}`,
    { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await phone.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  assert.match(await phone.textContent('#promises'), /open to anyone/);
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
  await fill(phone, FIRST);
  await phone.click('#submit-button');
  const openId = await receipt(phone, 3);
  assert.equal(await phone.locator('#correct-button').isVisible(), false);
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
  const openBodies = uploads().slice(before).map((r) => ({ url: r.url, text: r.body, body: JSON.parse(r.body) }));
  assert.equal(openBodies.length, 3);
  for (const r of openBodies) {
    assert.equal(r.body.report_id, openId);
    assert.deepEqual(Object.keys(r.body).sort(), MEMBERS.filter((m) => m !== 'token'));
    assertNoPlaintext(r, FIRST);
  }
  for (const p of open.parties) assert.deepEqual(await counts(p), { received: 1, current: 1 });
  check('an open study on a phone-sized screen: submitted, no token sent, counted by every party');
  await phone.close();

  // 9. The same answer once more: the page's randomness is fresh. Every
  // upload opened with the parties' keys: no share, seed or key repeats.
  const { page: again } = await openPage(`${open.parties[0].url}/submit#study=${open.hash}`);
  await again.waitForSelector('#study-form', { state: 'visible', timeout: 20000 });
  await fill(again, FIRST);
  await again.click('#submit-button');
  assert.notEqual(await receipt(again, 3), openId);
  await again.close();
  const opened = openShares(open, uploads().slice(before).map((r) => r.body));
  assert.equal(opened.length, 6);
  assertFreshShares(opened);
  check('the same answer twice: every share, seed and HPKE key the page sent is fresh');

  assert.deepEqual(problems, []);
  check('no page errors, console errors or CSP violations');
} catch (e) {
  failed = true;
  console.log(`FAIL: ${e.stack ?? e}`);
  if (problems.length) console.log(`problems seen: ${problems.join('\n  ')}`);
} finally {
  await browser.close();
  for (const s of studies) cleanup(s);
}
process.exitCode = failed ? 1 : 0;
