/**
 * check_report.mjs - what every report the test suite produces must pass
 * (issue 22): its released rows equal the statistics computed in the clear
 * from the same answers (clear_stats.mjs), exactly the groups and bins with
 * 1 to min_cell_count - 1 contributors are suppressed for their own size,
 * any other suppression is marked as protecting another group, and the
 * independent auditor (audit.mjs) can work out no suppressed value from
 * the released ones.
 *
 *   checkReport(study, answers, rows, rejected)  a list of problems, empty
 *                                                when the report passes
 *   checkPattern(...)                             the same without the audit
 *
 *   node tests/integration/check_report.mjs STUDY.json ANSWERS.csv REPORT.csv
 *
 * checks a report (from `mpc report --csv`) against the answers (the CSV
 * given to `mpc submit`, one row per contributor as counted: the latest
 * per token) and prints every problem; exit 0 iff there is none.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { audit, describe } from './audit.mjs';
import { answersFromCsv, clearStats, parseCsv } from './clear_stats.mjs';

const PRIMARY = 'suppressed';
const COMPLEMENTARY = 'suppressed (to protect another group)';

/** What is wrong with rows released with complementary suppression
 *  (clear_report --suppress, or a party's report) for the answers (and
 *  `rejected` invalid submissions): every released row equals
 *  the statistics in the clear; a group or bin with 1 to min_cell_count - 1
 *  contributors (where a count or bin row tells) is suppressed for its own
 *  size, and nothing else is; the rest may be suppressed to protect
 *  another group. A list of messages; the number of complementary rows. */
export function checkPattern(study, answers, rows, rejected = 0) {
  const k = study.privacy.min_cell_count;
  // (organization studies: a unit with fewer than min_contributors
  // employers in it is small too)
  const mc = study.access === 'organization' ? (study.privacy.min_contributors ?? 1) : 0;
  const clear = clearStats({ ...study, privacy: { ...study.privacy, min_cell_count: 0, min_contributors: 0 } }, answers, rejected);
  const problems = [];
  let complementary = 0;
  const seen = new Set();
  for (const [a, g, st, value, note] of rows.slice(1)) {
    const key = `${a}|${g}|${st}`;
    seen.add(key);
    const want = clear.get(key);
    if (!want) { problems.push(`unexpected row ${key}`); continue; }
    // The contributors of the row's unit: a bin's own value, else the group's count.
    let n = st.startsWith('histogram[') ? Number(want.value) : Number(clear.get(`${a}|${g}|count`)?.value ?? NaN);
    const employers = clear.employers.get(st.startsWith('histogram[') ? key : `${a}|${g}`);
    const isSmall = (x, e = employers) => x >= 1 && (x < k || e < mc);
    let small = isSmall(n);
    // A band's share: never released with 1 to k - 1 of the group in the
    // band (but withheld as protecting another group when the bands were not
    // searched: then nobody knew the band's counts).
    const bandSmall = st.startsWith('quartile_band_') && isSmall(clear.bands.get(key));
    if (st === 'share_positive') {
      // Its group, and the group's parts not positive and positive.
      const p = clear.parts.get(`${a}|${g}`);
      n = p.n;
      small = isSmall(p.n) || isSmall(p.positive, p.employersPositive) || isSmall(p.n - p.positive, p.employersNot);
    }
    if (note === PRIMARY || note === COMPLEMENTARY) {
      if (value !== '') problems.push(`${key}: suppressed with a value`);
      if (note === COMPLEMENTARY) complementary++;
      const gap = st === 'gap' || st.endsWith('gap_percent'); // (suppressed with its cell or its reference's)
      if (note === PRIMARY && !Number.isNaN(n) && !small && !bandSmall && !gap) problems.push(`${key}: "${note}" for ${n} contributors`);
      if (note === COMPLEMENTARY && small && !gap) problems.push(`${key}: ${n} contributors, but not suppressed for its own size`);
      continue;
    }
    if (small || bandSmall) problems.push(`${key}: released with ${bandSmall ? clear.bands.get(key) : n} contributors${bandSmall ? ' in the band' : ''}`);
    if (note !== want.note) problems.push(`${key}: note "${note}", expected "${want.note}"`);
    else if (typeof want.value === 'number') {
      if (!(Math.abs(Number(value) - want.value) <= 1e-9 * Math.abs(want.value))) problems.push(`${key}: ${value}, expected ${want.value}`);
    } else if (value !== want.value) problems.push(`${key}: "${value}", expected "${want.value}"`);
  }
  for (const key of clear.keys()) if (!seen.has(key)) problems.push(`missing row ${key}`);
  return { problems, complementary };
}

/** checkPattern and the auditor's findings on the rows: a list of
 *  problems, empty when the report is right and nothing suppressed can be
 *  worked out from it. */
export function checkReport(study, answers, rows, rejected = 0) {
  const { problems } = checkPattern(study, answers, rows, rejected);
  return [...problems, ...audit(study, rows).findings.map((f) => `audit: ${describe(f)}`)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.length !== 5) {
    console.error('usage: check_report.mjs STUDY.json ANSWERS.csv REPORT.csv');
    process.exit(2);
  }
  const [studyFile, answersFile, reportFile] = process.argv.slice(2);
  const study = JSON.parse(fs.readFileSync(studyFile, 'utf8'));
  const rows = parseCsv(fs.readFileSync(reportFile, 'utf8'));
  const problems = checkReport(study, answersFromCsv(fs.readFileSync(answersFile, 'utf8')), rows);
  for (const p of problems.slice(0, 50)) console.log(p);
  console.log(problems.length === 0 ? `ok: ${rows.length - 1} rows right, nothing suppressed can be worked out` : `${problems.length} problems`);
  process.exit(problems.length === 0 ? 0 : 1);
}
