/**
 * hostile_text.test.mjs - text an attacker controls (docs/HARDENING.md,
 * "Hostile parties, clients and labels"): a party address made to widen
 * the other parties' Content-Security-Policy, control characters in a
 * party file or a study, and request lines made to forge log lines. Each
 * is refused where it enters (init, seal) with a message saying what to
 * fix, and what is served or logged stays what it should be.
 *
 *   MPC_BUILD=build node --test tests/integration/hostile_text.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import http from 'node:http';
import { bin, cleanup, makeStudy, readLog, run, runAsync, startParty } from './lib.mjs';

/** Sends raw bytes to a party and resolves with what it answers. */
function rawRequest(port, bytes) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(bytes));
    const chunks = [];
    s.on('data', (c) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

describe('hostile text is refused where it enters', () => {
  let a;
  let tmp;
  before(async () => {
    a = await makeStudy({ n: 3, tokens: 0 });
    for (const p of a.parties) await startParty(a, p);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-hostile-'));
  });
  after(() => {
    cleanup(a);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('mpc-party init accepts only scheme://host[:port] and a plain name', () => {
    const bad = [
      ["http://evil.example;script-src-attr\t'unsafe-inline'", /--url: the host: must be a lowercase DNS name/],
      ['http://evil.example\r\nSet-Cookie: a=b', /--url: the host/],
      ["http://evil.example script-src 'unsafe-inline'", /--url: the host/],
      ['https://Mpc.example.org', /--url: the host: must be written in lowercase/],
      ['https://mpc.example.org/', /--url: the port|--url: the host/],
      ['https://mpc.example.org:0', /--url: the port: must be a number from 1 to 65535/],
      ['ftp://mpc.example.org', /--url: must start with http:\/\/ or https:\/\//],
    ];
    for (const [url, message] of bad) {
      const dir = path.join(tmp, 'p');
      const r = run(bin('mpc-party'), ['init', '--dir', dir, '--name', 'P', '--url', url]);
      assert.equal(r.code, 2, url);
      assert.match(r.stderr, message, url);
      assert.equal(fs.existsSync(dir), false, `${url}: nothing created`);
    }
    for (const name of ['Party\x1b[2K 1', 'Party\r1', 'Party \u009b1']) {
      const r = run(bin('mpc-party'), ['init', '--dir', path.join(tmp, 'q'), '--name', name, '--url', 'http://127.0.0.1:9']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--name must be 1 to 100 characters, with no control characters/);
    }
    const r = run(bin('mpc-party'), ['init', '--dir', path.join(tmp, 'v6'), '--name', 'P', '--url', 'http://[::1]:8001']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('mpc study seal refuses a party file with a bad address or a control character', () => {
    const pub = path.join(a.parties[2].dir, 'party.pub.json');
    const good = JSON.parse(fs.readFileSync(pub, 'utf8'));
    const study = path.join(a.dir, 'study.json');
    const cases = [
      [{ ...good, url: "http://evil.example;script-src-attr 'unsafe-inline'" }, /: the url: the host: must be a lowercase DNS name/],
      [{ ...good, url: 'http://evil.example\r\nX-A: b' }, /a string holds the control character U\+000D/],
      [{ ...good, name: 'Party 3\u001b[1A\rApproved' }, /line 1, column \d+: a string holds the control character U\+001B; remove it/],
      [{ ...good, name: 'Party\u0000 3' }, /a string holds the control character U\+0000/],
    ];
    for (const [doc, message] of cases) {
      const file = path.join(tmp, 'evil.pub.json');
      fs.writeFileSync(file, JSON.stringify(doc));
      const out = path.join(tmp, 'sealed.json');
      const r = run(bin('mpc'), ['study', 'seal', '--organizer', a.org, '--study', study, '--party',
        path.join(a.parties[0].dir, 'party.pub.json'), path.join(a.parties[1].dir, 'party.pub.json'), file, '--out', out]);
      assert.equal(r.code, 1, JSON.stringify(doc));
      assert.match(r.stderr, message);
      assert.equal(fs.existsSync(out), false, 'nothing written');
    }
    // And a study with an escape sequence in a label.
    const doc = JSON.parse(fs.readFileSync(study, 'utf8'));
    doc.fields[0].choices[0] = 'Woman\u001b]0;owned\u0007';
    const evil = path.join(tmp, 'evil-study.json');
    fs.writeFileSync(evil, JSON.stringify(doc, null, 2));
    const r = run(bin('mpc'), ['study', 'seal', '--organizer', a.org, '--study', evil, '--party',
      ...a.parties.map((p) => path.join(p.dir, 'party.pub.json')), '--out', path.join(tmp, 's.json')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /evil-study\.json: line \d+, column \d+: a string holds the control character U\+001B/);
  });

  test("every page carries the CSP, listing exactly the study's origins", async () => {
    const origins = a.parties.map((p) => p.url);
    for (const page of ['/submit', '/admin', '/report']) {
      const r = await fetch(`${a.parties[1].url}${page}`);
      assert.equal(r.status, 200, page);
      const csp = r.headers.get('content-security-policy');
      assert.ok(csp, `${page}: no CSP`);
      const connect = csp.split('; ').find((d) => d.startsWith('connect-src '));
      assert.deepEqual(connect.split(' ').slice(1), ["'self'", ...origins], page);
      assert.doesNotMatch(csp, /unsafe-inline/);
    }
  });

  test("a leader's answers reach the organizer's terminal escaped", async () => {
    // Whoever answers at the leader's address says what it likes.
    const b = await makeStudy({ n: 2, tokens: 0, proxied: true });
    const evil = http.createServer((req, res) => {
      res.writeHead(409, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: 'refused\u001b[2K\rmpc: the result was released\u0007' }));
    });
    await new Promise((r) => evil.listen(b.parties[0].port, '127.0.0.1', r));
    try {
      const r = await runAsync(bin('mpc'), ['compute', '--organizer', b.org, '--study', b.sealed]);
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stderr, /[\x1b\x07\r]/, JSON.stringify(r.stderr));
      assert.match(r.stderr, /refused\\x1b\[2K\\x0dmpc: the result was released\\x07/);
    } finally {
      evil.close();
      cleanup(b);
    }
  });

  test('a request line cannot forge log lines', async () => {
    const p = a.parties[0];
    const forged = '2026-12-01T00:00:00Z info: POST /api/compute/start 200';
    const before = readLog(a, p).split('\n').length;
    // A percent-encoded CR LF and ESC in the path, raw control bytes in the method.
    await rawRequest(p.listenPort, `POST /x%0d%0a${forged.replaceAll(' ', '%20')}%1b[2K HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    await rawRequest(p.listenPort, `PO\x1bST\x0b /y HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    const lines = readLog(a, p).split('\n').slice(before - 1).filter(Boolean);
    for (const line of lines) {
      assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (info|warning|error): /, line);
      assert.ok(!line.startsWith(forged), `forged line: ${line}`);
      assert.doesNotMatch(line, /[\x00-\x1f\x7f]/, `a control byte in: ${JSON.stringify(line)}`);
    }
    const x = lines.find((l) => l.includes('/x'));
    assert.ok(x, `the request is logged: ${lines.join('\n')}`);
    assert.ok(x.includes(`/x\\x0d\\x0a${forged}\\x1b[2K 404`), x);
  });
});
