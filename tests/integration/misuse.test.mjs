/**
 * misuse.test.mjs - replay and misuse (issue 8), gathered in one table:
 * replayed report ids, a token used in another study, a compute for a plan
 * the parties did not approve, a second compute after the release, and
 * party-to-party requests that are stale, forged, replayed, signed by
 * another party, or aimed at the wrong kind of path. Each is refused with
 * a clear error and changes nothing; the study then computes as if none
 * had happened. (The upload parser's own refusals are in party.test.mjs.)
 *
 *   MPC_BUILD=build node --test tests/integration/misuse.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, parseCsv } from './clear_stats.mjs';
import {
  bin, cleanup, login, makeStudy, makeUploads, ok, randomAnswers, runAsync, signHeaders, signedRequest, startParty, status,
  upload, writeCsv, ANSWER,
} from './lib.mjs';

describe('replay and misuse are refused with a clear error', () => {
  let a; // the study
  let b; // another study, another organizer, other parties
  const table = [];
  const org = (cmd, study = a.sealed, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', a.org, '--study', study, ...args]);
  const row = (what, status, error) => table.push(`  ${what.padEnd(58)} ${String(status).padEnd(4)} ${error}`);
  const received = async (p) => (await status(p, await login(p))).submissions.received;

  before(async () => {
    a = await makeStudy({ n: 3, tokens: 40 });
    b = await makeStudy({ n: 2, tokens: 2 });
    for (const p of a.parties) await startParty(a, p);
    for (const p of b.parties) await startParty(b, p);
  });
  after(() => {
    cleanup(a);
    cleanup(b);
    if (table.length) console.log(`misuse tried (status, error):\n${table.join('\n')}`);
  });

  test('replayed report ids', async () => {
    const bodies = makeUploads(a, ANSWER, { token: a.tokens[0].token, seq: 1 });
    for (const [i, body] of bodies.entries()) assert.equal((await upload(a.parties[i], body)).status, 201);
    const before = await received(a.parties[1]);
    // The same body again (a client's retry): refused, marked "same".
    let r = await upload(a.parties[1], bodies[1]);
    assert.equal(r.status, 409);
    assert.match(r.json.error, /report [0-9a-f]{32} was already received/);
    assert.equal(r.json.same, true);
    row('replayed upload, the same body', r.status, r.json.error);
    // Another submission under the same report id: refused, not "same".
    const other = makeUploads(a, { ...ANSWER, salary: 99000 }, {
      token: a.tokens[0].token, seq: 2, reportId: JSON.parse(bodies[1]).report_id,
    });
    r = await upload(a.parties[1], other[1]);
    assert.equal(r.status, 409);
    assert.equal(r.json.same, false);
    row('another submission under a used report id', r.status, r.json.error);
    // Party 2's share replayed to Party 3.
    r = await upload(a.parties[2], bodies[1]);
    assert.equal(r.status, 400);
    assert.match(r.json.error, /party: must be 2, this party's index/);
    row("one party's share sent to another party", r.status, r.json.error);
    assert.equal(await received(a.parties[1]), before, 'nothing stored');
  });

  test('a token used in another study', async () => {
    // A real token of study B, on an upload built for study A.
    const [body] = makeUploads(a, ANSWER, { token: b.tokens[0].token });
    const r = await upload(a.parties[0], body);
    assert.equal(r.status, 403);
    assert.match(r.json.error, /not a valid participation token for this study/);
    row('a token of another study', r.status, r.json.error);
    // Study B's upload (its token, its hash) sent to a party of study A.
    const [bBody] = makeUploads(b, ANSWER, { token: b.tokens[0].token });
    const r2 = await upload(a.parties[0], bBody);
    assert.equal(r2.status, 409);
    assert.match(r2.json.error, /another study/);
    row("an upload of another study", r2.status, r2.json.error);
  });

  test('a compute for a plan the parties did not approve', async () => {
    for (const p of a.parties) ok(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', a.sealed, '--yes']);
    // The organizer changes the plan (a lower suppression threshold) and
    // seals it again for the same parties: a new hash, approved by none.
    const doc = JSON.parse(fs.readFileSync(a.sealed, 'utf8'));
    for (const k of ['hash', 'signature', 'organizer', 'parties']) delete doc[k];
    doc.privacy.min_cell_count = 1;
    const edited = path.join(a.dir, 'edited.json');
    fs.writeFileSync(edited, JSON.stringify(doc));
    const resealed = path.join(a.dir, 'resealed.json');
    ok(bin('mpc'), ['study', 'seal', '--organizer', a.org, '--study', edited, '--party',
      ...a.parties.map((p) => path.join(p.dir, 'party.pub.json')), '--out', resealed]);
    const r = await org('compute', resealed);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the leader, Party 1, serves another version of this study \(hash [0-9a-f]{16}\.\.\.\), not this file's \(hash [0-9a-f]{16}\.\.\.\)\. A changed plan must be sealed again, given to every party and approved by each/, r.stderr);
    row('mpc compute with a re-sealed plan (min_cell_count 1)', 'exit 1', r.stderr.trim().split('\n').pop());
    // The same, straight to the leader, signed by the organizer.
    const body = '{}';
    const forged = await signedRequest({ ...a, hash: JSON.parse(fs.readFileSync(resealed, 'utf8')).hash },
      'organizer', 0, 'POST', '/api/compute', body);
    assert.equal(forged.status, 401);
    row('POST /api/compute signed for the re-sealed plan', forged.status, forged.json.error);
    // A helper that has not approved refuses the leader's start, whatever
    // statements of approval it carries. Study B's parties approved nothing.
    const start = await signedRequest(b, 0, 1, 'POST', '/api/peer/compute/start', JSON.stringify({
      compute: '00'.repeat(16), total: 0, enc: Buffer.alloc(32).toString('base64'), key: Buffer.alloc(48).toString('base64'),
      approvals: Buffer.alloc(2 * 64).toString('base64'),
    }));
    assert.equal(start.status, 403);
    assert.match(start.json.error, /Party 2 has not approved this study \(hash [0-9a-f]{16}\.\.\.\)/);
    row('a compute start at a party that has not approved', start.status, start.json.error);
  });

  test('party-to-party requests: stale, forged, replayed, impersonated, misdirected', async () => {
    const to = 1;
    const hello = '/api/peer/hello';
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      ['stale (10 minutes old)', { time: now - 600 }, /stale request \(its time is -\d+ s from ours; check both clocks\)/],
      ['from the future (10 minutes ahead)', { time: now + 600 }, /stale request/],
      ['signed by Party 3, claiming Party 1', { signer: 2 }, /invalid signature/],
      ['signed by the organizer, claiming Party 1', { signer: 'organizer' }, /invalid signature/],
    ];
    for (const [what, opts, re] of cases) {
      const r = await signedRequest(a, 0, to, 'GET', hello, undefined, opts);
      assert.equal(r.status, 401, what);
      assert.match(r.json.error, re, what);
      row(`peer request ${what}`, r.status, r.json.error);
    }
    // A valid request, then the very same headers again.
    const first = await signedRequest(a, 0, to, 'GET', hello);
    assert.equal(first.status, 200);
    const again = await signedRequest(a, 0, to, 'GET', hello, undefined, { headers: first.headers });
    assert.equal(again.status, 401);
    assert.match(again.json.error, /replayed request/);
    row('peer request replayed (same nonce)', again.status, again.json.error);
    // Signed for one path, sent to another; signed for one body, sent with another.
    const moved = await signedRequest(a, 0, to, 'POST', '/api/peer/compute/abort', '{}', {
      headers: await signHeaders(a, 0, 'GET', hello, undefined, { to }),
    });
    assert.equal(moved.status, 401);
    assert.match(moved.json.error, /invalid signature/);
    row('peer signature moved to another path', moved.status, moved.json.error);
    const body = JSON.stringify({ compute: '11'.repeat(16) });
    const swapped = await signedRequest(a, 0, to, 'POST', '/api/peer/compute/abort', '{"compute":"x"}', {
      headers: await signHeaders(a, 0, 'POST', '/api/peer/compute/abort', body, { to }),
    });
    assert.equal(swapped.status, 401);
    row('peer signature with another body', swapped.status, swapped.json.error);
    // Study B's Party 1 (a real key, another study) to study A's Party 2.
    const cross = await signedRequest(b, 0, 0, 'GET', hello, undefined);
    assert.equal(cross.status, 200, `B to B works: ${JSON.stringify(cross.json)}`);
    const bHeaders = await signHeaders(b, 0, 'GET', hello, undefined, { to });
    const r = await fetch(`${a.parties[to].url}${hello}`, { headers: bHeaders });
    assert.equal(r.status, 401);
    row("a party of another study", r.status, (await r.json()).error);
    // The organizer on a peer path; a party on an organizer path.
    const orgOnPeer = await signedRequest(a, 'organizer', to, 'GET', hello);
    assert.equal(orgOnPeer.status, 403);
    assert.match(orgOnPeer.json.error, /this path is for the study's parties only/);
    row("the organizer's key on a party-to-party path", orgOnPeer.status, orgOnPeer.json.error);
    const peerOnOrg = await signedRequest(a, 1, 0, 'POST', '/api/compute', '{}');
    assert.equal(peerOnOrg.status, 403);
    assert.match(peerOnOrg.json.error, /this path is for the study's organizer only/);
    row("a party's key on the organizer's compute path", peerOnOrg.status, peerOnOrg.json.error);
    // A helper (Party 2) trying to drive the compute at Party 3.
    const drive = await signedRequest(a, 1, 2, 'POST', '/api/peer/compute/verify', body);
    assert.equal(drive.status, 403);
    assert.match(drive.json.error, /only the leader \(party 1\) drives the compute/);
    row('a helper driving the compute', drive.status, drive.json.error);
  });

  test('the study computes as if none of this happened; a second compute is refused', async () => {
    const answers = randomAnswers(15);
    const csv = writeCsv(path.join(a.dir, 'people.csv'), answers);
    const tokens = path.join(a.dir, 'tokens.csv');
    // The first token was used by the replay test: skip it.
    const lines = fs.readFileSync(tokens, 'utf8').trim().split('\n');
    fs.writeFileSync(tokens, `${[lines[0], ...lines.slice(2)].join('\n')}\n`);
    let r = await runAsync(bin('mpc'), ['submit', '--study', a.sealed, '--csv', csv, '--tokens', tokens]);
    assert.equal(r.code, 0, r.stderr);
    r = await org('compute');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /16 submissions accepted, 0 rejected/);
    const out = path.join(a.dir, 'report.csv');
    assert.equal((await org('report', a.sealed, ['--csv', out])).code, 0);
    const doc = JSON.parse(fs.readFileSync(a.sealed, 'utf8'));
    const counted = [...answersFromCsv(fs.readFileSync(csv, 'utf8')), ANSWER];
    assert.deepEqual(checkReport(doc, counted, parseCsv(fs.readFileSync(out, 'utf8'))), []);
    r = await org('compute');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /released already; it is computed once/);
    row('a second mpc compute after the release', 'exit 1', r.stderr.trim().split('\n').pop());
    const late = await upload(a.parties[0], makeUploads(a, ANSWER, { token: a.tokens[39].token })[0]);
    assert.equal(late.status, 409);
    row('an upload after the release', late.status, late.json.error);
  });
});
