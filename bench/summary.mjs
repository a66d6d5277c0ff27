#!/usr/bin/env node
/**
 * summary.mjs - the last step of `make bench`: the targets of docs/DESIGN.md,
 * section 9 against the figures of this run (BUILD/bench/results.json,
 * written by client.mjs, ingest.mjs and compute.mjs), as one table.
 * Exits 1 if a figure is missing (a benchmark did not run).
 *
 *   node bench/summary.mjs BUILD_DIR
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resultsFile } from './results.mjs';

const build = path.resolve(process.argv[2] ?? 'build');
const r = JSON.parse(readFileSync(resultsFile(build), 'utf8'));
const need = ['shard_histogram240_ms', 'shard_sumvec240x20_ms', 'submission_encode_ms', 'submission_upload_bytes', 'ingest', 'compute',
  'eu_submission_encode_ms', 'eu_submission_upload_bytes', 'compute_eu'];
const missing = need.filter((k) => r[k] === undefined);
if (missing.length) {
  console.error(`bench: no figures for ${missing.join(', ')} in ${resultsFile(build)}`);
  process.exit(1);
}
const x = (a, b) => `${(a / b).toFixed(a / b < 10 ? 2 : 0)}x`;
const rows = [
  ['One pay-equity submission in Chromium (WebAssembly)', 'under 10 ms', `${r.submission_encode_ms.chromium.toFixed(2)} ms`,
    r.submission_encode_ms.chromium < 10, `${x(r.submission_encode_ms.chromium, r.submission_encode_ms.native)} native`],
  ['Upload to the leader / to a helper', 'under 20 KB each', `${(r.submission_upload_bytes.leader / 1024).toFixed(1)} / ${(r.submission_upload_bytes.helper / 1024).toFixed(1)} KiB`,
    Math.max(r.submission_upload_bytes.leader, r.submission_upload_bytes.helper) < 20 * 1024, ''],
  ['Prio3Histogram(240) shard, WebAssembly in Node', 'faster than divviup-ts', `${r.shard_histogram240_ms.wasm.toFixed(3)} ms`,
    r.shard_histogram240_ms.wasm < r.shard_histogram240_ms.divviup_ts, `${x(r.shard_histogram240_ms.divviup_ts, r.shard_histogram240_ms.wasm)} faster than divviup-ts`],
  ['Prio3SumVec(240 x 20) shard, WebAssembly in Node', 'faster than divviup-ts', `${r.shard_sumvec240x20_ms.wasm.toFixed(3)} ms`,
    r.shard_sumvec240x20_ms.wasm < r.shard_sumvec240x20_ms.divviup_ts, `${x(r.shard_sumvec240x20_ms.divviup_ts, r.shard_sumvec240x20_ms.wasm)} faster than divviup-ts`],
  ['Durable uploads to one party', 'over 2,000/s', `${r.ingest.uploads_per_s.toFixed(0)}/s`, r.ingest.uploads_per_s > 2000,
    r.ingest.storage ? `storage alone: group commit ${x(r.ingest.storage.group_commit_per_s, r.ingest.storage.one_commit_each_per_s)} one commit each` : ''],
  ['Upload latency, p99', 'under 50 ms', `${r.ingest.p99_ms.toFixed(1)} ms`, r.ingest.p99_ms < 50, `p50 ${r.ingest.p50_ms.toFixed(1)} ms`],
  [`Compute, ${r.compute.submissions} submissions, 3 parties`, 'under 60 s', `${r.compute.seconds.toFixed(1)} s`, r.compute.seconds < 60,
    `${x(r.compute.seconds, r.compute.plaintext_seconds)} the clear SQLite (${r.compute.plaintext_seconds.toFixed(3)} s)`],
];
// The EU pay transparency example (issue 24): no target of its own, its
// cost against the pay-equity study's in the same run.
const costs = [
  ['One submission in Chromium', `${r.eu_submission_encode_ms.chromium.toFixed(2)} ms`, x(r.eu_submission_encode_ms.chromium, r.submission_encode_ms.chromium)],
  ['Upload to the leader / to a helper', `${(r.eu_submission_upload_bytes.leader / 1024).toFixed(1)} / ${(r.eu_submission_upload_bytes.helper / 1024).toFixed(1)} KiB`,
    x(r.eu_submission_upload_bytes.leader, r.submission_upload_bytes.leader)],
  [`Compute, ${r.compute_eu.submissions} submissions, 3 parties`, `${r.compute_eu.seconds.toFixed(1)} s`, x(r.compute_eu.seconds, r.compute.seconds)],
];
const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
console.log('\nTargets (docs/DESIGN.md, section 9), this machine, this run:');
for (const [what, target, got, met, note] of rows) {
  console.log(`  ${what.padEnd(w[0])}  ${target.padEnd(w[1])}  ${got.padStart(w[2])}  ${met ? 'met ' : 'MISSED'}  ${note}`);
}
console.log('\nThe EU pay transparency example (schema/studies/eu-pay-transparency.json) against pay-equity, this run:');
const wc = [0, 1].map((i) => Math.max(...costs.map((row) => row[i].length)));
for (const [what, got, ratio] of costs) console.log(`  ${what.padEnd(wc[0])}  ${got.padStart(wc[1])}  ${ratio} pay-equity's`);
console.log(`Figures: ${resultsFile(build)}`);
