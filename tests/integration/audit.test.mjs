/**
 * audit.test.mjs - the suppression auditor (audit.mjs, issue 22) on
 * reports it can judge by hand, and its control: on the primary-only
 * suppression the release used before complementary suppression
 * (clear_stats.mjs models it, apart from the C code), it finds the leaks
 * that issue 22 describes.
 *
 *   node --test tests/integration/audit.test.mjs
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { audit, describe as say } from './audit.mjs';
import { answersFromCsv, clearStats } from './clear_stats.mjs';
import { root } from './lib.mjs';

/** The rows of a report with primary suppression only, from the answers. */
function primaryOnly(study, answers) {
  return [['analysis', 'group', 'statistic', 'value', 'note'],
    ...[...clearStats(study, answers)].map(([key, v]) => [...key.split('|'), String(v.value), v.note])];
}

/** The same rows with the cells of analysis a whose group matches re hidden. */
function hide(rows, a, re) {
  return rows.map((r, i) => (i > 0 && r[0] === a && re.test(r[1]) ? [r[0], r[1], r[2], '', 'suppressed'] : r));
}

const found = (r, kind, group) => r.findings.filter((f) => f.kind === kind && f.group === group);

// Issue 22's first example: wage by dept, and by role x dept.
const WAGES = {
  fields: [
    { name: 'dept', type: 'choice', choices: ['Office', 'Field'] },
    { name: 'role', type: 'choice', choices: ['Lead', 'Associate'] },
    { name: 'wage', type: 'integer', min: 0, max: 200000 },
  ],
  analyses: [
    { name: 'by_dept', of: 'wage', by: ['dept'], stats: ['count', 'sum', 'mean'] },
    { name: 'by_role', of: 'wage', by: ['role', 'dept'], stats: ['count', 'mean'] },
  ],
  privacy: { min_submissions: 10, min_cell_count: 5 },
};
const wageAnswers = [];
for (const [n, dept, role, wage] of [[2, 'Office', 'Lead', 90000], [10, 'Office', 'Associate', 40000],
  [8, 'Field', 'Lead', 70000], [9, 'Field', 'Associate', 35000]]) {
  for (let i = 0; i < n; i++) wageAnswers.push({ dept, role, wage: String(wage + 100 * i) });
}

describe('the suppression auditor', () => {
  test('control: two linked analyses, primary suppression only: the two leads\' count and wage sum follow', () => {
    const r = audit(WAGES, primaryOnly(WAGES, wageAnswers));
    const lead = 'role=Lead;dept=Office';
    assert.deepEqual(found(r, 'count', lead).map((f) => f.range), [[2, 2]], r.findings.map(say).join('\n'));
    assert.equal(found(r, 'sum', lead).length, 1);
    assert.ok(found(r, 'sum', lead)[0].range[1] < 1e-6, 'the sum is known exactly');
    assert.equal(r.findings.length, 2, r.findings.map(say).join('\n'));
  });

  test('the whole Office column hidden: nothing can be worked out', () => {
    const r = audit(WAGES, hide(primaryOnly(WAGES, wageAnswers), 'by_role', /dept=Office/));
    assert.deepEqual(r.findings.map(say), []);
    assert.equal(r.suppressed, 2 * 2); // two cells, a count and a sum each
  });

  test('a complement too small to hide the cell: found', () => {
    // Lead, Field hidden along with Lead, Office: the row total of the
    // leads is not released, but each column's is, so both follow.
    const r = audit(WAGES, hide(primaryOnly(WAGES, wageAnswers), 'by_role', /role=Lead/));
    assert.equal(found(r, 'count', 'role=Lead;dept=Office').length, 1);
    assert.equal(found(r, 'count', 'role=Lead;dept=Field').length, 1);
  });

  test('a histogram bin released with 1 or 2 people is found', () => {
    const study = {
      fields: [{ name: 'g', type: 'choice', choices: ['A', 'B'] }, { name: 'pay', type: 'integer', min: 0, max: 1000 }],
      analyses: [{ name: 'bands', of: 'pay', by: ['g'], stats: ['histogram'], bins: [0, 500] }],
      privacy: { min_submissions: 5, min_cell_count: 5 },
    };
    const answers = [...Array(9)].map((_, i) => ({ g: 'A', pay: String(i < 2 ? 900 : 100) }))
      .concat([...Array(6)].map(() => ({ g: 'B', pay: '100' })));
    const r = audit(study, primaryOnly(study, answers));
    assert.deepEqual(r.findings.map(say), ['bands, g=A, histogram[500;): released with 2 contributors (fewer than 5)']);
  });

  test('control: the pay-equity example with 5,000 synthetic people, primary suppression only', () => {
    const study = JSON.parse(fs.readFileSync(path.join(root, 'schema/studies/pay-equity.json'), 'utf8'));
    const out = spawnSync('node', [path.join(root, 'scripts/synthetic.mjs'), path.join(root, 'schema/studies/pay-equity.json'), '5000'],
      { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(out.status, 0, out.stderr);
    const r = audit(study, primaryOnly(study, answersFromCsv(out.stdout)));
    const cell = 'gender=Non-binary;ethnicity=American Indian or Alaska Native;job=Operatives';
    assert.deepEqual(found(r, 'count', cell).map((f) => f.range), [[2, 2]], r.findings.map(say).join('\n'));
    assert.ok(r.findings.some((f) => f.kind === 'released' && f.analysis === 'salary_bands'), r.findings.map(say).join('\n'));
  });

  test('the command line: a finding exits 1 and says what can be worked out', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-audit-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'study.json'), JSON.stringify(WAGES));
      fs.writeFileSync(path.join(dir, 'report.csv'), `${primaryOnly(WAGES, wageAnswers).map((r) => r.join(',')).join('\n')}\n`);
      const r = spawnSync('node', [path.join(root, 'tests/integration/audit.mjs'), path.join(dir, 'study.json'), path.join(dir, 'report.csv')],
        { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /by_role, role=Lead;dept=Office, count: suppressed, but the released values put it in \[2, 2\] \(narrower than 5\)/);
      assert.match(r.stdout, /^2 findings; 2 suppressed values checked/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
