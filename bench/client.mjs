#!/usr/bin/env node
/**
 * client.mjs - the contributor side of `make bench`, every figure measured
 * in this run (medians after a warm-up):
 *   - shard: 3-party Prio3Histogram(240) and Prio3SumVec(240 x 20 bits) with
 *     the native build, the WebAssembly build in Node, and the divviup-ts
 *     client (npm @divviup/prio3, the baseline);
 *   - one pay-equity submission (encode, prove, shard, seal for 3 parties)
 *     natively, in Node and in headless Chromium;
 *   - the bytes of that submission's upload to the leader and to a helper;
 *   - the same for one EU pay transparency submission
 *     (schema/studies/eu-pay-transparency.json), as ratios to the pay-equity one;
 *   - the same for one employer's report of 1,000 people (the pay-equity
 *     study with "access": "organization": its table, one report).
 * Merges its keys into BUILD/bench/results.json and prints a table.
 *
 *   node bench/client.mjs BUILD_DIR [ITERATIONS]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Prio3Histogram, Prio3SumVec } from '@divviup/prio3';
import { launchChromium } from '../tests/browser/lib.mjs';
import { serve } from '../tests/browser/server.mjs';
import { ANSWER, cleanup, makeStudy, randomAnswers, seeded } from '../tests/integration/lib.mjs';

const EU_ANSWER = { gender: 'Woman', category: 'Professional', basic_pay: 52000, variable_pay: 3000 };
import { mergeResults } from './results.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const build = path.resolve(process.argv[2] ?? 'build');
const n = Number(process.argv[3] ?? 100);
const web = path.join(build, 'web');
const { loadMpc } = await import(pathToFileURL(path.join(web, 'mpc.js')).href);
const mpc = await loadMpc();

const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
async function timeIt(fn, iterations = n) {
  const t = [];
  for (let i = -Math.floor(iterations / 10) - 1; i < iterations; i++) {
    const t0 = performance.now();
    await fn(i);
    if (i >= 0) t.push(performance.now() - t0);
  }
  return median(t);
}
const native = (...args) => JSON.parse(execFileSync(path.join(build, 'bench', 'native'), args.map(String)));

/* ---- shard ---------------------------------------------------------------- */
const ctx = new TextEncoder().encode('mpc-study/1 bench');
const hist = mpc.prio3({ type: 'histogram', shares: 3, length: 240 });
const vec = mpc.prio3({ type: 'sumvec', shares: 3, length: 240, maxMeasurement: 2 ** 20 - 1 });
const vecMeasurement = (i) => Array.from({ length: 240 }, (_, k) => (i * 7919 + k) % 2 ** 20);
const wasmHist = await timeIt((i) => hist.shard((i + n) % 240, { ctx }));
const wasmVec = await timeIt((i) => vec.shard(vecMeasurement(i + n), { ctx }));
const dvHist = new Prio3Histogram({ shares: 3, length: 240, chunkLength: hist.chunkLength });
const dvVec = new Prio3SumVec({ shares: 3, length: 240, bits: 20, chunkLength: vec.chunkLength });
const random = (k) => Buffer.from(mpc.random(k));
const divviupHist = await timeIt((i) => dvHist.shard((i + n) % 240, random(16), random(dvHist.randSize)), Math.max(10, n / 5));
const divviupVec = await timeIt((i) => dvVec.shard(vecMeasurement(i + n), random(16), random(dvVec.randSize)), Math.max(10, n / 10));
hist.free();
vec.free();
const nativeShard = native('shard', n);

/* ---- one submission of each example study -------------------------------- */
/** Encode, prove, shard and seal one answer of a study for its 3 parties:
 *  natively, in Node and in Chromium, and the upload bodies' bytes. */
async function oneSubmission(studyFile, answer, { edit, iterations = n } = {}) {
  const study = await makeStudy({ n: 3, tokens: 1, studyFile, edit });
  try {
    const text = readFileSync(study.sealed, 'utf8');
    const token = study.tokens[0].token;
    const s = mpc.study(text);
    const wasmSubmission = await timeIt(() => s.submission(answer, { token }), iterations);
    const { bodies } = s.submission(answer, { token });
    s.free();
    const nativeSub = native('submission', study.sealed, iterations, JSON.stringify(answer));
    const server = await serve({ '/web/': web, '/bench/': here });
    const browser = await launchChromium();
    let chromiumMs;
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/bench/chromium.html`);
      await page.waitForFunction(() => window.benchReady === true);
      chromiumMs = await page.evaluate(([t, k, m, a]) => window.benchSubmission(t, k, m, a), [text, token, iterations, answer]);
    } finally {
      await browser.close();
      await server.close();
    }
    return { wasmSubmission, nativeSub, chromiumMs, leader: bodies[0].length, helper: bodies[1].length };
  } finally {
    cleanup(study);
  }
}
const sub = await oneSubmission('schema/studies/pay-equity.json', ANSWER);
const eu = await oneSubmission('schema/studies/eu-pay-transparency.json', EU_ANSWER);
/* One employer's report (an organization study, docs/STUDY.md): the
 * pay-equity study for employers of up to 5,000 people, a workforce of
 * 1,000 added up into its table. */
const ORG_PEOPLE = 1000;
const orgRows = randomAnswers(ORG_PEOPLE, seeded(7));
const org = await oneSubmission('schema/studies/pay-equity.json', orgRows, {
  iterations: Math.max(3, Math.round(n / 20)),
  edit: (d) => { d.access = 'organization'; d.max_rows = 5000; d.privacy.min_contributors = 3; },
});

/* ---- results -------------------------------------------------------------- */
const results = mergeResults(build, {
  shard_histogram240_ms: { native: nativeShard.shard_histogram240_ms, wasm: wasmHist, divviup_ts: divviupHist },
  shard_sumvec240x20_ms: { native: nativeShard.shard_sumvec240x20_ms, wasm: wasmVec, divviup_ts: divviupVec },
  submission_encode_ms: { native: sub.nativeSub.submission_encode_ms, wasm_node: sub.wasmSubmission, chromium: sub.chromiumMs },
  submission_upload_bytes: { leader: sub.leader, helper: sub.helper },
  eu_submission_encode_ms: { native: eu.nativeSub.submission_encode_ms, wasm_node: eu.wasmSubmission, chromium: eu.chromiumMs },
  eu_submission_upload_bytes: { leader: eu.leader, helper: eu.helper },
  org_submission_encode_ms: { native: org.nativeSub.submission_encode_ms, wasm_node: org.wasmSubmission, chromium: org.chromiumMs },
  org_submission_upload_bytes: { leader: org.leader, helper: org.helper },
  wasm_module_bytes: statSync(path.join(web, 'mpc_core.wasm')).size,
  client_iterations: n,
  node: process.version,
});

const ms = (x) => `${x.toFixed(3).padStart(9)} ms`;
const ratio = (x, base) => `${(x / base).toFixed(2).padStart(7)}x`;
console.log(`Client side (medians; ratios against the divviup-ts client or the native build, same run)`);
for (const [name, key] of [['Prio3Histogram(240), 3 shares: shard', 'shard_histogram240_ms'],
  ['Prio3SumVec(240 x 20 bits), 3 shares: shard', 'shard_sumvec240x20_ms']]) {
  const r = results[key];
  console.log(`  ${name}`);
  console.log(`    divviup-ts (npm @divviup/prio3)  ${ms(r.divviup_ts)}  1.00x`);
  console.log(`    this core, WebAssembly in Node   ${ms(r.wasm)}  ${ratio(r.wasm, r.divviup_ts)}`);
  console.log(`    this core, native                ${ms(r.native)}  ${ratio(r.native, r.divviup_ts)}`);
}
const se = results.submission_encode_ms;
console.log('  One pay-equity submission: encode, prove, shard, seal for 3 parties (target: under 10 ms in WebAssembly)');
console.log(`    native                           ${ms(se.native)}  1.00x`);
console.log(`    WebAssembly in Node              ${ms(se.wasm_node)}  ${ratio(se.wasm_node, se.native)}`);
console.log(`    WebAssembly in Chromium          ${ms(se.chromium)}  ${ratio(se.chromium, se.native)}`);
console.log(`  Upload bodies: leader ${results.submission_upload_bytes.leader} bytes, helper ${results.submission_upload_bytes.helper} bytes (target: under 20 KB each)`);
const eus = results.eu_submission_encode_ms;
const eub = results.eu_submission_upload_bytes;
console.log('  One EU pay transparency submission (schema/studies/eu-pay-transparency.json), against the pay-equity one');
console.log(`    native                           ${ms(eus.native)}  ${ratio(eus.native, se.native)}`);
console.log(`    WebAssembly in Node              ${ms(eus.wasm_node)}  ${ratio(eus.wasm_node, se.wasm_node)}`);
console.log(`    WebAssembly in Chromium          ${ms(eus.chromium)}  ${ratio(eus.chromium, se.chromium)}`);
console.log(`    upload bodies: leader ${eub.leader} bytes (${ratio(eub.leader, results.submission_upload_bytes.leader)}), helper ${eub.helper} bytes`);
const ors = results.org_submission_encode_ms;
const orb = results.org_submission_upload_bytes;
console.log(`  One employer's report of ${ORG_PEOPLE} people (pay-equity, "access": "organization", max_rows 5000), against one answer`);
console.log(`    native                           ${ms(ors.native)}  ${ratio(ors.native, se.native)}`);
console.log(`    WebAssembly in Node              ${ms(ors.wasm_node)}  ${ratio(ors.wasm_node, se.wasm_node)}`);
console.log(`    WebAssembly in Chromium          ${ms(ors.chromium)}  ${ratio(ors.chromium, se.chromium)}`);
console.log(`    upload bodies: leader ${orb.leader} bytes (${ratio(orb.leader, results.submission_upload_bytes.leader)}), helper ${orb.helper} bytes (target: a few hundred kilobytes)`);
console.log(`  WebAssembly module: ${(results.wasm_module_bytes / 1024).toFixed(1)} KiB`);
