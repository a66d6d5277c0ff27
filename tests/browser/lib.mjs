/**
 * lib.mjs - what the Chromium tests share: Debian's Chromium launched
 * headless through playwright-core, and pages that record what they do
 * (console errors, page errors, CSP violations, every request), so that a
 * test can check afterwards that nothing unexpected happened.
 */
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Pages of one browser whose events are recorded here. */
export class Recorder {
  constructor(browser) {
    this.browser = browser;
    this.problems = []; // console errors, page errors, CSP violations
    this.consoleText = []; // every console message
    this.requests = []; // every request: { url, method, body, headers }
    this.expectedErrors = null; // console errors the current step causes on purpose
  }

  /** A new page with the recorders attached; setup(page) runs before it
   *  opens url. Returns { page, response }. */
  async open(url, options = {}, setup = null) {
    const page = await this.browser.newPage(options);
    page.on('pageerror', (e) => this.problems.push(`page error: ${e}`));
    page.on('console', (m) => {
      this.consoleText.push(m.text());
      if (m.type() !== 'error') return;
      // Chromium logs failed requests as errors (a party down, a refusal).
      if (this.expectedErrors?.test(m.text())) return;
      this.problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => this.requests.push({ url: r.url(), method: r.method(), body: r.postData(), headers: r.headers() }));
    await page.exposeFunction('__cspViolation', (text) => this.problems.push(`CSP violation: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    if (setup) await setup(page);
    const response = await page.goto(url);
    return { page, response };
  }
}

/** Fills the form; choices by label (radio or select), booleans 'true'/'false'. */
export async function fill(page, answer) {
  for (const [name, value] of Object.entries(answer)) {
    const control = page.locator(`[name="${name}"]`).first();
    const tag = await control.evaluate((e) => `${e.tagName.toLowerCase()}:${e.type}`);
    if (tag === 'select:select-one') await control.selectOption(value);
    else if (tag === 'input:radio') await page.check(`input[name="${name}"][value="${value}"]`);
    else await page.fill(`[name="${name}"]`, value);
  }
}

/** The receipt: waits for it, returns its report id; every party confirmed. */
export async function receipt(page, n, timeout = 30000) {
  await page.waitForSelector('#receipt', { state: 'visible', timeout });
  const id = (await page.textContent('#receipt-report-id')).trim();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.notEqual((await page.textContent('#receipt-time')).trim(), '');
  const items = page.locator('#receipt li[data-party-index]');
  assert.equal(await items.count(), n);
  for (let i = 0; i < n; i++) assert.match(await items.nth(i).textContent(), /confirmed/i);
  return id;
}

/** Runs a browser test's steps (body): then no page error, console
 *  error or CSP violation may have been recorded. A failure prints FAIL
 *  with what the pages did wrong; either way the browser closes, done()
 *  cleans up, and the exit code says how it went. */
export async function runBrowserTest(browser, recorder, body, done = () => {}) {
  let failed = false;
  try {
    await body();
    assert.deepEqual(recorder.problems, []);
    console.log('ok: no page errors, console errors or CSP violations');
  } catch (e) {
    failed = true;
    console.log(`FAIL: ${e.stack ?? e}`);
    if (recorder.problems.length) console.log(`problems seen:\n  ${recorder.problems.join('\n  ')}`);
  } finally {
    await browser.close();
    await done();
  }
  process.exitCode = failed ? 1 : 0;
}
