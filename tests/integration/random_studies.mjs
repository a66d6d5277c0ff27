#!/usr/bin/env node
/**
 * random_studies.mjs - randomized studies and answers for the suppression
 * auditor (issue 22) and for the core's release path: a seeded generator,
 * the same study and the same answers for the same seed on every machine
 * (its own PRNG, mulberry32, no Math.random).
 *
 *   randomStudy(seed)          a valid study document (schema/study.schema.json
 *                              and the compiler's rules of docs/STUDY.md)
 *   randomAnswers(study, seed) its answers: {field: value}, choices as their
 *                              labels, integers as numbers, booleans as
 *                              true/false (what clear_report and clearStats read)
 *
 * The studies: 1 to 4 choice or boolean fields (2 to 5 choices), 1 or 2
 * integer fields with small ranges (some with a negative min), 1 to 4
 * analyses that group by nested prefixes (by [a], by [a, b]), crossed
 * fields (by [a] and by [b]) or anything else, several analyses on one
 * field, histograms of 2 to 4 bins (sometimes two on the same field with
 * different bins, the first edge sometimes below the min, the last one
 * sometimes at the max), shares of positive values, gaps; min_cell_count
 * 3 to 6. The answers: 20 to
 * 200, with skewed choices (some never chosen) so that many cells are
 * small, integers clustered and often on a bin edge or a bound. The finest
 * cells the auditor models (tests/integration/audit.mjs) are kept to at
 * most MAX_FINEST, each analysis to MAX_CELLS groups and the LPs it may
 * need to MAX_LPS, so that an audit takes a fraction of a second (each LP
 * is one glpsol run, about 10 ms).
 *
 *   checkSeed(seed)            one seed through the core (coreRows: its rows
 *                              from build/tests/clear_report, compared with
 *                              clearStats) and through the auditor on the
 *                              primary-only rows (primaryRows), its findings
 *                              checked for soundness
 *   checkSeeds(seeds, workers) the same for many seeds on worker threads
 *                              (random_studies.test.mjs)
 *
 *   node tests/integration/random_studies.mjs SEED [DIR]
 *
 * prints the study of SEED (or writes DIR/study.json, DIR/answers.jsonl
 * and DIR/answers.csv, for clear_report, clear_stats.mjs or `mpc submit`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { audit, describe, finestCells } from './audit.mjs';
import { checkPattern } from './check_report.mjs';
import { clearStats, compareReport, gridEdges, indicatorProblems, parseCsv } from './clear_stats.mjs';
import { build } from './lib.mjs';

export const MAX_FINEST = 400;
export const MAX_CELLS = 40;
export const MAX_LPS = 100;

/** mulberry32: a 32-bit PRNG, next() in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // lo..hi inclusive
  const pick = (xs) => xs[Math.floor(next() * xs.length)];
  const chance = (p) => next() < p;
  const shuffle = (xs) => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return { next, int, pick, chance, shuffle };
}

const GROUP_NAMES = ['dept', 'role', 'site', 'shift', 'team', 'grade', 'region', 'contract', 'remote', 'union_member'];
const VALUE_NAMES = ['salary', 'age', 'hours', 'score', 'tenure', 'bonus', 'commute'];
const LABELS = [
  ['North', 'South', 'East', 'West', 'Central'],
  ['Full-time', 'Part-time', 'Contractor', 'Intern', 'Seasonal'],
  ['A', 'B', 'C', 'D', 'E'],
  ['Yes, often', 'Sometimes', 'Rarely', 'Never', 'Prefer not to say'],
  ['Café', 'Bäckerei', 'Kiosk', 'Épicerie', 'Büro'],
  ['Level 1', 'Level 2', 'Level 3', 'Level 4', 'Level 5'],
];
const RANGES = [[0, 100], [0, 1000], [-50, 50], [1, 10], [-1000, 1000], [0, 5], [18, 70], [-20, 0], [0, 1]];

const labelsOf = (f) => (f.type === 'boolean' ? ['false', 'true'] : f.choices);

/** The number of finest cells the auditor models for a study. */
export { finestCells };

/** Histogram bins for an integer field: 2 to 4 increasing lower edges, the
 *  first at or below min (sometimes below), none above max (sometimes at it). */
function randomBins(r, f) {
  const count = r.int(2, 4);
  const width = f.max - f.min;
  const inner = new Set();
  if (r.chance(0.15)) inner.add(f.max); // a bin of the max alone
  while (inner.size < Math.min(count - 1, width)) inner.add(f.min + r.int(1, width));
  const first = r.chance(0.2) ? f.min - r.int(1, Math.max(1, Math.floor(width / 2))) : f.min;
  return [first, ...[...inner].sort((x, y) => x - y)];
}

/** Statistics for an analysis of kind k: 'count', 'stats', 'histogram'. */
function randomStats(r, kind) {
  if (kind === 'count') return ['count'];
  if (kind === 'histogram') {
    const extra = r.chance(0.4) ? r.shuffle(['count', 'sum', 'mean', 'stddev', 'share_positive']).slice(0, r.int(1, 2)) : [];
    return r.shuffle(['histogram', ...extra]);
  }
  const all = ['count', 'sum', 'mean', 'stddev', 'share_positive'];
  let stats = all.filter(() => r.chance(0.55));
  if (stats.length === 0) stats = [r.pick(all)];
  return r.shuffle(stats);
}

/** The most LPs the auditor solves for one suppressed group of an
 *  analysis: the count's and each bin's bounds (2 each), the sum, the sum
 *  of squares. */
function lpsPerGroup(a) {
  const sums = a.stats.some((s) => ['sum', 'mean', 'stddev'].includes(s));
  const parts = (a.bins?.length ?? 0) + (a.stats.includes('share_positive') ? 2 : 0);
  return 2 * (1 + parts) + (sums ? 1 : 0) + (a.stats.includes('stddev') ? 1 : 0);
}

/** One attempt at a study; null when it is too large (or one the core
 *  refuses, see below). */
function attempt(r, seed) {
  const groupNames = r.shuffle(GROUP_NAMES);
  const valueNames = r.shuffle(VALUE_NAMES);
  const cats = [];
  for (let i = 0, n = r.int(1, 4); i < n; i++) {
    const name = groupNames[i];
    if (r.chance(0.3)) cats.push({ name, label: `Is this a ${name.replace('_', ' ')}?`, type: 'boolean' });
    else cats.push({ name, label: `Your ${name.replace('_', ' ')}`, type: 'choice', choices: r.pick(LABELS).slice(0, r.int(2, 5)) });
  }
  const ints = [];
  for (let i = 0, n = r.int(1, 2); i < n; i++) {
    const [min, max] = r.pick(RANGES);
    ints.push({ name: valueNames[i], label: `Your ${valueNames[i]}`, type: 'integer', min, max });
  }
  const fields = r.shuffle([...cats, ...ints]);
  const catNames = cats.map((f) => f.name);
  const subset = () => r.shuffle(catNames).slice(0, r.int(r.chance(0.15) ? 0 : 1, Math.min(3, catNames.length)));
  const analyses = [];
  const hists = new Map(); // field -> bins already used
  for (let i = 0, n = r.int(1, 4); i < n; i++) {
    const prev = analyses.length ? r.pick(analyses) : null;
    const relation = prev ? r.pick(['nested', 'nested', 'nested', 'crossed', 'crossed', 'same', 'any']) : 'any';
    let by;
    const pb = prev?.by ?? [];
    if (relation === 'nested') {
      const rest = catNames.filter((c) => !pb.includes(c));
      if (pb.length && (r.chance(0.4) || rest.length === 0)) by = pb.slice(0, pb.length - 1); // a coarser prefix
      else by = rest.length ? [...pb, r.pick(rest)] : pb; // a finer one
    } else if (relation === 'crossed') {
      const rest = catNames.filter((c) => !pb.includes(c));
      by = rest.length ? r.shuffle(rest).slice(0, r.int(1, Math.min(2, rest.length))) : subset();
    } else if (relation === 'same') by = [...pb];
    else by = subset();
    const of = prev?.of && r.chance(0.7) ? prev.of : r.pick(ints).name;
    const kind = r.pick(['count', 'stats', 'stats', 'histogram', 'histogram']);
    const a = { name: `a${i + 1}_${kind}` };
    if (kind !== 'count' || r.chance(0.3)) a.of = of;
    if (by.length || r.chance(0.5)) a.by = by;
    a.stats = randomStats(r, kind);
    if (kind === 'histogram') {
      const f = ints.find((x) => x.name === of);
      const used = hists.get(of);
      // Sometimes the same bins as an earlier histogram of the field,
      // usually others (two histograms on one field, different bins).
      a.bins = used && r.chance(0.3) ? [...used] : randomBins(r, f);
      hists.set(of, a.bins);
    }
    if (kind === 'stats' && r.chance(0.4)) {
      // A median or quartiles, on a grid of 1 to a third of the field's
      // range, or (a third of the time) 5 to 60 percent apart.
      const f = ints.find((x) => x.name === of);
      a.stats.splice(r.int(0, a.stats.length), 0, r.pick(['median', 'quartiles']));
      a.grid = r.chance(0.33) ? { percent: r.int(5, 60), from: r.int(1, Math.max(1, f.max)) }
        : r.int(1, Math.max(1, Math.floor((f.max - f.min) / r.pick([3, 10, 40]))));
      if (a.stats.includes('share_positive') && r.chance(0.5)) a.quantiles_among = 'positive';
    }
    if (a.of && by.length && a.stats.some((s) => s !== 'count' && s !== 'histogram') && r.chance(0.35)) {
      a.gap_reference = r.pick(labelsOf(cats.find((c) => c.name === by[0])));
    }
    analyses.push(a);
    if (a.grid && by.length && r.chance(0.5)) {
      // Quartile bands of the same field by the same groups, and the
      // quartiles of everyone that are their limits.
      analyses.push({ name: `a${i + 1}_bands`, of: a.of, by: [...by], stats: ['quartile_bands'], grid: a.grid });
      if (!analyses.some((x) => !(x.by ?? []).length && x.of === a.of && x.stats.includes('quartiles') && JSON.stringify(x.grid) === JSON.stringify(a.grid))) {
        analyses.push({ name: `a${i + 1}_quartiles`, of: a.of, stats: ['quartiles'], grid: a.grid });
      }
    }
  }
  const study = {
    format: 'mpc-study/1',
    id: `random-${seed >>> 0}`,
    title: `Randomized study ${seed >>> 0}`,
    description: 'Generated by tests/integration/random_studies.mjs for the suppression auditor (issue 22).',
    access: 'open',
    fields,
    analyses,
    privacy: { min_submissions: r.int(1, 20), min_cell_count: r.int(3, 6) },
  };
  const byCells = (a) => (a.by ?? []).reduce((x, n) => x * labelsOf(cats.find((c) => c.name === n)).length, 1);
  const gridCells = (a) => (a.grid ? gridEdges(ints.find((x) => x.name === a.of), a.grid).length : 1);
  if (finestCells(study) > MAX_FINEST || analyses.some((a) => byCells(a) > MAX_CELLS || byCells(a) * gridCells(a) > 10000)
    || analyses.reduce((x, a) => x + byCells(a) * lpsPerGroup(a), 0) > MAX_LPS) return null;
  return study;
}

/** The statistics of analysis a's rows in each group, in order (the
 *  report's names: docs/DESIGN.md, section 7). */
function rowStatistics(a) {
  const out = [];
  for (const s of a.stats) {
    if (s === 'histogram') a.bins.forEach((b, i) => out.push(`histogram[${b};${i + 1 < a.bins.length ? a.bins[i + 1] : ''})`));
    else if (s === 'quartiles') out.push('quartile_1', 'median', 'quartile_3');
    else if (s === 'quartile_bands') out.push('quartile_band_1', 'quartile_band_2', 'quartile_band_3', 'quartile_band_4');
    else out.push(s);
  }
  if (a.gap_reference !== undefined) {
    out.push('gap', 'gap_percent');
    if (a.stats.includes('median') || a.stats.includes('quartiles')) out.push('median_gap_percent');
  }
  return out;
}

/** Headings some spreadsheets would read as formulas (at the start or
 *  after a ";") among plain ones. */
const HEADINGS = ['(a) The mean gap', '=SUM(A1:A9)', '-- Bands --', 'Pay; +bonus', '@Counts', 'Table 2'];

/** Indicators for a study (docs/STUDY.md) from their own stream of
 *  random numbers (the study's analyses stay those of the seed): none in
 *  a third of the studies, else 1 to 3 headings of 1 or 2 tables, each a
 *  few statistics of an analysis (its row names, or a statistic of the
 *  study file for all its rows), none under two headings. */
function randomIndicators(study, r) {
  if (r.chance(0.33)) return undefined;
  const used = new Set();
  const sections = [];
  for (let k = 0, n = r.int(1, 3); k < n; k++) {
    const tables = [];
    for (let t = 0, m = r.int(1, 2); t < m; t++) {
      const a = r.pick(study.analyses);
      const free = rowStatistics(a).filter((s) => !used.has(`${a.name}|${s}`));
      const whole = a.stats.filter((s) => ['histogram', 'quartiles', 'quartile_bands'].includes(s)
        && rowStatistics({ ...a, stats: [s], gap_reference: undefined }).every((x) => !used.has(`${a.name}|${x}`)));
      let statistics;
      if (whole.length && r.chance(0.4)) {
        statistics = [r.pick(whole)];
        rowStatistics({ ...a, stats: statistics, gap_reference: undefined }).forEach((x) => used.add(`${a.name}|${x}`));
      } else {
        statistics = r.shuffle(free).slice(0, r.int(1, Math.min(3, free.length)));
        statistics.forEach((x) => used.add(`${a.name}|${x}`));
      }
      if (statistics.length) tables.push({ analysis: a.name, statistics, ...(r.chance(0.5) ? { label: `Table ${k}.${t}` } : {}) });
    }
    if (tables.length) sections.push({ heading: `${r.pick(HEADINGS)} ${k}`, tables });
  }
  return sections.length ? { title: 'Indicators of a random study', sections } : undefined;
}

/** A valid study, the same for the same seed. */
export function randomStudy(seed) {
  const r = prng(seed);
  for (;;) {
    const study = attempt(r, seed);
    if (!study) continue;
    const indicators = randomIndicators(study, prng(seed + 0x9e3779b9));
    return organization(indicators ? { ...study, indicators } : study, prng(seed + 0x2545f491));
  }
}

/** A quarter of the studies take one report per employer (docs/STUDY.md,
 *  "Organizations"): min_contributors 2 to 4, as many reports needed
 *  (randomAnswers gives that many employers to 12). */
function organization(study, r) {
  if (!r.chance(0.25)) return study;
  const mc = r.int(2, 4);
  return {
    ...study,
    access: 'organization',
    max_rows: 200,
    privacy: { ...study.privacy, min_submissions: mc, min_contributors: mc },
  };
}

/** The employers of an organization study's answers (their `_employer`):
 *  3 to 12, skewed, and the people of each choice of one grouping field
 *  mostly at two employers, so that many groups have few employers. */
function assignEmployers(study, answers, r) {
  const e = r.int(study.privacy.min_contributors, 12);
  const w = skewed(r, e);
  const cat = study.fields.find((f) => f.type !== 'integer');
  const labels = cat ? labelsOf(cat).map(String) : [];
  for (const [k, a] of answers.entries()) {
    const i = cat ? labels.indexOf(String(a[cat.name])) : 0;
    // (every employer sends a report: the first answers one each)
    a._employer = k < e ? k : r.chance(0.6) ? [(i * 5) % e, (i * 5 + 1) % e][r.int(0, 1)] : draw(r, w);
  }
  return answers;
}

/** Weights of the choices of a field, skewed (Zipf-like, 1 / rank^s with
 *  s from 1 to 4, in a random order) and some choices never taken. */
function skewed(r, n) {
  const s = 1 + 3 * r.next();
  const w = r.shuffle(Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s));
  for (let i = 0; i < n; i++) if (r.chance(0.12)) w[i] = 0;
  if (w.every((x) => x === 0)) w[r.int(0, n - 1)] = 1;
  return w;
}

function draw(r, w) {
  const total = w.reduce((x, y) => x + y, 0);
  let u = r.next() * total;
  for (let i = 0; i < w.length; i++) {
    u -= w[i];
    if (u < 0 && w[i] > 0) return i;
  }
  return w.findLastIndex((x) => x > 0);
}

/** Answers for a study, the same for the same study and seed: 20 to 200. */
export function randomAnswers(study, seed) {
  const r = prng((seed ^ 0x5bd1e995) + 1);
  const n = r.int(20, 200);
  const plan = study.fields.map((f) => {
    if (f.type !== 'integer') return { f, w: skewed(r, labelsOf(f).length) };
    // Edges: the bounds and every bin edge in range (and the value below it).
    const edges = new Set([f.min, f.max]);
    for (const a of study.analyses) {
      if (a.of !== f.name) continue;
      // (share_positive: 0 and 1, either side of where positive values start)
      // (a grid: its first edges)
      const grid = a.grid ? gridEdges(f, a.grid).slice(1, 4).map(Number) : [];
      const cuts = [...(a.bins ?? []), ...(a.stats.includes('share_positive') ? [1] : []), ...grid];
      for (const b of cuts) if (b >= f.min && b <= f.max) { edges.add(b); if (b > f.min) edges.add(b - 1); }
    }
    const spread = Math.max(1, Math.round((f.max - f.min) * r.pick([0.02, 0.1, 0.3])));
    return { f, edges: [...edges], center: r.int(f.min, f.max), spread };
  });
  const answers = [];
  for (let i = 0; i < n; i++) {
    const a = {};
    for (const p of plan) {
      const { f } = p;
      if (f.type === 'boolean') a[f.name] = draw(r, p.w) === 1;
      else if (f.type === 'choice') a[f.name] = f.choices[draw(r, p.w)];
      else {
        const u = r.next();
        let v;
        if (u < 0.55) v = p.center + Math.round((r.next() + r.next() - 1) * p.spread);
        else if (u < 0.8) v = r.int(f.min, f.max);
        else v = r.pick(p.edges);
        a[f.name] = Math.min(f.max, Math.max(f.min, v));
      }
    }
    answers.push(a);
  }
  return study.access === 'organization' ? assignEmployers(study, answers, prng(seed + 0x7f4a7c15)) : answers;
}

const HEADER = ['analysis', 'group', 'statistic', 'value', 'note'];

/** The rows (with their header) of a report with primary suppression only,
 *  as clear_stats.mjs computes them (audit.test.mjs's primaryOnly). */
export function primaryRows(study, answers) {
  return [HEADER, ...[...clearStats(study, answers)].map(([key, v]) => [...key.split('|'), String(v.value), v.note])];
}

/** The rows the core releases for the answers (build/tests/clear_report,
 *  tests/integration/clear_report.c): {rows} or {error}. */
export function coreRows(study, answers, options = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-random-'));
  try {
    const file = path.join(dir, 'study.json');
    fs.writeFileSync(file, JSON.stringify(study));
    const r = spawnSync(path.join(build, 'tests', 'clear_report'), [...options, file],
      { input: answers.map((a) => `${JSON.stringify(a)}\n`).join(''), encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.error) return { error: `clear_report cannot run (${r.error.message}); make build/tests/clear_report` };
    if (r.status !== 0) return { error: `clear_report exited ${r.status}: ${r.stderr.trim()}` };
    if (options.includes('--csv')) {
      // (rows: with the ' the CSV puts before what a spreadsheet reads as a
      // formula taken out of the group and the statistic, as the rows are;
      // csv: as written)
      const csv = parseCsv(r.stdout);
      const plain = (t) => t.replace(/(^|;)'(?=[=+\-@\t\r])/g, '$1');
      return { csv, rows: [csv[0], ...csv.slice(1).map(([a, g, s, ...rest]) => [a, plain(g), plain(s), ...rest])] };
    }
    const out = JSON.parse(r.stdout);
    return { rows: [HEADER, ...out.map((x) => HEADER.map((h) => x[h]))] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What a finding of the auditor is about, checked against the rows it was
 *  given and the answers: a list of problems (empty when it is sound). A
 *  "released" finding is a released count or bin below min_cell_count; any
 *  other is about a group whose rows are suppressed, and a count's range
 *  holds the true count (the real data is one of the possible ones). */
function unsound(study, answers, rows, f) {
  const problems = [];
  const k = study.privacy.min_cell_count;
  const where = `${f.kind} finding on ${f.analysis}, ${f.group || '(everyone)'}, ${f.statistic}`;
  // (a gap goes with its reference group too; a quantile may be withheld alone)
  const own = (s) => s !== 'gap' && !s.endsWith('gap_percent') && !['quartile_1', 'median', 'quartile_3'].includes(s) && !s.startsWith('quartile_band_');
  const groupRows = rows.slice(1).filter((r) => r[0] === f.analysis && r[1] === f.group && own(r[2]));
  const row = groupRows.find((r) => r[2] === f.statistic);
  if (f.kind === 'released') {
    const value = row ? Number(row[3]) : NaN;
    if (!row || row[4] !== '' || value !== f.range[0] || !(value > 0 && value < k)) {
      problems.push(`${where}: the row is ${row ? `"${row[3]}" (${row[4] || 'released'})` : 'missing'}`);
    }
    return problems;
  }
  if (groupRows.length === 0 || groupRows.some((r) => r[4] !== 'suppressed')) {
    problems.push(`${where}: its group is released (${groupRows.map((r) => `${r[2]}=${r[3]}${r[4] ? ` ${r[4]}` : ''}`).join(', ') || 'no rows'})`);
  }
  if (f.kind === 'count') {
    const an = study.analyses.find((a) => a.name === f.analysis);
    const inGroup = (a) => (an.by ?? []).map((n) => `${n}=${String(a[n])}`).join(';') === f.group;
    let n = answers.filter(inGroup);
    const bin = f.statistic.match(/^histogram\[(-?\d+);(-?\d*)\)$/);
    const part = f.statistic.match(/^share_positive \((positive|not positive)\)$/);
    if (part) n = n.filter((a) => (a[an.of] > 0) === (part[1] === 'positive'));
    if (bin) {
      const b = an.bins.indexOf(Number(bin[1]));
      n = n.filter((a) => (b === 0 || a[an.of] >= Number(bin[1])) && (bin[2] === '' || a[an.of] < Number(bin[2])));
    }
    if (!(n.length >= f.range[0] - 1e-6 && n.length <= f.range[1] + 1e-6)) {
      problems.push(`${where}: the range [${f.range}] does not hold the true count ${n.length}`);
    }
  }
  return problems;
}

/**
 * One seed's study through the core and the auditor: {seed, summary, core,
 * audit, findings, unsound}. core: null when clear_report's rows equal
 * clearStats's, else what differs; audit: null, or the auditor's error;
 * findings: the auditor's on the primary-only rows; unsound: problems of
 * those findings (see unsound above).
 */
export function checkSeed(seed) {
  const out = { seed, summary: '', core: null, audit: null, findings: [], unsound: [], pattern: null, leaks: [], complementary: 0 };
  let study;
  let answers;
  try {
    study = randomStudy(seed);
    answers = randomAnswers(study, seed);
    out.summary = `${study.fields.length} fields, ${study.analyses.map((a) => `${a.name} by [${(a.by ?? []).join(', ')}]`).join('; ')}, `
      + `${answers.length} answers, min_cell_count ${study.privacy.min_cell_count}, ${finestCells(study)} finest cells`
      + (study.access === 'organization'
        ? `, ${new Set(answers.map((a) => a._employer)).size} employers, min_contributors ${study.privacy.min_contributors}` : '');
  } catch (e) {
    out.core = `the generator threw: ${e.stack}`;
    return out;
  }
  const expected = clearStats(study, answers);
  // (as the report's CSV: the indicators' rows first, with their headings)
  const core = coreRows(study, answers, ['--csv']);
  if (core.error) out.core = core.error;
  else {
    const problems = [...compareReport(expected, core.rows), ...indicatorProblems(study, core.csv)];
    if (problems.length) out.core = `${problems.length} differences: ${problems.slice(0, 8).join('; ')}`;
  }
  // Complementary suppression (backend/lib/suppress.c): what it releases
  // is right, and the auditor finds nothing to work out.
  const sup = coreRows(study, answers, ['--suppress']);
  if (sup.error) out.pattern = sup.error;
  else {
    const c = checkPattern(study, answers, sup.rows);
    out.complementary = c.complementary;
    if (c.problems.length) out.pattern = `${c.problems.length} problems: ${c.problems.slice(0, 6).join('; ')}`;
    try {
      out.leaks = audit(study, sup.rows).findings.map(describe);
    } catch (e) {
      out.pattern = `the auditor failed: ${e.message}`;
    }
  }
  const rows = primaryRows(study, answers);
  try {
    const r = audit(study, rows);
    out.solved = r.solved;
    out.findings = r.findings.map(({ kind, analysis, group, statistic, range }) => ({ kind, analysis, group, statistic, range }));
    out.unsound = out.findings.flatMap((f) => unsound(study, answers, rows, f));
  } catch (e) {
    out.audit = e.message;
  }
  return out;
}

/** checkSeed for every seed, on `workers` threads: the results by seed. */
export function checkSeeds(seeds, workers = 1) {
  if (workers <= 1 || seeds.length < 2) return Promise.resolve(seeds.map(checkSeed));
  return new Promise((resolve, reject) => {
    const results = [];
    let next = 0;
    let live = 0;
    for (let i = 0; i < Math.min(workers, seeds.length); i++) {
      const w = new Worker(new URL(import.meta.url), { workerData: { randomStudiesWorker: true } });
      live++;
      const feed = () => w.postMessage(next < seeds.length ? seeds[next++] : null);
      w.on('message', (r) => { results.push(r); feed(); });
      w.on('error', reject);
      w.on('exit', (code) => {
        live--;
        if (code !== 0) reject(new Error(`a worker exited with ${code}`));
        else if (live === 0) resolve(results.sort((a, b) => a.seed - b.seed));
      });
      feed();
    }
  });
}

if (!isMainThread && workerData?.randomStudiesWorker) {
  parentPort.on('message', (seed) => {
    if (seed === null) parentPort.close();
    else parentPort.postMessage(checkSeed(seed));
  });
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.length < 3 || process.argv.length > 4 || !/^\d+$/.test(process.argv[2])) {
    console.error('usage: random_studies.mjs SEED [DIR]');
    process.exit(2);
  }
  const seed = Number(process.argv[2]);
  const study = randomStudy(seed);
  if (process.argv.length === 3) {
    console.log(JSON.stringify(study, null, 2));
  } else {
    const dir = process.argv[3];
    const answers = randomAnswers(study, seed);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'study.json'), `${JSON.stringify(study, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, 'answers.jsonl'), answers.map((a) => `${JSON.stringify(a)}\n`).join(''));
    const names = study.fields.map((f) => f.name);
    const csv = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    fs.writeFileSync(path.join(dir, 'answers.csv'),
      [names.join(','), ...answers.map((a) => names.map((n) => csv(String(a[n]))).join(','))].join('\n') + '\n');
    console.log(`${dir}: study.json, answers.jsonl, answers.csv (${answers.length} answers)`);
  }
}
