/**
 * demo.test.mjs - `make demo` (scripts/demo) end to end, stopping after it
 * printed its addresses (MPC_DEMO_EXIT=1): every step succeeds, the report
 * matches the statistics computed in the clear from the synthetic
 * employees, the spreadsheet opens, and the printed links work.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, parseCsv } from './clear_stats.mjs';
import { build, root, runAsync } from './lib.mjs';

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
