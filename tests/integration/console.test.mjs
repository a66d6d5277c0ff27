/**
 * console.test.mjs - the organizer's console (mpc organizer serve) over
 * real HTTP, with 3 real parties on loopback: what it refuses (no secret,
 * another origin, another host name, a non-loopback address, a changed or
 * old party file, two parties with one key, a change after the seal, bad
 * links) and that each refusal changes nothing in its folder; then the
 * whole path through its API: the study, the parties, the seal, links,
 * the counts each party reports while submissions arrive, the compute and
 * the report's CSV and spreadsheet, equal to the statistics computed in
 * the clear. (tests/browser/console.mjs drives the same console through
 * its pages.)
 *
 *   MPC_BUILD=build node --test tests/integration/console.test.mjs
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkReport } from './check_report.mjs';
import { parseCsv } from './clear_stats.mjs';
import {
  bin, eventually, initParties, randomAnswers, resignPartyFile, root, run, runAsync, seeded, selfSignedCert, serveParty,
  startConsole, writeCsv,
} from './lib.mjs';
import { sheetNumbersProblems, workbookCells } from './workbook.mjs';

const N = 60;

/** Every file of a folder and its bytes (what a refusal must not change). */
function snapshot(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'hex');
    }
  };
  walk(dir);
  return out;
}

/** A request through node:http, its headers exactly as given: {status, json}. */
function rawRequest(method, url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the organizer\'s console', () => {
  let tmp;
  let con;
  let dir;
  let parties = [];
  const pub = (i) => fs.readFileSync(parties[i].pub, 'utf8');

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-console-'));
    dir = path.join(tmp, 'organizer');
    parties = await initParties(tmp, 4);
    con = await startConsole(dir);
  });
  after(async () => {
    for (const p of parties) if (p.child && p.child.exitCode === null) p.child.kill('SIGKILL');
    await con?.stop();
    if (process.env.MPC_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a blank folder: the key is created (0600) and the link printed with the warning', async () => {
    assert.equal(fs.statSync(path.join(dir, 'organizer.key.json')).mode & 0o777, 0o600);
    assert.match(con.out, /Open this link in your browser/);
    assert.match(con.out, /Losing it cannot be\s+undone/);
    const s = await con.api('GET', '/api/state');
    assert.equal(s.status, 200);
    assert.equal(s.json.created_key, true);
    assert.equal(s.json.study, null);
  });

  test('refused: no secret, a wrong one, another origin, another host name; nothing changes', async () => {
    const before = snapshot(dir);
    const study = fs.readFileSync(path.join(root, 'schema/studies/pay-equity.json'), 'utf8');
    const attempts = [
      [{ 'X-Console-Secret': '' }, 401, /needs its secret/],
      [{ 'X-Console-Secret': 'f'.repeat(64) }, 401, /needs its secret/],
      [{ Origin: 'http://evil.example' }, 403, /other web pages are refused/],
      [{ Origin: 'http://127.0.0.1:1' }, 403, /other web pages are refused/],
      [{ 'Sec-Fetch-Site': 'cross-site' }, 403, /other web pages are refused/],
      [{ 'Sec-Fetch-Site': 'same-site' }, 403, /other web pages are refused/],
    ];
    // Also a name that resolves to this machine (DNS rebinding), which is
    // not the console's own. (node:http sends every header as given,
    // where fetch may drop Host, Origin or Sec-* ones.)
    attempts.push([{ Host: 'rebound.example:80' }, 421, /answers only at its own address/]);
    for (const [headers, status, message] of attempts) {
      const r = await rawRequest('PUT', `${con.base}/api/study`, study, { 'X-Console-Secret': con.secret, ...headers });
      assert.equal(r.status, status, JSON.stringify(headers));
      assert.match(r.json.error, message);
    }
    // A page from another site cannot read the console either (no CORS
    // headers), and the pages themselves carry no secret.
    const page = await fetch(`${con.base}/`);
    assert.equal(page.headers.get('access-control-allow-origin'), null);
    assert.ok(!(await page.text()).includes(con.secret));
    assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.deepEqual(snapshot(dir), before);
  });

  test('refused: a non-loopback address without --allow-remote', () => {
    const r = run(bin('mpc'), ['organizer', 'serve', '--dir', path.join(tmp, 'other'), '--listen', '0.0.0.0:0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a loopback address .* add --allow-remote if that is what you mean/);
    assert.equal(fs.existsSync(path.join(tmp, 'other')), false, 'nothing created');
  });

  test('the study: a template, an error named at its field, a valid study saved', async () => {
    const t = await con.api('GET', '/api/template?name=pay-equity');
    assert.equal(t.status, 200);
    assert.equal(t.json.id, 'pay-equity-2026');
    const bad = structuredClone(t.json);
    bad.fields[3].max = bad.fields[3].min; // salary: min < max
    const before = snapshot(dir);
    const r = await con.api('PUT', '/api/study', bad);
    assert.equal(r.status, 400);
    assert.equal(r.json.field, 'fields[3].max');
    assert.match(r.json.error, /^fields\[3\]/);
    assert.deepEqual(snapshot(dir), before, 'an invalid study is not saved');
    const good = structuredClone(t.json);
    good.title = 'Pay equity at the council';
    const s = await con.api('PUT', '/api/study', good);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.study.title, 'Pay equity at the council');
    assert.equal((await con.api('GET', '/api/template?name=nope')).status, 404);
  });

  test('parties: a changed file, an old one, the same file twice, another with the same key are refused', async () => {
    assert.equal((await con.api('POST', '/api/seal')).status, 409, 'no parties yet');
    assert.equal((await con.api('POST', '/api/parties', pub(0))).status, 200);
    const before = snapshot(dir);
    const doc = JSON.parse(pub(1));
    const cases = [
      [{ ...doc, url: 'http://127.0.0.1:9' }, 400, /was changed after mpc-party init wrote it/],
      [{ ...doc, name: 'Party 2 (really)' }, 400, /was changed after mpc-party init wrote it/],
      [(({ signature, ...rest }) => rest)(doc), 400, /has no valid "signature"/],
      [JSON.parse(pub(0)), 409, /the same name as party 1 \(Party 1\)/],
      // Party 1's keys under another name and address, signed with its key:
      // a valid file, refused because a party needs keys of its own.
      [await resignPartyFile({ ...JSON.parse(pub(0)), name: 'Party 9', url: 'http://127.0.0.1:9' },
        path.join(parties[0].dir, 'party.key.json')), 409, /the same encryption key as party 1/],
      ['{"format":"mpc-party/1"', 400, /is not valid JSON/],
      [{ format: 'something' }, 400, /is not a party.pub.json file/],
    ];
    for (const [file, status, message] of cases) {
      const r = await con.api('POST', '/api/parties', typeof file === 'string' ? file : JSON.stringify(file));
      assert.equal(r.status, status, r.text);
      assert.match(r.json.error, message);
    }
    assert.deepEqual(snapshot(dir), before, 'nothing changed');
    // The command refuses the same files with the same words.
    const changed = path.join(tmp, 'changed.pub.json');
    fs.writeFileSync(changed, JSON.stringify({ ...doc, url: 'http://127.0.0.1:9' }));
    const cli = run(bin('mpc'), ['study', 'seal', '--organizer', dir, '--study', path.join(dir, 'study.json'),
      '--party', path.join(parties[0].dir, 'party.pub.json'), changed, '--out', path.join(tmp, 'x.json')]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /changed\.pub\.json was changed after mpc-party init wrote it/);
    const twice = run(bin('mpc'), ['study', 'seal', '--organizer', dir, '--study', path.join(dir, 'study.json'),
      '--party', path.join(parties[0].dir, 'party.pub.json'), path.join(parties[0].dir, 'party.pub.json'),
      '--out', path.join(tmp, 'x.json')]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /the same name as party 1/);
  });

  test('parties: add, reorder, remove; then seal', async () => {
    for (const i of [1, 3, 2]) assert.equal((await con.api('POST', '/api/parties', pub(i))).status, 200);
    let s = await con.api('POST', '/api/parties/3/lead');
    assert.deepEqual(s.json.parties.map((p) => p.name), ['Party 4', 'Party 1', 'Party 2', 'Party 3']);
    s = await con.api('DELETE', '/api/parties/1');
    s = await con.api('POST', '/api/parties/2/lead');
    s = await con.api('POST', '/api/parties/2/lead');
    assert.deepEqual(s.json.parties.map((p) => p.name), ['Party 1', 'Party 2', 'Party 3']);
    assert.equal((await con.api('DELETE', '/api/parties/9')).status, 404);
    assert.equal((await con.api('GET', '/api/parties/1')).status, 405);
    s = await con.api('POST', '/api/seal');
    assert.equal(s.status, 200, s.text);
    assert.match(s.json.sealed.hash, /^[0-9a-f]{64}$/);
    assert.equal(s.json.sealed.hash_groups, s.json.sealed.hash.match(/.{8}/g).join(' '));
    assert.match(s.json.sealed.plan.at(-1), /Small groups/);
    const file = await con.api('GET', '/api/sealed.json');
    assert.match(file.headers.get('content-disposition'), /attachment; filename="sealed.json"/);
    const sealed = JSON.parse(file.text);
    assert.equal(sealed.hash, s.json.sealed.hash);
    assert.equal(sealed.title, 'Pay equity at the council');
    fs.writeFileSync(path.join(tmp, 'sealed.json'), file.text);
    // Once sealed, the console shows the sealed study, whatever study.json says.
    const draft = path.join(dir, 'study.json');
    const saved = fs.readFileSync(draft, 'utf8');
    fs.writeFileSync(draft, JSON.stringify({ ...JSON.parse(saved), title: 'Edited by hand' }));
    const shown = await con.api('GET', '/api/state');
    assert.equal(shown.json.study.title, 'Pay equity at the council');
    assert.equal(shown.json.study.hash, undefined);
    assert.deepEqual(shown.json.parties.map((p) => p.name), ['Party 1', 'Party 2', 'Party 3']);
    fs.writeFileSync(draft, saved);
    // After the seal nothing changes it.
    const before = snapshot(dir);
    assert.equal((await con.api('PUT', '/api/study', JSON.parse(fs.readFileSync(path.join(dir, 'study.json'), 'utf8')))).status, 409);
    assert.equal((await con.api('POST', '/api/parties', pub(3))).status, 409);
    assert.equal((await con.api('DELETE', '/api/parties/1')).status, 409);
    assert.equal((await con.api('POST', '/api/seal')).status, 409);
    assert.deepEqual(snapshot(dir), before);
  });

  test('links: bad requests refused; links and a mail-merge file, kept 0600', async () => {
    const before = snapshot(dir);
    const bad = [
      [{ count: 0 }, /from 1 to 10000/],
      [{ count: 10001 }, /from 1 to 10000/],
      [{ count: 2.5 }, /from 1 to 10000/],
      [{ emails: ['ann@example.org', 'not an address'] }, /line 2: .*cannot be in one/],
      [{ emails: ['=cmd@example.org'] }, /starting with a letter or a digit/],
      [{ emails: ['ann@example.org', 'ann@example.org'] }, /in the list twice \(lines 1 and 2\)/],
      [{ count: 2, emails: ['a@b.org'] }, /send \{"count": N\} or/],
    ];
    for (const [body, message] of bad) {
      const r = await con.api('POST', '/api/links', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.json.error, message);
    }
    assert.deepEqual(snapshot(dir), before);
    const r = await con.api('POST', '/api/links', { count: N });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-disposition'), /filename="links-1.csv"/);
    const lines = r.text.trim().split('\n');
    assert.equal(lines[0], 'token,link');
    assert.equal(lines.length, N + 1);
    fs.writeFileSync(path.join(tmp, 'tokens.csv'), r.text);
    assert.equal(fs.statSync(path.join(dir, 'links', 'links-1.csv')).mode & 0o777, 0o600);
    const m = await con.api('POST', '/api/links', { emails: ['ann@example.org', 'bo.b+pay@example.co.uk'] });
    assert.equal(m.status, 200, m.text);
    const rows = m.text.trim().split('\n');
    assert.equal(rows[0], 'email,link');
    assert.match(rows[1], /^ann@example\.org,http:\/\/127\.0\.0\.1:\d+\/submit#study=[0-9a-f]{64}&token=/);
    const s = await con.api('GET', '/api/state');
    assert.deepEqual(s.json.links.map((l) => [l.number, l.links, l.kind]), [[1, N, 'token'], [2, 2, 'email']]);
    assert.equal((await con.api('GET', '/api/links/2')).text, m.text);
    assert.equal((await con.api('GET', '/api/links/3')).status, 404);
  });

  test('collection: each party\'s counts, signed; the compute, the report equal to the clear statistics', async () => {
    const sealedFile = path.join(tmp, 'sealed.json');
    let c = await con.api('GET', '/api/collection');
    assert.equal(c.status, 200);
    assert.deepEqual(c.json.parties.map((p) => p.reachable), [false, false, false]);
    for (const p of parties.slice(0, 3)) await serveParty(p, sealedFile);
    c = await eventually(async () => {
      const r = await con.api('GET', '/api/collection');
      return r.json.parties.every((p) => p.reachable) && r;
    }, 15000, 'every party reachable');
    for (const p of c.json.parties) {
      assert.equal(p.same_study, true);
      assert.equal(p.approved, false);
      assert.equal(p.received, 0);
      assert.equal(p.error, null);
      assert.equal(p.compute, 'not_started');
    }
    // The party's status endpoint answers only the organizer, with counts only.
    const direct = await fetch(`${parties[1].url}/api/organizer/status`);
    assert.equal(direct.status, 401);
    // Compute is refused while the parties have not approved.
    const early = await con.api('POST', '/api/compute');
    const progress = early.status === 202 ? await eventually(async () => {
      const r = await con.api('GET', '/api/compute');
      return r.json.state !== 'running' && r;
    }) : early;
    assert.match(progress.json.error, /not every party has approved/);
    for (const p of parties.slice(0, 3)) {
      assert.equal((await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', sealedFile, '--yes'])).code, 0);
    }
    const answers = randomAnswers(N, seeded(23));
    const csv = path.join(tmp, 'answers.csv');
    writeCsv(csv, answers);
    const sub = await runAsync(bin('mpc'), ['submit', '--study', sealedFile, '--csv', csv, '--tokens', path.join(tmp, 'tokens.csv')]);
    assert.equal(sub.code, 0, sub.stderr);
    c = await eventually(async () => {
      const r = await con.api('GET', '/api/collection');
      return r.json.parties.every((p) => p.received === N && p.approved) && r;
    }, 15000, 'the counts');
    const keys = new Set(c.json.parties.flatMap((p) => Object.keys(p)));
    assert.deepEqual([...keys].sort(), ['approved', 'compute', 'current', 'error', 'index', 'last_upload', 'name',
      'reachable', 'received', 'same_study', 'url']);
    // The chart's history: samples 2 s apart at least, the last one now's.
    c = await eventually(async () => {
      const r = await con.api('GET', '/api/collection');
      return r.json.history.length >= 3 && r;
    }, 10000, 'a history for the chart');
    const h = c.json.history;
    assert.deepEqual(h.at(-1).received, [N, N, N]);
    for (let i = 1; i < h.length - 1; i++) assert.ok(h[i].at >= h[i - 1].at + 2, 'samples apart');
    assert.deepEqual(h[0].received, [-1, -1, -1], 'the first sample: no party reachable');

    const start = await con.api('POST', '/api/compute');
    assert.equal(start.status, 202, start.text);
    const done = await eventually(async () => {
      const r = await con.api('GET', '/api/compute');
      return r.json.state !== 'running' && r;
    }, 60000, 'the compute');
    assert.equal(done.json.state, 'released', done.text);
    assert.equal(done.json.total, N);

    const csvReport = await con.api('GET', '/api/report.csv');
    assert.equal(csvReport.status, 200, csvReport.text);
    assert.match(csvReport.headers.get('content-disposition'), /filename="report.csv"/);
    const study = JSON.parse(fs.readFileSync(sealedFile, 'utf8'));
    const rows = parseCsv(csvReport.text);
    assert.deepEqual(checkReport(study, answers, rows), []);
    assert.equal(fs.readFileSync(path.join(dir, 'report.csv'), 'utf8'), csvReport.text, 'a copy in the folder');
    const xlsx = await con.api('GET', '/api/report.xlsx');
    assert.equal(xlsx.status, 200);
    const file = path.join(tmp, 'console.xlsx');
    fs.writeFileSync(file, xlsx.body);
    const cells = await workbookCells(file);
    assert.deepEqual([...cells.keys()], ['Summary', 'headcount', 'salary', 'salary_bands', 'Method']);
    assert.deepEqual(sheetNumbersProblems(cells, rows), []);
    // The same workbook as mpc report --xlsx (one writer, one code path).
    const cliFile = path.join(tmp, 'cli.xlsx');
    const cli = await runAsync(bin('mpc'), ['report', '--organizer', dir, '--study', sealedFile, '--xlsx', cliFile]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(cells, await workbookCells(cliFile));
    const link = await con.api('GET', '/api/report/link');
    assert.match(link.json.link, new RegExp(`^${parties[0].url}/report#study=${study.hash}&key=[0-9a-f]{128}$`));
    // A party down: reachable false, the others still counted.
    parties[2].child.kill('SIGKILL');
    c = await eventually(async () => {
      const r = await con.api('GET', '/api/collection');
      return r.json.parties[2].reachable === false && r;
    }, 10000, 'party 3 unreachable');
    assert.match(c.json.parties[2].error, /./);
    assert.equal(c.json.parties[0].compute, 'released');
    // The leader down: the compute's progress and the report answer 502
    // with the reason, and the folder's report is left as it was.
    const kept = fs.readFileSync(path.join(dir, 'report.csv'), 'utf8');
    parties[0].child.kill('SIGKILL');
    await eventually(async () => (await con.api('GET', '/api/collection')).json.parties[0].reachable === false, 10000, 'the leader unreachable');
    for (const [method, p] of [['GET', '/api/compute'], ['POST', '/api/compute'], ['GET', '/api/report.csv'], ['GET', '/api/report.xlsx']]) {
      const r = await con.api(method, p);
      assert.equal(r.status, 502, `${method} ${p}: ${r.text}`);
      assert.match(r.json.error, new RegExp(parties[0].url.replace(/[.]/g, '\\.')), `${method} ${p} names the leader: ${r.json.error}`);
    }
    assert.equal(fs.readFileSync(path.join(dir, 'report.csv'), 'utf8'), kept);
  });

  test('a sealed study can be set aside to change it; the old seal is kept', async () => {
    const s = await con.api('POST', '/api/unseal');
    assert.equal(s.status, 200);
    assert.equal(s.json.sealed, null);
    assert.ok(fs.existsSync(path.join(dir, 'sealed-1.json')));
    assert.equal((await con.api('POST', '/api/unseal')).status, 409);
  });

  test('the console stops on SIGTERM: exit 0, nothing on stderr (under ASan: no leak, no error)', async () => {
    const { code } = await con.stop();
    assert.equal(code, 0, con.err);
    assert.equal(con.err, '');
    assert.match(con.out, /Stopped\.\n$/);
  });
});

describe('the console with --allow-remote, and with parties on https (--cacert)', () => {
  let tmp;
  const consoles = [];
  let parties = [];
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-console-tls-'));
  });
  after(async () => {
    for (const p of parties) if (p.child && p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const c of consoles) await c.stop();
    if (process.env.MPC_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('--allow-remote on every address: it listens, says what that means, and the secret still guards it', async () => {
    const child = spawn(bin('mpc'), ['organizer', 'serve', '--dir', path.join(tmp, 'remote'), '--listen', '0.0.0.0:0', '--allow-remote'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    const c = { out: '', stop: async () => { child.kill('SIGTERM'); await new Promise((r) => child.once('exit', r)); } };
    consoles.push(c);
    child.stdout.on('data', (d) => { c.out += d; });
    const link = await eventually(() => /http:\/\/0\.0\.0\.0:(\d+)\/#secret=([0-9a-f]{64})/.exec(c.out), 15000, 'the link');
    assert.match(c.out, /With --allow-remote it answers at any address this machine has/);
    assert.match(c.out, /travel in clear HTTP: use it only on a network\s+you trust, or keep to 127\.0\.0\.1 and reach it through an SSH tunnel/);
    const [, port, secret] = link;
    // Reached at this machine's loopback under another name (as a remote
    // browser would use the machine's address): any Host is accepted...
    const state = await rawRequest('GET', `http://127.0.0.1:${port}/api/state`, undefined,
      { Host: `organizer.example:${port}`, 'X-Console-Secret': secret });
    assert.equal(state.status, 200);
    // ...but never without the secret.
    const refused = await rawRequest('GET', `http://127.0.0.1:${port}/api/state`, undefined, { Host: `organizer.example:${port}` });
    assert.equal(refused.status, 401);
  });

  test('parties on https with their own CA: reached with --cacert, refused without it (the reason said)', async () => {
    const tls = selfSignedCert(tmp);
    parties = await initParties(tmp, 3, 'https');
    const dir = path.join(tmp, 'organizer');
    const withCa = await startConsole(dir, ['--cacert', tls.cert]);
    consoles.push(withCa);
    const t = await withCa.api('GET', '/api/template?name=pay-equity');
    assert.equal((await withCa.api('PUT', '/api/study', t.json)).status, 200);
    for (const p of parties) assert.equal((await withCa.api('POST', '/api/parties', fs.readFileSync(p.pub, 'utf8'))).status, 200);
    const sealed = await withCa.api('POST', '/api/seal');
    assert.equal(sealed.status, 200, sealed.text);
    const sealedFile = path.join(tmp, 'sealed.json');
    fs.writeFileSync(sealedFile, (await withCa.api('GET', '/api/sealed.json')).text);
    for (const p of parties) await serveParty(p, sealedFile, tls);
    const c = await eventually(async () => {
      const r = await withCa.api('GET', '/api/collection');
      return r.json.parties.every((p) => p.reachable) && r;
    }, 15000, 'every https party reachable with --cacert');
    assert.deepEqual(c.json.parties.map((p) => [p.same_study, p.error]), [[true, null], [true, null], [true, null]]);
    await withCa.stop();
    // The same folder without --cacert: the parties' certificate is not trusted.
    const without = await startConsole(dir);
    consoles.push(without);
    const r = await eventually(async () => {
      const x = await without.api('GET', '/api/collection');
      return x.json.parties.every((p) => !p.reachable && p.error) && x;
    }, 15000, 'every party refused');
    for (const p of r.json.parties) assert.match(p.error, /certificate/i, p.error);
  });
});
