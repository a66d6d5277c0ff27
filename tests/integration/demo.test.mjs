/**
 * demo.test.mjs - `make demo` (scripts/demo) end to end, stopping after it
 * printed its addresses (MPC_DEMO_EXIT=1): every step succeeds, the report
 * matches the statistics computed in the clear from the synthetic
 * employees, the spreadsheet opens, and the printed links work.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, parseCsv } from './clear_stats.mjs';
import { bin, build, eventually, root, runAsync } from './lib.mjs';

test('make demo: parties, submissions, compute, report, addresses', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-demo-test-'));
  try {
    const r = await runAsync(path.join(root, 'scripts', 'demo'), [build], {
      env: { ...process.env, MPC_DEMO_EXIT: '1', MPC_DEMO_COUNT: '150', MPC_DEMO_DIR: dir,
        // Below the ephemeral range the other tests' ports come from.
        MPC_DEMO_PORT: String(20000 + Math.floor(Math.random() * 8000)) },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Submitted 150 of 150 rows to 3 parties/);
    assert.match(r.stdout, /150 submissions accepted, 0 rejected/);
    const password = r.stdout.match(/Party 1: (http:\/\/127\.0\.0\.1:\d+)\/admin {3}password: (\S+)/);
    assert.ok(password, r.stdout);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:\d+\/submit#study=[0-9a-f]{64}&token=[A-Za-z0-9_-]{107}\n/);
    // What it says of the form is true: the collection is closed.
    assert.match(r.stdout, /the collection is closed: every party refuses new\s+answers, and the form says so/);
    assert.doesNotMatch(r.stdout, /stored but not counted/);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:\d+\/report#study=[0-9a-f]{64}&key=[0-9a-f]{128}\n/);
    const study = JSON.parse(fs.readFileSync(path.join(root, 'schema/studies/pay-equity.json'), 'utf8'));
    const answers = answersFromCsv(fs.readFileSync(path.join(dir, 'people.csv'), 'utf8'));
    assert.deepEqual(checkReport(study, answers, parseCsv(fs.readFileSync(path.join(dir, 'report.csv'), 'utf8'))), []);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(dir, 'report.xlsx'));
    assert.equal(wb.getWorksheet('Summary').getCell('A1').value, 'Pay equity survey 2026');
    // The parties were stopped when the script exited.
    await assert.rejects(fetch(`${password[1]}/api/study`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('make demo on a terminal: a form link before the compute, and the answer sent with it counts', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-demo-tty-'));
  const port = 20000 + Math.floor(Math.random() * 8000);
  // script(1) gives the demo a terminal; what it prints comes back here.
  const cmd = `MPC_DEMO_EXIT=1 MPC_DEMO_COUNT=40 MPC_DEMO_DIR=${dir} MPC_DEMO_PORT=${port} scripts/demo ${build}`;
  const child = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d.toString('utf8'); });
  child.stderr.on('data', (d) => { out += d.toString('utf8'); });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await eventually(async () => /Press Enter to compute/.test(out), 60000, 'the prompt before the compute');
    const link = out.match(/answer yourself[\s\S]*?(http:\/\/127\.0\.0\.1:\d+\/submit#study=[0-9a-f]{64}&token=([A-Za-z0-9_-]{107}))/);
    assert.ok(link, out);
    assert.doesNotMatch(out, /== Computing/, 'nothing computed before Enter');
    // The answer, sent with that link's token (as the form would).
    const tokens = path.join(dir, 'mine.csv');
    fs.writeFileSync(tokens, `token,link\n${link[2]},${link[1]}\n`);
    const mine = path.join(dir, 'me.csv');
    fs.writeFileSync(mine, 'gender,ethnicity,job,salary,manager\nWoman,Asian,Professionals,91000,false\n');
    const sent = await runAsync(bin('mpc'), ['submit', '--study', path.join(dir, 'sealed.json'), '--csv', mine, '--tokens', tokens]);
    assert.equal(sent.code, 0, sent.stderr);
    child.stdin.write('\n');
    assert.equal(await exited, 0, out);
    assert.match(out, /41 submissions accepted, 0 rejected/);
  } finally {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
