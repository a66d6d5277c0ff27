#!/usr/bin/env node
/**
 * wasm_smoke.mjs - the WebAssembly build in headless Chromium: serves
 * build/web/ on 127.0.0.1, opens tests/browser/wasm_smoke.html, which loads
 * mpc.js as a module (the module fetches mpc_core.wasm), reproduces an
 * official Prio3 vector byte for byte, round-trips HPKE with the browser's
 * randomness, and times shard + seal of a 3-party Histogram(240).
 *
 *   node tests/browser/wasm_smoke.mjs BUILD_DIR
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib.mjs';
import { serve } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const build = path.resolve(process.argv[2] ?? 'build');
const server = await serve({
  '/web/': path.join(build, 'web'),
  '/vectors/': path.join(here, '..', 'vectors'),
  '/test/': here,
});
const browser = await launchChromium();
let ok = false;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/test/wasm_smoke.html`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
  const r = await page.evaluate(() => window.__result);
  for (const [name, pass] of r.checks ?? []) console.log(`${pass ? 'ok' : 'FAIL'}: ${name} (Chromium ${browser.version()})`);
  if (r.error) console.log(`FAIL: ${r.error}`);
  for (const e of errors) console.log(`FAIL: page error: ${e}`);
  if (r.ok) console.log(`ok: shard + seal, 3-party Histogram(240): ${r.shardSealMs.toFixed(2)} ms median in Chromium`);
  ok = r.ok && errors.length === 0 && r.heapInUse === 0;
  if (r.ok && r.heapInUse !== 0) console.log(`FAIL: ${r.heapInUse} bytes of module heap still in use`);
} finally {
  await browser.close();
  await server.close();
}
process.exitCode = ok ? 0 : 1;
