#!/usr/bin/env node
/**
 * audit.mjs - an auditor of a report's suppression (issue 22), written
 * apart from the release code (wasm/core/study_result.c): for a study and
 * the rows of its report, it models every released value as a linear
 * function of the study's finest cells and asks a linear-programming
 * solver (glpsol, GLPK's command; the Debian package glpk-utils) how far
 * each suppressed value can be worked out from the released ones.
 *
 *   node tests/integration/audit.mjs STUDY.json REPORT.csv
 *
 * prints every finding; exit 0 iff there is none.
 *
 * The model. The finest cells are the cross product of every field any
 * analysis groups by and, for each integer field with histograms or
 * share_positive, the intervals between all of its bin edges (and 1, where
 * positive values start). Per finest cell f: its number of
 * contributors n_f >= 0 and, for each integer field x whose sums a report
 * can release, the sum s_f and the sum of squares q_f of x in that cell,
 * bounded by x's bounds (within the cell's interval of x, if x is binned):
 * n_f lo <= s_f <= n_f hi and n_f lo2 <= q_f <= n_f hi2. A group's count or
 * histogram bin is the sum of n over its finest cells, its sum the sum of
 * s, its sum of squares the sum of q. What a row releases is turned into
 * those values: a count; the bins (whose total is the count); a sum; a
 * mean with the count gives the sum (a mean alone: sum = mean x count); a
 * standard deviation with count and sum gives the sum of squares; a gap
 * with the reference group's mean gives the mean; a share of positive
 * values says that the group's positive part holds that share of its
 * count (a linear equation, whether or not the count is released), and a
 * suppressed one hides both parts, positive and not. A released quantile
 * (median, quartile_1, quartile_3: the lowest value v of the grid cell of
 * the value at rank ceil(q n)) says that fewer than q n of the group's
 * contributors lie below v and at least q n up to w - 1, w the next grid
 * edge: two linear inequalities in the counts (4 C(v - 1) <= k n and
 * 4 C(w - 1) >= k n for quartile k, the strict one relaxed), with the
 * finest cells also cut at v and w (among the values above 0 only, with
 * "quantiles_among": "positive": every count within the positive part).
 * A released quartile band's share s of a group says that the group's
 * contributors in the band are s times everyone's in it (a linear
 * equation), the band's limits from the released quartiles of everyone.
 * The submissions accepted are the count of everyone.
 *
 * The findings (a report passes when it has none):
 * - "released": a count or bin released with 1 to min_cell_count - 1
 *   contributors (the primary rule; a released 0 says only that nobody is
 *   there, and is allowed);
 * - "count": a suppressed group's count or bin whose possible range, given
 *   every released count and bin and that no cell is negative, is narrower
 *   than min_cell_count (exactly known when the range is 0);
 * - "sum" and "squares": a suppressed group's sum (or sum of squares) of x
 *   that two data sets giving the same released counts and bins, and the
 *   same released sums, sums of squares and means, cannot make differ by at
 *   least min_cell_count x (hi - lo) of x (hi2 - lo2 for squares): as much
 *   as min_cell_count contributors anywhere in the field's bounds. The data
 *   sets may differ in every sum the report does not release, so what is
 *   measured is the protection the pattern gives, not the actual values.
 * The solver works in real numbers (counts are not required to be whole),
 * and the sums of squares are bounded linearly (q >= s^2 / n is left out):
 * both relax the model, so a finding is a real leak, but a report that
 * passes may still allow narrowing by whole-number or nonlinear reasoning.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gridEdges, parseCsv } from './clear_stats.mjs';

const MAX_FINEST = 200000;
const EPS = 1e-6;

const labelsOf = (f) => (f.type === 'boolean' ? ['false', 'true'] : f.choices);

/** The finest cells of a study: dims (the grouping fields, then the binned
 *  fields' intervals) and helpers to enumerate them. */
function finest(study, rows = null) {
  const { dims, fields } = finestDims(study, rows ? quantileCuts(study, rows) : new Map());
  const total = dims.reduce((x, d) => x * d.size, 1);
  if (total > MAX_FINEST) throw new Error(`audit: ${total} finest cells, more than ${MAX_FINEST}`);
  const coords = (i) => {
    const c = new Array(dims.length);
    for (let k = dims.length - 1; k >= 0; k--) { c[k] = i % dims[k].size; i = Math.floor(i / dims[k].size); }
    return c;
  };
  return { dims, total, coords, fields };
}

/** The number of finest cells of a study (what the auditor's LPs grow with). */
export function finestCells(study) {
  return finestDims(study).dims.reduce((x, d) => x * d.size, 1);
}

/** The released quantiles' grid edges, per field: field -> Set of cuts. */
function quantileCuts(study, rows) {
  const cuts = new Map();
  for (const [a, , s, value, note] of rows.slice(1)) {
    if (!QUANTILES[s] || note !== '' || value === '') continue;
    const an = study.analyses.find((x) => x.name === a);
    if (!an) continue;
    const e = cuts.get(an.of) ?? new Set();
    e.add(Number(value));
    e.add(nextEdge(study, an, Number(value)));
    cuts.set(an.of, e);
  }
  return cuts;
}

const QUANTILES = { quartile_1: 1, median: 2, quartile_3: 3 };

/** The grid edge after v (a grid cell's lowest value) of analysis an: the
 *  next cell's lowest value, or the field's max + 1. */
function nextEdge(study, an, v) {
  const f = study.fields.find((x) => x.name === an.of);
  const next = gridEdges(f, an.grid).find((e) => e > BigInt(v));
  return next === undefined ? f.max + 1 : Number(next);
}

function finestDims(study, extra = new Map()) {
  const fields = new Map(study.fields.map((f) => [f.name, f]));
  const grouped = new Set(study.analyses.flatMap((a) => a.by ?? []));
  const dims = study.fields.filter((f) => grouped.has(f.name)).map((f) => ({ name: f.name, size: labelsOf(f).length }));
  const edges = new Map();
  for (const a of study.analyses) {
    if (!a.stats.includes('histogram') && !a.stats.includes('share_positive')) continue;
    const e = edges.get(a.of) ?? new Set();
    for (const b of a.stats.includes('histogram') ? a.bins.slice(1) : []) e.add(b);
    if (a.stats.includes('share_positive')) e.add(1); // (where positive values start)
    edges.set(a.of, e);
  }
  for (const [name, e] of extra) edges.set(name, new Set([...(edges.get(name) ?? []), ...e]));
  for (const [name, e] of edges) {
    const f = fields.get(name);
    const cuts = [...e].filter((c) => c > f.min && c <= f.max).sort((x, y) => x - y);
    const intervals = [];
    let lo = f.min;
    for (const c of cuts) { intervals.push([lo, c - 1]); lo = c; }
    intervals.push([lo, f.max]);
    dims.push({ name, size: intervals.length, intervals: intervals.map(([l, h]) => [Math.max(l, f.min), Math.min(h, f.max)]) });
  }
  return { dims, fields };
}

/** The interval of field x in finest cell coordinates c: [lo, hi]. */
function bounds(model, x, c) {
  const f = model.fields.get(x);
  const k = model.dims.findIndex((d) => d.name === x && d.intervals);
  return k < 0 ? [f.min, f.max] : model.dims[k].intervals[c[k]];
}

/** The cells of an analysis in report order, each {group, coords} (the
 *  choice index of each `by` field), named as the report names them. */
function analysisCells(study, a) {
  const by = (a.by ?? []).map((n) => study.fields.find((f) => f.name === n));
  const sizes = by.map((f) => labelsOf(f).length);
  const n = sizes.reduce((x, y) => x * y, 1);
  const out = [];
  for (let c = 0; c < n; c++) {
    const idx = [];
    for (let i = by.length - 1, r = c; i >= 0; i--) { idx[i] = r % sizes[i]; r = Math.floor(r / sizes[i]); }
    out.push({ group: by.map((f, i) => `${f.name}=${labelsOf(f)[idx[i]]}`).join(';'), by: a.by ?? [], idx });
  }
  return out;
}

/** The finest cells (indices) of an analysis cell, and of its bin b. */
function members(model, cell, bin = null) {
  const keys = cell.by.map((name) => model.dims.findIndex((d) => d.name === name));
  const out = [];
  for (let i = 0; i < model.total; i++) {
    const c = model.coords(i);
    if (!keys.every((k, j) => c[k] === cell.idx[j])) continue;
    // (an empty interval, a bin edge outside the field's bounds, holds nobody)
    if (model.dims.some((d, k) => d.intervals && d.intervals[c[k]][0] > d.intervals[c[k]][1])) continue;
    if (bin !== null) {
      const [lo, hi] = bounds(model, bin.field, c);
      if (lo > hi || lo < bin.lo || hi > bin.hi) continue;
    }
    out.push(i);
  }
  return out;
}

/** The values a report releases and the ones it suppresses, as sets of
 *  finest cells: {counts, sums, means, suppressed, released}. */
function releasedValues(study, rows, model) {
  const byKey = new Map();
  for (const [a, g, s, value, note] of rows.slice(1)) byKey.set(`${a}|${g}|${s}`, { value, note });
  const get = (a, g, s) => byKey.get(`${a}|${g}|${s}`);
  const known = (r) => r && r.note === '' && r.value !== '';
  const v = {
    counts: [], // {cells, value}
    ratios: [], // {part, cells, ratio}: count(part) = ratio x count(cells)
    quantiles: [], // {below, upto, cells, quarter}: 4 count(below) <= quarter count(cells) <= 4 count(upto)
    sums: [], // {field, kind: 's'|'q', cells, value}
    means: [], // {field, cells, mean}: sum = mean x count, the count unknown
    suppressed: [], // {analysis, group, statistic, kind: 'n'|'s'|'q', field, cells}
    released: [], // {analysis, group, statistic, value}: counts and bins
  };
  // Everyone: the submissions, or in an organization study (a submission
  // per employer) the people of them all.
  const accepted = get('_study', '', study.access === 'organization' ? 'people' : 'submissions_accepted');
  if (!known(accepted)) throw new Error('audit: the report does not say how many took part');
  v.counts.push({ cells: members(model, { by: [], idx: [] }), value: Number(accepted.value) });
  for (const a of study.analyses) {
    const cells = analysisCells(study, a);
    const stat = (c, s) => get(a.name, c.group, s);
    const means = new Map();
    for (const c of cells) {
      const m = stat(c, 'mean');
      if (known(m)) means.set(c.group, Number(m.value));
    }
    for (const c of cells) {
      const all = members(model, c);
      // (a histogram's bins and a share's parts are values of their own,
      // below; a quantile may be withheld while its group is released)
      const own = (s) => !['histogram', 'share_positive', 'median', 'quartiles', 'quartile_bands'].includes(s);
      const suppressed = a.stats.some((s) => own(s) && isSuppressed(stat(c, s)));
      let n = null;
      const cnt = stat(c, 'count');
      if (known(cnt)) n = Number(cnt.value);
      if (a.stats.includes('histogram')) {
        const f = model.fields.get(a.of);
        let total = 0;
        let allKnown = true;
        for (let b = 0; b < a.bins.length; b++) {
          const label = binLabel(a, b);
          const r = stat(c, label);
          const bin = { field: a.of, lo: b === 0 ? f.min : a.bins[b], hi: b + 1 < a.bins.length ? a.bins[b + 1] - 1 : f.max };
          const bc = members(model, c, bin);
          if (known(r)) {
            v.counts.push({ cells: bc, value: Number(r.value) });
            v.released.push({ analysis: a.name, group: c.group, statistic: label, value: Number(r.value) });
            total += Number(r.value);
          } else {
            allKnown = false;
            if (isSuppressed(r)) v.suppressed.push({ analysis: a.name, group: c.group, statistic: label, kind: 'n', cells: bc });
          }
        }
        if (allKnown && n === null) n = total;
      }
      if (a.stats.includes('quartile_bands')) {
        // A band's share of the group: count(group in band) = share x
        // count(everyone in band), the band's limits from the released
        // quartiles of everyone (the companion analysis).
        const z = study.analyses.find((x) => !(x.by ?? []).length && x.of === a.of && x.stats.includes('quartiles')
          && x.quantiles_among !== 'positive' && JSON.stringify(x.grid) === JSON.stringify(a.grid));
        const f = model.fields.get(a.of);
        const limits = ['quartile_1', 'median', 'quartile_3'].map((s) => get(z.name, '', s));
        for (let b = 0; b < 4; b++) {
          const r = stat(c, `quartile_band_${b + 1}`);
          if (!known(r)) continue;
          if (!limits.every(known)) throw new Error(`audit: ${a.name}'s bands are released without their limits`);
          const lo = b === 0 ? f.min : nextEdge(study, a, Number(limits[b - 1].value));
          const hi = b === 3 ? f.max : nextEdge(study, a, Number(limits[b].value)) - 1;
          const band = { field: a.of, lo, hi };
          v.ratios.push({ part: members(model, c, band), cells: members(model, { by: [], idx: [] }, band), ratio: Number(r.value) });
        }
      }
      for (const [s, quarter] of Object.entries(QUANTILES)) {
        const r = stat(c, s);
        if (!known(r)) continue;
        const f = model.fields.get(a.of);
        const lo = Number(r.value);
        // (among the values above 0 only: every set within the positive part)
        const from = a.quantiles_among === 'positive' ? Math.max(1, f.min) : f.min;
        const below = lo > from ? members(model, c, { field: a.of, lo: from, hi: lo - 1 }) : [];
        const upto = members(model, c, { field: a.of, lo: from, hi: nextEdge(study, a, lo) - 1 });
        const among = from > f.min ? members(model, c, { field: a.of, lo: from, hi: f.max }) : all;
        v.quantiles.push({ below, upto, cells: among, quarter });
      }
      if (a.stats.includes('share_positive')) {
        // The share of positive values: its parts' counts, a ratio of the
        // group's count (which the report may not release).
        const f = model.fields.get(a.of);
        const pos = members(model, c, { field: a.of, lo: Math.max(1, f.min), hi: f.max });
        const non = members(model, c, { field: a.of, lo: f.min, hi: Math.min(0, f.max) });
        const r = stat(c, 'share_positive');
        if (known(r)) v.ratios.push({ part: pos, cells: all, ratio: Number(r.value) });
        else if (isSuppressed(r)) {
          // (a part no value of the field can be in, such as the positive
          // part of a field that is never positive, is 0 by the study itself)
          if (pos.length) v.suppressed.push({ analysis: a.name, group: c.group, statistic: 'share_positive (positive)', kind: 'n', cells: pos });
          if (non.length) v.suppressed.push({ analysis: a.name, group: c.group, statistic: 'share_positive (not positive)', kind: 'n', cells: non });
        }
      }
      if (n !== null) {
        v.counts.push({ cells: all, value: n });
        v.released.push({ analysis: a.name, group: c.group, statistic: 'count', value: n });
      }
      if (suppressed) v.suppressed.push({ analysis: a.name, group: c.group, statistic: 'count', kind: 'n', cells: all });
      if (!a.of || !a.stats.some((s) => ['sum', 'mean', 'stddev'].includes(s))) continue;
      // The sum: released, or a mean (or a gap) with the count.
      let mean = means.get(c.group) ?? null;
      const gap = stat(c, 'gap');
      if (mean === null && known(gap) && a.gap_reference !== undefined) {
        const ref = cells.find((r) => r.idx[0] === labelsOf(model.fields.get(a.by[0])).indexOf(a.gap_reference)
          && r.idx.slice(1).every((x, i) => x === c.idx[i + 1]));
        if (means.has(ref.group)) mean = Number(gap.value) * means.get(ref.group);
      }
      let sum = null;
      const sm = stat(c, 'sum');
      if (known(sm)) sum = Number(sm.value);
      else if (mean !== null && n !== null) sum = Math.round(mean * n);
      if (sum !== null) v.sums.push({ field: a.of, kind: 's', cells: all, value: sum });
      else if (mean !== null) v.means.push({ field: a.of, cells: all, mean });
      const sd = stat(c, 'stddev');
      if (known(sd) && n !== null && sum !== null && n >= 2) {
        v.sums.push({ field: a.of, kind: 'q', cells: all, value: (n - 1) * Number(sd.value) ** 2 + (sum * sum) / n });
      }
      if (suppressed) {
        v.suppressed.push({ analysis: a.name, group: c.group, statistic: 'sum', kind: 's', field: a.of, cells: all });
        if (a.stats.includes('stddev')) {
          v.suppressed.push({ analysis: a.name, group: c.group, statistic: 'sum of squares', kind: 'q', field: a.of, cells: all });
        }
      }
    }
  }
  return v;
}

/** Whether a row is suppressed: "suppressed" for its own size, or
 *  "suppressed (...)" to protect another group. */
function isSuppressed(row) {
  return row !== undefined && row.value === '' && /^suppressed( \(.*\))?$/.test(row.note);
}

function binLabel(a, b) {
  return `histogram[${a.bins[b]};${b + 1 < a.bins.length ? a.bins[b + 1] : ''})`;
}

/** The width of x's bounds for kind 's' (hi - lo) or 'q' (hi2 - lo2). */
function spread(f, kind) {
  if (kind === 's') return f.max - f.min;
  const sq = [f.min * f.min, f.max * f.max];
  const lo2 = f.min <= 0 && f.max >= 0 ? 0 : Math.min(...sq);
  return Math.max(...sq) - lo2;
}

const num = (x) => (Number.isInteger(x) ? String(x) : x.toPrecision(17));
const linear = (terms) => {
  const parts = terms.filter(([c]) => c !== 0).map(([c, name]) => `${c < 0 ? '-' : '+'} ${num(Math.abs(c))} ${name}`);
  return parts.length ? parts.join(' ') : `+ 0 ${terms[0]?.[1] ?? 'n0'}`;
};

/** Solves an LP (CPLEX LP format text) with glpsol: the objective's optimum. */
function glpsol(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-audit-'));
  try {
    fs.writeFileSync(path.join(dir, 'm.lp'), text);
    const r = spawnSync('glpsol', ['--lp', path.join(dir, 'm.lp'), '-o', path.join(dir, 'out.txt')], { encoding: 'utf8' });
    if (r.error) throw new Error(`audit: glpsol cannot run (${r.error.message}); install glpk-utils (scripts/install-deps)`);
    const out = fs.existsSync(path.join(dir, 'out.txt')) ? fs.readFileSync(path.join(dir, 'out.txt'), 'utf8') : '';
    const status = out.match(/^Status:\s+(\S+)/m)?.[1];
    const value = out.match(/^Objective:\s+\S+ = (\S+)/m)?.[1];
    if (status !== 'OPTIMAL' || value === undefined) throw new Error(`audit: the LP is ${status ?? 'unsolved'}: ${r.stdout}${r.stderr}`);
    return Number(value);
  } finally {
    if (!process.env.AUDIT_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The LP of the counts: n >= 0 (the format's default) and every released
 *  count and bin. */
function countRows(v, p = '') {
  return [
    ...v.counts.map((c, i) => ` ${p}c${i}: ${linear(c.cells.map((f) => [1, `${p}n${f}`]))} = ${num(c.value)}`),
    ...v.ratios.map((r, i) => {
      const inPart = new Set(r.part);
      return ` ${p}r${i}: ${linear(r.cells.map((f) => [(inPart.has(f) ? 1 : 0) - r.ratio, `${p}n${f}`]))} = 0`;
    }),
    ...v.quantiles.flatMap((q, i) => {
      const below = new Set(q.below);
      const upto = new Set(q.upto);
      return [
        ` ${p}ql${i}: ${linear(q.cells.map((f) => [(below.has(f) ? 4 : 0) - q.quarter, `${p}n${f}`]))} <= 0`,
        ` ${p}qh${i}: ${linear(q.cells.map((f) => [(upto.has(f) ? 4 : 0) - q.quarter, `${p}n${f}`]))} >= 0`,
      ];
    }),
  ];
}

/** The rows of one copy (prefix p) of the sums of field x, kind 's' or
 *  'q', scaled by the field's spread: the bounds per finest cell, the
 *  released means (with unknown counts) and, when fixed, the released sums. */
function sumRows(model, v, x, kind, p, fixed) {
  const f = model.fields.get(x);
  const w = spread(f, kind);
  const rows = [];
  for (let i = 0; i < model.total; i++) {
    const [lo, hi] = bounds(model, x, model.coords(i));
    const sq = [lo * lo, hi * hi];
    const [l, h] = kind === 's' ? [lo, hi] : [lo <= 0 && hi >= 0 ? 0 : Math.min(...sq), Math.max(...sq)];
    rows.push(` ${p}lo${i}: + 1 ${p}${kind}${i} ${linear([[-l / w, `${p}n${i}`]])} >= 0`);
    rows.push(` ${p}hi${i}: + 1 ${p}${kind}${i} ${linear([[-h / w, `${p}n${i}`]])} <= 0`);
  }
  if (kind === 's') {
    v.means.filter((m) => m.field === x).forEach((m, k) => {
      rows.push(` ${p}m${k}: ${linear(m.cells.flatMap((c) => [[1, `${p}s${c}`], [-m.mean / w, `${p}n${c}`]]))} = 0`);
    });
  }
  if (fixed) {
    v.sums.filter((s) => s.field === x && s.kind === kind).forEach((s, k) => {
      rows.push(` ${p}e${k}: ${linear(s.cells.map((c) => [1, `${p}${kind}${c}`]))} = ${num(s.value / w)}`);
    });
  }
  return rows;
}

function freeVars(model, kind, p) {
  return Array.from({ length: model.total }, (_, i) => ` ${p}${kind}${i} free`);
}

/**
 * Audits a report: study (the study file's JSON), rows (the report CSV,
 * parsed, with its header). Returns {findings: [{kind, analysis, group,
 * statistic, range, need}], suppressed, released, solved}.
 */
export function audit(study, rows) {
  const model = finest(study, rows);
  const v = releasedValues(study, rows, model);
  const k = study.privacy.min_cell_count;
  const findings = [];
  for (const r of v.released) {
    if (r.value > 0 && r.value < k) findings.push({ kind: 'released', ...r, range: [r.value, r.value], need: k });
  }
  const counts = countRows(v);
  const cache = new Map();
  let solved = 0;
  for (const s of v.suppressed) {
    const key = `${s.kind}|${s.field ?? ''}|${s.cells.join(',')}`;
    let range = cache.get(key);
    if (range === undefined) {
      if (s.kind === 'n') {
        const obj = linear(s.cells.map((f) => [1, `n${f}`]));
        const lp = (sense) => `${sense}\n obj: ${obj}\nSubject To\n${counts.join('\n')}\nEnd\n`;
        range = [glpsol(lp('Minimize')), glpsol(lp('Maximize'))];
        solved += 2;
      } else {
        // Two data sets (prefixes a and b) with the same counts and bins,
        // and equal released sums: how far apart can this sum be?
        const same = v.sums.filter((x) => x.field === s.field && x.kind === s.kind)
          .map((x, i) => ` eq${i}: ${linear([...x.cells.map((c) => [1, `a${s.kind}${c}`]), ...x.cells.map((c) => [-1, `b${s.kind}${c}`])])} = 0`);
        const obj = linear([...s.cells.map((c) => [1, `a${s.kind}${c}`]), ...s.cells.map((c) => [-1, `b${s.kind}${c}`])]);
        const lp = `Maximize\n obj: ${obj}\nSubject To\n${[...countRows(v, 'a'), ...countRows(v, 'b'),
          ...sumRows(model, v, s.field, s.kind, 'a', false), ...sumRows(model, v, s.field, s.kind, 'b', false),
          ...same].join('\n')}\nBounds\n${[...freeVars(model, s.kind, 'a'), ...freeVars(model, s.kind, 'b')].join('\n')}\nEnd\n`;
        range = [0, glpsol(lp)];
        solved += 1;
      }
      cache.set(key, range);
    }
    const need = s.kind === 'n' ? k : k; // (sums are scaled by the field's spread)
    if (range[1] - range[0] < need - EPS) {
      findings.push({ kind: s.kind === 'n' ? 'count' : s.kind === 's' ? 'sum' : 'squares', analysis: s.analysis,
        group: s.group, statistic: s.statistic, range, need });
    }
  }
  return { findings, suppressed: v.suppressed.length, released: v.released.length, solved };
}

/** A finding in words. */
export function describe(f) {
  const where = `${f.analysis}, ${f.group || '(everyone)'}, ${f.statistic}`;
  const [lo, hi] = f.range.map((x) => Number(x.toFixed(6)));
  if (f.kind === 'released') return `${where}: released with ${lo} contributors (fewer than ${f.need})`;
  if (f.kind === 'count') return `${where}: suppressed, but the released values put it in [${lo}, ${hi}] (narrower than ${f.need})`;
  return `${where}: suppressed, but two data sets with the same released values differ in it by at most ${hi} x the field's spread (less than ${f.need})`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.length !== 4) {
    console.error('usage: audit.mjs STUDY.json REPORT.csv');
    process.exit(2);
  }
  const study = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const r = audit(study, parseCsv(fs.readFileSync(process.argv[3], 'utf8')));
  for (const f of r.findings) console.log(describe(f));
  console.log(`${r.findings.length} findings; ${r.suppressed} suppressed values checked (${r.solved} LPs), ${r.released} counts released`);
  process.exit(r.findings.length ? 1 : 0);
}
