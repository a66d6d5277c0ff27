/**
 * released.test.mjs - what the real clients send and what every party
 * really releases (issue 21, items 1 and 3), seen on the wire: three
 * parties behind recording proxies (proxy.mjs), an open study.
 *
 * - `mpc submit` draws fresh randomness for every upload: every upload
 *   each party received, opened with the test parties' keys (the test tool
 *   open_shares), holds an input share, seeds and an HPKE key found
 *   nowhere else, across rows and across two submissions of one answer.
 * - The compute releases no withheld entry: the aggregate share each
 *   helper sent the leader (its `release` answer, as the proxy passed it
 *   on) and the one the leader combined with them (its SHA-256, which the
 *   leader records) are exactly the aggregate of that party's shares of
 *   every report with every entry the open mask closes set to zero;
 *   open_shares computes them from the opened uploads, apart from the
 *   parties' code.
 *
 *   MPC_BUILD=build node --test tests/integration/released.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  assertFreshShares, bin, cleanup, makeStudy, openShares, randomAnswers, run, runAsync, seeded, startParty, writeCsv,
} from './lib.mjs';
import { checkReport } from './check_report.mjs';
import { parseCsv } from './clear_stats.mjs';
import { proxy } from './proxy.mjs';

const N = 24;

describe('what the clients send and what every party releases (3 parties behind proxies)', () => {
  let study;
  let answers;
  const proxies = [];
  const uploads = () => proxies.flatMap((x) => x.requests.filter((r) => r.url === '/api/reports'
    && r.answer?.status === 201).map((r) => r.body));

  before(async () => {
    study = await makeStudy({ n: 3, proxied: true, edit: (d) => { d.access = 'open'; } });
    for (const p of study.parties) {
      proxies.push(await proxy(p.port, p.listenPort));
      await startParty(study, p);
      const r = await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
      assert.equal(r.code, 0, r.stderr);
    }
    answers = randomAnswers(N, seeded(21));
    answers[1] = { ...answers[0] }; // one answer twice in one run
    for (const [file, rows] of [['people.csv', answers], ['again.csv', [answers[0]]]]) {
      const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv',
        writeCsv(path.join(study.dir, file), rows)]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    for (const x of proxies) await x.close();
    cleanup(study);
  });

  test('mpc submit: no share, seed or HPKE key repeats, across rows and submissions of one answer', () => {
    const bodies = uploads();
    assert.equal(bodies.length, 3 * (N + 1), 'one upload per party and row');
    const opened = openShares(study, bodies);
    assert.equal(opened.length, 3 * (N + 1));
    assert.deepEqual([0, 1, 2].map((i) => opened.filter((o) => o.party === i).length), [N + 1, N + 1, N + 1]);
    assertFreshShares(opened);
  });

  test('every party releases its aggregate share with every closed entry zero', async () => {
    const r = await runAsync(bin('mpc'), ['compute', '--organizer', study.org, '--study', study.sealed]);
    assert.equal(r.code, 0, r.stderr);
    const [head, ...expected] = openShares(study, uploads(), 'released');
    assert.equal(head.reports, N + 1);
    // The study has small cells: some sums are withheld, most are not.
    assert.ok(head.closed.length > 0 && head.closed.length < head.entries / 2,
      `${head.closed.length} of ${head.entries} entries closed`);
    const elem = head.element_size;
    const zeroAtClosed = (share, who) => {
      for (const e of head.closed) {
        assert.ok(share.subarray(e * elem, (e + 1) * elem).every((b) => b === 0), `${who}: entry ${e} is closed, not zero`);
      }
    };
    for (const i of [1, 2]) {
      const sent = proxies[i].requests.filter((q) => q.url === '/api/peer/compute/release' && q.answer?.status === 200);
      assert.equal(sent.length, 1, `one release by Party ${i + 1}`);
      const share = JSON.parse(sent[0].answer.body).aggregate;
      zeroAtClosed(Buffer.from(share, 'base64'), `Party ${i + 1}'s released share`);
      assert.equal(share, expected[i].released, `Party ${i + 1} released exactly its withheld aggregate share`);
    }
    // The leader's own share never leaves it: the digest it recorded of
    // the share it combined is the digest of the expected one.
    for (const p of study.parties) {
      const q = run('sqlite3', [path.join(p.dir, 'party.db'), 'SELECT lower(hex(share_digest)) FROM releases']);
      assert.equal(q.code, 0, q.stderr);
      assert.equal(q.stdout.trim(), expected[p.index].digest, `Party ${p.index + 1}'s released share`);
    }
  });

  test('the report: right in the clear, nothing suppressed can be worked out', async () => {
    const csv = path.join(study.dir, 'report.csv');
    const r = await runAsync(bin('mpc'), ['report', '--organizer', study.org, '--study', study.sealed, '--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    const counted = [...answers, answers[0]].map((a) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, String(v)])));
    assert.deepEqual(checkReport(doc, counted, parseCsv(fs.readFileSync(csv, 'utf8'))), []);
  });
});
