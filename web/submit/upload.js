// upload.js - the upload page of an organization study (docs/STUDY.md,
// "Organizations"): the employer's HR officer drops the HR export (CSV, or
// .xlsx read with read-excel-file), maps its columns to the study's fields,
// sees every row that cannot be used with its reason and a summary, then
// sends the rows that can as one report (submit.js sends it).
//
// The file is read in this browser only: its rows go to the core
// (Study.submission), which adds them up into the employer's table and
// splits that. Only the column mapping (the columns' names, never a value)
// is kept, in this browser's localStorage, for the next upload.

import { $, el, setText } from '/web/lib/dom.js';

/** The largest export read (bytes), and the most rows. */
const MAX_FILE_BYTES = 64 << 20;
const MAX_FILE_ROWS = 1000000;
/** Rows that cannot be used listed one by one, before "and N more". */
const MAX_LISTED = 500;
/** The xlsx reader, loaded the first time an .xlsx file is chosen. */
const XLSX_SCRIPT = '/web/vendor/read-excel-file.min.js';

const count = (n, one, many) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

// ---------------------------------------------------------------------------
// Reading the export

/** Splits CSV text into rows of cells (RFC 4180: quoted cells may hold the
 *  separator, quotes doubled, line breaks). The separator is the one of
 *  comma, semicolon or tab the header line has most of. */
export function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r|\n|$/));
  const seps = [',', ';', '\t'];
  const counts = seps.map((s) => firstLine.split(s).length);
  const sep = seps[counts.indexOf(Math.max(...counts))];
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === sep) { row.push(cell); cell = ''; } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      if (rows.length > MAX_FILE_ROWS + 1) throw new Error(`the file has more than ${MAX_FILE_ROWS.toLocaleString('en')} rows`);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw new Error('a quoted cell is never closed (a " is missing)');
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

let xlsxReader = null;

/** read-excel-file's global function, loaded once (a script of this
 *  server's own: the page's Content-Security-Policy allows nothing else). */
function loadXlsxReader() {
  if (!xlsxReader) {
    xlsxReader = new Promise((resolve, reject) => {
      const s = el('script', { src: XLSX_SCRIPT });
      s.addEventListener('load', () => (typeof window.readXlsxFile === 'function'
        ? resolve(window.readXlsxFile) : reject(new Error('the spreadsheet reader did not start'))));
      s.addEventListener('error', () => reject(new Error('the spreadsheet reader could not be loaded')));
      document.head.append(s);
    });
    xlsxReader.catch(() => { xlsxReader = null; });
  }
  return xlsxReader;
}

/** A cell of a spreadsheet as text: numbers in plain digits, dates as
 *  YYYY-MM-DD, booleans as true/false, nothing as ''. */
function cellText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  return String(v);
}

/** The rows of an export file (CSV or .xlsx, its first sheet): an array
 *  of arrays of text. Throws an Error saying what is wrong. */
export async function readExport(file) {
  if (file.size > MAX_FILE_BYTES) throw new Error(`the file is larger than ${MAX_FILE_BYTES >> 20} MB`);
  const name = file.name.toLowerCase();
  if (name.endsWith('.xls') || name.endsWith('.ods')) {
    throw new Error('this is not a CSV or .xlsx file: save the export as .xlsx (Excel workbook) or CSV and choose that');
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b; // "PK": an .xlsx is a zip
  if (zip || name.endsWith('.xlsx')) {
    if (!zip) throw new Error('the file is named .xlsx but is not an Excel workbook');
    const read = await loadXlsxReader();
    let result;
    try {
      result = await read(file);
    } catch (e) {
      throw new Error(`the workbook could not be read (${e?.message ?? e})`);
    }
    // (an array of sheets {sheet, data}, or of rows in older versions)
    const data = Array.isArray(result) && result.length && Array.isArray(result[0]?.data) ? result[0].data : result;
    if (!Array.isArray(data)) throw new Error('the workbook has no sheet');
    if (data.length > MAX_FILE_ROWS + 1) throw new Error(`the sheet has more than ${MAX_FILE_ROWS.toLocaleString('en')} rows`);
    return data.map((r) => (Array.isArray(r) ? r.map(cellText) : []));
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error('the file is not UTF-8 text: export it as CSV (UTF-8), or as .xlsx');
  }
  if (text.includes('\0')) throw new Error('the file is not a CSV text file: export it as CSV (UTF-8), or as .xlsx');
  return parseCsv(text);
}

// ---------------------------------------------------------------------------
// Columns and rows

const norm = (s) => String(s).trim().toLowerCase().replace(/\s+/g, ' ');

/** The mapping remembered for this study: { field name: column name }. */
function rememberedMapping(study) {
  try {
    const m = JSON.parse(localStorage.getItem(`mpc-upload-columns:${study.hash}`) ?? '{}');
    return m && typeof m === 'object' && !Array.isArray(m) ? m : {};
  } catch {
    return {};
  }
}

function rememberMapping(study, mapping, header) {
  const m = {};
  for (const [field, col] of Object.entries(mapping)) if (col !== null) m[field] = header[col];
  try {
    localStorage.setItem(`mpc-upload-columns:${study.hash}`, JSON.stringify(m));
  } catch {
    // (storage full or off: the mapping is simply not remembered)
  }
}

/** The column of each field: the remembered one if the header has it,
 *  else the column named like the field's label or name (case and spaces
 *  ignored), else null. */
export function autoMapping(fields, header, remembered = {}) {
  const names = header.map(norm);
  const mapping = {};
  const taken = new Set();
  for (const f of fields) {
    let col = typeof remembered[f.name] === 'string' ? names.indexOf(norm(remembered[f.name])) : -1;
    if (col < 0) col = names.indexOf(norm(f.label));
    if (col < 0) col = names.indexOf(norm(f.name));
    mapping[f.name] = col >= 0 && !taken.has(col) ? col : null;
    if (mapping[f.name] !== null) taken.add(col);
  }
  return mapping;
}

/** A cell as the form would take it: a choice's label whatever its case,
 *  yes/no for a boolean, the text trimmed. */
function normalize(field, text) {
  const t = text.trim();
  if (field.type === 'choice') return field.choices.find((c) => norm(c) === norm(t)) ?? t;
  if (field.type === 'boolean') {
    const v = norm(t);
    if (['yes', 'y', '1', 'true'].includes(v)) return 'true';
    if (['no', 'n', '0', 'false'].includes(v)) return 'false';
  }
  return t;
}

/** Checks every row with the core (Study.checkValue, the form's checks):
 *  { answers (the rows that can be used, as answers), problems [{row,
 *  message}] (row: its number in the file, the header being 1), blank }. */
export function checkRows(study, fields, mapping, rows) {
  const answers = [];
  const problems = [];
  let blank = 0;
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i];
    const texts = fields.map((f) => normalize(f, r[mapping[f.name]] ?? ''));
    if (texts.every((t) => t === '')) { blank++; continue; }
    const why = [];
    for (const [k, f] of fields.entries()) {
      const message = study.checkValue(f.name, texts[k]);
      if (message !== null) why.push(`${f.label}: ${message.startsWith(`${f.name}: `) ? message.slice(f.name.length + 2) : message}`);
    }
    if (why.length) { problems.push({ row: i + 1, message: why.join('; ') }); continue; }
    answers.push(Object.fromEntries(fields.map((f, k) => [f.name, f.type === 'boolean' ? texts[k] === 'true' : texts[k]])));
  }
  return { answers, problems, blank };
}

/** What the summary shows: per choice or yes/no field that an analysis
 *  groups by, the people of each label; per integer field, its total. */
export function summarize(doc, answers) {
  const byNames = new Set((doc.analyses ?? []).flatMap((a) => a.by ?? []));
  const groups = [];
  const totals = [];
  for (const f of doc.fields) {
    if (f.type === 'integer') {
      totals.push({ field: f, total: answers.reduce((s, a) => s + BigInt(a[f.name]), 0n) });
    } else if (byNames.has(f.name)) {
      const labels = f.type === 'boolean' ? [true, false] : f.choices;
      groups.push({ field: f, counts: labels.map((l) => ({ label: f.type === 'boolean' ? (l ? 'Yes' : 'No') : l, n: answers.filter((a) => a[f.name] === l).length })) });
    }
  }
  return { groups, totals };
}

// ---------------------------------------------------------------------------
// The page

/**
 * Draws the upload section for an organization study. onSend(answers) is
 * called with the rows to send when the officer confirms; the returned
 * object's setEnabled(bool) locks the section while a report is on its way.
 */
export function renderUpload(study, onSend) {
  const doc = study.doc;
  const fields = doc.fields;
  const maxRows = Number(doc.max_rows);
  const state = { rows: null, header: null, mapping: null, result: null, fileName: '' };

  $('upload-fields').replaceChildren(...fields.map((f) => el('li', {},
    el('strong', {}, f.label), ` (${f.name}): `, describeField(f))));
  setText($('upload-limit'), `One report holds at most ${count(maxRows, 'person', 'people')}.`);

  const input = el('input', {
    id: 'upload-file', type: 'file',
    accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
  $('upload-file-slot').replaceWith(input);
  input.addEventListener('change', () => { if (input.files[0]) load(input.files[0]); });
  const drop = $('upload-drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('is-over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('is-over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('is-over');
    const file = e.dataTransfer?.files?.[0];
    if (file) load(file);
  });
  $('upload-button').addEventListener('click', () => {
    if (state.result && state.result.answers.length > 0 && state.result.answers.length <= maxRows) onSend(state.result.answers);
  });

  async function load(file) {
    state.fileName = file.name;
    setFileStatus(`Reading ${file.name}…`, '');
    for (const id of ['upload-mapping', 'upload-problems', 'upload-summary']) $(id).hidden = true;
    $('upload-button').disabled = true;
    let rows;
    try {
      rows = await readExport(file);
    } catch (e) {
      setFileStatus(`${file.name} cannot be used: ${e?.message ?? e}. Nothing has been sent.`, 'bad');
      return;
    }
    const header = (rows[0] ?? []).map((h) => h.trim());
    if (header.length === 0 || header.every((h) => h === '')) {
      setFileStatus(`${file.name} is empty: it needs a header row naming its columns, then one row per employee. Nothing has been sent.`, 'bad');
      return;
    }
    state.rows = rows;
    state.header = header;
    state.mapping = autoMapping(fields, header, rememberedMapping(study));
    setFileStatus(`${file.name}: ${count(rows.length - 1, 'row', 'rows')} after the header, ${count(header.length, 'column', 'columns')}.`, '');
    renderMapping();
    recheck();
  }

  function setFileStatus(text, tone) {
    const s = $('upload-file-status');
    setText(s, text);
    s.className = ['file-status', tone && `is-${tone}`].filter(Boolean).join(' ');
  }

  function renderMapping() {
    const body = fields.map((f) => {
      const select = el('select', { id: `map-${f.name}`, 'data-field': f.name },
        el('option', { value: '' }, '— choose a column —'),
        ...state.header.map((h, i) => el('option', { value: String(i) }, h === '' ? `(column ${i + 1}, no name)` : h)));
      select.value = state.mapping[f.name] === null ? '' : String(state.mapping[f.name]);
      select.addEventListener('change', () => {
        state.mapping[f.name] = select.value === '' ? null : Number(select.value);
        recheck();
      });
      return el('tr', {}, el('th', { scope: 'row' }, el('label', { for: `map-${f.name}` }, f.label)), el('td', {}, select));
    });
    $('upload-mapping-rows').replaceChildren(...body);
    $('upload-mapping').hidden = false;
  }

  function recheck() {
    const missing = fields.filter((f) => state.mapping[f.name] === null);
    const used = Object.values(state.mapping).filter((c) => c !== null);
    const twice = used.find((c, i) => used.indexOf(c) !== i);
    $('upload-problems').hidden = true;
    $('upload-summary').hidden = true;
    $('upload-button').disabled = true;
    if (missing.length || twice !== undefined) {
      setText($('upload-mapping-status'), missing.length
        ? `Choose the column of: ${missing.map((f) => f.label).join(', ')}.`
        : `The column “${state.header[twice]}” is chosen for two fields: each field needs its own.`);
      $('upload-mapping-status').hidden = false;
      state.result = null;
      return;
    }
    $('upload-mapping-status').hidden = true;
    rememberMapping(study, state.mapping, state.header);
    const result = checkRows(study, fields, state.mapping, state.rows);
    state.result = result;
    renderProblems(result);
    renderSummary(result);
  }

  function renderProblems({ problems }) {
    $('upload-problems').hidden = problems.length === 0;
    if (problems.length === 0) return;
    setText($('upload-problems-intro'), `${count(problems.length, 'row', 'rows')} of ${state.fileName} cannot be used and will be left out of the report. Row numbers count the header as row 1. To include them, correct the export and choose it again.`);
    const items = problems.slice(0, MAX_LISTED).map((p) => el('li', { 'data-row': String(p.row) }, el('strong', {}, `Row ${p.row}`), `: ${p.message}`));
    if (problems.length > MAX_LISTED) items.push(el('li', {}, `… and ${count(problems.length - MAX_LISTED, 'more row', 'more rows')}.`));
    $('upload-problems-list').replaceChildren(...items);
  }

  function renderSummary({ answers, problems, blank }) {
    const n = answers.length;
    const facts = [
      ['Rows in the file', state.rows.length - 1],
      ['People in the report', n],
      ['Rows left out', problems.length],
    ];
    if (blank) facts.push(['Empty rows skipped', blank]);
    $('upload-facts').replaceChildren(...facts.map(([k, v]) => el('div', { 'data-fact': k }, el('dt', {}, k), el('dd', {}, v.toLocaleString('en')))));
    const { groups, totals } = summarize(doc, answers);
    $('upload-groups').replaceChildren(...groups.map((g) => el('div', { class: 'summary-group' },
      el('h4', {}, g.field.label),
      el('table', { class: 'summary-table' },
        el('tbody', {}, ...g.counts.map((c) => el('tr', {}, el('th', { scope: 'row' }, c.label), el('td', {}, c.n.toLocaleString('en')))))))),
    ...(totals.length ? [el('div', { class: 'summary-group' }, el('h4', {}, 'Totals'),
      el('table', { class: 'summary-table' }, el('tbody', {}, ...totals.map((t) => el('tr', {},
        el('th', { scope: 'row' }, t.field.label), el('td', {}, t.total.toLocaleString('en')))))))] : []));
    $('upload-summary').hidden = false;
    const ok = n > 0 && n <= maxRows;
    setText($('upload-ready'), n === 0
      ? 'No row can be used: there is nothing to send.'
      : n > maxRows
        ? `The report would hold ${count(n, 'person', 'people')}, more than the ${maxRows.toLocaleString('en')} this study accepts from one employer.`
        : `Sending adds these ${count(n, 'person', 'people')} up in this browser into your organization's table, which is then split into secret shares: no computing party sees a row.`);
    $('upload-ready').className = ok ? 'ready' : 'ready is-bad';
    $('upload-button').textContent = ok ? `Send the report of ${count(n, 'person', 'people')}` : 'Send the report';
    $('upload-button').disabled = !ok;
  }

  return {
    setEnabled(enabled) {
      input.disabled = !enabled;
      for (const s of $('upload-mapping-rows').querySelectorAll('select')) s.disabled = !enabled;
      $('upload-button').disabled = !enabled || !(state.result && state.result.answers.length > 0 && state.result.answers.length <= maxRows);
    },
  };
}

/** What a field's column must hold, in words. */
function describeField(f) {
  if (f.type === 'integer') return `a whole number from ${f.min.toLocaleString('en')} to ${f.max.toLocaleString('en')}, digits only`;
  if (f.type === 'boolean') return 'yes or no (or true/false)';
  return `one of ${f.choices.map((c) => `“${c}”`).join(', ')}`;
}
