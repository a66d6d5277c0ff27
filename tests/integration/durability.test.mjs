/**
 * durability.test.mjs - nothing acknowledged is lost (docs/DESIGN.md, section 2,
 * guarantee 5). Under a load of uploads (24 at once) Party 2 is killed with
 * SIGKILL; after its restart every upload it had acknowledged with 201 is
 * still there, byte for byte (the same body again is answered 409 "same"),
 * and the compute counts every one of them: the reports every party holds
 * are accepted, the others are incomplete, and none acknowledged by all
 * three is missing.
 *
 *   MPC_BUILD=build node --test tests/integration/durability.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { bin, build, cleanup, makeStudy, randomAnswers, root, runAsync, seeded, startParty } from './lib.mjs';

const webDir = path.resolve(root, process.env.MPC_WEB ?? path.join(build, 'web'));
const N = 600;
const AT_ONCE = 24;
const KILL_AFTER = 200; // acknowledgements from Party 2

describe('durability: kill -9 under a load of uploads', () => {
  let study;
  let bodies;
  const acked = [new Set(), new Set(), new Set()];
  let killedWith = null;

  before(async () => {
    study = await makeStudy({ n: 3, edit: (d) => { d.access = 'open'; } });
    // (One address sends the whole load: its rate limit is lifted.)
    for (const p of study.parties) await startParty(study, p, ['--upload-rate', '100000']);
    const { loadMpc } = await import(pathToFileURL(path.join(webDir, 'mpc.js')).href);
    const mpc = await loadMpc();
    const s = mpc.study(fs.readFileSync(study.sealed, 'utf8'));
    const answers = randomAnswers(N, seeded(9));
    bodies = answers.map((a, i) => s.submission(a, { seq: i }).bodies);
    s.free();
  });
  after(() => cleanup(study));

  async function post(i, body) {
    try {
      const r = await fetch(`${study.parties[i].url}/api/reports`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body,
      });
      return r.status;
    } catch {
      return 0; // the connection failed: not acknowledged
    }
  }

  test('every upload Party 2 acknowledged before SIGKILL is there after the restart', async () => {
    const victim = study.parties[1];
    let next = 0;
    let inFlight = 0;
    const worker = async () => {
      while (next < N) {
        const k = next++;
        inFlight++;
        const statuses = await Promise.all([0, 1, 2].map((i) => post(i, bodies[k][i])));
        inFlight--;
        statuses.forEach((st, i) => { if (st === 201) acked[i].add(k); });
        if (killedWith === null && acked[1].size >= KILL_AFTER) {
          killedWith = inFlight; // uploads in flight at the moment of the kill
          victim.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: AT_ONCE }, worker));
    const exit = await victim.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(killedWith > 0, 'uploads were in flight when Party 2 was killed');
    assert.equal(acked[0].size, N);
    assert.equal(acked[2].size, N);
    assert.ok(acked[1].size >= KILL_AFTER && acked[1].size < N, `Party 2 acknowledged ${acked[1].size}`);

    await startParty(study, victim, ['--upload-rate', '100000']);
    for (const k of acked[1]) {
      const r = await fetch(`${victim.url}/api/reports`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: bodies[k][1],
      });
      const j = await r.json();
      assert.equal(r.status, 409, `report ${k} acknowledged before the kill is missing`);
      assert.equal(j.same, true);
    }
  });

  test('the compute afterwards counts every report all three acknowledged', async () => {
    for (const p of study.parties) {
      const r = await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
      assert.equal(r.code, 0, r.stderr);
    }
    const r = await runAsync(bin('mpc'), ['compute', '--organizer', study.org, '--study', study.sealed]);
    assert.equal(r.code, 0, r.stderr);
    const m = r.stdout.match(/(\d+) submissions accepted, (\d+) rejected .*, (\d+) incomplete/);
    assert.ok(m, r.stdout);
    const [accepted, rejected, incomplete] = m.slice(1).map(Number);
    const all = [...acked[1]].filter((k) => acked[0].has(k) && acked[2].has(k)).length;
    assert.equal(rejected, 0);
    assert.equal(accepted + incomplete, N);
    // Stored at Party 2: every acknowledged report, plus at most those in
    // flight when it was killed (stored, the answer lost).
    assert.ok(accepted >= all, `${accepted} accepted, ${all} acknowledged by every party`);
    assert.ok(accepted <= all + killedWith, `${accepted} accepted, at most ${all + killedWith} stored`);
    console.log(`durability: ${acked[1].size} of ${N} acknowledged by Party 2 before SIGKILL with ${killedWith} in flight; `
      + `after the restart ${acked[1].size} present; compute: ${accepted} accepted, ${incomplete} incomplete`);
  });
});
