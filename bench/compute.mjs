#!/usr/bin/env node
/**
 * compute.mjs - the compute benchmark of `make bench`: COUNT pay-equity
 * submissions (synthetic answers, scripts/synthetic.mjs) built by the core
 * and stored at the 3 parties of a sealed study (bench/populate), the 3
 * real party servers on 127.0.0.1, and the wall time of `mpc compute` from
 * start to the released result; then the same statistics from the same
 * rows computed in the clear by SQLite (the baseline). Each party's
 * profile of its own work (GET /api/status, compute.profile_ms) says where
 * the time goes. Merges "compute" into BUILD/bench/results.json.
 *
 * With STUDY eu-pay-transparency: the same for the EU pay transparency
 * example (schema/studies/eu-pay-transparency.json: medians found by the
 * parties' search, shares of positive values, gaps), against the
 * pay-equity run of the same `make bench` ("compute" in results.json,
 * which must be there) instead of SQLite; merged as "compute_eu".
 *
 *   node bench/compute.mjs BUILD_DIR [COUNT] [STUDY]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bin, cleanup, login, makeStudy, root, runAsync, startParty, status } from '../tests/integration/lib.mjs';
import { mergeResults, resultsFile } from './results.mjs';

const build = path.resolve(process.argv[2] ?? 'build');
const count = Number(process.argv[3] ?? 100000);
const name = process.argv[4] ?? 'pay-equity';
if (!['pay-equity', 'eu-pay-transparency'].includes(name)) {
  console.error('bench/compute.mjs: STUDY must be pay-equity or eu-pay-transparency');
  process.exit(2);
}
const eu = name === 'eu-pay-transparency';
const studyFile = path.join(root, `schema/studies/${name}.json`);
const baseline = eu ? JSON.parse(readFileSync(resultsFile(build), 'utf8')).compute : null;
if (eu && !baseline) {
  console.error('bench/compute.mjs: run the pay-equity compute first (its figures are the baseline)');
  process.exit(2);
}
const study = await makeStudy({ n: 3, tokens: 0, studyFile: `schema/studies/${name}.json` });
let result;
try {
  const csv = path.join(study.dir, 'answers.csv');
  const clear = path.join(study.dir, 'clear.db');
  process.stdout.write(`Compute: building ${count} ${name} submissions and storing them at 3 parties... `);
  writeFileSync(csv, execFileSync('node', [path.join(root, 'scripts/synthetic.mjs'), studyFile, String(count), '2026'],
    { maxBuffer: 1 << 30 }));
  const populated = JSON.parse(execFileSync(path.join(build, 'bench', 'populate'),
    [study.sealed, csv, clear, ...study.parties.map((p) => p.dir)], { encoding: 'utf8' }));
  console.log(`${populated.seconds.toFixed(1)} s`);
  for (const p of study.parties) {
    execFileSync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
    await startParty(study, p);
  }
  process.stdout.write('Compute: mpc compute... ');
  const t0 = performance.now();
  const r = await runAsync(bin('mpc'), ['compute', '--organizer', study.org, '--study', study.sealed]);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`mpc compute failed: ${r.stderr}`);
  const accepted = Number(/(\d+) submissions accepted/.exec(r.stdout)?.[1]);
  if (accepted !== count) throw new Error(`mpc compute accepted ${accepted} of ${count}: ${r.stdout}`);
  console.log(`${seconds.toFixed(1)} s`);
  const profiles = [];
  for (const p of study.parties) profiles.push((await status(p, await login(p))).compute.profile_ms ?? null);
  result = { submissions: count, parties: 3, seconds, reports_per_s: count / seconds,
    populate_seconds: populated.seconds, profile_ms: profiles };
  if (!eu) {
    const plain = JSON.parse(execFileSync(path.join(build, 'bench', 'populate'), ['--plaintext', clear], { encoding: 'utf8' }));
    if (plain.rows !== count) throw new Error(`the clear table has ${plain.rows} rows, not ${count}`);
    result.plaintext_seconds = plain.seconds;
  }
} finally {
  cleanup(study);
}
mergeResults(build, { [eu ? 'compute_eu' : 'compute']: result });
const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;
console.log(`Compute: ${count} ${name} submissions, 3 parties on this machine`);
if (eu) {
  console.log(`  pay-equity, same run (baseline)     ${baseline.seconds.toFixed(3).padStart(8)} s   1x`);
  console.log(`  EU pay transparency, end to end     ${result.seconds.toFixed(3).padStart(8)} s   ${(result.seconds / baseline.seconds).toFixed(2)}x`);
} else {
  console.log(`  in the clear (SQLite GROUP BY)      ${result.plaintext_seconds.toFixed(3).padStart(8)} s   1x`);
  console.log(`  mpc compute, end to end             ${result.seconds.toFixed(3).padStart(8)} s   ${(result.seconds / result.plaintext_seconds).toFixed(0)}x  (target: under 60 s)`);
}
console.log(`  ${result.reports_per_s.toFixed(0)} reports/s verified and aggregated`);
result.profile_ms.forEach((p, i) => {
  if (p) console.log(`  party ${i + 1}: ${Object.entries(p).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
});
