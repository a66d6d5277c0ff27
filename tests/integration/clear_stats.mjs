#!/usr/bin/env node
/**
 * clear_stats.mjs - the statistics of a study computed in the clear, from
 * the same answers, as the reference the released report must match
 * (docs/DESIGN.md, section 7): counts and sums exact, means, standard deviations
 * and gaps to 1e-9 relative, suppression included. Written independently
 * of the C code that decodes the aggregate (wasm/core/study_result.c) and
 * searches for the quantiles (wasm/core/study_search.c).
 *
 * Quantiles (docs/STUDY.md): the q-quantile of a group of n is the value
 * at rank ceil(q n) in increasing order (the lower median when n is
 * even; ties are one value; with "quantiles_among": "positive", among the
 * values above 0 alone), reported as the lowest value of its grid
 * cell (gridEdges: every `grid` from the field's min, or the min, then
 * `from` and each next edge percent % above the last, rounded down, at
 * least 1 above). They are withheld (to
 * protect another group) when a histogram bin or share part of the same
 * field is withheld anywhere.
 *
 * clearStats suppresses by the cell rule alone (the primary suppression);
 * check_report.mjs compares a released report, with its complementary
 * suppression, with these statistics.
 */

/** Parses CSV text (RFC 4180 quoting) into an array of rows. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** Answers ({field: text}) from a CSV whose header names the fields. */
export function answersFromCsv(text) {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i].trim()])));
}

/** The value of a field in an answer: a choice index, or a BigInt. */
function valueOf(field, raw) {
  const text = String(raw);
  if (field.type === 'choice') return field.choices.indexOf(text);
  if (field.type === 'boolean') return text.toLowerCase() === 'true' ? 1 : 0;
  return BigInt(text);
}

/** Expected rows: Map "analysis|group|statistic" -> {value, note};
 *  `rejected` is the number of invalid submissions the compute counted.
 *  In an organization study each answer names its `_employer` (any
 *  value): the submissions are the employers, and a group or bin with
 *  fewer than min_contributors employers in it is suppressed too
 *  (out.employers: "analysis|group" and "analysis|group|bin" -> how many). */
export function clearStats(study, answers, rejected = 0) {
  const fields = Object.fromEntries(study.fields.map((f) => [f.name, f]));
  const labels = (f) => (f.type === 'boolean' ? ['false', 'true'] : f.choices);
  const rows = answers.map((a) => Object.fromEntries(study.fields.map((f) => [f.name, valueOf(f, a[f.name])])));
  const organization = study.access === 'organization';
  const employerOf = answers.map((a) => a._employer);
  const mc = organization ? (study.privacy.min_contributors ?? 1) : 1;
  const out = new Map();
  // Per "analysis|group": {n, positive} (share_positive's two parts).
  out.parts = new Map();
  out.employers = new Map();
  const put = (a, g, s, value, note = '') => out.set(`${a}|${g}|${s}`, { value, note });
  put('_study', '', 'submissions_accepted', String(organization ? new Set(employerOf).size : rows.length));
  put('_study', '', 'submissions_rejected', String(rejected));
  if (organization) put('_study', '', 'people', String(rows.length));
  const k = BigInt(study.privacy.min_cell_count);
  /** Too few employers among these rows' indices (organization studies). */
  const fewEmployers = (idx) => idx.length > 0 && new Set(idx.map((i) => employerOf[i])).size < mc;
  // Fields with a withheld part (a bin or share of a suppressed cell): no quantile of them is released.
  const partWithheld = new Set();
  for (const an of study.analyses) {
    if (!an.stats.includes('histogram') && !an.stats.includes('share_positive')) continue;
    const by = (an.by ?? []).map((n) => fields[n]);
    const sizes = by.map((f) => labels(f).length);
    const counts = new Map();
    const members = new Map();
    for (const [i, r] of rows.entries()) {
      const c = by.reduce((x, f, j) => x * sizes[j] + r[f.name], 0);
      counts.set(c, (counts.get(c) ?? 0n) + 1n);
      members.set(c, [...(members.get(c) ?? []), i]);
    }
    const cells = sizes.reduce((x, y) => x * y, 1);
    for (let c = 0; c < cells; c++) if ((counts.get(c) ?? 0n) < k || fewEmployers(members.get(c) ?? [])) partWithheld.add(an.of);
  }
  // Per "analysis|group|quartile_band_b": the group's contributors in the band.
  out.bands = new Map();
  for (const an of study.analyses) {
    const by = (an.by ?? []).map((n) => fields[n]);
    const sizes = by.map((f) => labels(f).length);
    const cells = sizes.reduce((x, y) => x * y, 1);
    const cellOf = (r) => by.reduce((c, f, i) => c * sizes[i] + r[f.name], 0);
    const groups = Array.from({ length: cells }, () => []);
    const groupRows = Array.from({ length: cells }, () => []);
    for (const [i, r] of rows.entries()) {
      groups[cellOf(r)].push(an.of ? r[an.of] : 0n);
      groupRows[cellOf(r)].push(i);
    }
    const stat = groups.map((vals, c) => {
      const n = BigInt(vals.length);
      const sum = vals.reduce((x, y) => x + y, 0n);
      const mean = vals.length ? Number(sum) / vals.length : null;
      return { n, sum, mean, vals, idx: groupRows[c], suppressed: n < k || fewEmployers(groupRows[c]) };
    });
    const name = (c) => {
      const idx = [];
      for (let i = by.length - 1; i >= 0; i--) { idx[i] = c % sizes[i]; c = Math.floor(c / sizes[i]); }
      return by.map((f, i) => `${f.name}=${labels(f)[idx[i]]}`).join(';');
    };
    for (let c = 0; c < cells; c++) {
      const st = stat[c];
      const g = name(c);
      if (organization) out.employers.set(`${an.name}|${g}`, new Set(st.idx.map((i) => employerOf[i])).size);
      for (const s of an.stats) {
        if (s === 'histogram') {
          const bins = an.bins;
          for (let b = 0; b < bins.length; b++) {
            const lo = BigInt(bins[b]);
            const hi = b + 1 < bins.length ? BigInt(bins[b + 1]) : null;
            const label = `histogram[${bins[b]};${hi === null ? '' : bins[b + 1]})`;
            const inBin = (v) => (b === 0 || v >= lo) && (hi === null || v < hi);
            const count = st.vals.filter(inBin).length;
            if (organization) out.employers.set(`${an.name}|${g}|${label}`, new Set(st.idx.filter((i, j) => inBin(st.vals[j])).map((i) => employerOf[i])).size);
            put(an.name, g, label, st.suppressed ? '' : String(count), st.suppressed ? 'suppressed' : '');
          }
          continue;
        }
        if (s === 'quartile_bands') {
          bandRows(study, an, rows, stat, c, g, k, partWithheld, put, out.bands);
          continue;
        }
        if (s === 'median' || s === 'quartiles') {
          const names = s === 'median' ? [['median', 2]] : [['quartile_1', 1], ['median', 2], ['quartile_3', 3]];
          const among = among_(an, st.vals);
          for (const [label, quarter] of names) {
            if (st.suppressed) put(an.name, g, label, '', 'suppressed');
            else if (partWithheld.has(an.of)) put(an.name, g, label, '', 'suppressed (to protect another group)');
            else if (among.length === 0) put(an.name, g, label, '', 'undefined');
            else put(an.name, g, label, String(quantile(among, quarter, gridEdges(fields[an.of], an.grid))));
          }
          continue;
        }
        if (s === 'share_positive') {
          // (and the employers of each part, in an organization study)
          const employersOf = (pos) => new Set(st.idx.filter((i, j) => (st.vals[j] > 0n) === pos).map((i) => employerOf[i])).size;
          out.parts.set(`${an.name}|${g}`, { n: st.vals.length, positive: st.vals.filter((v) => v > 0n).length,
            employersPositive: employersOf(true), employersNot: employersOf(false) });
        }
        if (st.suppressed) { put(an.name, g, s, '', 'suppressed'); continue; }
        if (s === 'count') put(an.name, g, s, String(st.n));
        else if (s === 'share_positive') {
          const pos = st.vals.filter((v) => v > 0n).length;
          if (st.vals.length === 0) put(an.name, g, s, '', 'undefined');
          else put(an.name, g, s, pos / st.vals.length);
        }
        else if (s === 'sum') put(an.name, g, s, String(st.sum));
        else if (s === 'mean') put(an.name, g, s, st.mean === null ? '' : st.mean, st.mean === null ? 'undefined' : '');
        else if (s === 'stddev') {
          if (st.vals.length < 2) { put(an.name, g, s, '', 'undefined'); continue; }
          const ss = st.vals.reduce((acc, v) => acc + (Number(v) - st.mean) ** 2, 0);
          put(an.name, g, s, Math.sqrt(ss / (st.vals.length - 1)));
        }
      }
      if (an.gap_reference !== undefined) {
        const inner = cells / sizes[0];
        const ref = labels(by[0]).indexOf(an.gap_reference) * inner + (c % inner);
        const r = stat[ref];
        const both = (value, pct, note = '') => { put(an.name, g, 'gap', value, note); put(an.name, g, 'gap_percent', pct, note); };
        if (st.suppressed || r.suppressed) both('', '', 'suppressed');
        else if (st.mean === null || r.mean === null || r.mean === 0) both('', '', 'undefined');
        else if (ref === c) both('1', '0');
        else both(st.mean / r.mean, ((r.mean - st.mean) / r.mean) * 100);
        if (an.stats.includes('median') || an.stats.includes('quartiles')) {
          const med = (x) => quantile(among_(an, x.vals), 2, gridEdges(fields[an.of], an.grid));
          const key = 'median_gap_percent';
          if (st.suppressed || r.suppressed) put(an.name, g, key, '', 'suppressed');
          else if (partWithheld.has(an.of)) put(an.name, g, key, '', 'suppressed (to protect another group)');
          else if (among_(an, st.vals).length === 0 || among_(an, r.vals).length === 0 || med(r) === 0n) put(an.name, g, key, '', 'undefined');
          else if (ref === c) put(an.name, g, key, '0');
          else put(an.name, g, key, (Number(med(r) - med(st)) / Number(med(r))) * 100);
        }
      }
    }
  }
  return out;
}

/** The quartile band rows of analysis an's cell c (group g): the share of
 *  each band's contributors that are the cell's. The bands' limits are
 *  the quartiles of everyone (the analysis without "by" on the same grid):
 *  band b holds the values whose grid cell lies after that of the
 *  (b - 1)-th quartile and up to that of the b-th. A band is released as a
 *  whole, only if every group and the quartiles of everyone are released
 *  and every group's count in it is 0 or at least k: a group with 1 to
 *  k - 1 in it is suppressed, the others withheld to protect it. */
function bandRows(study, an, rows, stat, c, g, k, partWithheld, put, counts) {
  const f = study.fields.find((x) => x.name === an.of);
  const edges = gridEdges(f, an.grid);
  const everyone = rows.map((r) => r[an.of]);
  const limits = [1, 2, 3].map((q) => {
    const v = quantile(everyone, q, edges);
    return edges.find((e) => e > v) ?? BigInt(f.max) + 1n; // (the next grid cell's lowest value)
  });
  const bandOf = (x) => limits.filter((l) => x >= l).length; // 0 to 3
  const inBand = (vals, b) => vals.filter((x) => bandOf(x) === b).length;
  const searched = rows.length > 0 && BigInt(rows.length) >= k && !partWithheld.has(an.of) && stat.every((x) => !x.suppressed);
  for (let b = 0; b < 4; b++) {
    const label = `quartile_band_${b + 1}`;
    const mine = inBand(stat[c].vals, b);
    counts.set(`${an.name}|${g}|${label}`, mine);
    const all = stat.map((x) => inBand(x.vals, b));
    const total = all.reduce((x, y) => x + y, 0);
    const small = (n) => n > 0 && BigInt(n) < k;
    if (stat[c].suppressed) put(an.name, g, label, '', 'suppressed');
    else if (partWithheld.has(an.of)) put(an.name, g, label, '', 'suppressed (to protect another group)');
    else if (searched && small(mine)) put(an.name, g, label, '', 'suppressed');
    else if (!searched || all.some(small)) put(an.name, g, label, '', 'suppressed (to protect another group)');
    else if (total === 0) put(an.name, g, label, '', 'undefined');
    else put(an.name, g, label, mine / total);
  }
}

/** The values a median or quartiles is taken among: all, or (quantiles_among
 *  "positive") those above 0. */
function among_(an, vals) {
  return an.quantiles_among === 'positive' ? vals.filter((v) => v > 0n) : vals;
}

/** The lowest values of the grid cells of an integer field (BigInts, from
 *  its min up to its max) for a study's "grid": a step, or {percent, from}. */
export function gridEdges(field, grid) {
  const min = BigInt(field.min);
  const max = BigInt(field.max);
  const edges = [];
  for (let e = min; e <= max;) {
    edges.push(e);
    if (typeof grid === 'number') e += BigInt(grid);
    else if (e < BigInt(grid.from)) e = BigInt(grid.from);
    else {
      const d = (e * BigInt(grid.percent)) / 100n;
      e += d > 0n ? d : 1n;
    }
  }
  return edges;
}

/** The quarter-th quartile (2: the median) of values (BigInts) on a grid
 *  (gridEdges): the lowest value of the grid cell of the value at rank
 *  ceil(quarter n / 4). */
export function quantile(vals, quarter, edges) {
  const sorted = [...vals].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const rank = Math.ceil((quarter * sorted.length) / 4);
  const x = sorted[rank - 1];
  return edges.findLast((e) => e <= x);
}

/** Differences between a report's rows (parsed CSV with header) and the
 *  expected map: a list of messages, empty when they agree. */
export function compareReport(expected, reportRows) {
  const [header, ...rows] = reportRows;
  const problems = [];
  if (header.join(',') !== 'analysis,group,statistic,value,note,indicator') problems.push(`header: ${header.join(',')}`);
  const seen = new Set();
  for (const [a, g, s, value, note] of rows) {
    const key = `${a}|${g}|${s}`;
    seen.add(key);
    const want = expected.get(key);
    if (!want) { problems.push(`unexpected row ${key}`); continue; }
    if (note !== want.note) problems.push(`${key}: note "${note}", expected "${want.note}"`);
    if (typeof want.value === 'number') {
      const got = Number(value);
      if (value === '' || !(Math.abs(got - want.value) <= 1e-9 * Math.abs(want.value))) {
        problems.push(`${key}: ${value}, expected ${want.value}`);
      }
    } else if (value !== want.value) problems.push(`${key}: "${value}", expected "${want.value}"`);
  }
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`missing row ${key}`);
  return problems;
}

/** The indicator a report row is under (docs/STUDY.md, "Indicators"), from
 *  the study file alone: {place, name} with place 1 + section * 4 + table
 *  and name "HEADING" or "HEADING: LABEL"; or null. A table shows a row
 *  whose statistic it lists, or whose statistic a listed statistic of the
 *  analysis's makes (histogram, quartiles, quartile_bands). */
export function indicatorOf(doc, analysis, statistic) {
  const makes = {
    histogram: (s) => s.startsWith('histogram['),
    quartiles: (s) => ['quartile_1', 'median', 'quartile_3'].includes(s),
    quartile_bands: (s) => /^quartile_band_[1-4]$/.test(s),
  };
  const spec = doc.analyses.find((a) => a.name === analysis);
  for (const [k, sec] of (doc.indicators?.sections ?? []).entries()) {
    for (const [t, table] of sec.tables.entries()) {
      if (table.analysis !== analysis) continue;
      const shown = table.statistics.some((x) => x === statistic
        || (spec.stats.includes(x) && makes[x]?.(statistic)));
      if (shown) return { place: 1 + k * 4 + t, name: table.label ? `${sec.heading}: ${table.label}` : sec.heading };
    }
  }
  return null;
}

/** A text cell as the report's CSV writes it (docs/DESIGN.md, section 7):
 *  a ' before what a spreadsheet reads as a formula, at the start or
 *  after a ";" (numbers stay as they are). */
export function csvNeutral(text) {
  return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text) ? text : text.replace(/(^|;)(?=[=+\-@\t\r])/g, "$1'");
}

/** The problems (none: []) of a report CSV (parsed, header first) with
 *  the study's indicators: each row's indicator column, and the order:
 *  the _study rows, the rows under the indicators in their order, then
 *  the others. */
export function indicatorProblems(doc, csvRows) {
  const [header, ...rows] = csvRows;
  const problems = [];
  const col = header.indexOf('indicator');
  if (col !== 5) return [`no indicator column: ${header.join(',')}`];
  let last = -1;
  for (const r of rows) {
    const statistic = r[2].replace(/;'(?=[=+\-@\t\r])/g, ';'); // (histogram[-50;'-4) in the CSV)
    const want = r[0] === '_study' ? { place: 0, name: '' } : (indicatorOf(doc, r[0], statistic) ?? { place: 65, name: '' });
    if (r[col] !== csvNeutral(want.name)) problems.push(`${r[0]} ${r[1]} ${r[2]}: indicator "${r[col]}", expected "${want.name}"`);
    if (want.place < last) problems.push(`${r[0]} ${r[1]} ${r[2]}: listed after a row of a later place`);
    last = Math.max(last, want.place);
  }
  return problems;
}
