#!/usr/bin/env node
/**
 * ingest.mjs - the party's upload rate for `make bench`: one party of a
 * sealed pay-equity study (participation tokens, so each upload's token
 * signature is checked) on 127.0.0.1, loaded by bench/ingest (C, libcurl)
 * from many connections for 20 s: durable uploads per second and the
 * latency percentiles; then the storage alone (bench/storage: 8 threads,
 * group commit against one commit per report, the way the party stored
 * before, as the baseline). Merges "ingest" into BUILD/bench/results.json.
 *
 *   node bench/ingest.mjs BUILD_DIR [SECONDS] [CONNECTIONS]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANSWER, cleanup, makeStudy, makeUploads, startParty } from '../tests/integration/lib.mjs';
import { mergeResults } from './results.mjs';

const build = path.resolve(process.argv[2] ?? 'build');
const seconds = Number(process.argv[3] ?? 20);
const connections = Number(process.argv[4] ?? 64);
const study = await makeStudy({ n: 3, tokens: 1 });
let result;
try {
  const leader = study.parties[0];
  // One client on one address measures the party, not its limits on one address.
  await startParty(study, leader, ['--max-connections', String(connections * 2), '--max-uploads', String(connections * 2),
    '--max-per-address', String(connections * 2), '--upload-rate', '1000000']);
  const body = path.join(study.dir, 'body.json');
  writeFileSync(body, makeUploads(study, ANSWER, { token: study.tokens[0].token, seq: 1 })[0]);
  result = JSON.parse(execFileSync(path.join(build, 'bench', 'ingest'),
    [`${leader.url}/api/reports`, body, String(seconds), String(connections)], { encoding: 'utf8' }));
} finally {
  cleanup(study);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'mpc-storage-'));
try {
  result.storage = JSON.parse(execFileSync(path.join(build, 'bench', 'storage'), [dir, '8', '4000'], { encoding: 'utf8' }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
mergeResults(build, { ingest: result });
console.log(`Party ingest: ${result.uploads} durable uploads to the leader in ${result.seconds.toFixed(1)} s from ${connections} connections`);
console.log(`  ${result.uploads_per_s.toFixed(0)} uploads/s (target: over 2,000 on 2 cores), p50 ${result.p50_ms.toFixed(1)} ms, p99 ${result.p99_ms.toFixed(1)} ms (target: under 50 ms); ${result.failed} failed`);
const st = result.storage;
console.log(`  storage alone, ${st.threads} threads, ${st.report_bytes}-byte reports: group commit ${st.group_commit_per_s.toFixed(0)}/s, one commit each ${st.one_commit_each_per_s.toFixed(0)}/s (${(st.group_commit_per_s / st.one_commit_each_per_s).toFixed(2)}x)`);
