/**
 * lib.mjs - what the Chromium tests share: Debian's Chromium launched
 * headless through playwright-core, and pages that record what they do
 * (console errors, page errors, CSP violations, every request), so that a
 * test can check afterwards that nothing unexpected happened.
 */
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
