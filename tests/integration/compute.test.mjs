/**
 * compute.test.mjs - the whole flow through the commands of docs/DESIGN.md, section
 * 6 with 3 real parties on loopback: approvals, submissions (corrections
 * with the same tokens, one submission that reached only some parties),
 * a helper killed during the compute (it fails cleanly, nothing is
 * released, and it succeeds after the restart), and the report: every
 * row of the CSV equal to the statistics computed in the clear from the
 * same answers (clear_stats.mjs), and the spreadsheet read back.
 *
 *   MPC_BUILD=build node --test tests/integration/compute.test.mjs
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { pathToFileURL } from 'node:url';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, clearStats, parseCsv } from './clear_stats.mjs';
import {
  bin, build, cleanup, eventually, hello, login, makeStudy, makeUploads, randomAnswers, root, runAsync, seeded,
  signedRequest, startParty, status, stopParty, upload, writeCsv,
} from './lib.mjs';

const webDir = path.resolve(root, process.env.MPC_WEB ?? path.join(build, 'web'));

const N = 320;

/** Skewed answers: some cells are large, many small (suppressed); few
 *  Non-binary contributors, so that their salary cells are suppressed. */
function skewed(count, seed) {
  return randomAnswers(count, seeded(seed)).map((a, i) => ({
    ...a,
    job: i % 3 === 0 ? 'Professionals' : a.job,
    gender: i % 40 === 0 ? 'Non-binary' : a.gender === 'Non-binary' ? 'Man' : a.gender,
  }));
}

describe('the whole flow: submit, compute, report (3 parties)', () => {
  let study;
  let final;
  const org = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const approve = (p) => runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);

  before(async () => {
    study = await makeStudy({ n: 3, tokens: 400 });
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('compute is refused until every party approved, naming who has not', async () => {
    assert.equal((await approve(study.parties[0])).code, 0);
    const r = await org('compute');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not every party has approved this study .*: waiting for Party 2, Party 3\./);
    assert.match(r.stderr, /Nothing was released/);
    for (const p of study.parties.slice(1)) assert.equal((await approve(p)).code, 0);
  });

  test('submissions: corrections replace, a partial one is counted as incomplete', async () => {
    const tokens = path.join(study.dir, 'tokens.csv');
    const first = skewed(N, 7);
    let r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv',
      writeCsv(path.join(study.dir, 'first.csv'), first), '--tokens', tokens]);
    assert.equal(r.code, 0, r.stderr);
    const corrections = skewed(40, 11).map((a) => ({ ...a, gender: a.gender === 'Non-binary' ? 'Woman' : a.gender }));
    r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv',
      writeCsv(path.join(study.dir, 'corrections.csv'), corrections), '--tokens', tokens]);
    assert.equal(r.code, 0, r.stderr);
    final = [...corrections, ...first.slice(40)];
    writeCsv(path.join(study.dir, 'final.csv'), final);
    // Reached parties 1 and 2 only (a browser closed mid-way): never used.
    const bodies = makeUploads(study, randomAnswers(1)[0], { token: study.tokens[N].token, seq: 1 });
    for (const i of [0, 1]) assert.equal((await upload(study.parties[i], bodies[i])).status, 201);
  });

  test('a helper killed during the compute: a clear error, nothing released; rerun succeeds', async () => {
    const [leader, , helper] = study.parties;
    const session = await login(leader);
    const running = org('compute');
    await eventually(async () => (await status(leader, session)).compute.state === 'running', 20000, 'running');
    helper.child.kill('SIGKILL');
    await helper.exited;
    const r = await running;
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /the compute failed: Party 3 \(http:\/\/127\.0\.0\.1:\d+\) (did not answer|cannot be reached)/);
    assert.match(r.stderr, /Nothing was released/);
    const report = await org('report', ['--csv', path.join(study.dir, 'none.csv')]);
    assert.equal(report.code, 1);
    assert.match(report.stderr, /no result yet: run mpc compute first/);
    for (const p of study.parties.slice(0, 2)) {
      const s = await status(p, await login(p));
      assert.notEqual(s.compute.state, 'released', `${p.index}`);
    }
    assert.equal((await status(leader, session)).compute.state, 'failed');

    await startParty(study, helper);
    const again = await org('compute');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`${N} submissions accepted, 0 rejected .*, 1 incomplete`));
  });

  test('every row of the report equals the statistics computed in the clear', async () => {
    const csv = path.join(study.dir, 'report.csv');
    const xlsx = path.join(study.dir, 'report.xlsx');
    const r = await org('report', ['--csv', csv, '--xlsx', xlsx]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    const answers = answersFromCsv(fs.readFileSync(path.join(study.dir, 'final.csv'), 'utf8'));
    const expected = clearStats(doc, answers);
    const rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    assert.deepEqual(checkReport(doc, answers, rows), []);
    assert.equal(rows.length - 1, expected.size);
    const notes = rows.map((x) => x[4]);
    assert.ok(notes.includes('suppressed') && notes.includes(''), 'both suppressed and open cells');
    // The command-line form of the same comparison.
    const cli = await runAsync('node', [path.join(path.dirname(new URL(import.meta.url).pathname), 'check_report.mjs'),
      study.sealed, path.join(study.dir, 'final.csv'), csv]);
    assert.equal(cli.code, 0, cli.stdout);
  });

  test('the spreadsheet reads back: summary, a table per analysis, the method', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(study.dir, 'report.xlsx'));
    assert.deepEqual(wb.worksheets.map((w) => w.name), ['Summary', 'headcount', 'salary', 'salary_bands', 'Method']);
    const summary = wb.getWorksheet('Summary');
    const cells = {};
    summary.eachRow((row) => { cells[row.getCell(1).value] = row.getCell(2).value; });
    assert.equal(cells['Submissions accepted'], N);
    assert.equal(cells['Submissions incomplete (not used)'], 1);
    assert.equal(cells['Plan hash'], study.hash);
    const salary = wb.getWorksheet('salary');
    assert.deepEqual(salary.getRow(3).values.slice(1), ['Gender', 'Job category', 'count', 'sum', 'mean', 'stddev', 'gap', 'gap_percent']);
    const csvRows = parseCsv(fs.readFileSync(path.join(study.dir, 'report.csv'), 'utf8'));
    const mean = csvRows.find((x) => x[0] === 'salary' && x[1] === 'gender=Woman;job=Professionals' && x[2] === 'mean');
    const row = salary.getRows(4, 30).find((x) => x.getCell(1).value === 'Woman' && x.getCell(2).value === 'Professionals');
    assert.equal(row.getCell(5).value, Number(mean[3]));
    const small = salary.getRows(4, 30).find((x) => x.getCell(4).value === 'suppressed');
    assert.ok(small, 'a suppressed cell is marked');
    const method = wb.getWorksheet('Method').getColumn(1).values.join(' ');
    assert.match(method, /zero-knowledge proof/);
    assert.match(method, /A group or histogram band with 1 to 4 contributors is shown as "suppressed"/);
    // Both notes explained, and the withheld figures counted.
    const withheld = csvRows.filter((x) => x[4] === 'suppressed (to protect another group)').length;
    assert.ok(method.includes(`shown as "suppressed (to protect another group)" (${withheld} figures in this report)`), method);
    const footnote = salary.getColumn(1).values.join(' ');
    assert.match(footnote, /"suppressed \(to protect another group\)": withheld so that no suppressed figure can be worked out/);
    console.log(`compute.test: ${withheld} figures withheld to protect another group`);
  });

  test('the study is computed once; every party recorded the release', async () => {
    const r = await org('compute');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /released already; it is computed once/);
    for (const p of study.parties) {
      const s = await status(p, await login(p));
      assert.equal(s.compute.state, 'released');
      assert.equal(s.compute.incomplete, 1);
    }
    // A party refuses the organizer's paths to anyone but the organizer.
    const unsigned = await fetch(`${study.parties[0].url}/api/result`);
    assert.equal(unsigned.status, 401);
  });
});

describe('another study: open, booleans, negative values, no grouping, every statistic', () => {
  let study;
  before(async () => {
    study = await makeStudy({
      n: 2,
      edit: (d) => {
        d.access = 'open';
        d.fields = [
          { name: 'dept', label: 'Department', type: 'choice', choices: ['A', 'B, and C', 'D'] },
          { name: 'remote', label: 'Remote?', type: 'boolean' },
          { name: 'age', label: 'Age', type: 'integer', min: 18, max: 70 },
          { name: 'balance', label: 'Balance', type: 'integer', min: -5000, max: 5000 },
        ];
        d.analyses = [
          { name: 'everyone', of: 'balance', stats: ['count', 'sum', 'mean', 'stddev'] },
          { name: 'age_by', of: 'age', by: ['dept', 'remote'], stats: ['count', 'sum', 'mean', 'stddev'], gap_reference: 'A' },
          { name: 'age_bands', of: 'age', by: ['remote'], stats: ['histogram'], bins: [0, 30, 50] },
          { name: 'heads', by: ['remote', 'dept'], stats: ['count'] },
        ];
        d.privacy = { min_submissions: 10, min_cell_count: 3 };
      },
    });
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('the report equals the statistics computed in the clear', async () => {
    const random = seeded(3);
    const answers = Array.from({ length: 70 }, (_, i) => ({
      dept: i % 17 === 0 ? 'D' : random() < 0.5 ? 'A' : 'B, and C',
      remote: random() < 0.3,
      age: 18 + Math.floor(random() * 53),
      balance: -5000 + Math.floor(random() * 10001),
    }));
    const csv = writeCsv(path.join(study.dir, 'people.csv'), answers, ['dept', 'remote', 'age', 'balance']);
    let r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    for (const p of study.parties) {
      assert.equal((await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes'])).code, 0);
    }
    const args = ['--organizer', study.org, '--study', study.sealed];
    r = await runAsync(bin('mpc'), ['compute', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const out = path.join(study.dir, 'report.csv');
    r = await runAsync(bin('mpc'), ['report', ...args, '--csv', out]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    const rows = parseCsv(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(checkReport(doc, answersFromCsv(fs.readFileSync(csv, 'utf8')), rows), []);
    assert.ok(rows.some((x) => x[1] === 'dept=D;remote=true' && x[4] === 'suppressed'), 'a small cell');
    assert.ok(rows.some((x) => x[0] === 'everyone' && x[1] === '' && x[2] === 'sum'), 'the ungrouped sum');
  });
});

describe('compute guards', () => {
  let study;
  before(async () => {
    study = await makeStudy({ n: 2, tokens: 20 });
    for (const p of study.parties) await startParty(study, p);
  });
  after(() => cleanup(study));

  test('below min_submissions nothing is opened; a helper down is named', async () => {
    for (const p of study.parties) {
      assert.equal((await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes'])).code, 0);
    }
    const tokens = path.join(study.dir, 'tokens.csv');
    assert.equal((await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv',
      writeCsv(path.join(study.dir, 'few.csv'), randomAnswers(4)), '--tokens', tokens])).code, 0);
    const args = ['compute', '--organizer', study.org, '--study', study.sealed];
    let r = await runAsync(bin('mpc'), args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /only 4 complete submissions .*; the study needs at least 10 before anything is opened/);
    // The helper keeps the verification key of that first compute: a
    // leader sending another one is refused.
    const { loadMpc } = await import(pathToFileURL(path.join(webDir, 'mpc.js')).href);
    const mpc = await loadMpc();
    const sealed = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    const info = Buffer.concat([Buffer.from('mpc-study/1 verify key'), Buffer.from([1])]);
    const sealedKey = mpc.hpke.seal(Buffer.from(sealed.parties[1].hpke_public_key, 'hex'), mpc.random(32),
      { info, aad: Buffer.from(study.hash, 'hex') });
    // (Every party's approval statement, as each answers it.)
    const approvals = [];
    for (const i of [0, 1]) approvals.push(Buffer.from((await hello(study, i)).json.approval, 'base64'));
    const start = JSON.stringify({ compute: '00'.repeat(16), total: 4,
      enc: Buffer.from(sealedKey.enc).toString('base64'), key: Buffer.from(sealedKey.ciphertext).toString('base64'),
      approvals: Buffer.concat(approvals).toString('base64') });
    const forged = await signedRequest(study, 0, 1, 'POST', '/api/peer/compute/start', start);
    assert.equal(forged.status, 409);
    assert.match(forged.json.error, /another verification key than in the first compute; refused/);
    // Only the leader drives: the same request signed by party 2 is refused.
    const notLeader = await signedRequest(study, 1, 0, 'POST', '/api/peer/compute/start', start);
    assert.equal(notLeader.status, 403);
    await stopParty(study.parties[1]);
    r = await runAsync(bin('mpc'), args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Party 2 \(http:\/\/127\.0\.0\.1:\d+\) cannot be reached/);
    // Another organizer key is refused by the command before anything is sent.
    const other = path.join(study.dir, 'other-org');
    assert.equal((await runAsync(bin('mpc'), ['organizer', 'init', '--dir', other])).code, 0);
    r = await runAsync(bin('mpc'), ['compute', '--organizer', other, '--study', study.sealed]);
    assert.match(r.stderr, /sealed by another organizer key/);
  });
});
