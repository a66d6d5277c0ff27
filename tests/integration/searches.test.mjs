/**
 * searches.test.mjs - the limit on the search for medians and quartiles
 * (docs/COMPUTE.md, "Quantiles"; mpc-party serve --max-searches). Each
 * run of the search opens some of the groups' cumulative counts; a party
 * that makes runs fail after the search and starts them again could have
 * other ones opened each time. Three real parties, Party 3 behind a proxy
 * and started with --max-searches 2: two runs fail at the release (after
 * their searches); the third is refused by Party 3 at prepare, with a
 * message naming the limit and how to raise it, and nothing is released;
 * so is a fourth after Party 3 restarts (the count is in its database);
 * with --max-searches 3 the next run completes, every statistic equal to
 * the one computed in the clear. The leader counts each run once (5 runs:
 * "run 5 of at most 10").
 *
 *   MPC_BUILD=build node --test tests/integration/searches.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkReport } from './check_report.mjs';
import { parseCsv } from './clear_stats.mjs';
import {
  bin, cleanup, login, makeStudy, randomAnswers, readLog, runAsync, seeded, startApproved, startParty, status,
  stopParty, withQuartiles, writeCsv,
} from './lib.mjs';
import { proxy } from './proxy.mjs';

const N = 30;

describe('the search for medians and quartiles: at most --max-searches runs per study at a party', () => {
  let study;
  let answers;
  let px;
  const org = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const party3 = () => study.parties[2];
  /** Party 3's GET /api/status: compute.searches. */
  const searches = async () => {
    // (straight to Party 3, not through its proxy)
    const direct = { url: `http://127.0.0.1:${party3().listenPort}` };
    return (await status(direct, await login(direct))).compute.searches;
  };

  before(async () => {
    study = await makeStudy({ n: 3, proxied: true, edit: withQuartiles });
    const proxies = [];
    for (const p of study.parties) proxies.push(await proxy(p.port, p.listenPort));
    px = proxies[2];
    study.proxies = proxies;
    await startApproved(study);
    // Party 3 again, with its limit.
    await stopParty(party3());
    await startParty(study, party3(), ['--max-searches', '2']);
    answers = randomAnswers(N, seeded(8));
    const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv',
      writeCsv(path.join(study.dir, 'people.csv'), answers)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await searches(), { runs: 0, max: 2 });
  });
  after(async () => {
    for (const p of study?.proxies ?? []) await p.close();
    cleanup(study);
  });

  /** `mpc compute`, Party 3 answering the release with an error. */
  async function failAtRelease() {
    let hit = false;
    px.plan = (req) => {
      if (hit || req.url !== '/api/peer/compute/release') return undefined;
      hit = true;
      return { reply: { status: 500, body: '{"error":"the disk is full"}' } };
    };
    const r = await org('compute');
    px.plan = undefined;
    assert.ok(hit, 'the run reached the release');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Party 3 refused \(release, HTTP 500\)/);
  }

  const REFUSED = new RegExp('Party 3 has taken part in 2 runs of this study\'s search for medians and quartiles, the most it allows '
    + '.*mpc-party serve --max-searches');

  test('two runs fail after their search; the third is refused by Party 3 at prepare, nothing released', async () => {
    await failAtRelease();
    await failAtRelease();
    const r = await org('compute');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, REFUSED, r.stderr);
    assert.match(r.stderr, /prepare/);
    assert.match(r.stderr, /Nothing was released/);
    assert.match(readLog(study, party3()), /search refused: 2 runs of this study's search already, the most allowed \(--max-searches\)/);
    const report = await org('report');
    assert.notEqual(report.code, 0, 'no result at the leader');
    assert.deepEqual(await searches(), { runs: 2, max: 2 }, 'the dashboard\'s status says so');
  });

  test('the count survives a restart of Party 3', async () => {
    await stopParty(party3());
    await startParty(study, party3(), ['--max-searches', '2']);
    const r = await org('compute');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, REFUSED, r.stderr);
  });

  test('with --max-searches 3 the next run completes, every statistic equal to the clear one; each run counted once', async () => {
    await stopParty(party3());
    await startParty(study, party3(), ['--max-searches', '3']);
    const r = await org('compute');
    assert.equal(r.code, 0, r.stderr);
    const csv = path.join(study.dir, 'report.csv');
    assert.equal((await org('report', ['--csv', csv])).code, 0);
    const rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    assert.deepEqual(checkReport(JSON.parse(fs.readFileSync(study.sealed, 'utf8')), answers, rows), []);
    assert.ok(rows.some((x) => x[0] === 'salary_quartiles' && x[2] === 'median' && x[3] !== ''), 'the median released');
    assert.match(readLog(study, party3()), /run 3 of at most 3 for this study/);
    assert.deepEqual(await searches(), { runs: 3, max: 3 });
    const leaderLog = readLog(study, study.parties[0]);
    assert.match(leaderLog, /search for medians and quartiles: run 5 of at most 10 for this study/);
    assert.doesNotMatch(leaderLog, /run 6 of/);
  });
});
