#!/usr/bin/env node
/**
 * dashboard.mjs - the party admin's dashboard (/admin) in headless
 * Chromium (Debian's, driven by playwright-core) against 3 real parties on
 * loopback: a wrong password is refused, the right one signs in, the page
 * shows the submission count, the peers and the plan, and approving from
 * the page is recorded by the server and seen by the other parties. The
 * page must load with no console error and no CSP violation.
 *
 *   node tests/browser/dashboard.mjs
 */
import assert from 'node:assert/strict';
import {
  ANSWER, PASSWORD, cleanup, eventually, login, makeStudy, makeUploads, startParty, status, upload,
} from '../integration/lib.mjs';
import { launchChromium } from './lib.mjs';

const study = await makeStudy({ n: 3 });
const browser = await launchChromium();
const check = (name) => console.log(`ok: ${name}`);
let failed = false;
try {
  for (const p of study.parties) await startParty(study, p);
  const [leader, helper] = study.parties;
  for (let i = 0; i < 3; i++) {
    const bodies = makeUploads(study, ANSWER, { token: study.tokens[i].token });
    for (let j = 0; j < 3; j++) assert.equal((await upload(study.parties[j], bodies[j])).status, 201);
  }

  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  // Expected 401s (not signed in yet, wrong password, signed out) are
  // logged by Chromium as failed loads; anything else is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401 \(Unauthorized\)/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  const response = await page.goto(`${leader.url}/admin`);
  assert.match(response.headers()['content-security-policy'], /script-src 'self'/);

  await page.waitForSelector('#login-form', { state: 'visible' });
  await page.fill('#password', 'not the password');
  await page.click('#login-button');
  await page.waitForFunction(() => /wrong password/i.test(document.querySelector('#login-error').textContent));
  check('a wrong password is refused on the page');

  await page.fill('#password', PASSWORD);
  await page.click('#login-button');
  await page.waitForSelector('#dashboard', { state: 'visible' });
  await page.waitForFunction(() => document.querySelector('#count-received').textContent.trim() === '3');
  assert.equal((await page.textContent('#party-name')).trim(), 'Party 1');
  assert.equal((await page.textContent('#count-current')).trim(), '3');
  assert.match(await page.textContent('#study-title'), /Pay equity survey 2026/);
  assert.match(await page.textContent('#study-hash'), new RegExp(study.hash.slice(0, 8)));
  assert.equal(await page.locator('#plan li').count(), 4);
  assert.match(await page.locator('#plan li').last().textContent(), /^Small groups: .*more groups than the small ones alone may be withheld/);
  assert.ok(await page.locator('#chart svg').count() === 1, 'the chart is drawn');
  check('signed in: counts, study, hash, plan and chart shown');

  await page.waitForFunction(() => {
    const rows = document.querySelectorAll('#peers tbody tr[data-peer-index]');
    return rows.length === 2 && [...rows].every((r) => /reachable|✓|yes/i.test(r.textContent));
  }, null, { timeout: 20000 });
  check('both peers shown as reachable');

  assert.match(await page.textContent('#approval-state'), /Not approved/);
  await page.click('#approve-button');
  await page.waitForSelector('#approve-confirm', { state: 'visible' });
  await page.click('#approve-confirm');
  await page.waitForFunction(() => /^Approved/.test(document.querySelector('#approval-state').textContent.trim()));
  const s = await status(leader, await login(leader));
  assert.equal(s.approval.approved, true);
  check('approved from the page; the server recorded it');

  const other = await login(helper);
  await eventually(async () => (await status(helper, other)).peers[0].approved === true, 20000,
    'the helper sees the leader approved');
  check('the other parties see the approval');

  await page.click('#logout-button');
  await page.waitForSelector('#login-form', { state: 'visible' });
  const after = await page.evaluate(async () => (await fetch('/api/status')).status);
  assert.equal(after, 401);
  check('signed out');
  assert.deepEqual(problems, []);
  check('no page errors, console errors or CSP violations');
} catch (e) {
  failed = true;
  console.log(`FAIL: ${e.stack ?? e}`);
} finally {
  await browser.close();
  cleanup(study);
}
process.exitCode = failed ? 1 : 0;
