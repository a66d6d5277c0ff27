/**
 * signin.test.mjs - the admin sign-in against hostile clients (issue 20,
 * holes 9 and 10): failures are counted per client address, so a client
 * that keeps failing (here from 127.0.0.2; Linux routes all of 127/8 to
 * the loopback) does not lock out the admin at 127.0.0.1; parallel
 * attempts from one address are counted before any password is hashed;
 * few hashes run at once, so a plain GET stays quick while sign-ins are
 * checked; POST /api/login needs JSON; and each party has its own cookie,
 * so signing in to one party on a host does not sign you out of another.
 *
 *   MPC_BUILD=build node --test tests/integration/signin.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { bin, cleanup, eventually, makeStudy, PASSWORD, selfSignedCert, startParty } from './lib.mjs';

/** An HTTP(S) request from localAddress (default 127.0.0.1): {status,
 *  headers, json, ms}. */
function request(url, { method = 'GET', body, headers = {}, localAddress = '127.0.0.1', ca } = {}) {
  const u = new URL(url);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request({
      host: u.hostname, port: u.port, path: u.pathname, method, localAddress, ca, agent: false,
      headers: body === undefined ? headers : { 'Content-Length': Buffer.byteLength(body), ...headers },
    }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(data); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, json, ms: performance.now() - t0 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A sign-in to p with password from localAddress. */
const signIn = (p, password, localAddress, extra = {}) => request(`${p.url}/api/login`, {
  method: 'POST', body: JSON.stringify({ password }), headers: { 'Content-Type': 'application/json' },
  localAddress, ...extra,
});

const count = (rs, status) => rs.filter((r) => r.status === status).length;

describe('admin sign-in against hostile clients', () => {
  let study;
  before(async () => {
    study = await makeStudy({ n: 2, tokens: 0 });
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('a plain GET stays quick while 16 sign-ins from 16 addresses are being hashed', async () => {
    const p = study.parties[0];
    const single = await signIn(p, 'wrong password 0', '127.0.0.4');
    assert.equal(single.status, 401, 'one sign-in is hashed');
    // 16 clients at once (more than the 8 request threads): only a few
    // hashes run, the others are refused at once (503, Retry-After)
    // instead of holding a request thread each.
    const logins = Array.from({ length: 16 }, (_, i) => signIn(p, `wrong ${i}`, `127.0.0.${10 + i}`));
    await new Promise((r) => setTimeout(r, 100));
    const get = await request(`${p.url}/api/study`);
    const rs = await Promise.all(logins);
    assert.equal(get.status, 200);
    console.log(`one sign-in ${single.ms.toFixed(0)} ms; a GET during 16 sign-ins ${get.ms.toFixed(0)} ms`);
    assert.ok(get.ms < single.ms / 2,
      `GET took ${get.ms.toFixed(0)} ms during the sign-ins; one sign-in takes ${single.ms.toFixed(0)} ms`);
    assert.ok(count(rs, 401) >= 1 && count(rs, 401) <= 2, `hashed: ${rs.map((r) => r.status)}`);
    for (const r of rs.filter((x) => x.status !== 401)) {
      assert.equal(r.status, 503);
      assert.match(r.json.error, /other sign-ins are being checked; try again in \d+ s/);
      assert.ok(Number(r.headers['retry-after']) >= 1);
    }
    console.log(`of 16 sign-ins ${count(rs, 401)} hashed, ${count(rs, 503)} refused as busy`);
  });

  test('16 parallel wrong sign-ins from one address: one is hashed, the others get 429', async () => {
    const p = study.parties[0];
    const rs = await Promise.all(Array.from({ length: 16 }, (_, i) => signIn(p, `wrong ${i}`, '127.0.0.3')));
    const hashed = count(rs, 401);
    assert.ok(hashed >= 1 && hashed <= 2, `hashed ${hashed} of 16: ${rs.map((r) => r.status)}`);
    assert.equal(count(rs, 429), 16 - hashed, `${rs.map((r) => r.status)}`);
    for (const r of rs.filter((x) => x.status === 429)) {
      assert.match(r.json.error, /too many sign-in attempts from your address; wait \d+ s/);
      assert.ok(Number(r.headers['retry-after']) >= 1);
    }
    console.log(`16 parallel from one address: ${hashed} hashed, ${count(rs, 429)} refused (429)`);
  });

  test('a client that keeps failing is throttled; the admin at another address signs in', async () => {
    const p = study.parties[1];
    const seen = [];
    let r;
    for (let i = 0; i < 8; i++) {
      r = await signIn(p, `guess ${i}`, '127.0.0.2');
      seen.push(r.status);
      if (r.status === 429) break;
    }
    assert.deepEqual(seen.slice(0, 3), [401, 401, 401], `${seen}`);
    assert.equal(r.status, 429, `throttled within 8 attempts: ${seen}`);
    assert.ok(Number(r.headers['retry-after']) >= 1);
    // Even the right password waits, from that address...
    const attacker = await signIn(p, PASSWORD, '127.0.0.2');
    assert.equal(attacker.status, 429);
    // ... and the admin at 127.0.0.1 signs in.
    const admin = await signIn(p, PASSWORD, '127.0.0.1');
    assert.equal(admin.status, 200, JSON.stringify(admin.json));
    assert.match(admin.json.csrf, /^[0-9a-f]{64}$/);
  });

  test('POST /api/login needs Content-Type: application/json', async () => {
    const p = study.parties[1];
    for (const headers of [{ 'Content-Type': 'text/plain' }, {}]) {
      const r = await request(`${p.url}/api/login`, {
        method: 'POST', body: JSON.stringify({ password: PASSWORD }), headers, localAddress: '127.0.0.5',
      });
      assert.equal(r.status, 415, JSON.stringify(headers));
      assert.match(r.json.error, /Content-Type: application\/json/);
    }
  });

  test('signing in to two parties on one host keeps both sessions', async () => {
    // A browser's jar: cookies are kept per host and name, not per port.
    const jar = new Map();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const sessions = [];
    for (const p of study.parties) {
      const r = await signIn(p, PASSWORD, '127.0.0.1', { headers: { 'Content-Type': 'application/json', Cookie: cookieHeader() } });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const [pair, ...attrs] = r.headers['set-cookie'][0].split(';').map((s) => s.trim());
      const [name, value] = pair.split('=');
      assert.ok(attrs.includes('HttpOnly') && attrs.includes('Path=/'), r.headers['set-cookie'][0]);
      jar.set(name, value);
      sessions.push(r.json.csrf);
    }
    assert.equal(jar.size, 2, `one cookie per party: ${[...jar.keys()]}`);
    for (const [i, p] of study.parties.entries()) {
      const r = await request(`${p.url}/api/session`, { headers: { Cookie: cookieHeader() } });
      assert.equal(r.status, 200, `party ${i + 1}'s session after signing in to both: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.csrf, sessions[i]);
    }
    // Signing out of party 2 leaves party 1's session.
    const out = await request(`${study.parties[1].url}/api/logout`, {
      method: 'POST', headers: { Cookie: cookieHeader(), 'X-CSRF-Token': sessions[1] },
    });
    assert.equal(out.status, 200);
    assert.equal((await request(`${study.parties[1].url}/api/session`, { headers: { Cookie: cookieHeader() } })).status, 401);
    assert.equal((await request(`${study.parties[0].url}/api/session`, { headers: { Cookie: cookieHeader() } })).status, 200);
  });

  test('under TLS the cookie is a __Host- cookie', async () => {
    const tls = await makeStudy({ n: 2, tokens: 0 });
    try {
      const p = { ...tls.parties[0], url: `https://127.0.0.1:${tls.parties[0].port}` };
      tls.parties[0] = p;
      const { cert, key } = selfSignedCert(tls.dir);
      const { spawn } = await import('node:child_process');
      p.child = spawn(bin('mpc-party'), ['serve', '--dir', p.dir, '--study', tls.sealed, '--listen',
        `127.0.0.1:${p.port}`, '--tls-cert', cert, '--tls-key', key], { stdio: 'ignore' });
      const ca = fs.readFileSync(cert);
      await eventually(async () => {
        try { return (await request(`${p.url}/api/study`, { ca })).status === 200; } catch { return false; }
      }, 15000, 'HTTPS');
      const r = await signIn(p, PASSWORD, '127.0.0.1', { ca });
      assert.equal(r.status, 200);
      const cookie = r.headers['set-cookie'][0];
      assert.match(cookie, /^__Host-mpc_admin_0_[0-9a-f]{8}=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
      assert.doesNotMatch(cookie, /Domain/i);
    } finally {
      cleanup(tls);
    }
  });
});
