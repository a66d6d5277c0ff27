/**
 * hostile_clients.test.mjs - clients that flood or stall a party
 * (docs/HARDENING.md, "Hostile parties, clients and labels"): many uploads
 * from one address, many submissions under one token, a database filling
 * up, and connections that send their headers or body slowly. Each limit
 * holds for the attacker and leaves other clients served.
 *
 * Loopback has every 127.x.y.z address, so one test plays several
 * clients: each request is sent from the local address it names.
 *
 *   MPC_BUILD=build node --test tests/integration/hostile_clients.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { cleanup, login, makeStudy, makeUploads, startParty, status, ANSWER } from './lib.mjs';

const open = (doc) => { doc.access = 'open'; };

/** POSTs body to party p's /api/reports from localAddress: {status, json, retryAfter}. */
function post(p, body, localAddress = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const req = http.request(`${p.url}/api/reports`, {
      method: 'POST', localAddress, agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text), retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One party's upload body of a new submission (party index i). */
const bodyFor = (study, i, opts) => makeUploads(study, ANSWER, opts)[i];

/** A connection from localAddress that sends head, then body one byte every
 *  `every` ms; resolves {closedAfter, answer} when the server closes it. */
function trickle(port, localAddress, head, body, every) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let answer = '';
    let timer;
    const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => {
      s.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (i < body.length && !s.destroyed) s.write(body.slice(i, ++i));
      }, every);
    });
    s.on('data', (c) => { answer += c.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfter: Date.now() - t0, answer });
    });
  });
}

describe('hostile clients are limited, others still served', () => {
  const studies = [];
  after(() => studies.forEach(cleanup));

  test('uploads from one address are rate limited, per address', async () => {
    const a = await makeStudy({ n: 3, edit: open });
    studies.push(a);
    const p = a.parties[1];
    await startParty(a, p, ['--upload-rate', '10']);
    const results = [];
    for (let k = 0; k < 14; k++) results.push(await post(p, bodyFor(a, 1)));
    assert.deepEqual(results.map((r) => r.status), [...Array(10).fill(201), ...Array(4).fill(429)]);
    const refused = results[13];
    assert.match(refused.json.error, /too many uploads from your address; try again in \d+ seconds/);
    assert.ok(Number(refused.retryAfter) >= 1 && Number(refused.retryAfter) <= 7, refused.retryAfter);
    // Another address is not held back by the first one's flood.
    assert.equal((await post(p, bodyFor(a, 1), '127.0.0.2')).status, 201);
    const st = await status(p, await login(p));
    assert.equal(st.submissions.received, 11, 'the refused uploads stored nothing');
  });

  test('one token keeps its latest few submissions only', async () => {
    const a = await makeStudy({ n: 3, tokens: 2 });
    studies.push(a);
    const p = a.parties[2];
    await startParty(a, p);
    for (let seq = 1; seq <= 12; seq++) {
      const r = await post(p, bodyFor(a, 2, { token: a.tokens[0].token, seq }));
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    assert.equal((await post(p, bodyFor(a, 2, { token: a.tokens[1].token, seq: 1 }))).status, 201);
    const st = await status(p, await login(p));
    assert.equal(st.submissions.received, 5 + 1, 'five kept for the first token, one for the other');
    assert.equal(st.submissions.current, 2);
  });

  test('a full database answers 507 and stores nothing more', async () => {
    const a = await makeStudy({ n: 3, edit: open });
    studies.push(a);
    const p = a.parties[0];
    await startParty(a, p, ['--max-db-mb', '1', '--upload-rate', '100000']);
    let r;
    let stored = 0;
    for (let k = 0; k < 400; k++) {
      r = await post(p, bodyFor(a, 0));
      if (r.status !== 201) break;
      stored++;
    }
    assert.equal(r.status, 507, JSON.stringify(r.json));
    assert.match(r.json.error, /this party's storage is full \(it reached its size limit\): nothing was stored/);
    assert.ok(Number(r.retryAfter) > 0);
    assert.ok(stored > 10 && stored < 400, `stored ${stored} before the limit`);
    assert.equal((await post(p, bodyFor(a, 0), '127.0.0.5')).status, 507);
    const st = await status(p, await login(p));
    assert.equal(st.submissions.received, stored);
    const size = fs.statSync(path.join(p.dir, 'party.db')).size;
    assert.ok(size <= 1.2 * 2 ** 20, `party.db is ${size} bytes`);
  });

  test('slow clients hold neither upload slots nor the server', { timeout: 60000 }, async () => {
    const a = await makeStudy({ n: 3, edit: open });
    studies.push(a);
    const p = a.parties[0];
    await startParty(a, p, ['--max-uploads', '2', '--max-per-address', '4', '--request-deadline', '3']);
    const body = bodyFor(a, 0);
    const head = `POST /api/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    // Six slow uploads from one address: four connections are served at
    // most; their bodies trickle in within the idle timeout.
    const slow = Array.from({ length: 6 }, () => trickle(p.port, '127.0.0.3', head, body, 250));
    await new Promise((r) => setTimeout(r, 700));
    // Meanwhile others upload at once: no 503 for want of a slot.
    for (let k = 0; k < 4; k++) {
      const r = await post(p, bodyFor(a, 0), `127.0.0.${10 + k}`);
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    assert.equal((await fetch(`${p.url}/api/study`)).status, 200);
    const ends = await Promise.all(slow);
    const early = ends.filter((e) => e.closedAfter < 1500);
    assert.equal(early.length, 2, `two connections over the per-address limit closed at once: ${ends.map((e) => e.closedAfter)}`);
    for (const e of ends.filter((x) => x.closedAfter >= 1500)) {
      // Closed at the deadline, though a byte came every 250 ms.
      assert.ok(e.closedAfter < 3000 + 2500, `closed after ${e.closedAfter} ms`);
      assert.equal(e.answer, '', 'no answer to a body that never completed');
    }
    // Headers sent slowly past the deadline: 408.
    const r = await new Promise((resolve) => {
      const lines = head.split('\r\n').map((l) => `${l}\r\n`).slice(0, -1);
      const s = net.connect({ port: p.port, host: '127.0.0.1', localAddress: '127.0.0.4' }, async () => {
        for (const l of lines) {
          s.write(l);
          await new Promise((w) => setTimeout(w, 800));
        }
      });
      let answer = '';
      s.on('data', (c) => { answer += c; });
      s.on('error', () => {});
      s.on('close', () => resolve(answer));
    });
    assert.match(r, /^HTTP\/1\.1 408 /);
    assert.match(r, /"error":"the request's headers took more than 3 seconds"/);
  });
});
