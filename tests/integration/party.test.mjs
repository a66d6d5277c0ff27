/**
 * party.test.mjs - the party server and the study commands, for real: an
 * organizer and 3 parties made with mpc / mpc-party, a sealed pay-equity
 * study, 3 servers on loopback, uploads built by the core (the browser's
 * code path) and posted over HTTP; every bad input gets its status and a
 * JSON error and changes nothing; kill -9 loses no acknowledged upload.
 *
 *   node --test tests/integration/party.test.mjs
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ANSWER, bin, cleanup, eventually, httpsGet, login, makeStudy, makeUploads, ok, run, selfSignedCert, startParty,
  status, stopParty, upload, readLog,
} from './lib.mjs';

let study;
let sessions;

before(async () => {
  study = await makeStudy({ n: 3 });
  for (const p of study.parties) await startParty(study, p);
  sessions = [];
  for (const p of study.parties) sessions.push(await login(p));
});

after(() => cleanup(study));

async function received(i) {
  return (await status(study.parties[i], sessions[i])).submissions.received;
}

describe('commands', () => {
  test('keys are private and the public file has no secret', () => {
    const p = study.parties[0];
    assert.equal(fs.statSync(path.join(p.dir, 'party.key.json')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(p.dir, 'admin.json')).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(study.org, 'organizer.key.json')).mode & 0o777, 0o600);
    const pub = JSON.parse(fs.readFileSync(path.join(p.dir, 'party.pub.json'), 'utf8'));
    assert.deepEqual(Object.keys(pub).sort(), ['format', 'hpke_public_key', 'name', 'signature', 'signing_public_key', 'url']);
    assert.equal(fs.statSync(path.join(p.dir, 'party.db')).mode & 0o777, 0o600);
  });

  test('init warns that losing the keys loses the shares, and never overwrites keys', () => {
    const dir = path.join(study.dir, 'extra');
    const r = run(bin('mpc-party'), ['init', '--dir', dir, '--name', 'Extra', '--url', 'https://mpc.example.org']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /WARNING: back up/);
    assert.match(r.stdout, /can never be decrypted/);
    assert.match(r.stdout, /Admin password for the dashboard.*\n {2}[a-z2-9]{24}\n/);
    const again = run(bin('mpc-party'), ['init', '--dir', dir, '--name', 'Extra', '--url', 'https://mpc.example.org']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists \(keys are never overwritten\)/);
    const bad = run(bin('mpc-party'), ['init', '--dir', dir, '--name', 'X', '--url', 'ftp://x/y']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--url: must start with http:\/\/ or https:\/\//);
  });

  test('every command has --help, and a missing option says which', () => {
    for (const args of [['init'], ['serve'], ['approve']]) {
      assert.match(ok(bin('mpc-party'), [...args, '--help']), /^usage: mpc-party /);
      const r = run(bin('mpc-party'), args);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--dir is required/);
    }
    for (const args of [['organizer', 'init'], ['study', 'seal'], ['tokens']]) {
      assert.match(ok(bin('mpc'), [...args, '--help']), /^usage: mpc /);
      assert.equal(run(bin('mpc'), args).code, 2);
    }
    const r = run(bin('mpc'), ['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });

  test('seal names the linked analyses and says that more groups may be withheld', () => {
    const parties = study.parties.map((p) => path.join(p.dir, 'party.pub.json'));
    const out = path.join(study.dir, 'again.sealed.json');
    const r = run(bin('mpc'), ['study', 'seal', '--organizer', study.org, '--study', path.join(study.dir, 'study.json'),
      '--party', ...parties, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Small groups: a group or band with 1 to 4 contributors is suppressed/);
    assert.match(r.stdout, /Linked analyses: "headcount" and "salary" \(both by Gender and Job category\); "headcount" and "salary_bands" \(both by Gender\)/);
    assert.match(r.stdout, /more groups than the small ones alone may be withheld to protect them, the smallest first; they are marked "suppressed \(to protect another group\)"/);
    fs.rmSync(out);
  });

  test('seal refuses an invalid study, naming the field and the rule', () => {
    const bad = path.join(study.dir, 'bad.json');
    const doc = JSON.parse(fs.readFileSync(path.join(study.dir, 'study.json'), 'utf8'));
    doc.analyses[1].gap_reference = 'Men';
    fs.writeFileSync(bad, JSON.stringify(doc));
    const parties = study.parties.map((p) => path.join(p.dir, 'party.pub.json'));
    const r = run(bin('mpc'), ['study', 'seal', '--organizer', study.org, '--study', bad, '--party', ...parties,
      '--out', path.join(study.dir, 'bad.sealed.json')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(),
      'mpc: analyses[1].gap_reference: "Men" is not a choice of "gender", the first "by" field');
    assert.ok(!fs.existsSync(path.join(study.dir, 'bad.sealed.json')));
    const one = run(bin('mpc'), ['study', 'seal', '--organizer', study.org, '--study', bad, '--party', parties[0],
      '--out', path.join(study.dir, 'x.json')]);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /needs 2 to 10 parties/);
  });

  test('a changed sealed file is refused by the party', () => {
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    doc.privacy.min_cell_count = 1;
    const changed = path.join(study.dir, 'changed.json');
    fs.writeFileSync(changed, JSON.stringify(doc));
    const r = run(bin('mpc-party'), ['approve', '--dir', study.parties[0].dir, '--study', changed, '--yes']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hash: does not match the study's content/);
    doc.hash = execFileSync('sh', ['-c', 'printf 0%.0s $(seq 64)'], { encoding: 'utf8' });
    fs.writeFileSync(changed, JSON.stringify(doc));
    assert.match(run(bin('mpc-party'), ['approve', '--dir', study.parties[0].dir, '--study', changed, '--yes']).stderr,
      /hash: does not match/);
  });
});

describe('uploads', () => {
  test('the study is served to anyone, with its hash', async () => {
    const r = await fetch(`${study.parties[1].url}/api/study`);
    assert.equal(r.status, 200);
    const doc = await r.json();
    assert.equal(doc.hash, study.hash);
    assert.equal(doc.parties.length, 3);
  });

  test('a valid upload is stored by every party', async () => {
    const before = await Promise.all([0, 1, 2].map(received));
    const bodies = makeUploads(study, ANSWER, { token: study.tokens[0].token });
    for (let i = 0; i < 3; i++) {
      const r = await upload(study.parties[i], bodies[i]);
      assert.equal(r.status, 201, JSON.stringify(r.json));
      assert.equal(r.json.party, i);
    }
    const after = await Promise.all([0, 1, 2].map(received));
    assert.deepEqual(after, before.map((n) => n + 1));
    // The leader's share is the largest; every body is under 20 KB.
    for (const b of bodies) assert.ok(b.length < 20000, `${b.length} bytes`);
  });

  test('invalid uploads get the right status and a JSON error, and store nothing', async () => {
    const p = study.parties[0];
    const [good] = makeUploads(study, ANSWER, { token: study.tokens[1].token });
    const g = JSON.parse(good);
    const other = JSON.parse(makeUploads(study, ANSWER, { token: study.tokens[1].token })[1]);
    const mutate = (f) => { const c = structuredClone(g); f(c); return JSON.stringify(c); };
    const cases = [
      ['malformed JSON', '{"study": ', 400, /not valid JSON/],
      ['not an object', '[1, 2]', 400, /must be a JSON object/],
      ['unknown member', mutate((c) => { c.extra = 1; }), 400, /unknown member "extra"/],
      ['other study', mutate((c) => { c.study = '0'.repeat(64); }), 409, /another study/],
      ['wrong party', JSON.stringify(other), 400, /party: must be 0/],
      ['bad report id', mutate((c) => { c.report_id = 'xyz'; }), 400, /report_id: must be 32 hexadecimal/],
      ['negative seq', mutate((c) => { c.seq = -1; }), 400, /seq: must be a whole number/],
      ['short ciphertext', mutate((c) => { c.ciphertext = c.ciphertext.slice(0, -8); }), 400,
        /ciphertext: must be base64 of exactly \d+ bytes/],
      ['long public share', mutate((c) => { c.public_share += 'AAAA'; }), 400, /public_share: must be base64/],
      ['not base64', mutate((c) => { c.enc = '!'.repeat(44); }), 400, /enc: must be base64 of exactly 32 bytes/],
      ['missing token', mutate((c) => { delete c.token; }), 401, /needs a participation token/],
      ['forged token', mutate((c) => { c.token = c.token.slice(0, 30) + (c.token[30] === 'A' ? 'B' : 'A') + c.token.slice(31); }),
        403, /not a valid participation token/],
      ['token of another study', mutate((c) => { c.token = 'A'.repeat(107); }), 403, /not a valid participation token/],
    ];
    const before = await received(0);
    for (const [name, body, want, re] of cases) {
      const r = await upload(p, body);
      assert.equal(r.status, want, `${name}: ${JSON.stringify(r.json)}`);
      assert.match(r.json.error, re, name);
    }
    // Not JSON at all, as a form would send it.
    const form = await upload(p, good, { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.match(form.json.error, /must be JSON/);
    // Too large: refused from its Content-Length, and when streamed.
    const big = await upload(p, 'x'.repeat(200000));
    assert.equal(big.status, 413);
    assert.match(big.json.error, /larger than \d+ bytes/);
    const streamed = await fetch(`${p.url}/api/reports`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, duplex: 'half',
      body: new ReadableStream({
        start(c) { for (let i = 0; i < 40; i++) c.enqueue(new Uint8Array(10000)); c.close(); },
      }),
    });
    assert.equal(streamed.status, 413);
    assert.equal(await received(0), before, 'nothing invalid was stored');
    // The server keeps serving: the good one is accepted, then its replay refused.
    assert.equal((await upload(p, good)).status, 201);
    const replay = await upload(p, good);
    assert.equal(replay.status, 409);
    assert.match(replay.json.error, /already received/);
    assert.equal(replay.json.same, true);
    const changed = await upload(p, mutate((c) => { c.seq = 7; }));
    assert.equal(changed.status, 409);
    assert.equal(changed.json.same, false);
    assert.equal(await received(0), before + 1);
  });

  test('unknown paths are 404 and wrong methods 405, with JSON errors', async () => {
    const p = study.parties[2];
    for (const [method, url, want] of [['GET', '/nope', 404], ['GET', '/api/reportz', 404], ['DELETE', '/api/reports', 405],
      ['GET', '/api/reports', 405], ['POST', '/api/study', 405], ['PUT', '/api/status', 405]]) {
      const r = await fetch(p.url + url, { method });
      assert.equal(r.status, want, `${method} ${url}`);
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.ok((await r.json()).error);
      if (want === 405) assert.ok(r.headers.get('allow'));
    }
  });

  test('an open study takes no token', async () => {
    const open = await makeStudy({ n: 2, tokens: 0, studyFile: 'schema/studies/union-vote.json',
      edit: (d) => { d.access = 'open'; } });
    try {
      for (const p of open.parties) await startParty(open, p);
      const bodies = makeUploads(open, { vote: 'Yes', unit: 'Technical' });
      for (let i = 0; i < 2; i++) assert.equal((await upload(open.parties[i], bodies[i])).status, 201);
      const withToken = JSON.parse(bodies[0]);
      withToken.token = 'x';
      withToken.report_id = 'ab'.repeat(16);
      const r = await upload(open.parties[0], JSON.stringify(withToken));
      assert.equal(r.status, 400);
      assert.match(r.json.error, /this study is open/);
    } finally {
      cleanup(open);
    }
  });

  test('CORS: the study parties may call uploads; others may not', async () => {
    const p = study.parties[0];
    const origin = study.parties[1].url;
    const pre = await fetch(`${p.url}/api/reports`, {
      method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), origin);
    assert.match(pre.headers.get('access-control-allow-headers'), /Content-Type/);
    const evil = await fetch(`${p.url}/api/reports`, {
      method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const get = await fetch(`${p.url}/api/study`, { headers: { Origin: origin } });
    assert.equal(get.headers.get('access-control-allow-origin'), origin);
    // The form reads Retry-After from other parties' answers.
    assert.equal(get.headers.get('access-control-expose-headers'), 'Retry-After');
    const status = await fetch(`${p.url}/api/status`, { method: 'OPTIONS', headers: { Origin: origin } });
    assert.equal(status.status, 403);
  });
});

describe('peers and admins', () => {
  test('unsigned, forged or stale requests to any /api/peer/ path get 401', async () => {
    const p = study.parties[1];
    for (const [method, url] of [['GET', '/api/peer/hello'], ['POST', '/api/peer/verify'], ['GET', '/api/peer/'],
      ['PUT', '/api/peer/anything/at/all']]) {
      const r = await fetch(p.url + url, { method });
      assert.equal(r.status, 401, `${method} ${url}`);
      assert.match((await r.json()).error, /must be signed/);
    }
    const now = Math.floor(Date.now() / 1000);
    const forged = {
      'X-MPC-Party': '0', 'X-MPC-To': '1', 'X-MPC-Time': String(now), 'X-MPC-Nonce': 'ab'.repeat(16),
      'X-MPC-Signature': 'cd'.repeat(64),
    };
    let r = await fetch(`${p.url}/api/peer/hello`, { headers: forged });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error, /invalid signature/);
    r = await fetch(`${p.url}/api/peer/hello`, { headers: { ...forged, 'X-MPC-Time': String(now - 3600) } });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error, /stale request/);
    r = await fetch(`${p.url}/api/peer/hello`, { headers: { ...forged, 'X-MPC-Party': '9' } });
    assert.equal(r.status, 401);
    assert.match((await r.json()).error, /malformed/);
  });

  test('the parties see each other, with the same study, over signed requests', async () => {
    const st = await eventually(async () => {
      const s = await status(study.parties[0], sessions[0]);
      return s.peers.every((q) => q.reachable && q.same_study === true && q.approved === false) && s;
    }, 20000, 'peers reachable');
    assert.deepEqual(st.peers.map((q) => q.index), [1, 2]);
    assert.equal(st.party.leader, true);
    assert.equal(st.study.hash, study.hash);
    assert.equal(st.plan.length, 4);
    assert.match(st.plan[3], /^Small groups: .*Linked analyses: "headcount" and "salary"/);
  });

  test('approval from the command line is seen by the other parties', async () => {
    const p = study.parties[2];
    const r = run(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed], { input: 'no\n' });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Study hash: [0-9a-f]{64}/);
    assert.match(r.stdout, /headcount: the number of contributors, by Gender/);
    assert.match(r.stdout, /- Small groups: .*more groups than the small ones alone may be withheld/);
    assert.match(r.stdout, /Not approved/);
    assert.equal((await status(p, sessions[2])).approval.approved, false);
    const yes = run(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed], { input: 'approve\n' });
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /Approved\./);
    assert.equal((await status(p, sessions[2])).approval.approved, true);
    await eventually(async () => (await status(study.parties[0], sessions[0])).peers[1].approved === true,
      20000, 'party 3 approved, seen by party 1');
    assert.match(ok(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed]), /already approved/);
  });

  test('admin endpoints need a session, and state changes a CSRF token', async () => {
    const p = study.parties[1];
    let r = await fetch(`${p.url}/api/status`);
    assert.equal(r.status, 401);
    r = await fetch(`${p.url}/api/approve`, { method: 'POST', headers: { Cookie: sessions[1].cookie,
      'Content-Type': 'application/json' }, body: JSON.stringify({ hash: study.hash }) });
    assert.equal(r.status, 403);
    assert.match((await r.json()).error, /CSRF/);
    r = await fetch(`${p.url}/api/approve`, { method: 'POST', headers: { Cookie: sessions[1].cookie,
      'X-CSRF-Token': sessions[1].csrf, 'Content-Type': 'application/json' }, body: JSON.stringify({ hash: 'ab'.repeat(32) }) });
    assert.equal(r.status, 409);
    assert.equal((await status(p, sessions[1])).approval.approved, false);
    r = await fetch(`${p.url}/api/session`, { headers: { Cookie: sessions[1].cookie } });
    assert.equal((await r.json()).csrf, sessions[1].csrf);
  });

  test('wrong passwords are refused, then throttled', async () => {
    const p = study.parties[2];
    const seen = [];
    for (let i = 0; i < 8 && !seen.includes(429); i++) {
      const r = await fetch(`${p.url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: `wrong ${i}` }) });
      seen.push(r.status);
      if (r.status === 401) assert.equal((await r.json()).error, 'wrong password');
    }
    // 3 failures in a row, then this client waits (1 s, 2 s, 4 s, ...).
    assert.deepEqual(seen.slice(0, 3), [401, 401, 401], `${seen}`);
    assert.ok(seen.includes(429), `${seen}`);
    const r = await fetch(`${p.url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: 'correct horse battery staple' }) });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    // The session opened before still works.
    assert.equal((await status(p, sessions[2])).party.index, 2);
  });
});

describe('durability and shutdown', () => {
  test('every upload acknowledged with 2xx survives kill -9', async () => {
    const p = study.parties[1];
    const before = await received(1);
    const acked = [];
    const bodies = [];
    for (let i = 0; i < 12; i++) bodies.push(makeUploads(study, ANSWER, { token: study.tokens[2 + i].token })[1]);
    // Uploads in flight while the server is killed.
    const inflight = bodies.map(async (b, i) => {
      await new Promise((r) => setTimeout(r, i * 15));
      try {
        const r = await upload(p, b);
        if (r.status === 201) acked.push(JSON.parse(b).report_id);
      } catch { /* the connection died with the server */ }
    });
    await new Promise((r) => setTimeout(r, 90));
    const exit = await stopParty(p, 'SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    await Promise.all(inflight);
    assert.ok(acked.length > 0, 'some uploads were acknowledged before the kill');
    // Restarted with a new admin password (set at serve time): the old one stops working.
    const pw = path.join(study.dir, 'new-password.txt');
    fs.writeFileSync(pw, 'a brand new admin password\n', { mode: 0o600 });
    await startParty(study, p, ['--admin-password-file', pw]);
    await assert.rejects(login(p), /login: 401/);
    sessions[1] = await login(p, 'a brand new admin password');
    const after = await received(1);
    assert.ok(after >= before + acked.length, `${after} < ${before} + ${acked.length}`);
    // Each acknowledged one is there: a replay is refused as already received.
    for (const b of bodies.filter((x) => acked.includes(JSON.parse(x).report_id))) {
      const r = await upload(p, b);
      assert.equal(r.status, 409);
      assert.equal(r.json.same, true);
    }
  });

  test('SIGTERM stops a party cleanly', async () => {
    const p = study.parties[2];
    const exit = await stopParty(p, 'SIGTERM');
    assert.equal(exit.code, 0);
    const log = readLog(study, p);
    assert.match(log, /SIGTERM received/);
    assert.match(log, /info: stopped/);
    // No secret or submission content in the logs.
    for (const q of study.parties) {
      const text = readLog(study, q);
      assert.ok(!text.includes(study.tokens[0].token), 'a token in the log');
      assert.ok(!/ciphertext|public_share|85000/.test(text), 'submission content in the log');
      assert.ok(!text.includes('correct horse'), 'the password in the log');
    }
  });
});

describe('TLS', () => {
  test('--tls-cert/--tls-key serve HTTPS', async () => {
    const tls = await makeStudy({ n: 2, tokens: 0 });
    try {
      const p = tls.parties[0];
      const { cert, key } = selfSignedCert(tls.dir);
      const { spawn } = await import('node:child_process');
      const child = spawn(bin('mpc-party'), ['serve', '--dir', p.dir, '--study', tls.sealed, '--listen',
        `127.0.0.1:${p.port}`, '--tls-cert', cert, '--tls-key', key], { stdio: 'ignore' });
      p.child = child;
      const get = () => httpsGet(p.port, '/api/study', cert);
      const r = await eventually(async () => { try { return await get(); } catch { return null; } }, 15000, 'HTTPS');
      assert.equal(r.status, 200);
      assert.equal(JSON.parse(r.data).hash, tls.hash);
      const missing = run(bin('mpc-party'), ['serve', '--dir', p.dir, '--study', tls.sealed, '--listen',
        '127.0.0.1:1', '--tls-cert', cert]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /--tls-cert and --tls-key go together/);
    } finally {
      cleanup(tls);
    }
  });
});
