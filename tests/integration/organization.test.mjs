/**
 * organization.test.mjs - employers as contributors (docs/STUDY.md,
 * "Organizations"): an "access": "organization" study, each of 12
 * employers sending its whole workforce as one report with `mpc submit
 * --organization --token`, one of them twice (the later report replaces
 * the earlier as a whole), and forged tables of every kind. Three real
 * parties compute; the report must equal the statistics of the rows that
 * count computed in the clear, groups with fewer than min_contributors
 * employers must be suppressed however many people they hold, and the
 * auditor must work out nothing suppressed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkReport } from './check_report.mjs';
import { answersFromCsv, parseCsv } from './clear_stats.mjs';
import { bin, cleanup, makeStudy, randomAnswers, runAsync, seeded, startApproved, workforce, writeCsv } from './lib.mjs';

const EMPLOYERS = 12;
const FORGED = ['presence', 'count-above-max', 'sum-bounds'];
const MAX_ROWS = 60;
const MIN_CONTRIBUTORS = 3;


describe('employers as contributors: one report per employer, checked, replaced, protected', () => {
  let study;
  let doc;
  const counted = []; // the rows that count, each with its employer
  const org = (cmd, args = []) => runAsync(bin('mpc'), [cmd, '--organizer', study.org, '--study', study.sealed, ...args]);
  const submit = (csv, token, extra = []) => runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv,
    '--organization', '--token', token, ...extra]);

  before(async () => {
    study = await makeStudy({
      n: 3, tokens: EMPLOYERS + FORGED.length, edit: (d) => {
        d.access = 'organization';
        d.max_rows = MAX_ROWS;
        d.privacy.min_contributors = MIN_CONTRIBUTORS;
      },
    });
    doc = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
    await startApproved(study);
  });
  after(() => cleanup(study));

  test('the command line refuses what cannot be one employer\'s report, sending nothing', async () => {
    const csv = writeCsv(path.join(study.dir, 'small.csv'), randomAnswers(3, seeded(1)));
    let r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, '--tokens', path.join(study.dir, 'tokens.csv')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /takes one report per employer: send the whole file as one report with --organization --token TOKEN/);
    r = await runAsync(bin('mpc'), ['submit', '--study', study.sealed, '--csv', csv, '--organization']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--organization sends one report with the employer's --token TOKEN/);
    r = await submit(csv, 'not-a-token');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--token: not a valid participation token for this study/);
    const big = writeCsv(path.join(study.dir, 'big.csv'), randomAnswers(MAX_ROWS + 1, seeded(2)));
    r = await submit(big, study.tokens[0].token);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`has ${MAX_ROWS + 1} rows, more than the ${MAX_ROWS} people one employer may report`));
    const bad = path.join(study.dir, 'bad.csv');
    fs.writeFileSync(bad, 'gender,ethnicity,job,salary,manager\n"Woman","Asian","Sales",85000,false\n"Woman","Asian","Sales",-5,false\n');
    r = await submit(bad, study.tokens[0].token);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /row 3, column D \(salary\): -5 is below the minimum 0/);
  });

  test('12 employers send their workforce, one of them twice; forged tables are sent like any other', async () => {
    const random = seeded(42);
    for (let e = 0; e < EMPLOYERS; e++) {
      const people = workforce(e, random);
      const csv = writeCsv(path.join(study.dir, `employer${e}.csv`), people);
      if (e === 5) {
        // First a wrong export (everyone an executive), then the right one.
        const wrong = writeCsv(path.join(study.dir, 'wrong.csv'), people.map((a) => ({ ...a, job: 'Executives', salary: 999999 })));
        const r = await submit(wrong, study.tokens[e].token);
        assert.equal(r.code, 0, r.stderr);
      }
      const r = await submit(csv, study.tokens[e].token);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`Submitted the employer's report of ${people.length} people to 3 parties`));
      assert.match(r.stdout, /Every party confirmed it\. Sending again with the same token replaces it as a whole\./);
      for (const a of answersFromCsv(fs.readFileSync(csv, 'utf8'))) counted.push({ ...a, _employer: e });
    }
    for (const [k, kind] of FORGED.entries()) {
      const csv = writeCsv(path.join(study.dir, `forged-${kind}.csv`), workforce(2, seeded(100 + k)));
      const r = await submit(csv, study.tokens[EMPLOYERS + k].token, ['--forge', kind]);
      assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
      assert.match(r.stderr, /Forging: every row is sent as a deliberately invalid report/);
    }
  });

  test('the compute accepts the 12 employers\' latest reports and rejects every forged one', async () => {
    const r = await org('compute');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${EMPLOYERS} submissions accepted, ${FORGED.length} rejected`));
  });

  test('the report equals the rows that count in the clear; groups of 2 employers are suppressed', async () => {
    const csv = path.join(study.dir, 'report.csv');
    const r = await org('report', ['--csv', csv]);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseCsv(fs.readFileSync(csv, 'utf8'));
    assert.deepEqual(checkReport(doc, counted, rows, FORGED.length), []);
    const get = (a, g, s) => rows.find((x) => x[0] === a && x[1] === g && x[2] === s);
    assert.equal(get('_study', '', 'submissions_accepted')[3], String(EMPLOYERS));
    assert.equal(get('_study', '', 'people')[3], String(counted.length));
    // Non-binary people: many, but from two employers only.
    const nb = counted.filter((a) => a.gender === 'Non-binary');
    assert.ok(nb.length >= 10, `${nb.length} non-binary people`);
    const band = get('salary_bands', 'gender=Non-binary', 'histogram[0;50000)');
    assert.deepEqual(band.slice(3, 5), ['', 'suppressed']);
    // (a released 0 says only that nobody is there)
    const released = rows.filter((y) => y[1].includes('gender=Non-binary') && y[3] !== '' && y[3] !== '0');
    assert.deepEqual(released, [], 'nothing about non-binary people is released but zeros');
    assert.ok(rows.filter((y) => y[1].includes('gender=Non-binary') && y[4] === 'suppressed').length >= 20);
    // The other genders' bands are released: many employers.
    assert.notEqual(get('salary_bands', 'gender=Woman', 'histogram[50000;100000)')[3], '');
  });
});
