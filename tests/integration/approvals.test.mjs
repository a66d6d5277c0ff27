/**
 * approvals.test.mjs - every party checks every other party's approval
 * before it takes part in a compute (issue 21, item 4; docs/COMPUTE.md,
 * step 1). Three real parties, each behind a recording proxy (proxy.mjs),
 * holding enough submissions for a result:
 *
 *   - a helper that has not approved refuses `start`, whatever statements
 *     of approval it carries;
 *   - the helpers approved, the leader did not: `mpc compute` fails naming
 *     Party 1 (the leader's check of its own approval), nothing is
 *     released, and no helper received a `start` (nor any later step);
 *   - the test acts as a leader whose `start` carries no valid approval of
 *     Party 1 (zeroed, Party 2's, signed for another study or index, with
 *     another key, damaged): every helper refuses with 403 naming Party 1;
 *     Party 3's statement missing is refused at Party 2 naming Party 3;
 *     nothing is released anywhere. The same request with every statement
 *     valid is accepted, so the refusals come from the statements alone;
 *   - Party 2's hello rewritten on its way to the leader ("approved": true,
 *     its statement zeroed, Party 3's, or left out): the leader does not
 *     count it (the compute names Party 2; its dashboard too).
 *
 * The rogue leader holds Party 1's key, as a leader whose code skipped
 * its own check would: it signs its requests (signHeaders) and seals the
 * verification key to each helper (the WebAssembly core's HPKE) exactly as
 * the leader does. A statement signed with Party 1's key is Party 1's word
 * (docs/DESIGN.md, section 4): what the helpers refuse is a start without it.
 *
 *   MPC_BUILD=build MPC_WEB=build/web node --test tests/integration/approvals.test.mjs
 */
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  approvalStatement, bin, build, cleanup, eventually, hello, login, makeStudy, randomAnswers, root, runAsync, signHeaders,
  startParty, status, writeCsv,
} from './lib.mjs';
import { proxy } from './proxy.mjs';

const webDir = path.resolve(root, process.env.MPC_WEB ?? path.join(build, 'web'));
const N = 12; // submissions (the study needs 10)
const SIG = 64;

describe('every party checks every other party\'s approval before it takes part', () => {
  let study;
  let sealed;
  let mpc;
  const proxies = [];
  const org = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const approve = (p) => runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
  const hash16 = () => study.hash.slice(0, 16);

  /** A request signed as the leader, sent straight to party `to` (not
   *  through its proxy, so that the proxies record only the parties'
   *  own requests): {status, json}. */
  async function asLeader(to, urlPath, body) {
    const headers = await signHeaders(study, 0, 'POST', urlPath, body, { to });
    const r = await fetch(`http://127.0.0.1:${study.parties[to].listenPort}${urlPath}`, {
      method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers },
    });
    return { status: r.status, json: await r.json() };
  }

  /** A start to party `to` as the leader makes it: a new run id, a
   *  verification key sealed to that party, and `approvals` (a buffer, or
   *  undefined: the member left out). */
  function start(to, approvals) {
    const info = Buffer.concat([Buffer.from('mpc-study/1 verify key'), Buffer.from([to])]);
    const key = mpc.hpke.seal(Buffer.from(sealed.parties[to].hpke_public_key, 'hex'), mpc.random(32),
      { info, aad: Buffer.from(study.hash, 'hex') });
    const compute = randomBytes(16).toString('hex');
    const body = { compute, total: 0, enc: Buffer.from(key.enc).toString('base64'),
      key: Buffer.from(key.ciphertext).toString('base64') };
    if (approvals) body.approvals = approvals.toString('base64');
    return asLeader(to, '/api/peer/compute/start', JSON.stringify(body)).then((r) => ({ ...r, compute }));
  }

  /** Does sig verify as party i's approval (the format of
   *  docs/COMPUTE.md, checked here independently of the C code)? */
  function verifies(i, sig) {
    const pub = Buffer.from(sealed.parties[i].signing_public_key, 'hex');
    const key = createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256',
      x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33, 65).toString('base64url') } });
    const index = Buffer.alloc(4);
    index.writeUInt32BE(i);
    const message = Buffer.concat([Buffer.from('mpc-approval/1'), Buffer.from(study.hash, 'hex'), index]);
    return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig);
  }

  /** Party i's statement, as it answers it. */
  async function statementOf(i) {
    const r = await hello(study, i);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.approved, true, `Party ${i + 1} approved`);
    return Buffer.from(r.json.approval, 'base64');
  }

  /** What every party shows: no release, no result. */
  async function nothingReleased() {
    for (const p of study.parties) {
      const s = await status(p, await login(p));
      assert.notEqual(s.compute.state, 'released', `Party ${p.index + 1}: ${JSON.stringify(s.compute)}`);
    }
    const report = await org('report', ['--csv', path.join(study.dir, 'none.csv')]);
    assert.equal(report.code, 1, report.stdout);
    assert.match(report.stderr, /no result yet: run mpc compute first/);
    assert.equal(fs.existsSync(path.join(study.dir, 'none.csv')), false);
  }

  before(async () => {
    study = await makeStudy({ n: 3, tokens: 0, proxied: true, edit: (doc) => { doc.access = 'open'; } });
    sealed = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    for (const p of study.parties) {
      proxies.push(await proxy(p.port, p.listenPort));
      await startParty(study, p);
    }
    const { loadMpc } = await import(pathToFileURL(path.join(webDir, 'mpc.js')).href);
    mpc = await loadMpc();
    const csv = writeCsv(path.join(study.dir, 'answers.csv'), randomAnswers(N));
    const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await approve(study.parties[1])).code, 0);
  });
  after(async () => {
    for (const x of proxies) await x.close();
    cleanup(study);
  });

  test('a helper that has not approved refuses start, whatever statements it carries', async () => {
    const all = Buffer.concat([await approvalStatement(study, 0), await statementOf(1), Buffer.alloc(SIG)]);
    const r = await start(2, all);
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(r.json.error, new RegExp(`^Party 3 has not approved this study \\(hash ${hash16()}\\.\\.\\.\\)$`));
    // Not approved: no statement in its hello.
    const h = await hello(study, 2);
    assert.equal(h.json.approved, false);
    assert.equal(h.json.approval, undefined);
    assert.equal((await approve(study.parties[2])).code, 0);
  });

  test('the helpers approved, the leader did not: mpc compute names Party 1, no helper gets a start', async () => {
    // Each helper's hello carries its statement, in the documented format.
    for (const i of [1, 2]) assert.ok(verifies(i, await statementOf(i)), `Party ${i + 1}'s statement verifies`);
    const h = await hello(study, 0);
    assert.equal(h.json.approved, false);
    assert.equal(h.json.approval, undefined);
    const mark = proxies.map((x) => x.requests.length);
    const r = await org('compute');
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`the compute failed: not every party has approved this study \\(hash ${hash16()}\\.\\.\\.\\): waiting for Party 1\\. Each party admin approves it`));
    assert.doesNotMatch(r.stderr, /Party [23]/);
    assert.match(r.stderr, /Nothing was released/);
    // (The leader's `abort` after a failure, best effort, is all a helper
    // may get: it drops a run that never began there.)
    for (const i of [1, 2]) {
      const compute = proxies[i].requests.slice(mark[i]).map((x) => x.url)
        .filter((u) => u.startsWith('/api/peer/compute/') && u !== '/api/peer/compute/abort');
      assert.deepEqual(compute, [], `Party ${i + 1} received no start (nor any other step)`);
    }
    await nothingReleased();
  });

  test('a start without a valid approval of Party 1: every helper refuses, naming Party 1', async () => {
    const own = await approvalStatement(study, 0);
    const [s1, s2] = [await statementOf(1), await statementOf(2)];
    const flipped = Buffer.from(own);
    flipped[5] ^= 0x10;
    const bad = {
      zeroed: Buffer.alloc(SIG),
      "Party 2's statement": s1,
      'for another study': await approvalStatement(study, 0, { hash: 'ab'.repeat(32) }),
      'for index 1': await approvalStatement(study, 0, { index: 1 }),
      "with Party 2's key": await approvalStatement(study, 1, { index: 0 }),
      damaged: flipped,
    };
    for (const to of [1, 2]) {
      const refusal = new RegExp(`^start: Party 1 has not approved this study \\(hash ${hash16()}\\.\\.\\.\\): `
        + `Party ${to + 1} takes part only in a compute every party approved$`);
      for (const [what, sig] of Object.entries(bad)) {
        const r = await start(to, Buffer.concat([sig, s1, s2]));
        assert.equal(r.status, 403, `${what} at Party ${to + 1}: ${JSON.stringify(r.json)}`);
        assert.match(r.json.error, refusal, what);
      }
    }
    // Every other party is checked, not only the leader.
    let r = await start(1, Buffer.concat([own, s1, Buffer.alloc(SIG)]));
    assert.equal(r.status, 403);
    assert.match(r.json.error, /^start: Party 3 has not approved this study .*: Party 2 takes part only in a compute every party approved$/);
    // The member left out, or one statement short: refused by the codec.
    r = await start(1, undefined);
    assert.equal(r.status, 400);
    assert.match(r.json.error, /^start: approvals: missing/);
    r = await start(2, Buffer.concat([own, s1]));
    assert.equal(r.status, 400);
    assert.match(r.json.error, /^start: approvals: must be base64 of exactly 192 bytes \(3 approval statements of 64 bytes, one per party\)$/);
    // No run began at a helper; nothing is released anywhere.
    for (const i of [1, 2]) {
      const s = await status(study.parties[i], await login(study.parties[i]));
      assert.equal(s.compute.state, 'not_started', `Party ${i + 1}`);
    }
    await nothingReleased();
  });

  test('the same start with every statement valid is accepted', async () => {
    // (Party 1's statement made with its key: Party 1's word. This keeps
    // the key sent at Party 2 as the study's, so it comes last.)
    const all = Buffer.concat([await approvalStatement(study, 0), await statementOf(1), await statementOf(2)]);
    const r = await start(1, all);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(Buffer.from(r.json.held, 'base64').length, N * 40, 'every report Party 2 holds');
    const stop = await asLeader(1, '/api/peer/compute/abort', JSON.stringify({ compute: r.compute, error: 'test over' }));
    assert.equal(stop.status, 200, JSON.stringify(stop.json));
    await nothingReleased();
  });

  test("a helper's \"approved\": true without its valid statement does not count", async () => {
    assert.equal((await approve(study.parties[0])).code, 0);
    const s3 = await statementOf(2);
    // Party 2's answers to the leader's hello, rewritten on the way.
    const rewrites = {
      'statement zeroed': (j) => ({ ...j, approval: Buffer.alloc(SIG).toString('base64') }),
      "Party 3's statement": (j) => ({ ...j, approval: s3.toString('base64') }),
      'statement left out': ({ approval, ...j }) => j,
    };
    const leader = study.parties[0];
    const session = await login(leader);
    try {
      for (const [what, edit] of Object.entries(rewrites)) {
        proxies[1].plan = (req) => (req.url === '/api/peer/hello' && req.headers['x-mpc-party'] === '0'
          ? { rewrite: (st, body) => ({ status: st, body: Buffer.from(JSON.stringify(edit(JSON.parse(body)))) }) }
          : undefined);
        const mark = proxies.map((x) => x.requests.length);
        const r = await org('compute');
        assert.equal(r.code, 1, `${what}: ${r.stdout}`);
        assert.match(r.stderr, /not every party has approved this study \(hash [0-9a-f]{16}\.\.\.\): waiting for Party 2 \(it says it approved, but its signed approval is missing or does not verify\)\. Each party admin/, what);
        assert.doesNotMatch(r.stderr, /Party [13]/, what);
        for (const i of [1, 2]) {
          const compute = proxies[i].requests.slice(mark[i]).map((x) => x.url)
            .filter((u) => u.startsWith('/api/peer/compute/') && u !== '/api/peer/compute/abort');
          assert.deepEqual(compute, [], `${what}: Party ${i + 1} received no start`);
        }
        // The leader's dashboard does not count it either.
        await eventually(async () => {
          const p = (await status(leader, session)).peers.find((x) => x.index === 1);
          return p.approved === false && /it says it approved, but its signed approval is missing or does not verify/.test(p.error);
        }, 20000, `${what}: the leader's dashboard not counting Party 2's approval`);
      }
    } finally {
      proxies[1].plan = undefined;
    }
    await nothingReleased();
  });
});
