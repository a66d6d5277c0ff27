// The organizer's report page, served by the leader at /report.
//
// 1. The link printed by `mpc compute` and `mpc report` carries the study
//    hash and the report key in its fragment: #study=HASH&key=KEY. The
//    fragment never reaches a server or its logs; the key only travels in
//    the X-MPC-Report-Key header of GET /api/report.
// 2. The answer must be for the study in the link (same hash), else nothing
//    is shown.
// 3. The sealed study (GET /api/study, checked against the same hash) only
//    adds labels: field labels, the gap's reference group, the study id for
//    file names. Without it the page still shows everything, with the
//    field names.
// 4. The page shows a summary, then one section per analysis: a chart
//    where it helps (inline SVG, drawn from script) and a table, which is
//    the accessible equivalent of the chart. Suppressed cells say so; they
//    are never shown as 0. The CSV downloads are built here, byte for byte
//    the format of `mpc report --csv` (docs/DESIGN.md, section 7), formula
//    cells neutralised the same way.
//
// Data from the server only enters the page through textContent and
// attributes, never as markup. This file is an ES module (strict mode, runs
// after the document is parsed).

import { $, el, sentence, svgEl, timeoutSignal } from '/web/lib/dom.js';
import { isStudyHash, readLink } from '/web/lib/link.js';
import { PageError, showPageError } from '/web/lib/page_error.js';

const REQUEST_TIMEOUT_MS = 30000;
/** Charts of bars per group are drawn only up to this many groups. */
const MAX_BAR_GROUPS = 60;
/** Histogram charts: one colour per group, up to this many groups. */
const MAX_HISTOGRAM_SERIES = 8;
const CSV_COLUMNS = ['analysis', 'group', 'statistic', 'value', 'note', 'indicator'];
/** The indicators' tables are placed 1 + section * this + table. */
const MAX_TABLES = 4;
/** Where a row without an indicator is placed in the CSV (after all). */
const PLACE_OTHER = 1 + 16 * MAX_TABLES;

// ---------------------------------------------------------------------------
// Small helpers

const listFormat = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });
const decimal2 = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const decimal3 = new Intl.NumberFormat('en', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const percent1 = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const plainNumber = new Intl.NumberFormat('en', { maximumFractionDigits: 6 });
const ratioTick = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 3 });

/** An exact integer in decimal ("-1234567") with thousands separators. The
 *  server's counts and sums are up to 128-bit integers, so they are never
 *  turned into JavaScript numbers. */
function formatIntegerText(text) {
  const m = /^(-?)(\d+)$/.exec(text);
  if (!m) return text;
  const digits = m[2].replace(/^0+(?=\d)/, '');
  return m[1] + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function formatCount(n) {
  return formatIntegerText(String(n));
}

/** "1 contributor" / "5 contributors". */
function plural(n, one, many) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Why a group is suppressed: "fewer than 5 contributors" ("no
 *  contributors" when the minimum is 1). */
function tooFew(minCell) {
  return minCell <= 1 ? 'no contributors' : `fewer than ${plural(minCell, 'contributor', 'contributors')}`;
}

/** "salary_bands" -> "Salary bands". */
function prettyName(name) {
  const t = name.replace(/[_-]+/g, ' ').trim();
  return t ? t[0].toUpperCase() + t.slice(1) : name;
}

/** A name safe in a file name or an id. */
function safeName(text) {
  return String(text).replace(/[^A-Za-z0-9._-]+/g, '_') || 'report';
}

/** A rough width of a text in the charts (px), to lay labels out without
 *  measuring: system fonts average about 0.58 em per character. */
function textWidth(text, size) {
  return String(text).length * size * 0.58;
}

/** The text shortened with "…" to fit in width px. */
function fitText(text, width, size) {
  if (textWidth(text, size) <= width) return text;
  const n = Math.max(1, Math.floor(width / (size * 0.58)) - 1);
  return `${text.slice(0, n)}…`;
}

/** A round step for an axis from 0 to max with about `count` ticks. */
function niceStep(max, count = 4, integer = false) {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * magnitude;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

// ---------------------------------------------------------------------------
// Loading: the link, the report, the study

const LINK_ADVICE = 'Open the complete link printed by mpc compute or mpc report (“The report page (keep this link private): …”), copying all of it.';

/** The study hash and the report key from the link's fragment. */
function reportLink() {
  const link = readLink(['key']);
  return { hash: link.study, key: link.key.toLowerCase() };
}

function checkLink(link) {
  if (link.key === '') {
    throw new PageError({
      title: 'This link has no report key',
      message: 'The report page needs the private key that ends the organizer’s report link (after “key=”). The link that opened this page has none, so no results can be shown.',
      advice: LINK_ADVICE,
    });
  }
  if (!/^[0-9a-f]{128}$/.test(link.key)) {
    throw new PageError({
      title: 'This link is damaged',
      message: 'The report key in this link (after “key=”) is not complete: it should be 128 characters, digits and the letters a to f.',
      advice: LINK_ADVICE,
    });
  }
  if (!isStudyHash(link.hash)) {
    throw new PageError({
      title: link.hash === '' ? 'This link has no study' : 'This link is damaged',
      message: 'The report link names its study by a hash of 64 characters (after “study=”), which the page checks against the results. That part of this link is missing or incomplete.',
      advice: LINK_ADVICE,
    });
  }
}

/** GET /api/report with the key; the parsed answer, or a PageError. */
async function fetchReport(link) {
  let response;
  try {
    response = await fetch('/api/report', {
      headers: { Accept: 'application/json', 'X-MPC-Report-Key': link.key },
      cache: 'no-store',
      credentials: 'omit',
      signal: timeoutSignal(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    throw new PageError({
      title: 'The server did not answer',
      message: 'The report could not be loaded because this server could not be reached, or did not answer in time.',
      advice: 'Check your connection and that the leader’s server (the first computing party) is running, then reload the page.',
      detail: `Details: ${e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'no answer in time' : (e?.message ?? e)}`,
    });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  const said = data && typeof data.error === 'string' && data.error ? `The server said: ${sentence(data.error)}` : '';
  if (response.status === 403) {
    throw new PageError({
      title: 'This link does not open the report',
      message: 'The server did not accept the report key in this link. The key is made by the organizer for one study only; a link that was shortened, mistyped or made for another study does not work.',
      advice: LINK_ADVICE,
      detail: said,
    });
  }
  if (response.status === 404) {
    const notLeader = /leader/i.test(data?.error ?? '');
    throw new PageError({
      title: notLeader ? 'The results are kept by the leader' : 'No results yet',
      message: notLeader
        ? 'This server is not the study’s leader (its first computing party), which is the one that keeps the results.'
        : 'The computing parties have not released any results for this study yet, so there is nothing to show.',
      advice: notLeader
        ? 'Open the report link printed by mpc compute or mpc report: it points at the leader.'
        : 'Run the compute first (mpc compute --organizer DIR --study SEALED.json), then reload this page.',
      detail: said,
    });
  }
  if (!response.ok) {
    throw new PageError({
      title: 'The report could not be loaded',
      message: `The server could not provide the report (HTTP ${response.status}).`,
      advice: 'Reload the page in a minute. If it keeps happening, the party admin of the leader can look at the server’s log.',
      detail: said,
    });
  }
  if (!data || typeof data !== 'object' || !Array.isArray(data.rows) || typeof data.study !== 'string') {
    throw new PageError({
      title: 'The report could not be read',
      message: 'The server’s answer is not a report this page understands.',
      advice: 'Download the report with mpc report instead, and tell the party admin of the leader.',
    });
  }
  if (data.study.toLowerCase() !== link.hash) {
    throw new PageError({
      title: 'These results are for another study',
      message: 'This server holds the results of a different study from the one your link was made for, so they are not shown.',
      advice: 'Check that you opened the right link, and that the leader’s server runs the study you sealed.',
      detail: `Study in your link: ${link.hash}. Study of these results: ${data.study}.`,
    });
  }
  return data;
}

/** The sealed study, only if it is the study of the link; else null (the
 *  page then shows field names instead of labels). */
async function fetchStudy(hash) {
  try {
    const response = await fetch('/api/study', {
      cache: 'no-store', credentials: 'omit', signal: timeoutSignal(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) return null;
    const doc = await response.json();
    if (!doc || typeof doc !== 'object' || String(doc.hash).toLowerCase() !== hash) return null;
    return doc;
  } catch {
    return null;
  }
}

function showError(e) {
  showPageError(e, {
    prefix: 'report-error',
    hide: ['loading', 'report'],
    titleSuffix: ' – Report',
    fallback: {
      title: 'The report cannot be shown',
      message: 'Something went wrong while showing the report.',
      advice: 'Reload the page. If it keeps happening, download the report with mpc report instead.',
    },
  });
}

// ---------------------------------------------------------------------------
// The model: rows grouped by analysis, group and statistic

/**
 * {name, spec, by: [{name, label, type}], stats: [statistic...],
 *  groups: [{key, values: [text...], cells: Map(statistic -> row)}], rows}
 * in the order of the server's rows.
 */
function buildAnalyses(rows, studyDoc) {
  const fields = new Map((Array.isArray(studyDoc?.fields) ? studyDoc.fields : []).map((f) => [f.name, f]));
  const specs = new Map((Array.isArray(studyDoc?.analyses) ? studyDoc.analyses : []).map((a) => [a.name, a]));
  const byName = new Map();
  for (const row of rows) {
    if (row.analysis === '_study') continue;
    let a = byName.get(row.analysis);
    if (!a) {
      const spec = specs.get(row.analysis) ?? null;
      a = { name: row.analysis, spec, byNames: Array.isArray(spec?.by) ? spec.by : null, stats: [], groups: [], groupMap: new Map(), rows: [] };
      byName.set(row.analysis, a);
    }
    a.rows.push(row);
    if (!a.stats.includes(row.statistic)) a.stats.push(row.statistic);
    let g = a.groupMap.get(row.group);
    if (!g) {
      g = { key: row.group, cells: new Map() };
      a.groupMap.set(row.group, g);
      a.groups.push(g);
    }
    g.cells.set(row.statistic, row);
  }
  for (const a of byName.values()) {
    if (!a.byNames) a.byNames = a.groups.length ? splitGroup(a.groups[0].key, null).map((p) => p[0]) : [];
    a.by = a.byNames.map((name) => {
      const f = fields.get(name);
      return { name, label: typeof f?.label === 'string' && f.label ? f.label : name, type: f?.type ?? null };
    });
    for (const g of a.groups) {
      const parts = splitGroup(g.key, a.byNames);
      g.values = a.byNames.map((name, i) => parts[i]?.[1] ?? '');
      g.labels = g.values.map((v, i) => (a.by[i].type === 'boolean' ? ({ true: 'Yes', false: 'No' }[v] ?? v) : v));
    }
    a.of = a.spec?.of ? (fields.get(a.spec.of)?.label || a.spec.of) : null;
    a.gapReference = typeof a.spec?.gap_reference === 'string' ? a.spec.gap_reference : null;
    a.grid = Number.isSafeInteger(a.spec?.grid) ? a.spec.grid : null;
  }
  return [...byName.values()];
}

/**
 * "gender=Woman;job=Sales" -> [["gender", "Woman"], ["job", "Sales"]]. With
 * the analysis's `by` names known, a label may contain ";" or "=": each
 * value runs up to ";NEXT=" for the next field's name.
 */
function splitGroup(group, names) {
  if (group === '') return [];
  if (!names) {
    return group.split(';').map((part) => {
      const i = part.indexOf('=');
      return i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    });
  }
  const out = [];
  let rest = group;
  names.forEach((name, i) => {
    const prefix = `${name}=`;
    if (!rest.startsWith(prefix)) {
      out.push([name, '']);
      return;
    }
    rest = rest.slice(prefix.length);
    if (i + 1 < names.length) {
      const end = rest.indexOf(`;${names[i + 1]}=`);
      const value = end < 0 ? rest : rest.slice(0, end);
      out.push([name, value]);
      rest = end < 0 ? '' : rest.slice(end + 1);
    } else {
      out.push([name, rest]);
    }
  });
  return out;
}

/** "histogram[0;50000)" -> {lo: "0", hi: "50000"}; hi is null for the last. */
function parseBin(statistic) {
  const m = /^histogram\[(-?\d+);(-?\d*)\)$/.exec(statistic);
  return m ? { lo: m[1], hi: m[2] === '' ? null : m[2] } : null;
}

/** A bin's range as people read it: the field is an integer, so [lo;hi)
 *  is "lo to hi-1". */
function binText(bin) {
  if (bin.hi === null) return `${formatIntegerText(bin.lo)} and above`;
  return `${formatIntegerText(bin.lo)} to ${formatIntegerText((BigInt(bin.hi) - 1n).toString())}`;
}

/** How a statistic is shown: its column heading, how to format it. */
function statInfo(statistic, a) {
  const bin = parseBin(statistic);
  if (bin) return { heading: binText(bin), kind: 'integer', bin };
  switch (statistic) {
    case 'count': return { heading: 'Contributors', kind: 'integer' };
    case 'sum': return { heading: 'Total', kind: 'integer' };
    case 'mean': return { heading: 'Average', kind: 'decimal' };
    case 'stddev': return { heading: 'Spread (std. dev.)', kind: 'decimal' };
    case 'share_positive': return { heading: 'Share above 0', kind: 'share' };
    case 'gap_percent': return { heading: a.gapReference ? `Pay gap (% below ${a.gapReference})` : 'Pay gap (% below the reference)', kind: 'percent' };
    case 'gap': return { heading: a.gapReference ? `Gap (${a.gapReference} = 1)` : 'Gap (reference = 1)', kind: 'gap' };
    case 'quartile_1': return { heading: 'Lower quartile', kind: 'integer' };
    case 'median': return { heading: 'Median', kind: 'integer' };
    case 'quartile_3': return { heading: 'Upper quartile', kind: 'integer' };
    case 'quartile_band_1': return { heading: 'Share of the lowest quarter', kind: 'share' };
    case 'quartile_band_2': return { heading: 'Share of the lower middle quarter', kind: 'share' };
    case 'quartile_band_3': return { heading: 'Share of the upper middle quarter', kind: 'share' };
    case 'quartile_band_4': return { heading: 'Share of the highest quarter', kind: 'share' };
    case 'median_gap_percent': return { heading: a.gapReference ? `Median pay gap (% below ${a.gapReference})` : 'Median pay gap (% below the reference)', kind: 'percent' };
    default: return { heading: statistic, kind: 'auto' };
  }
}

/** Whether the group is the reference group of the analysis's gap (its
 *  first `by` field has the reference choice). */
function isReference(a, g) {
  return a.gapReference !== null && g.values[0] === a.gapReference;
}

/** "40.2% lower", "12.0% higher", "equal". */
function gapDifference(ratio) {
  const pct = (ratio - 1) * 100;
  if (Math.abs(pct) < 0.05) return 'equal';
  return `${percent1.format(Math.abs(pct))}% ${pct < 0 ? 'lower' : 'higher'}`;
}

/** The text shown for a value: {main, extra}. */
function formatValue(kind, value) {
  if (kind === 'integer' && /^-?\d+$/.test(value)) return { main: formatIntegerText(value) };
  const n = Number(value);
  if (!Number.isFinite(n)) return { main: value };
  if (kind === 'decimal') return { main: decimal2.format(n) };
  if (kind === 'gap') return { main: decimal3.format(n), extra: gapDifference(n) };
  if (kind === 'share') return { main: `${percent1.format(n * 100)}%` };
  if (kind === 'percent') return { main: `${percent1.format(n)}%` };
  return { main: /^-?\d+$/.test(value) ? formatIntegerText(value) : plainNumber.format(n) };
}

/** "Gender and Job category". */
function byText(a) {
  return listFormat.format(a.by.map((b) => b.label));
}

/** A group as words: "Woman, Sales", or "All contributors". */
function groupText(g) {
  return g.labels.length ? g.labels.join(', ') : 'All contributors';
}

/** The CSV notes of a figure never released: too few contributors
 *  (primary), or withheld so that no suppressed figure can be worked out
 *  from the released ones (complementary; docs/COMPUTE.md, "Suppression"). */
const NOTE_SUPPRESSED = 'suppressed';
const NOTE_PROTECTING = 'suppressed (to protect another group)';

/** A figure's state: value, suppressed (either note), undefined or missing. */
function cellState(row) {
  if (!row) return 'missing';
  if (row.value !== '') return 'value';
  return row.note === NOTE_SUPPRESSED || row.note === NOTE_PROTECTING ? 'suppressed' : 'undefined';
}

/** The states of the figures `stats` of groups (cellState's, and
 *  'withheld' or 'primary' for a suppressed one): what the legend
 *  explains. */
function figureStates(groups, stats) {
  const states = new Set();
  for (const g of groups) {
    for (const s of stats) {
      const row = g.cells.get(s);
      states.add(cellState(row));
      if (isProtecting(row)) states.add('withheld');
      else if (cellState(row) === 'suppressed') states.add('primary');
    }
  }
  return states;
}

/** Whether every one of group g's figures `stats` is suppressed. */
function allSuppressed(g, stats) {
  return stats.every((s) => cellState(g.cells.get(s)) === 'suppressed');
}

/** Whether a figure was withheld to protect another group. */
function isProtecting(row) {
  return Boolean(row) && row.value === '' && row.note === NOTE_PROTECTING;
}

// ---------------------------------------------------------------------------
// CSV (docs/DESIGN.md, section 7, the same bytes as `mpc report --csv`)

/** A number as the report rows write them. */
const CSV_NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
/** What a spreadsheet reads as the start of a formula (the OWASP rule
 *  against CSV injection), at the start of a cell or after a ";" (where
 *  spreadsheets set to the ";" separator start a cell). */
const CSV_FORMULA = /(^|;)(?=[=+\-@\t\r])/g;

/** One cell, quoted as RFC 4180 says when it has a comma, a quote or a
 *  line break. A number is written as it is; any other text a spreadsheet
 *  would read as a formula gets a ' before it (backend/mpc/report.c does
 *  the same). */
function csvCell(text) {
  let t = String(text ?? '');
  if (!CSV_NUMBER.test(t)) t = t.replace(CSV_FORMULA, "$1'");
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
}

/** The rows in the CSV's order (the _study rows, those under the study's
 *  indicators in their order, then the others, each group in the
 *  result's order) with the indicator each is under (placeOf, from
 *  indicatorIndex). */
function csvText(rows, placeOf) {
  const placed = rows.map((r) => ({ r, ...(r.analysis === '_study' ? { place: 0, name: '' } : placeOf(r)) }));
  placed.sort((x, y) => x.place - y.place); // stable: the result's order within a place
  const lines = [CSV_COLUMNS.join(',')];
  for (const { r, name } of placed) {
    lines.push(CSV_COLUMNS.map((c) => csvCell(c === 'indicator' ? name : r[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Points a link at a CSV file made in the page. */
function setCsvLink(link, rows, fileName, placeOf) {
  const blob = new Blob([csvText(rows, placeOf)], { type: 'text/csv;charset=utf-8' });
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
}

// ---------------------------------------------------------------------------
// The summary

/** GET /api/report.xlsx with the key (never in a URL) and saves it as
 *  fileName; what happens is said in #xlsx-status. */
async function downloadXlsx(link, fileName) {
  const button = $('download-xlsx');
  const status = $('xlsx-status');
  button.disabled = true;
  status.textContent = 'Preparing the spreadsheet…';
  status.classList.remove('is-error');
  try {
    const response = await fetch('/api/report.xlsx', {
      headers: { 'X-MPC-Report-Key': link.key },
      cache: 'no-store',
      credentials: 'omit',
      signal: timeoutSignal(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      let said = '';
      try {
        const j = await response.json();
        if (j && typeof j.error === 'string') said = ` The server said: ${sentence(j.error)}`;
      } catch {
        said = '';
      }
      throw new Error(`HTTP ${response.status}.${said}`);
    }
    const blob = await response.blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: fileName, hidden: '' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    status.textContent = `Downloaded ${fileName}.`;
  } catch (e) {
    status.classList.add('is-error');
    status.textContent = `The spreadsheet could not be downloaded: ${e?.name === 'TimeoutError' ? 'no answer in time' : (e?.message ?? e)}. `
      + 'Try again, or use mpc report --xlsx.';
  } finally {
    button.disabled = false;
  }
}

function renderSummary(data, studyDoc, analyses, indicators, link) {
  const title = typeof data.title === 'string' && data.title ? data.title : 'Untitled study';
  $('report-title').textContent = title;
  document.title = `${title} – Report`;

  const released = $('released');
  const when = new Date(data.released_at);
  if (typeof data.released_at === 'string' && !Number.isNaN(when.getTime())) {
    released.replaceChildren('Released on ', el('time', { datetime: when.toISOString() }, dateTimeFormat.format(when)), '.');
  } else {
    released.textContent = 'Released.';
  }
  $('study-hash').replaceChildren('Study hash ', el('code', { class: 'hash' }, data.study),
    ' (checked: the same as in your link).');

  const accepted = Number(data.accepted);
  const organization = studyDoc?.access === 'organization';
  $('accepted').textContent = formatCount(data.accepted ?? '–');
  if (organization) {
    // One report per organization: the reports, and the people in them.
    const people = (Array.isArray(data.rows) ? data.rows : []).find((r) => r.analysis === '_study' && r.statistic === 'people');
    $('accepted-label').textContent = 'Organizations (reports used)';
    $('people').textContent = formatCount(people?.value ?? '–');
    $('people-figure').hidden = false;
  }
  $('rejected').textContent = formatCount(data.rejected ?? '–');
  $('incomplete').textContent = formatCount(data.incomplete ?? '–');

  const items = [];
  const minSub = Number(data.min_submissions);
  const minCell = Number(data.min_cell_count);
  const withheld = (Array.isArray(data.rows) ? data.rows : []).filter((r) => isProtecting(r)).length;
  if (Number.isFinite(minSub)) {
    items.push(`Results are released only when at least ${plural(minSub, organization ? 'organization’s report is' : 'submission is', organization ? 'organizations’ reports are' : 'submissions are')} accepted`
      + (Number.isFinite(accepted) ? `; this study had ${formatCount(accepted)}.` : '.'));
  }
  const minOrgs = Number(data.min_contributors);
  if (organization && Number.isFinite(minOrgs) && minOrgs > 1) {
    items.push(`A group, or a band of a group, with people from fewer than ${plural(minOrgs, 'organization', 'organizations')} is “suppressed” too, however many people it holds: no figure describes one organization.`);
  }
  if (Number.isFinite(minCell)) {
    items.push(`A group with ${tooFew(minCell)} is shown as “suppressed”: `
      + 'its figures were never released. A suppressed figure is not a zero; a released 0 means nobody is in that group.');
    items.push('So that no one can work out a suppressed group’s figures from the others (a total minus the other groups, or one table minus a linked one), '
      + 'some other groups may be withheld as well, shown as “withheld”: they were never released either'
      + `${withheld ? `; this report has ${plural(withheld, 'withheld figure', 'withheld figures')}` : ''}.`);
  }
  if (analyses.some((a) => a.stats.includes('gap'))) {
    items.push('A gap that depends on a suppressed group is suppressed too.');
  }
  items.push('Every submission was checked by all the computing parties together, without any of them seeing an answer.');
  $('thresholds').replaceChildren(...items.map((t) => el('li', {}, t)));

  const plan = Array.isArray(data.plan) ? data.plan.map(String) : [];
  $('plan').replaceChildren(...(plan.length
    ? plan.map((line) => el('li', {}, line))
    : [el('li', {}, 'The server did not describe the plan.')]));

  const base = safeName(studyDoc?.id ?? 'report');
  setCsvLink($('download-all'), data.rows, `${base}-report.csv`, indicators.placeOf);
  $('download-xlsx').addEventListener('click', () => downloadXlsx(link, `${base}-report.xlsx`));
  $('print-button').addEventListener('click', () => window.print());

  $('contents-list').replaceChildren(
    ...(indicators.sections.length ? [el('li', {}, el('a', { href: '#indicators' }, indicators.title))] : []),
    ...analyses.map((a) => el('li', {}, el('a', { href: `#${analysisId(a)}` }, prettyName(a.name)))));
  $('contents').hidden = analyses.length < 2;
}

function analysisId(a) {
  return a.idBase ?? `analysis-${safeName(a.name)}`;
}

// ---------------------------------------------------------------------------
// The indicators: rows of the analyses under the study's own headings
// (docs/STUDY.md, "Indicators"; the compiler checked them when the study
// was sealed, so an entry this page cannot place is only left out)

/** Whether a table listing `statistics` shows rows of `statistic`: named
 *  as the row's statistic, or as the study file's statistic that makes
 *  it (histogram: its bins; quartiles: quartile_1, median, quartile_3;
 *  quartile_bands: the four bands), as wasm/core/study_indicators.c. */
function tableShows(statistics, declared, statistic) {
  if (statistics.includes(statistic)) return true;
  const makes = (name) => statistics.includes(name) && declared.includes(name);
  if (parseBin(statistic)) return makes('histogram');
  if (['quartile_1', 'median', 'quartile_3'].includes(statistic)) return makes('quartiles');
  if (/^quartile_band_[1-4]$/.test(statistic)) return makes('quartile_bands');
  return false;
}

/** {title, sections: [{heading, tables: [{a, stats, label, name}]}],
 *  placeOf(row) -> {place, name}} of the study's indicators; without
 *  them (or without the study), no sections. */
function indicatorIndex(studyDoc, analyses) {
  const ind = studyDoc?.indicators;
  const byName = new Map(analyses.map((a) => [a.name, a]));
  const where = new Map();
  const sections = [];
  const list = Array.isArray(ind?.sections) ? ind.sections.slice(0, 16) : [];
  list.forEach((sec, k) => {
    if (typeof sec?.heading !== 'string') return;
    const tables = [];
    (Array.isArray(sec.tables) ? sec.tables.slice(0, MAX_TABLES) : []).forEach((t, ti) => {
      const a = byName.get(t?.analysis);
      if (!a || !Array.isArray(t.statistics)) return;
      const statistics = t.statistics.filter((x) => typeof x === 'string');
      const declared = Array.isArray(a.spec?.stats) ? a.spec.stats : [];
      const stats = a.stats.filter((x) => tableShows(statistics, declared, x));
      const label = typeof t.label === 'string' && t.label ? t.label : null;
      const name = label ? `${sec.heading}: ${label}` : sec.heading;
      for (const x of stats) {
        const key = `${a.name}\n${x}`;
        if (!where.has(key)) where.set(key, { place: 1 + k * MAX_TABLES + ti, name });
      }
      if (stats.length) tables.push({ a, stats, label, index: ti });
    });
    if (tables.length) sections.push({ heading: sec.heading, index: k, tables });
  });
  return {
    title: typeof ind?.title === 'string' && ind.title ? ind.title : 'Indicators',
    sections,
    placeOf: (row) => where.get(`${row.analysis}\n${row.statistic}`) ?? { place: PLACE_OTHER, name: '' },
  };
}

/** A view of analysis a with only the statistics `stats`, for a table of
 *  its own (ids under idBase): its groups marked suppressed when every
 *  one of those figures is. */
function analysisView(a, stats, idBase) {
  const groups = a.groups.map((g) => ({ ...g, suppressed: allSuppressed(g, stats) }));
  return { ...a, stats, groups, idBase };
}

function renderIndicators(indicators, data) {
  const section = el('section', { class: 'card indicators', id: 'indicators', 'aria-labelledby': 'indicators-heading' });
  section.append(el('h2', { id: 'indicators-heading', tabindex: '-1' }, indicators.title));
  section.append(el('p', { class: 'description' },
    'The study presents these figures under these headings. They are the same figures as in the analyses below, where each is explained; nothing here is computed again.'));
  for (const sec of indicators.sections) {
    const part = el('section', { class: 'indicator', 'data-indicator': String(sec.index), 'aria-labelledby': `indicator-${sec.index}-heading` });
    part.append(el('h3', { id: `indicator-${sec.index}-heading` }, sec.heading));
    // One legend under the heading's tables, each entry once.
    const entries = new Map();
    for (const t of sec.tables) {
      const view = analysisView(t.a, t.stats, `indicator-${sec.index}-${t.index}`);
      if (t.label) part.append(el('p', { class: 'indicator-label' }, t.label));
      const suppressed = view.groups.filter((g) => g.suppressed).length;
      const block = renderTable(view, suppressed);
      block.dataset.analysis = t.a.name;
      part.append(block);
      for (const item of legendItems(view, data, figureStates(view.groups, view.stats))) entries.set(`${item[0]}\n${item[1]}`, item);
    }
    if (entries.size) part.append(legendList([...entries.values()], `indicator-${sec.index}-legend`));
    section.append(part);
  }
  return section;
}

/** The legend's entries as a description list labelled by its heading
 *  (an h3 under an analysis; in the indicators an h4, hidden from sight
 *  but not from screen readers). */
function legendList(legend, labelId, inAnalysis = false) {
  const heading = el(inAnalysis ? 'h3' : 'h4', { class: inAnalysis ? 'legend-heading' : 'legend-heading visually-hidden', id: labelId }, 'What the table shows');
  const list = el('dl', { class: 'legend', 'aria-labelledby': labelId },
    ...legend.map(([term, text, cls]) => el('div', {},
      el('dt', {}, cls ? el('span', { class: `mark ${cls}` }, term) : term),
      el('dd', {}, text))));
  return el('div', { class: 'legend-block' }, heading, list);
}

// ---------------------------------------------------------------------------
// One section per analysis

/** What each column and mark in the table means, in plain words; only the
 *  entries the table uses. */
function legendItems(a, data, states) {
  const of = a.of ?? 'the value';
  const minCell = Number(data.min_cell_count);
  const items = [];
  const say = (term, text, cls = null) => items.push([term, text, cls]);
  if (a.stats.includes('count')) say('Contributors', 'the number of people in the group.');
  if (a.stats.includes('sum')) say('Total', `the sum of ${of} over the group.`);
  if (a.stats.includes('mean')) say('Average', `the mean of ${of}: the total divided by the number of people.`);
  if (a.stats.includes('stddev')) {
    say('Spread', `the standard deviation of ${of}: how far a typical person is from the group’s average. A larger spread means more varied values.`);
  }
  const ref = a.gapReference ? `“${a.gapReference}”` : 'the reference group';
  if (a.stats.includes('gap')) {
    const within = a.by.length > 1 ? ` in the same ${listFormat.format(a.by.slice(1).map((b) => b.label))}` : '';
    say('Gap', `the group’s average divided by the average for ${ref}${within}. 1.000 means the same; 0.900 means 10% lower; 1.100 means 10% higher.`);
  }
  if (a.stats.includes('gap_percent')) {
    say('Pay gap', `the gap as the pay-transparency laws define it: (the average for ${ref} minus the group’s) divided by the average for ${ref}, in percent. 10.0% means the group’s average is 10% lower; a negative gap means higher.`);
  }
  if (a.stats.includes('share_positive')) {
    say('Share above 0', `the part of the group whose ${of} is above 0 (for a bonus: the share of people receiving one). It is withheld when the people above 0, or those not above 0, are too few.`);
  }
  if (a.stats.some((s) => parseBin(s))) {
    say('Bands', `each column counts the people whose ${of} is in that band.`);
  }
  if (a.stats.includes('median')) {
    const grid = a.grid ? ` to the nearest ${formatIntegerText(String(a.grid))} below` : '';
    const quartiles = a.stats.includes('quartile_1') ? ' The lower and upper quartiles likewise, with a quarter and three quarters of the group.' : '';
    say('Median', `the middle ${of} of the group: half of the group has that much or less${grid} (for an even number of people, the lower of the two middle values).${quartiles} It is withheld while any band of ${of} is.`);
  }
  if (a.stats.includes('quartile_band_1')) {
    say('Quartile pay bands', `everyone ranked by ${of} and cut into four bands at the quartiles of everyone (each band about a quarter of all people; people on a band’s limit, to the study’s grid, go to the lower band). Each column is the part of that band who are in the group: the groups’ shares of a band add up to 100%. A band is shown for every group or for none: it is withheld when a group has too few people in it.`);
  }
  if (a.stats.includes('median_gap_percent')) {
    say('Median pay gap', `(the median for ${ref} minus the group’s) divided by the median for ${ref}, in percent.`);
  }
  if (states.has('primary')) {
    const why = Number.isFinite(minCell) ? tooFew(minCell) : 'too few contributors';
    const compared = a.stats.includes('gap') ? ' (for a gap: in this group or in the group it is compared with)' : '';
    say('suppressed', `${why} in this group${compared}, so the figure was not released. It is not a zero.`, 'is-suppressed');
  }
  if (states.has('withheld')) {
    say('withheld', 'not released, so that a suppressed group’s figures cannot be worked out from the released ones (for example a total minus the other groups). It is not a zero.', 'is-suppressed');
  }
  if (states.has('undefined')) {
    say('not defined', 'this figure cannot be computed for the group: a spread needs at least 2 people, and a gap needs a reference group with an average above 0.', 'is-undefined');
  }
  return items;
}

function renderAnalysis(a, data, index, placeOf) {
  const headingId = `${analysisId(a)}-heading`;
  const section = el('section', {
    class: 'card analysis', id: analysisId(a), 'data-analysis': a.name, 'aria-labelledby': headingId,
  });
  section.append(el('h2', { id: headingId, tabindex: '-1' }, prettyName(a.name)));

  const plan = Array.isArray(data.plan) ? data.plan.map(String) : [];
  const described = plan.find((p) => p.startsWith(`${a.name}: `)) ?? plan[index];
  if (described) {
    section.append(el('p', { class: 'description' }, sentence(described.replace(new RegExp(`^${escapeRegExp(a.name)}: `), ''))));
  }

  const states = figureStates(a.groups, a.stats);
  let suppressedGroups = 0;
  for (const g of a.groups) {
    g.suppressed = allSuppressed(g, a.stats);
    if (g.suppressed) suppressedGroups += 1;
  }
  const released = a.groups.length - suppressedGroups;
  const minCell = Number(data.min_cell_count);
  const fewer = Number.isFinite(minCell)
    ? ` (${tooFew(minCell)}${states.has('withheld') ? ', or withheld to protect such a group' : ''})` : '';
  const counts = el('p', { class: 'group-counts' });
  if (a.groups.length === 1 && a.by.length === 0) {
    counts.textContent = suppressedGroups ? `Suppressed${fewer}.` : 'One group: all contributors.';
  } else if (suppressedGroups === 0) {
    counts.textContent = `All ${plural(a.groups.length, 'group', 'groups')} released.`;
  } else if (released === 0) {
    counts.textContent = `Every one of the ${plural(a.groups.length, 'group', 'groups')} is suppressed${fewer}: nothing in this analysis could be released.`;
    counts.classList.add('is-warn');
  } else {
    counts.textContent = `${formatCount(released)} of ${plural(a.groups.length, 'group', 'groups')} released; ${formatCount(suppressedGroups)} suppressed${fewer}.`;
  }
  section.append(counts);

  const chart = chartFor(a);
  if (chart) section.append(chart.figure);

  section.append(renderTable(a, suppressedGroups));

  const legend = legendItems(a, data, states);
  if (legend.length) section.append(legendList(legend, `${analysisId(a)}-legend`, true));

  const actions = el('div', { class: 'actions section-actions' });
  const download = el('a', { class: 'button secondary download', href: '#' }, `Download ${prettyName(a.name)} (CSV)`);
  setCsvLink(download, a.rows, `${safeName(a.name)}.csv`, placeOf);
  actions.append(download);
  section.append(actions);
  return { section, chart };
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function renderTable(a, suppressedGroups) {
  const captionId = `${analysisId(a)}-caption`;
  const infos = a.stats.map((s) => statInfo(s, a));
  const hasBins = infos.some((i) => i.bin);
  const wrap = el('div', { class: 'table-block' });

  if (suppressedGroups > 0 && suppressedGroups < a.groups.length) {
    const boxId = `${analysisId(a)}-only-released`;
    const box = el('input', { type: 'checkbox', id: boxId });
    box.addEventListener('change', () => wrap.classList.toggle('only-released', box.checked));
    wrap.append(el('p', { class: 'table-filter' }, box, ' ',
      el('label', { for: boxId }, `Hide the ${plural(suppressedGroups, 'suppressed group', 'suppressed groups')}`)));
  }

  let subject = prettyName(a.name);
  if (a.of) subject = hasBins ? `People per band of ${a.of}` : a.of;
  const caption = el('caption', { id: captionId },
    a.by.length ? `${subject} by ${byText(a)}` : `${subject}: all contributors`);

  const headRows = [];
  if (hasBins) {
    // A first header row groups the bands under one heading.
    const top = el('tr');
    if (a.by.length) top.append(el('td', { colspan: a.by.length, class: 'corner' }));
    else top.append(el('td', { class: 'corner' }));
    let i = 0;
    while (i < infos.length) {
      let j = i;
      while (j < infos.length && Boolean(infos[j].bin) === Boolean(infos[i].bin)) j += 1;
      if (infos[i].bin) {
        top.append(el('th', { scope: 'colgroup', colspan: j - i, class: 'band-heading' },
          a.of ? `People per band of ${a.of}` : 'People per band'));
      } else {
        top.append(el('td', { colspan: j - i, class: 'corner' }));
      }
      i = j;
    }
    headRows.push(top);
  }
  const head = el('tr');
  if (a.by.length) a.by.forEach((b) => head.append(el('th', { scope: 'col', class: 'group-col' }, b.label)));
  else head.append(el('th', { scope: 'col', class: 'group-col' }, 'Group'));
  infos.forEach((info, i) => head.append(el('th', { scope: 'col', class: 'num', 'data-statistic': a.stats[i] }, info.heading)));
  headRows.push(head);

  const body = el('tbody');
  for (const g of a.groups) {
    const tr = el('tr', { 'data-group': g.key, class: g.suppressed ? 'is-suppressed-row' : null });
    if (g.labels.length) g.labels.forEach((label) => tr.append(el('th', { scope: 'row' }, label)));
    else tr.append(el('th', { scope: 'row' }, 'All contributors'));
    a.stats.forEach((statistic, i) => tr.append(renderCell(a, g, statistic, infos[i])));
    body.append(tr);
  }

  const table = el('table', { class: 'results' }, caption, el('thead', {}, ...headRows), body);
  // Wide tables scroll sideways; the region can be scrolled with the keyboard.
  const region = el('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': captionId, tabindex: '0' }, table);
  if (a.groups.length > 1 && suppressedGroups === a.groups.length) {
    // Nothing released: the table (all "suppressed") only on request.
    wrap.append(el('details', { class: 'all-suppressed' },
      el('summary', {}, `Show the table of the ${plural(a.groups.length, 'suppressed group', 'suppressed groups')}`), region));
  } else {
    wrap.append(region);
  }
  return wrap;
}

function renderCell(a, g, statistic, info) {
  const row = g.cells.get(statistic);
  const state = cellState(row);
  const td = el('td', { 'data-statistic': statistic, class: 'num' });
  if (state === 'value') {
    td.dataset.value = row.value;
    const shown = formatValue(info.kind, row.value);
    td.append(el('span', { class: 'value' }, shown.main));
    if (info.kind === 'gap') {
      const extra = isReference(a, g) ? 'reference' : shown.extra;
      if (extra) td.append(' ', el('span', { class: 'gap-diff' }, extra));
    } else if ((statistic === 'gap_percent' || statistic === 'median_gap_percent') && isReference(a, g)) {
      td.append(' ', el('span', { class: 'gap-diff' }, 'reference'));
    }
  } else if (state === 'suppressed') {
    td.classList.add('is-suppressed');
    td.append(el('span', { class: 'value mark is-suppressed' }, isProtecting(row) ? 'withheld' : 'suppressed'));
  } else if (state === 'undefined') {
    td.classList.add('is-undefined');
    td.append(el('span', { class: 'value mark is-undefined' }, 'not defined'));
  } else {
    td.append(el('span', { class: 'value mark' }, '–'));
  }
  return td;
}

// ---------------------------------------------------------------------------
// Charts: inline SVG, redrawn to the width available

/** The chart that helps for this analysis, or null: {figure, draw(width)}. */
function chartFor(a) {
  if (a.stats.includes('gap')) return gapChart(a);
  if (a.stats.some((s) => parseBin(s))) return histogramChart(a);
  const stat = ['mean', 'count', 'sum'].find((s) => a.stats.includes(s));
  if (stat && a.groups.length > 1) return barChart(a, stat);
  return null;
}

/** A figure whose SVG `draw(width)` rebuilds. */
function chartFigure(kind, captionText, extra = []) {
  const figure = el('figure', { class: `chart-figure chart-${kind}`, 'data-chart': kind });
  const holder = el('div', { class: 'chart-holder' });
  figure.append(holder, ...extra, el('figcaption', {}, captionText));
  return { figure, holder };
}

/** The <svg> root with its accessible name. */
function svgRoot(width, height, label, titleText) {
  const root = svgEl('svg', {
    class: 'chart', role: 'img', 'aria-label': label,
    width, height, viewBox: `0 0 ${width} ${height}`,
  });
  root.append(svgEl('title', {}, titleText));
  return root;
}

const FONT = 13;
const SMALL = 12;

/** Horizontal bars, one per group, the label on its own line above the bar
 *  (so long labels work on a phone). items: [{label, value (number|null),
 *  text, state}]; scale: 'zero' (from 0) or 'gap' (diverging around 1). */
function drawHorizontal(width, items, { scale, label, title, referenceText }) {
  const labelH = 17;
  const barH = 16;
  const rowGap = 12;
  const rowH = labelH + barH + rowGap;
  const top = scale === 'gap' ? 24 : 6;
  const axisH = 28;
  const height = top + items.length * rowH + axisH;
  // Room for the value labels at the ends of the bars; on a narrow screen
  // the short form (the gap's difference in words is in the table).
  const narrow = width < 560;
  const textOf = (item) => (narrow && item.shortText ? item.shortText : item.text);
  const widest = Math.max(0, ...items.filter((i) => i.value !== null).map((i) => textWidth(textOf(i), SMALL)));
  const valuePad = Math.min(Math.ceil(widest) + 10, Math.floor(width * 0.3));
  const root = svgRoot(width, height, label, title);

  const values = items.filter((i) => i.value !== null).map((i) => i.value);
  let x;
  let ticks = [];
  let origin;
  if (scale === 'gap') {
    // From below the smallest ratio (never below 0) to above the largest,
    // with the reference (1) always inside.
    const lo = Math.min(0.95, ...values);
    const hi = Math.max(1.05, ...values);
    const step = niceStep(hi - lo, 4);
    const from = Math.max(0, Math.floor(lo / step + 1e-9) * step);
    const to = Math.ceil(hi / step - 1e-9) * step;
    const left = valuePad;
    const right = width - valuePad;
    x = (v) => left + ((v - from) / (to - from)) * (right - left);
    for (let i = 0; from + i * step <= to + 1e-9; i += 1) ticks.push(from + i * step);
    origin = x(1);
  } else {
    const max = Math.max(0, ...values);
    const step = niceStep(max || 1, 4, values.every((v) => Number.isInteger(v)));
    const end = Math.max(step, Math.ceil(max / step - 1e-9) * step);
    const left = 2;
    const right = width - valuePad;
    x = (v) => left + (Math.max(0, v) / end) * (right - left);
    for (let t = 0; t <= end + 1e-9; t += step) ticks.push(t);
    origin = x(0);
  }
  const plotBottom = top + items.length * rowH - rowGap / 2;

  // Grid lines and tick labels.
  const grid = svgEl('g', { class: 'grid', 'aria-hidden': 'true' });
  for (const t of ticks) {
    const tx = x(t);
    grid.append(svgEl('line', { x1: tx, x2: tx, y1: top - 4, y2: plotBottom }));
    grid.append(svgEl('text', {
      x: tx, y: plotBottom + 16, 'text-anchor': 'middle', 'font-size': SMALL, class: 'tick',
    }, scale === 'gap' ? ratioTick.format(t) : plainNumber.format(Math.round(t * 100) / 100)));
  }
  root.append(grid);

  if (scale === 'gap') {
    root.append(svgEl('line', { class: 'reference-line', x1: origin, x2: origin, y1: top - 8, y2: plotBottom }));
    const anchor = origin > width * 0.7 ? 'end' : origin < width * 0.3 ? 'start' : 'middle';
    root.append(svgEl('text', {
      x: origin, y: 12, 'text-anchor': anchor, 'font-size': SMALL, class: 'reference-label',
    }, referenceText));
  }

  items.forEach((item, i) => {
    const y = top + i * rowH;
    const g = svgEl('g', { class: 'bar-row' });
    g.append(svgEl('text', { x: 2, y: y + 13, 'font-size': FONT, class: 'bar-label' },
      fitText(item.label, width - 4, FONT)));
    const by = y + labelH;
    if (item.value === null) {
      const note = item.state === 'suppressed' ? 'suppressed' : 'not defined';
      g.append(svgEl('text', {
        x: scale === 'gap' ? origin + 6 : origin + 2, y: by + 12, 'font-size': SMALL, class: `bar-note is-${item.state}`,
      }, note));
    } else {
      const vx = x(item.value);
      const x0 = Math.min(origin, vx);
      const w = Math.max(1, Math.abs(vx - origin));
      const cls = scale === 'gap' ? (item.value < 1 ? 'bar bar-below' : 'bar bar-above') : 'bar';
      const rect = svgEl('rect', { x: x0, y: by, width: w, height: barH, class: cls, rx: 2 });
      rect.append(svgEl('title', {}, `${item.label}: ${item.text}`));
      g.append(rect);
      const below = scale === 'gap' && item.value < 1;
      g.append(svgEl('text', {
        x: below ? x0 - 5 : x0 + w + 5, y: by + 12, 'font-size': SMALL,
        'text-anchor': below ? 'end' : 'start', class: 'bar-value',
      }, textOf(item)));
    }
    root.append(g);
  });
  return root;
}

function gapChart(a) {
  const ref = a.gapReference;
  // The reference groups are the line at 1; every other group is a bar,
  // ordered so that the groups compared with the same reference are
  // together ("Executives: Woman, Non-binary", ...).
  const others = a.groups.filter((g) => !isReference(a, g));
  const order = new Map();
  for (const g of a.groups) {
    const k = g.values.slice(1).join('\u0000');
    if (!order.has(k)) order.set(k, order.size);
  }
  others.sort((p, q) => order.get(p.values.slice(1).join('\u0000')) - order.get(q.values.slice(1).join('\u0000')));
  const items = others.map((g) => {
    const row = g.cells.get('gap');
    const state = cellState(row);
    const value = state === 'value' ? Number(row.value) : null;
    return {
      label: g.labels.length > 1 ? `${g.labels.slice(1).join(', ')}: ${g.labels[0]}` : (g.labels[0] ?? 'All contributors'),
      value: Number.isFinite(value) ? value : null,
      text: state === 'value' ? `${decimal3.format(value)} (${gapDifference(value)})` : state,
      shortText: state === 'value' ? decimal3.format(value) : state,
      state,
    };
  });
  if (items.length === 0 || items.length > MAX_BAR_GROUPS) return null;
  const shown = items.filter((i) => i.value !== null);
  const suppressed = items.filter((i) => i.state === 'suppressed').length;
  const refText = ref ? `${ref} = 1.00` : 'reference = 1.00';
  const within = a.by.length > 1 ? ` in the same ${listFormat.format(a.by.slice(1).map((b) => b.label))}` : '';
  const of = a.of ?? 'the value';
  const caption = `Each bar compares a group’s average ${of} with the average for ${ref ? `“${ref}”` : 'the reference group'}${within} (the line at 1.00): `
    + 'a bar to the left means lower, to the right higher. '
    + (suppressed ? `${plural(suppressed, 'group is', 'groups are')} suppressed and have no bar. ` : '')
    + 'The table below has every number.';
  const label = `Gap chart for ${prettyName(a.name)}: ${shown.length} of ${plural(items.length, 'group', 'groups')} shown, `
    + `compared with ${ref ?? 'the reference group'}${within}. `
    + shown.map((i) => `${i.label}: ${i.text}`).join('; ')
    + (suppressed ? `. ${plural(suppressed, 'group', 'groups')} suppressed.` : '.');
  const { figure, holder } = chartFigure('gap', caption);
  return {
    figure,
    draw(width) {
      holder.replaceChildren(drawHorizontal(width, items, {
        scale: 'gap', label, title: `Gap compared with ${ref ?? 'the reference group'}`, referenceText: refText,
      }));
    },
  };
}

function barChart(a, stat) {
  const released = a.groups.filter((g) => cellState(g.cells.get(stat)) === 'value');
  if (released.length === 0 || released.length > MAX_BAR_GROUPS) return null;
  const info = statInfo(stat, a);
  const hidden = a.groups.length - released.length;
  const items = released.map((g) => {
    const row = g.cells.get(stat);
    return { label: groupText(g), value: Number(row.value), text: formatValue(info.kind, row.value).main, state: 'value' };
  });
  const what = stat === 'count' ? 'Number of contributors' : stat === 'mean' ? `Average ${a.of ?? ''}`.trim() : `Total ${a.of ?? ''}`.trim();
  const caption = `${what} in each group.`
    + (hidden ? ` The ${plural(hidden, 'group', 'groups')} whose figure is suppressed or not defined are not drawn; the table lists them.` : '');
  const label = `Bar chart for ${prettyName(a.name)}: ${what.toLowerCase()} per group, ${plural(items.length, 'group', 'groups')} shown. `
    + items.map((i) => `${i.label}: ${i.text}`).join('; ') + '.';
  const { figure, holder } = chartFigure('bars', caption);
  return {
    figure,
    draw(width) {
      holder.replaceChildren(drawHorizontal(width, items, { scale: 'zero', label, title: `${what} per group` }));
    },
  };
}

function histogramChart(a) {
  const bins = a.stats.map((s) => ({ statistic: s, bin: parseBin(s) })).filter((b) => b.bin);
  if (a.groups.length === 0 || a.groups.length > MAX_HISTOGRAM_SERIES) return null;
  const series = a.groups.map((g, i) => ({
    label: groupText(g),
    index: i,
    values: bins.map((b) => {
      const row = g.cells.get(b.statistic);
      return cellState(row) === 'value' ? Number(row.value) : null;
    }),
    suppressed: bins.every((b) => cellState(g.cells.get(b.statistic)) === 'suppressed'),
  }));
  if (series.every((s) => s.values.every((v) => v === null))) return null;

  const legend = el('ul', { class: 'chart-legend' }, ...series.map((s) => el('li', {},
    el('span', { class: `swatch series-${s.index}${s.suppressed ? ' is-empty' : ''}`, 'aria-hidden': 'true' }),
    s.suppressed ? `${s.label} (suppressed)` : s.label)));
  const of = a.of ?? 'the value';
  const suppressed = series.filter((s) => s.suppressed).length;
  const caption = `How many people fall in each band of ${of}${a.by.length ? `, by ${byText(a)}` : ''}. `
    + (suppressed ? `${plural(suppressed, 'group is', 'groups are')} suppressed and have no bars. ` : '')
    + 'The table below has every number.';
  const label = `Histogram for ${prettyName(a.name)}: people per band of ${of}. `
    + series.map((s) => (s.suppressed ? `${s.label}: suppressed`
      : `${s.label}: ${bins.map((b, i) => `${binText(b.bin)}: ${s.values[i] === null ? 'not released' : formatCount(s.values[i])}`).join(', ')}`)).join('. ')
    + '.';
  const { figure, holder } = chartFigure('histogram', caption, [legend]);
  return {
    figure,
    draw(availableWidth) {
      holder.replaceChildren(drawHistogram(availableWidth, bins, series, label, `People per band of ${of}`));
    },
  };
}

function drawHistogram(availableWidth, bins, series, label, title) {
  const drawn = series.filter((s) => !s.suppressed);
  const slots = Math.max(1, drawn.length);
  // Wide enough for the band labels; a narrower screen scrolls the chart.
  const width = Math.max(availableWidth, 56 + bins.length * Math.max(86, slots * 18 + 16));
  const height = 280;
  const left = 56;
  const right = 8;
  const top = 14;
  const bottom = 44;
  const plotH = height - top - bottom;
  const root = svgRoot(width, height, label, title);

  const max = Math.max(0, ...drawn.flatMap((s) => s.values.filter((v) => v !== null)));
  const step = niceStep(max || 1, 4, true);
  const end = Math.max(step, Math.ceil(max / step) * step);
  const y = (v) => top + plotH - (v / end) * plotH;

  const grid = svgEl('g', { class: 'grid', 'aria-hidden': 'true' });
  for (let t = 0; t <= end; t += step) {
    grid.append(svgEl('line', { x1: left, x2: width - right, y1: y(t), y2: y(t) }));
    grid.append(svgEl('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': SMALL, class: 'tick' }, formatCount(t)));
  }
  root.append(grid);

  const band = (width - left - right) / bins.length;
  const inner = band * 0.8;
  const barW = Math.min(48, inner / slots);
  const showValues = barW >= 22;
  bins.forEach((b, bi) => {
    const bx = left + bi * band + (band - barW * slots) / 2;
    const cx = left + bi * band + band / 2;
    const [line1, line2] = b.bin.hi === null
      ? [formatIntegerText(b.bin.lo), 'and above']
      : [formatIntegerText(b.bin.lo), `to ${formatIntegerText((BigInt(b.bin.hi) - 1n).toString())}`];
    root.append(svgEl('text', { x: cx, y: height - bottom + 18, 'text-anchor': 'middle', 'font-size': SMALL, class: 'tick' }, line1));
    root.append(svgEl('text', { x: cx, y: height - bottom + 33, 'text-anchor': 'middle', 'font-size': SMALL, class: 'tick' }, line2));
    drawn.forEach((s, si) => {
      const v = s.values[bi];
      if (v === null) return;
      const x0 = bx + si * barW;
      const rect = svgEl('rect', {
        x: x0 + 1, y: y(v), width: Math.max(1, barW - 2), height: Math.max(0, y(0) - y(v)), class: `bar series-${s.index}`,
      });
      rect.append(svgEl('title', {}, `${s.label}, ${binText(b.bin)}: ${plural(v, 'person', 'people')}`));
      root.append(rect);
      if (showValues) {
        root.append(svgEl('text', {
          x: x0 + barW / 2, y: y(v) - 4, 'text-anchor': 'middle', 'font-size': 11, class: 'bar-value',
        }, formatCount(v)));
      }
    });
  });
  root.append(svgEl('line', { class: 'axis', x1: left, x2: width - right, y1: y(0), y2: y(0) }));
  return root;
}

/** Draws every chart at the width of its section, again when it changes. */
function drawCharts(charts) {
  let lastWidth = 0;
  const draw = () => {
    const holder = charts[0]?.figure.querySelector('.chart-holder');
    if (!holder) return;
    const width = Math.floor(holder.clientWidth);
    if (width <= 0 || Math.abs(width - lastWidth) < 2) return;
    lastWidth = width;
    for (const c of charts) c.draw(width);
  };
  draw();
  if (typeof ResizeObserver === 'function') {
    let pending = false;
    const observer = new ResizeObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; draw(); });
    });
    observer.observe($('analyses'));
  }
}

// ---------------------------------------------------------------------------
// Start

async function start() {
  // Pasting another link into this tab changes only the fragment, which
  // does not reload the page: reload, so the new link is checked afresh.
  window.addEventListener('hashchange', () => location.reload());
  try {
    const link = reportLink();
    checkLink(link);
    const [data, studyDoc] = await Promise.all([fetchReport(link), fetchStudy(link.hash)]);
    const analyses = buildAnalyses(data.rows, studyDoc);
    const indicators = indicatorIndex(studyDoc, analyses);
    renderSummary(data, studyDoc, analyses, indicators, link);
    const parts = analyses.map((a, i) => renderAnalysis(a, data, i, indicators.placeOf));
    $('analyses').replaceChildren(...parts.map((p) => p.section));
    if (indicators.sections.length) $('contents').before(renderIndicators(indicators, data));
    if (analyses.length === 0) {
      $('analyses').append(el('p', { class: 'card' }, 'This result has no statistics.'));
    }
    $('loading').hidden = true;
    $('report').hidden = false;
    drawCharts(parts.map((p) => p.chart).filter(Boolean));
  } catch (e) {
    showError(e);
  }
}

start();
