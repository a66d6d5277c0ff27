/**
 * submit.test.mjs - contributors' submissions against 3 real parties on
 * loopback: `mpc submit` (1,000 rows, then 100 corrections with the same
 * tokens), its errors (each names the row and column, and nothing is
 * sent), a recording proxy that shows no request body carries a
 * plaintext answer, the WebAssembly build making byte-identical uploads
 * to the native one, and the form's files served with the right types and
 * Content-Security-Policy.
 *
 *   MPC_BUILD=build MPC_WEB=build/web node --test tests/integration/submit.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { proxy } from './proxy.mjs';
import {
  ANSWER, bin, build, cleanup, eventually, httpsGet, login, makeStudy, makeUploads, randomAnswers, root, run, runAsync, selfSignedCert, startParty, status,
  stopParty, upload, writeCsv,
} from './lib.mjs';

const webDir = path.resolve(root, process.env.MPC_WEB ?? path.join(build, 'web'));

async function counts(study) {
  const out = [];
  for (const p of study.parties) {
    const s = await status(p, await login(p));
    out.push([s.submissions.received, s.submissions.current]);
  }
  return out;
}

// (Asynchronous, so that the event loop keeps closing idle connections
// while a long run goes on.)
const submit = (study, args) => runAsync(bin('mpc'), ['submit', '--study', study.sealed, ...args]);

describe('mpc submit, 3 parties', () => {
  let study;
  before(async () => {
    study = await makeStudy({ n: 3, tokens: 1000 });
    fs.writeFileSync(path.join(study.dir, 'tokens.csv'),
      `token,link\n${study.tokens.map((t) => `${t.token},${t.link}`).join('\n')}\n`);
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('invalid input is refused with its row and column, and nothing is sent', async () => {
    const tokens = path.join(study.dir, 'tokens.csv');
    const cases = [
      ['gender,ethnicity,job,salary,manager\nWoman,Asian,Sales,"85,000",true\nMan,White,Craft,10,maybe\n' +
        'Wman,Asian,Sales,5,true\nMan,White\nMan,White,Craft,1000001,false\n',
      'bad.csv: 5 invalid rows; nothing was sent. Fix them and run again:\n' +
        'row 2, column D (salary): must be a whole number from 0 to 1000000 (digits only, no separators) (the value is "85,000")\n' +
        'row 3, column E (manager): must be true or false (the value is "maybe")\n' +
        'row 4, column A (gender): "Wman" is not one of the choices "Woman", "Man", "Non-binary"\n' +
        'row 5: 2 values, but the header has 5 columns\n' +
        'row 6, column D (salary): 1000001 is above the maximum 1000000\n'],
      ['gender,ethnicity,job,salary,age\n',
        'bad.csv, row 1 (the header), column E: "age" is not a field of the study (its fields: gender,ethnicity,job,salary,manager)'],
      ['gender,ethnicity,job,salary,salary\n', 'bad.csv, row 1 (the header), column E: "salary" appears twice'],
      ['gender,ethnicity,job,salary\nMan,White,Craft,1\n',
        'bad.csv: the header has no column "manager" (Do you manage people?); every field is required'],
      ['gender,ethnicity,job,salary,manager\nMan,"White,Craft,1,true\n', 'bad.csv, row 2: malformed CSV'],
      ['gender,ethnicity,job,salary,manager\n', 'bad.csv has a header but no rows: nothing to submit'],
      ['', 'bad.csv is empty: it needs a header line of field names'],
    ];
    for (const [csv, message] of cases) {
      const file = path.join(study.dir, 'bad.csv');
      fs.writeFileSync(file, csv);
      const r = await submit(study, ['--csv', file, '--tokens', tokens]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(message.replaceAll('bad.csv', file)), `expected "${message}" in:\n${r.stderr}`);
    }
    const good = writeCsv(path.join(study.dir, 'two.csv'), randomAnswers(2));
    let r = await submit(study, ['--csv', good]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /this study needs participation tokens: add --tokens tokens.csv/);
    const few = path.join(study.dir, 'few.csv');
    fs.writeFileSync(few, `token,link\n${study.tokens[0].token},x\n`);
    r = await submit(study, ['--csv', good, '--tokens', few]);
    assert.match(r.stderr, /two.csv has 2 rows but .*few.csv only 1 tokens/);
    const forged = path.join(study.dir, 'forged.csv');
    const t = study.tokens[1].token;
    fs.writeFileSync(forged, `token,link\n${study.tokens[0].token},x\n${t.slice(0, 30)}${t[30] === 'A' ? 'B' : 'A'}${t.slice(31)},y\n`);
    r = await submit(study, ['--csv', good, '--tokens', forged]);
    assert.match(r.stderr, /forged.csv, row 3: not a valid participation token for this study/);
    r = await submit(study, ['--csv', good, '--tokens', tokens, '--jobs', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--jobs must be a number from 1 to 64/);
    assert.equal((await submit(study, ['--help'])).code, 0);
  });

  test('nothing was stored by the refused runs', async () => {
    assert.deepEqual(await counts(study), [[0, 0], [0, 0], [0, 0]]);
  });

  test('1,000 rows reach every party; 100 resubmitted with the same tokens replace theirs', async () => {
    const tokens = path.join(study.dir, 'tokens.csv');
    const csv = writeCsv(path.join(study.dir, 'people.csv'), randomAnswers(1000),
      ['salary', 'manager', 'job', 'gender', 'ethnicity']); // any column order
    const r = await submit(study, ['--csv', csv, '--tokens', tokens]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Submitted 1000 of 1000 rows to 3 parties in [\d.]+ s/);
    assert.match(r.stdout, /Every party confirmed every row/);
    assert.deepEqual(await counts(study), [[1000, 1000], [1000, 1000], [1000, 1000]]);

    const again = writeCsv(path.join(study.dir, 'corrections.csv'), randomAnswers(100));
    const r2 = await submit(study, ['--csv', again, '--tokens', tokens]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.deepEqual(await counts(study), [[1100, 1000], [1100, 1000], [1100, 1000]]);
  });

  test('on a terminal, a progress bar', async () => {
    const csv = writeCsv(path.join(study.dir, 'twenty.csv'), randomAnswers(20));
    const cmd = [bin('mpc'), 'submit', '--study', study.sealed, '--csv', csv, '--tokens',
      path.join(study.dir, 'tokens.csv')].map((a) => `'${a}'`).join(' ');
    // script(1) runs the command with a pseudo-terminal as its output.
    const r = await runAsync('script', ['-qec', cmd, '/dev/null']);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\r {2}\[#{30}\] 20\/20 rows {2}\d+ rows\/s/);
    assert.match(r.stdout, /Submitted 20 of 20 rows to 3 parties/);
    assert.deepEqual(await counts(study), [[1120, 1000], [1120, 1000], [1120, 1000]]);
  });

  test('a party that cannot be reached stops the run before anything is sent', async () => {
    const helper = study.parties[2];
    await stopParty(helper);
    const csv = writeCsv(path.join(study.dir, 'three.csv'), randomAnswers(3));
    const r = await submit(study, ['--csv', csv, '--tokens', path.join(study.dir, 'tokens.csv')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /party 3, Party 3 \(http:\/\/127\.0\.0\.1:\d+\), cannot be reached: .*; nothing was sent/);
    await startParty(study, helper);
    assert.deepEqual(await counts(study), [[1120, 1000], [1120, 1000], [1120, 1000]]);
  });
});

/**
 * Asserts that an upload body carries nothing of the answer in the clear:
 * exactly the expected members; no answer word in the text outside the
 * base64 members; neither the salary's digits nor any label of 5 letters
 * or more in their decoded bytes (shorter strings occur by chance in
 * random bytes, and every base64 text holds short words and digit runs).
 */
function assertNoPlaintext(body, answer) {
  const j = JSON.parse(body);
  const members = ['ciphertext', 'enc', 'party', 'public_share', 'report_id', 'seq', 'study'];
  assert.deepEqual(Object.keys(j).sort(), 'token' in j ? [...members, 'token'].sort() : members);
  const words = [answer.gender, answer.ethnicity, answer.job, String(answer.salary)];
  const blobs = ['public_share', 'enc', 'ciphertext'];
  const rest = JSON.stringify({ ...j, public_share: '', enc: '', ciphertext: '', token: '' });
  for (const w of words) assert.ok(!rest.includes(w), `"${w}" in a body`);
  for (const k of blobs) {
    const bytes = Buffer.from(j[k], 'base64').toString('latin1');
    for (const w of words.filter((x) => x.length >= 5)) assert.ok(!bytes.includes(w), `"${w}" in ${k}`);
  }
}

describe('mpc submit over HTTPS', () => {
  test('--cacert trusts the parties\' certificate; without it nothing is sent', async () => {
    const study = await makeStudy({ n: 2, scheme: 'https', edit: (d) => { d.access = 'open'; } });
    try {
      const { cert, key } = selfSignedCert(study.dir);
      const { spawn } = await import('node:child_process');
      for (const p of study.parties) {
        p.child = spawn(bin('mpc-party'), ['serve', '--dir', p.dir, '--study', study.sealed, '--listen',
          `127.0.0.1:${p.port}`, '--tls-cert', cert, '--tls-key', key], { stdio: 'ignore' });
        await eventually(() => httpsGet(p.port, '/api/study', cert).then((r) => r.status === 200, () => false),
          15000, 'HTTPS');
      }
      const csv = writeCsv(path.join(study.dir, 'people.csv'), randomAnswers(5));
      const untrusted = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /party 1, Party 1 \(https:\/\/127\.0\.0\.1:\d+\), cannot be reached: .*certificate.*; nothing was sent/i);
      const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, '--cacert', cert]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Submitted 5 of 5 rows to 2 parties/);
    } finally {
      cleanup(study);
    }
  });
});

describe('request bodies', () => {
  let study;
  const bodies = [];
  const proxies = [];
  before(async () => {
    study = await makeStudy({ n: 3, proxied: true, edit: (d) => { d.access = 'open'; } });
    for (const p of study.parties) {
      const px = await proxy(p.port, p.listenPort);
      px.plan = (req, body) => { if (req.method === 'POST') bodies.push(body.toString('utf8')); };
      proxies.push(px);
      await startParty(study, p);
    }
  });
  after(() => {
    for (const s of proxies) s.close();
    cleanup(study);
  });

  test('mpc submit (an open study, no tokens) sends no plaintext answer', async () => {
    const answers = randomAnswers(30).map((a, i) => ({ ...a, salary: 123457 + 1000 * i }));
    const csv = writeCsv(path.join(study.dir, 'people.csv'), answers);
    const r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, '--jobs', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(bodies.length, 90);
    // --jobs 1: rows in order, each row's bodies to parties 1, 2, 3.
    bodies.forEach((b, k) => {
      const j = JSON.parse(b);
      assert.equal(j.party, k % 3);
      assert.equal(j.token, undefined);
      assertNoPlaintext(b, answers[Math.floor(k / 3)]);
    });
    const tokens = path.join(study.dir, 'tokens.csv');
    fs.writeFileSync(tokens, 'token,link\n');
    const r2 = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, '--tokens', tokens]);
    assert.match(r2.stderr, /is an open study: it takes no tokens \(drop --tokens\)/);
  });
});

describe('the WebAssembly build and the native build make the same uploads', () => {
  let study;
  let mpc;
  before(async () => {
    study = await makeStudy({ n: 3 });
    for (const p of study.parties) await startParty(study, p);
    const { loadMpc } = await import(pathToFileURL(path.join(webDir, 'mpc.js')).href);
    mpc = await loadMpc();
  });
  after(() => cleanup(study));

  test('byte for byte, with the same randomness; the parties accept them', async () => {
    const text = fs.readFileSync(study.sealed, 'utf8');
    const s = mpc.study(text);
    assert.equal(s.hash, study.hash);
    assert.deepEqual(s.parties.map((p) => p.url), study.parties.map((p) => p.url));
    assert.equal(s.plan().length, 4);
    const reportId = mpc.random(16);
    const rand = mpc.random(s.randSize);
    const hex = (b) => Buffer.from(b).toString('hex');
    const token = study.tokens[0].token;
    const seq = 1234567;
    const heap = mpc.heapInUse();
    const wasm = s.submission(ANSWER, { token, seq, reportId, rand });
    assert.equal(mpc.heapInUse(), heap, 'a submission leaves nothing in the module');
    const native = makeUploads(study, ANSWER, { token, seq, reportId: hex(reportId), rand: hex(rand) });
    assert.equal(wasm.reportId, hex(reportId));
    assert.deepEqual(wasm.bodies, native);
    for (let i = 0; i < 3; i++) assert.equal((await upload(study.parties[i], wasm.bodies[i])).status, 201);
    s.free();
  });

  test('the core checks the study and each answer with clear messages', () => {
    const text = fs.readFileSync(study.sealed, 'utf8');
    assert.throws(() => mpc.study(text.replace('Pay equity survey 2026', 'Pay equity survey 2027')),
      /invalid study: hash: .*/);
    assert.throws(() => mpc.study('{"format": 1}'), /invalid study: /);
    const s = mpc.study(text);
    assert.equal(s.checkValue('salary', '85000'), null);
    assert.equal(s.checkValue('salary', '2000000'), 'salary: 2000000 is above the maximum 1000000');
    assert.equal(s.checkValue('gender', ''), 'gender: missing (Gender); every field is required');
    assert.throws(() => s.submission({ ...ANSWER, salary: -5 }, { token: study.tokens[1].token }),
      (e) => e.code === 'EMEAS' && e.message === 'salary: -5 is below the minimum 0');
    assert.throws(() => s.submission(ANSWER), /needs a participation token/);
    s.free();
  });
});

describe('the form is served by every party', () => {
  let study;
  before(async () => {
    study = await makeStudy({ n: 2, tokens: 0 });
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('pages, scripts and the WebAssembly module with their types and CSP', async () => {
    for (const p of study.parties) {
      const page = await fetch(`${p.url}/submit`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type'), /^text\/html/);
      const csp = page.headers.get('content-security-policy');
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
      for (const q of study.parties) assert.ok(csp.includes(`connect-src 'self'`) && csp.includes(q.url), csp);
      const admin = await fetch(`${p.url}/admin`);
      assert.doesNotMatch(admin.headers.get('content-security-policy'), /wasm-unsafe-eval/);
      const wasm = await fetch(`${p.url}/web/mpc_core.wasm`);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      const bytes = Buffer.from(await wasm.arrayBuffer());
      assert.deepEqual(bytes, fs.readFileSync(path.join(webDir, 'mpc_core.wasm')));
      for (const f of ['/web/mpc.js', '/web/mpc_core.js', '/submit/submit.js']) {
        const r = await fetch(`${p.url}${f}`);
        assert.equal(r.status, 200, f);
        assert.match(r.headers.get('content-type'), /^text\/javascript/);
      }
      for (const f of ['/submit/submit.css', '/web/base.css', '/admin/admin.css']) {
        assert.match((await fetch(`${p.url}${f}`)).headers.get('content-type'), /^text\/css/, f);
      }
    }
  });
});
