/**
 * status.test.mjs - the dashboard's status answers at once during a
 * compute: no party holds the compute's lock over a batch's storage
 * reads, HPKE opens and proofs (backend/party/share.c). 3,000 submissions
 * (6 batches) are stored at 3 parties (bench/populate), and while `mpc
 * compute` runs, GET /api/status is asked again and again of the leader
 * and of a helper. Each answer's latency is compared with the time the
 * same party spent on one batch of its own work (its profile): when the
 * lock was held over a batch, a status request arriving mid-batch waited
 * for the rest of it, so that most answers took a large part of a batch.
 *
 *   MPC_BUILD=build node --test tests/integration/status.test.mjs
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bin, build, cleanup, login, makeStudy, root, runAsync, startParty, status } from './lib.mjs';

const COUNT = 3000;
const BATCH = 500; // COMPUTE_BATCH
let study;
before(async () => { study = await makeStudy({ n: 3, tokens: 0 }); });
after(() => cleanup(study));

/** Asks p's status until done() is true: the latencies in ms and the
 *  compute steps seen. */
async function poll(p, session, done) {
  const latencies = [];
  const steps = new Set();
  while (!done()) {
    const t0 = performance.now();
    const s = await status(p, session);
    latencies.push(performance.now() - t0);
    if (s.compute.state === 'running') steps.add(s.compute.step);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { latencies, steps };
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

test('GET /api/status answers at once while the parties verify batches', async () => {
  const csv = path.join(study.dir, 'answers.csv');
  fs.writeFileSync(csv, execFileSync('node', [path.join(root, 'scripts/synthetic.mjs'),
    path.join(root, 'schema/studies/pay-equity.json'), String(COUNT), '7']));
  execFileSync(path.join(build, 'bench', 'populate'),
    [study.sealed, csv, path.join(study.dir, 'clear.db'), ...study.parties.map((p) => p.dir)]);
  for (const p of study.parties) {
    execFileSync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
    await startParty(study, p);
  }
  const watched = [study.parties[0], study.parties[1]];
  const sessions = await Promise.all(watched.map((p) => login(p)));
  let finished = false;
  const compute = runAsync(bin('mpc'), ['compute', '--organizer', study.org, '--study', study.sealed])
    .finally(() => { finished = true; });
  const polls = await Promise.all(watched.map((p, i) => poll(p, sessions[i], () => finished)));
  const c = await compute;
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, new RegExp(`${COUNT} submissions accepted, 0 rejected`));

  for (const [i, p] of watched.entries()) {
    const { latencies, steps } = polls[i];
    const prof = (await status(p, sessions[i])).compute.profile_ms;
    // This party's own work on one batch: reading, opening, verifying.
    const perBatch = (prof.storage + prof.decrypt + prof.verify) / Math.ceil(COUNT / BATCH);
    const p50 = quantile(latencies, 0.5);
    const p90 = quantile(latencies, 0.9);
    const max = Math.max(...latencies);
    console.log(`${p.name ?? `party ${p.index + 1}`}: ${latencies.length} status answers during the compute, `
      + `p50 ${p50.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${max.toFixed(1)} ms; `
      + `one batch of its own work ${perBatch.toFixed(0)} ms`);
    assert.ok(steps.has('verifying'), `the status was seen while verifying (steps seen: ${[...steps]})`);
    assert.ok(latencies.length >= 20, `${latencies.length} answers`);
    // (The batches must be long enough for the comparison to mean anything.)
    assert.ok(perBatch >= 40, `one batch took only ${perBatch} ms`);
    assert.ok(p90 < perBatch / 4,
      `9 in 10 status answers within a quarter of a batch's work: p90 ${p90.toFixed(1)} ms, batch ${perBatch.toFixed(0)} ms`);
    assert.ok(p50 < perBatch / 10, `p50 ${p50.toFixed(1)} ms, batch ${perBatch.toFixed(0)} ms`);
  }
});
