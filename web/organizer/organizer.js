// organizer.js - the organizer's console (mpc organizer serve): five steps,
// in the order of the work. The study is written in a form and checked by
// the core (the WebAssembly module, the same validator as every server);
// everything signed is done by the console's server, in the organizer's
// folder, through the same code as the mpc commands. Every request carries
// the session secret from the console's link (X-Console-Secret).

import { loadMpc } from '/web/mpc.js';
import { $, el, setText, svgEl } from '/web/lib/dom.js';
import { renderField } from '/web/lib/form.js';

const STEPS = ['study', 'parties', 'links', 'collection', 'compute'];
const SECRET_KEY = 'mpc-console-secret';
const SAVE_DELAY_MS = 400;
const COLLECTION_EVERY_MS = 3000;
const COMPUTE_EVERY_MS = 500;
const STATS = ['count', 'sum', 'mean', 'stddev', 'histogram', 'share_positive', 'median', 'quartiles', 'quartile_bands'];
const STAT_LABELS = {
  count: 'count', sum: 'sum', mean: 'mean', stddev: 'standard deviation', histogram: 'histogram', share_positive: 'share above 0',
  median: 'median', quartiles: 'quartiles (and median)', quartile_bands: 'quartile pay bands (each group\'s share)',
};
/** The statistics that need a grid (docs/STUDY.md). */
const GRID_STATS = ['median', 'quartiles', 'quartile_bands'];

const state = {
  secret: '',
  mpc: null,
  server: null, // the last GET /api/state
  doc: null, // the study being edited (a plain object)
  valid: false,
  saveTimer: 0,
  collectionTimer: 0,
  collectionBusy: false,
  computeTimer: 0,
  announceTimer: 0,
};

// ---------------------------------------------------------------------------
// Talking to the console

class ConsoleError extends Error {
  constructor(message, status, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

async function api(method, path, body) {
  const init = { method, headers: { 'X-Console-Secret': state.secret }, cache: 'no-store' };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ConsoleError('The console does not answer: is mpc organizer serve still running?', 0);
  }
  const type = r.headers.get('Content-Type') ?? '';
  if (!type.startsWith('application/json') || r.headers.get('Content-Disposition')) {
    if (!r.ok) throw new ConsoleError(`HTTP ${r.status}`, r.status);
    return r;
  }
  const j = await r.json();
  if (!r.ok) throw new ConsoleError(j.error ?? `HTTP ${r.status}`, r.status, j.field);
  return j;
}

/** Fetches a download and saves it under the name the console gives. */
async function download(method, path, body, fallbackName) {
  const r = await api(method, path, body);
  if (!(r instanceof Response)) throw new ConsoleError('the console sent no file', 0);
  const disposition = r.headers.get('Content-Disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const blob = await r.blob();
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return name;
}

/** A message for everyone (a screen reader hears it), shown for a while. */
function announce(text) {
  setText($('status-message'), text);
  clearTimeout(state.announceTimer);
  state.announceTimer = setTimeout(() => setText($('status-message'), ''), 6000);
}

// ---------------------------------------------------------------------------
// Start

async function start() {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('secret');
  if (fromLink) {
    sessionStorage.setItem(SECRET_KEY, fromLink);
    history.replaceState(null, '', `${location.pathname}#study`);
  }
  state.secret = sessionStorage.getItem(SECRET_KEY) ?? '';
  try {
    if (!/^[0-9a-f]{64}$/.test(state.secret)) {
      throw new ConsoleError('This page was not opened with the console\'s link.', 401);
    }
    [state.mpc, state.server] = await Promise.all([loadMpc(), api('GET', '/api/state')]);
  } catch (e) {
    $('loading').hidden = true;
    $('page-load-error').hidden = false;
    $('page-load-error-message').textContent = e.message;
    $('page-load-error-advice').textContent = e.status === 401
      ? 'Open the whole link that mpc organizer serve printed in the terminal (with the part after #secret=). A new run of the console prints a new link.'
      : 'Check that mpc organizer serve is running, then reload the page.';
    return;
  }
  $('folder').textContent = state.server.dir;
  $('folder-warning').hidden = false;
  state.doc = state.server.study ?? null;
  bindStudyStep();
  bindPartiesStep();
  bindLinksStep();
  bindComputeStep();
  renderAll();
  $('loading').hidden = true;
  $('steps').hidden = false;
  $('content').hidden = false;
  window.addEventListener('hashchange', showStep);
  showStep();
}

function showStep() {
  let step = location.hash.slice(1);
  if (!STEPS.includes(step)) step = 'study';
  for (const s of document.querySelectorAll('.step')) s.hidden = s.dataset.step !== step;
  for (const a of document.querySelectorAll('#steps a')) {
    if (a.dataset.step === step) a.setAttribute('aria-current', 'step');
    else a.removeAttribute('aria-current');
  }
  clearInterval(state.collectionTimer);
  state.collectionTimer = 0;
  if (step === 'collection' && state.server.sealed) {
    refreshCollection();
    state.collectionTimer = setInterval(refreshCollection, COLLECTION_EVERY_MS);
  }
  if (step === 'compute' && state.server.sealed) refreshCompute(false);
}

function renderAll() {
  renderStudyStep();
  renderPartiesStep();
  renderLinksStep();
  const sealed = Boolean(state.server.sealed);
  $('collection-need-seal').hidden = sealed;
  $('collection-body').hidden = !sealed;
  $('compute-need-seal').hidden = sealed;
  $('compute-body').hidden = !sealed;
  for (const a of document.querySelectorAll('#steps a')) {
    const needsSeal = ['links', 'collection', 'compute'].includes(a.dataset.step);
    a.classList.toggle('step-waiting', needsSeal && !sealed);
  }
}

function setServer(j) {
  state.server = j;
  renderAll();
}

// ---------------------------------------------------------------------------
// 1. The study: a form over the study's JSON, checked by the core

function blankStudy() {
  return {
    format: 'mpc-study/1',
    id: 'my-study',
    title: 'My study',
    description: '',
    access: 'token',
    fields: [
      { name: 'group', label: 'Which group are you in?', type: 'choice', choices: ['A', 'B'] },
      { name: 'amount', label: 'Your amount', type: 'integer', min: 0, max: 1000000 },
    ],
    analyses: [{ name: 'amount_by_group', of: 'amount', by: ['group'], stats: ['count', 'mean'] }],
    privacy: { min_submissions: 10, min_cell_count: 5 },
  };
}

/** "fields[1].choices" -> ['fields', 1, 'choices']. */
function parsePath(path) {
  return path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function setPath(doc, path, value) {
  const parts = parsePath(path);
  let o = doc;
  for (const p of parts.slice(0, -1)) {
    if (o[p] === undefined) o[p] = {};
    o = o[p];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

function getPath(doc, path) {
  return parsePath(path).reduce((o, p) => (o === undefined || o === null ? undefined : o[p]), doc);
}

/** A whole number typed in a box, or the text itself (the core then says
 *  what is wrong with it, at its field). */
function numberOrText(text) {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

const CONVERT = {
  text: (v) => v,
  optional: (v) => (v.trim() === '' ? undefined : v),
  number: numberOrText,
  lines: (v) => v.split('\n').map((s) => s.trim()).filter((s) => s !== ''),
  numbers: (v) => (v.trim() === '' ? undefined : v.split(/[\s,;]+/).filter((s) => s !== '').map(numberOrText)),
  select: (v) => (v === '' ? undefined : v),
  // (a new kind of grid starts from an example the organizer then edits)
  gridKind: (v) => (v === 'percent' ? { percent: 2, from: 1000 } : 1000),
};

let controlId = 0;

/** One labelled control bound to a path of the study. */
function control(path, label, { kind = 'text', convert = 'text', hint, options, rows, value } = {}) {
  const id = `c${++controlId}`;
  const current = value ?? getPath(state.doc, path);
  let input;
  if (kind === 'select') {
    input = el('select', { id }, ...options.map(([v, l]) => el('option', { value: v, selected: String(current ?? '') === v }, l)));
  } else if (kind === 'textarea') {
    input = el('textarea', { id, rows: rows ?? 3, spellcheck: 'false' });
    input.value = Array.isArray(current) ? current.join('\n') : (current ?? '');
  } else {
    input = el('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', class: convert === 'number' ? 'number' : null });
    input.value = Array.isArray(current) ? current.join(', ') : (current ?? '');
  }
  input.dataset.path = path;
  input.dataset.convert = convert;
  const hintEl = hint ? el('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const error = el('p', { class: 'field-error', 'data-error-for': path, id: `${id}-error` });
  input.setAttribute('aria-describedby', [hintEl?.id, error.id].filter(Boolean).join(' '));
  return el('div', { class: 'field editor-field' }, el('label', { class: 'field-label', for: id }, label), hintEl, error, input);
}

/** A group of checkboxes bound to an array of the study. */
function checkboxes(path, legend, values, labels, { structural = false } = {}) {
  const current = getPath(state.doc, path) ?? [];
  const error = el('p', { class: 'field-error', 'data-error-for': path });
  const boxes = values.map((v) => {
    const id = `c${++controlId}`;
    const box = el('input', { type: 'checkbox', id, value: v, checked: current.includes(v) });
    box.dataset.group = path;
    if (structural) box.dataset.structural = '1';
    return el('span', { class: 'option option-inline' }, box, el('label', { for: id }, labels?.[v] ?? v));
  });
  return el('fieldset', { class: 'field editor-field' }, el('legend', { class: 'field-label' }, legend), error,
    values.length ? el('div', { class: 'options options-inline' }, ...boxes) : el('p', { class: 'hint' }, 'None yet.'));
}

function button(text, onClick, cls = 'secondary') {
  const b = el('button', { type: 'button', class: `button ${cls} small` }, text);
  b.addEventListener('click', onClick);
  return b;
}

function renderEditor() {
  const doc = state.doc;
  const root = $('editor-fields');
  if (!doc) {
    root.replaceChildren(el('p', { class: 'hint' }, 'Choose a template above to begin.'));
    return;
  }
  const fields = doc.fields ?? [];
  const integerFields = fields.filter((f) => f.type === 'integer').map((f) => f.name);
  const groupFields = fields.filter((f) => f.type === 'choice' || f.type === 'boolean').map((f) => f.name);

  const general = el('fieldset', { class: 'editor-section' }, el('legend', {}, 'About the study'),
    control('title', 'Title', { hint: 'Shown at the top of the form.' }),
    control('description', 'Description', { kind: 'textarea', convert: 'optional', rows: 4, hint: 'Why you ask, and what will be done with the results.' }),
    control('id', 'Identifier', { hint: 'Lowercase letters, digits and dashes, for example pay-2026.' }),
    control('access', 'Who can answer', {
      kind: 'select',
      options: [['token', 'One personal link per contributor (recommended)'], ['open', 'Anyone with the form\'s address (no links; see the README)'],
        ['organization', 'One link per employer: its HR staff upload the whole workforce as one report']],
    }),
    ...(doc.access === 'organization' ? [control('max_rows', 'Most people one employer may report', {
      convert: 'number', hint: 'The largest workforce an employer can upload at once. A larger number makes every upload a little larger.',
    })] : []));
  general.querySelector('[data-path="access"]').dataset.structural = '1';

  const questions = fields.map((f, i) => {
    const p = `fields[${i}]`;
    const parts = [
      control(`${p}.label`, 'Question'),
      control(`${p}.name`, 'Short name', { hint: 'Letters, digits and underscores; analyses refer to it.' }),
      control(`${p}.help`, 'Help text (optional)', { convert: 'optional' }),
      control(`${p}.type`, 'Kind of answer', {
        kind: 'select',
        options: [['choice', 'One of several choices'], ['integer', 'A whole number'], ['boolean', 'Yes or no']],
      }),
    ];
    parts[3].querySelector('select').dataset.structural = '1';
    // (A rename re-draws the analyses, whose choices name the questions.)
    parts[1].querySelector('input').dataset.structural = '1';
    if (f.type === 'choice') parts.push(control(`${p}.choices`, 'Choices, one per line', { kind: 'textarea', convert: 'lines', rows: Math.max(3, (f.choices ?? []).length) }));
    if (f.type === 'integer') {
      parts.push(el('div', { class: 'field-pair' },
        control(`${p}.min`, 'Smallest answer', { convert: 'number' }),
        control(`${p}.max`, 'Largest answer', { convert: 'number' })));
    }
    parts.push(el('p', { class: 'field-error', 'data-error-for': p }));
    parts.push(button('Remove this question', () => structural(() => doc.fields.splice(i, 1))));
    return el('fieldset', { class: 'editor-item' }, el('legend', {}, `Question ${i + 1}`), ...parts);
  });

  const analyses = (doc.analyses ?? []).map((a, j) => {
    const p = `analyses[${j}]`;
    const firstBy = fields.find((f) => f.name === (a.by ?? [])[0]);
    const refChoices = firstBy?.type === 'choice' ? firstBy.choices ?? [] : [];
    const parts = [
      control(`${p}.name`, 'Short name', { hint: 'Letters, digits and underscores; it names the table in the report.' }),
      control(`${p}.of`, 'Of the number', { kind: 'select', convert: 'select', options: [['', '(none: counts only)'], ...integerFields.map((n) => [n, n])] }),
      checkboxes(`${p}.by`, 'Grouped by', groupFields, null, { structural: true }),
      checkboxes(`${p}.stats`, 'Statistics', STATS, STAT_LABELS, { structural: true }),
    ];
    parts[1].querySelector('select').dataset.structural = '1';
    if ((a.stats ?? []).includes('histogram')) {
      parts.push(control(`${p}.bins`, 'Histogram bands: lower edges', { convert: 'numbers', hint: 'Increasing whole numbers, separated by commas; the first at or below the smallest answer.' }));
    }
    if ((a.stats ?? []).some((s) => GRID_STATS.includes(s))) {
      const relative = typeof a.grid === 'object' && a.grid !== null;
      const kind = control(`${p}.grid`, 'Median, quartiles and bands: the grid', {
        kind: 'select', convert: 'gridKind', value: relative ? 'percent' : 'step',
        options: [['step', 'Every N (for example every 500)'], ['percent', 'A percent apart (for example 2% apart, from 1000)']],
        hint: 'Each is reported as the lowest value of its grid cell.',
      });
      kind.querySelector('select').dataset.structural = '1';
      parts.push(kind);
      if (relative) {
        parts.push(el('div', { class: 'field-pair' },
          control(`${p}.grid.percent`, 'Percent apart', { convert: 'number', hint: 'A whole number from 1 to 100.' }),
          control(`${p}.grid.from`, 'From', { convert: 'number', hint: 'The first cell above the smallest answer starts here.' })));
      } else {
        parts.push(control(`${p}.grid`, 'To the nearest', { convert: 'number', hint: 'A whole number, for example 500: each is reported rounded down to a multiple of it (counted from the smallest answer).' }));
      }
      if ((a.stats ?? []).some((s) => s === 'median' || s === 'quartiles')) {
        parts.push(control(`${p}.quantiles_among`, 'Median and quartiles among', {
          kind: 'select', convert: 'select',
          options: [['', 'everyone in the group'], ['positive', 'those whose value is above 0 (for a bonus: those receiving one; needs share above 0)']],
        }));
      }
    }
    if (a.of && refChoices.length) {
      parts.push(control(`${p}.gap_reference`, 'Gap: compare each group\'s mean with', {
        kind: 'select', convert: 'select', options: [['', '(no gap)'], ...refChoices.map((c) => [c, c])],
      }));
    }
    parts.push(el('p', { class: 'field-error', 'data-error-for': p }));
    parts.push(button('Remove this analysis', () => structural(() => doc.analyses.splice(j, 1))));
    return el('fieldset', { class: 'editor-item' }, el('legend', {}, `Analysis ${j + 1}`), ...parts);
  });

  const privacy = el('fieldset', { class: 'editor-section' }, el('legend', {}, 'Privacy thresholds'),
    control('privacy.min_submissions', 'Fewest submissions before anything is released', { convert: 'number' }),
    control('privacy.min_cell_count', 'Smallest group whose numbers are released', { convert: 'number', hint: 'A group with fewer contributors is suppressed (5 or more is usual; 1 releases every group).' }),
    ...(doc.access === 'organization' ? [control('privacy.min_contributors', 'Fewest employers a released group needs', {
      convert: 'number', hint: 'A group with people from fewer employers is suppressed however many people it holds, so that no figure describes one employer (3 or more; Boston\'s study used 8).',
    })] : []),
    el('p', { class: 'field-error', 'data-error-for': 'privacy' }));

  const indicators = renderIndicatorsEditor(doc);

  root.replaceChildren(
    general,
    el('fieldset', { class: 'editor-section' }, el('legend', {}, 'Questions'),
      el('p', { class: 'field-error', 'data-error-for': 'fields' }), ...questions,
      button('Add a question', () => structural(() => doc.fields.push({ name: `question_${doc.fields.length + 1}`, label: 'A new question', type: 'boolean' })))),
    el('fieldset', { class: 'editor-section' }, el('legend', {}, 'Analyses (what is released)'),
      el('p', { class: 'field-error', 'data-error-for': 'analyses' }), ...analyses,
      button('Add an analysis', () => structural(() => doc.analyses.push({ name: `analysis_${doc.analyses.length + 1}`, stats: ['count'] })))),
    privacy, indicators);
  setEditorEnabled(!state.server.sealed);
}

/** The statistics a table of the report headings can list for analysis
 *  a, in order: the analysis's own (a histogram, the quartiles, the bands
 *  each as a whole), its gaps, and any other the table already lists. */
function tableChoices(a, listed) {
  const out = [...(Array.isArray(a?.stats) ? a.stats : [])];
  if (a?.gap_reference !== undefined) {
    out.push('gap', 'gap_percent');
    if (out.includes('median') || out.includes('quartiles')) out.push('median_gap_percent');
  }
  for (const s of listed ?? []) if (!out.includes(s)) out.push(s);
  return out;
}

const TABLE_STAT_LABELS = {
  ...STAT_LABELS, histogram: 'histogram (every band)', quartile_bands: 'quartile pay bands (all four)',
  gap: 'gap (ratio)', gap_percent: 'pay gap (%)', median_gap_percent: 'median pay gap (%)',
};

/** The report headings (docs/STUDY.md, "Indicators"): a title, headings,
 *  each with tables of an analysis's statistics; or a button to add them. */
function renderIndicatorsEditor(doc) {
  const analyses = doc.analyses ?? [];
  const section = el('fieldset', { class: 'editor-section', id: 'editor-indicators' }, el('legend', {}, 'Report headings (optional)'),
    el('p', { class: 'hint' }, 'Some of the analyses\' figures shown again under headings of your own (a law\'s, for example), first on the report page, in the CSV and in the spreadsheet. Nothing more is computed.'),
    el('p', { class: 'field-error', 'data-error-for': 'indicators' }));
  const ind = doc.indicators;
  const newTable = () => ({ analysis: analyses[0]?.name ?? '', statistics: tableChoices(analyses[0]).slice(0, 1) });
  if (!ind) {
    section.append(button('Add report headings', () => structural(() => {
      doc.indicators = { title: 'Indicators', sections: [{ heading: 'A heading', tables: [newTable()] }] };
    })));
    return section;
  }
  section.append(control('indicators.title', 'Title of the section'),
    el('p', { class: 'field-error', 'data-error-for': 'indicators.sections' }));
  (ind.sections ?? []).forEach((sec, k) => {
    const sp = `indicators.sections[${k}]`;
    const tables = (sec.tables ?? []).map((t, ti) => {
      const tp = `${sp}.tables[${ti}]`;
      const a = analyses.find((x) => x.name === t.analysis);
      const pick = control(`${tp}.analysis`, 'Figures of the analysis', { kind: 'select', options: analyses.map((x) => [x.name, x.name]) });
      pick.querySelector('select').dataset.structural = '1';
      return el('fieldset', { class: 'editor-item' }, el('legend', {}, `Table ${ti + 1}`),
        pick,
        checkboxes(`${tp}.statistics`, 'Its statistics', tableChoices(a, t.statistics), TABLE_STAT_LABELS),
        control(`${tp}.label`, 'Label (optional)', { convert: 'optional' }),
        el('p', { class: 'field-error', 'data-error-for': tp }),
        button('Remove this table', () => structural(() => sec.tables.splice(ti, 1))));
    });
    section.append(el('fieldset', { class: 'editor-item', 'data-indicator': String(k) }, el('legend', {}, `Heading ${k + 1}`),
      control(`${sp}.heading`, 'Heading'),
      el('p', { class: 'field-error', 'data-error-for': `${sp}.tables` }),
      ...tables,
      (sec.tables ?? []).length < 4 ? button('Add a table', () => structural(() => { sec.tables.push(newTable()); })) : '',
      button('Remove this heading', () => structural(() => ind.sections.splice(k, 1)))));
  });
  if ((ind.sections ?? []).length < 16) {
    section.append(button('Add a heading', () => structural(() => ind.sections.push({ heading: 'A heading', tables: [newTable()] }))));
  }
  section.append(button('Remove the report headings', () => structural(() => { delete doc.indicators; })));
  return section;
}

function setEditorEnabled(enabled) {
  for (const c of $('study-form').querySelectorAll('input, select, textarea, button')) c.disabled = !enabled;
  for (const b of document.querySelectorAll('[data-template]')) b.disabled = !enabled;
}

/** Removes what no control of the form shows any more (and gives a
 *  question of a new kind what it needs), so that a change of shape never
 *  leaves an error the organizer cannot reach: a choice question turned
 *  into a number loses its choices, an analysis drops a question that can
 *  no longer group it or be its number, a histogram unticked its bands,
 *  a gap whose reference is no longer a choice of the first "by" field
 *  goes. */
function normalize(doc) {
  // One report per employer: the most people in one, and the fewest
  // employers a released group needs (docs/STUDY.md, "Organizations").
  if (doc.access === 'organization') {
    if (doc.max_rows === undefined) doc.max_rows = 10000;
    doc.privacy = doc.privacy ?? {};
    if (doc.privacy.min_contributors === undefined) doc.privacy.min_contributors = 3;
  } else {
    delete doc.max_rows;
    if (doc.privacy) delete doc.privacy.min_contributors;
  }
  for (const f of doc.fields ?? []) {
    if (f.type !== 'choice') delete f.choices;
    if (f.type !== 'integer') {
      delete f.min;
      delete f.max;
    }
    if (f.type === 'choice' && !Array.isArray(f.choices)) f.choices = ['A', 'B'];
    if (f.type === 'integer') {
      if (f.min === undefined) f.min = 0;
      if (f.max === undefined) f.max = Math.max(100, Number(f.min) + 1 || 100);
    }
  }
  const kind = new Map((doc.fields ?? []).map((f) => [f.name, f.type]));
  for (const a of doc.analyses ?? []) {
    if (a.of !== undefined && kind.get(a.of) !== 'integer') delete a.of;
    if (Array.isArray(a.by)) {
      a.by = a.by.filter((n) => kind.get(n) === 'choice' || kind.get(n) === 'boolean');
      if (a.by.length === 0) delete a.by;
    }
    if (!(a.stats ?? []).includes('histogram')) delete a.bins;
    const quantiles = (a.stats ?? []).filter((s) => s === 'median' || s === 'quartiles');
    if (!(a.stats ?? []).some((s) => GRID_STATS.includes(s))) delete a.grid;
    else if (a.grid === undefined) a.grid = 1000;
    if (quantiles.length === 0) delete a.quantiles_among;
    // (the quartiles include the median: with both ticked, the quartiles stay)
    if (quantiles.length === 2) a.stats = a.stats.filter((s) => s !== 'median');
    const first = (doc.fields ?? []).find((f) => f.name === (a.by ?? [])[0]);
    if (a.gap_reference !== undefined && (!a.of || first?.type !== 'choice' || !(first.choices ?? []).includes(a.gap_reference))) {
      delete a.gap_reference;
    }
  }
  normalizeIndicators(doc);
}

/** The statistics analysis a makes in each group, as its report rows
 *  name them (docs/STUDY.md), and those its study file declares: what an
 *  indicator's table may list. */
function tableStats(a) {
  const stats = Array.isArray(a.stats) ? a.stats : [];
  const out = new Set(tableChoices(a));
  const bins = Array.isArray(a.bins) ? a.bins : [];
  bins.forEach((b, i) => out.add(`histogram[${b};${i + 1 < bins.length ? bins[i + 1] : ''})`));
  if (stats.includes('quartiles')) ['quartile_1', 'median', 'quartile_3'].forEach((s) => out.add(s));
  if (stats.includes('quartile_bands')) [1, 2, 3, 4].forEach((b) => out.add(`quartile_band_${b}`));
  return out;
}

/** The report headings keep to what the analyses still make: a table
 *  whose analysis is gone goes, a statistic no longer made goes (and its
 *  table, if that was its last), and so does a heading left with no table
 *  that way. A table or heading the organizer emptied stays, for the core
 *  to name. */
function normalizeIndicators(doc) {
  const ind = doc.indicators;
  if (!ind || !Array.isArray(ind.sections)) return;
  const byName = new Map((doc.analyses ?? []).map((a) => [a.name, a]));
  const hadSections = ind.sections.length;
  ind.sections = ind.sections.filter((sec) => {
    const had = Array.isArray(sec.tables) ? sec.tables.length : 0;
    sec.tables = (Array.isArray(sec.tables) ? sec.tables : []).filter((t) => {
      const a = byName.get(t.analysis);
      if (!a) return false;
      const listed = Array.isArray(t.statistics) ? t.statistics : [];
      const made = tableStats(a);
      t.statistics = listed.filter((s) => made.has(s));
      return t.statistics.length > 0 || listed.length === 0;
    });
    return sec.tables.length > 0 || had === 0;
  });
  if (ind.sections.length === 0 && hadSections > 0) delete doc.indicators;
}

function renameAnalysis(doc, from, to) {
  for (const sec of doc.indicators?.sections ?? []) {
    for (const t of sec.tables ?? []) if (t.analysis === from) t.analysis = to;
  }
}

function renameField(doc, from, to) {
  for (const a of doc.analyses ?? []) {
    if (a.of === from) a.of = to;
    if (Array.isArray(a.by)) a.by = a.by.map((n) => (n === from ? to : n));
  }
}

/** A change of the study's shape: re-draw the form, then check. */
function structural(change) {
  change();
  normalize(state.doc);
  renderEditor();
  studyChanged();
}

function onEditorInput(event) {
  const t = event.target;
  if (t.dataset.group) {
    const boxes = [...$('study-form').querySelectorAll(`input[data-group="${CSS.escape(t.dataset.group)}"]`)];
    const values = boxes.filter((b) => b.checked).map((b) => b.value);
    const optional = t.dataset.group.endsWith('.by');
    setPath(state.doc, t.dataset.group, optional && values.length === 0 ? undefined : values);
  } else if (t.dataset.path) {
    const before = getPath(state.doc, t.dataset.path);
    setPath(state.doc, t.dataset.path, CONVERT[t.dataset.convert](t.value));
    // A question renamed: the analyses follow it.
    if (/^fields\[\d+\]\.name$/.test(t.dataset.path)) renameField(state.doc, before, t.value);
    // An analysis renamed: the indicators' tables follow it.
    if (/^analyses\[\d+\]\.name$/.test(t.dataset.path)) renameAnalysis(state.doc, before, t.value);
    // A table of the report headings given another analysis: that
    // analysis's first statistic, to begin with.
    const table = /^(indicators\.sections\[\d+\]\.tables\[\d+\])\.analysis$/.exec(t.dataset.path);
    if (table) {
      const a = (state.doc.analyses ?? []).find((x) => x.name === t.value);
      setPath(state.doc, `${table[1]}.statistics`, tableChoices(a).slice(0, 1));
    }
  } else {
    return;
  }
  if (t.dataset.structural) {
    const focus = t.dataset.path ?? null;
    const caret = typeof t.selectionStart === 'number' ? [t.selectionStart, t.selectionEnd] : null;
    normalize(state.doc);
    renderEditor();
    const again = focus ? $('study-form').querySelector(`[data-path="${CSS.escape(focus)}"]`)
      : $('study-form').querySelector(`input[data-group="${CSS.escape(t.dataset.group)}"][value="${CSS.escape(t.value)}"]`);
    again?.focus();
    if (again && caret) again.setSelectionRange(...caret);
  }
  studyChanged();
}

/** The slot of an error at path: the path's own, else its parent's. */
function errorSlot(path) {
  let p = path;
  for (;;) {
    const slot = $('study-form').querySelector(`[data-error-for="${CSS.escape(p)}"]`);
    if (slot) return slot;
    if (p === '') return $('err-general');
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
}

function clearErrors() {
  for (const e of $('study-form').querySelectorAll('[data-error-for]')) {
    e.textContent = '';
    e.closest('.editor-field')?.classList.remove('has-error');
  }
  for (const c of $('study-form').querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** Shows one error at the field it names; returns the slot. */
function showStudyError(message, field) {
  const match = /^([A-Za-z0-9_.[\]]+): (.*)$/s.exec(message);
  const path = field ?? (match && !/^line \d/.test(message) ? match[1] : '');
  const slot = errorSlot(path);
  slot.textContent = message;
  const wrap = slot.closest('.editor-field');
  wrap?.classList.add('has-error');
  wrap?.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
  return slot;
}

/** Checks the study with the core; shows its error where it belongs, or
 *  the preview, and (save) saves it. */
function studyChanged(save = true) {
  clearErrors();
  const text = JSON.stringify(state.doc, null, 2);
  let study = null;
  try {
    study = state.mpc.study(text, { sealed: false });
  } catch (e) {
    state.valid = false;
    showStudyError(e.message.replace(/^invalid study: /, ''));
    setText($('study-state'), 'Not saved: correct the error shown in red first.');
    $('study-state').className = 'study-state bad';
    return;
  }
  state.valid = true;
  renderPreview(study);
  study.free();
  if (state.server.sealed) {
    clearTimeout(state.saveTimer);
    setText($('study-state'), 'Sealed: this is the study the parties approve.');
    $('study-state').className = 'study-state ok';
    return;
  }
  if (!save) {
    setText($('study-state'), 'Saved in your folder (study.json). The study is valid.');
    $('study-state').className = 'study-state ok';
    return;
  }
  setText($('study-state'), 'Saving…');
  $('study-state').className = 'study-state';
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(saveStudy, SAVE_DELAY_MS);
}

async function saveStudy() {
  if (state.server.sealed) return;
  try {
    const j = await api('PUT', '/api/study', JSON.stringify(state.doc));
    state.server = j;
    renderPartiesStep();
    setText($('study-state'), 'Saved in your folder (study.json). The study is valid.');
    $('study-state').className = 'study-state ok';
  } catch (e) {
    showStudyError(e.message, e.field);
    setText($('study-state'), 'Not saved.');
    $('study-state').className = 'study-state bad';
  }
}

function renderPreview(study) {
  const doc = study.doc;
  const check = study.checkValue.bind(study);
  // (an organization study's link opens the upload of the employer's HR
  // export, one column per field, instead of the questions)
  const fields = doc.access === 'organization'
    ? [el('p', { class: 'hint' }, 'Each employer uploads its HR export (CSV or .xlsx), one row per employee and one column per field:'),
      el('ul', {}, ...(doc.fields ?? []).map((f) => el('li', {}, `${f.label} (${f.name})`)))]
    : (doc.fields ?? []).map((spec) => renderField(spec, check).wrap);
  $('preview').replaceChildren(
    el('h4', { class: 'preview-title' }, doc.title ?? ''),
    doc.description ? el('p', { class: 'description' }, doc.description) : null,
    el('div', { class: 'preview-fields' }, ...fields),
    el('h5', {}, 'What is released'),
    el('ul', { class: 'plan' }, ...study.plan().map((line) => el('li', {}, line))));
}

async function loadTemplate(name) {
  if (state.doc && !confirm('Replace the study in the form with this template?')) return;
  state.doc = name === 'blank' ? blankStudy() : await api('GET', `/api/template?name=${encodeURIComponent(name)}`);
  renderEditor();
  studyChanged();
  announce('The template is in the form.');
}

function bindStudyStep() {
  $('study-form').addEventListener('input', onEditorInput);
  $('study-form').addEventListener('submit', (e) => e.preventDefault());
  for (const b of document.querySelectorAll('[data-template]')) b.addEventListener('click', () => loadTemplate(b.dataset.template));
  $('unseal-button').addEventListener('click', async () => {
    if (!confirm('Set the seal aside to change the study? Every party will need the new sealed.json, and must approve it again; links made for this version will not work with the new one.')) return;
    try {
      setServer(await api('POST', '/api/unseal'));
      announce('The seal is set aside (kept in your folder as sealed-N.json). You can change the study.');
    } catch (e) {
      alert(e.message);
    }
  });
}

function renderStudyStep() {
  $('sealed-lock').hidden = !state.server.sealed;
  renderEditor();
  if (state.doc) studyChanged(false);
}

// ---------------------------------------------------------------------------
// 2. Parties and seal

function shortKey(hex) {
  return `${hex.slice(2, 10)}…${hex.slice(-8)}`;
}

function renderPartiesStep() {
  const parties = state.server.parties ?? [];
  const sealed = state.server.sealed;
  $('parties-empty').hidden = parties.length > 0;
  $('party-list').replaceChildren(...parties.map((p, i) => el('li', { class: 'party-entry' },
    el('div', { class: 'party-main' },
      el('span', { class: 'party-name' }, p.name), i === 0 ? el('span', { class: 'badge' }, 'Leader') : null,
      el('span', { class: 'party-host mono' }, p.url),
      el('span', { class: 'hint mono' }, `signing key ${shortKey(p.signing_public_key)}`)),
    sealed ? null : el('div', { class: 'button-row' },
      i > 0 ? button('Make leader', () => partyAction('POST', `/api/parties/${i + 1}/lead`)) : null,
      button('Remove', () => partyAction('DELETE', `/api/parties/${i + 1}`))))));
  $('add-party-card').hidden = Boolean(sealed);
  const needs = [];
  if (!state.server.study) needs.push('a valid study (step 1)');
  if (parties.length < 2) needs.push(`at least 2 parties (${parties.length} so far)`);
  setText($('seal-needs'), sealed ? 'Sealed.' : needs.length ? `Sealing needs ${needs.join(' and ')}.` : 'Ready to seal: this signs the study and its parties with your key.');
  $('seal-button').hidden = Boolean(sealed);
  $('seal-button').disabled = needs.length > 0;
  $('sealed-info').hidden = !sealed;
  if (sealed) {
    setText($('hash-groups'), sealed.hash_groups);
    setText($('hash-full'), sealed.hash);
    setText($('small-groups'), sealed.plan[sealed.plan.length - 1] ?? '');
  }
}

async function partyAction(method, path, body) {
  setText($('party-error'), '');
  try {
    setServer(await api(method, path, body));
    return true;
  } catch (e) {
    setText($('party-error'), e.message);
    return false;
  }
}

async function addPartyTexts(texts) {
  for (const [name, text] of texts) {
    if (!(await partyAction('POST', '/api/parties', text))) {
      $('party-error').textContent = `${name}: ${$('party-error').textContent}`;
      return;
    }
    announce(`Added ${name}.`);
  }
  $('party-paste').value = '';
}

async function filesToTexts(files) {
  return Promise.all([...files].map(async (f) => [f.name, f.size > 65536 ? '' : await f.text()]));
}

function bindPartiesStep() {
  $('party-add').addEventListener('click', () => addPartyTexts([['The pasted file', $('party-paste').value]]));
  $('party-files').addEventListener('change', async (e) => {
    await addPartyTexts(await filesToTexts(e.target.files));
    e.target.value = '';
  });
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', async (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    await addPartyTexts(await filesToTexts(e.dataTransfer.files));
  });
  $('seal-button').addEventListener('click', async () => {
    setText($('seal-error'), '');
    try {
      setServer(await api('POST', '/api/seal'));
      announce('Sealed. Download sealed.json and send it to every party.');
    } catch (e) {
      setText($('seal-error'), e.message);
    }
  });
  $('download-sealed').addEventListener('click', () => download('GET', '/api/sealed.json', undefined, 'sealed.json').catch((e) => alert(e.message)));
}

// ---------------------------------------------------------------------------
// 3. Participation links

function renderLinksStep() {
  const sealed = state.server.sealed;
  $('links-need-seal').hidden = Boolean(sealed);
  $('links-open').hidden = !(sealed && sealed.open);
  $('links-token').hidden = !(sealed && !sealed.open);
  if (sealed?.open) {
    $('form-link').href = sealed.form_link;
    setText($('form-link'), sealed.form_link);
  }
  const files = state.server.links ?? [];
  $('links-none').hidden = files.length > 0;
  $('links-files').replaceChildren(...files.map((f) => el('li', {},
    `links-${f.number}.csv: ${f.links} ${f.kind === 'email' ? 'addresses and links' : 'links'} `,
    button('Download again', () => download('GET', `/api/links/${f.number}`, undefined, `links-${f.number}.csv`).catch((e) => alert(e.message))))));
}

/** The e-mail addresses in pasted text or a CSV: its "email" column if it
 *  has a header with one, else every cell that holds an '@'. */
function emailsFrom(text) {
  const rows = text.split(/\r?\n/).map((line) => line.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
  const header = rows[0]?.map((c) => c.toLowerCase());
  const col = header ? header.findIndex((c) => c === 'email' || c === 'e-mail') : -1;
  const cells = col >= 0 ? rows.slice(1).map((r) => r[col] ?? '') : rows.flat();
  return cells.filter((c) => c.includes('@'));
}

async function makeLinks(body, errorId, buttonId) {
  setText($(errorId), '');
  const b = $(buttonId);
  const label = b.textContent;
  const n = body.count ?? body.emails.length;
  b.disabled = true;
  setText(b, `Signing ${n} link${n === 1 ? '' : 's'}…`);
  try {
    const name = await download('POST', '/api/links', body, 'links.csv');
    setServer(await api('GET', '/api/state'));
    announce(`Downloaded ${name}; a copy is in your folder.`);
  } catch (e) {
    setText($(errorId), e.message);
  } finally {
    b.disabled = false;
    setText(b, label);
  }
}

function bindLinksStep() {
  $('links-make').addEventListener('click', () => {
    const n = numberOrText($('links-count').value);
    if (typeof n !== 'number' || n < 1 || n > 10000) {
      setText($('err-links-count'), 'Enter a whole number from 1 to 10000.');
      return;
    }
    makeLinks({ count: n }, 'err-links-count', 'links-make');
  });
  $('emails-make').addEventListener('click', () => {
    const emails = emailsFrom($('emails').value);
    if (emails.length === 0) {
      setText($('err-emails'), 'No e-mail address found: paste addresses, one per line, or a CSV with an email column.');
      return;
    }
    makeLinks({ emails }, 'err-emails', 'emails-make');
  });
  $('emails-file').addEventListener('change', async (e) => {
    const f = e.target.files[0];
    if (f) $('emails').value = emailsFrom(await f.text()).join('\n');
    e.target.value = '';
  });
}

// ---------------------------------------------------------------------------
// 4. Collection

function yesNo(v) {
  if (v === true) return el('span', { class: 'pill ok' }, 'yes');
  if (v === false) return el('span', { class: 'pill bad' }, 'no');
  return el('span', { class: 'pill' }, '—');
}

async function refreshCollection() {
  if (state.collectionBusy) return; // (a party slow to answer: no pile-up)
  state.collectionBusy = true;
  let j;
  try {
    j = await api('GET', '/api/collection');
  } catch (e) {
    setText($('collection-updated'), e.message);
    return;
  } finally {
    state.collectionBusy = false;
  }
  setText($('collection-updated'), `Updated ${new Date().toLocaleTimeString()}.`);
  $('collection-rows').replaceChildren(...j.parties.map((p) => el('tr', { 'data-party': p.index },
    el('th', { scope: 'row' }, el('span', { class: 'party-name' }, p.name), el('br'), el('span', { class: 'party-host mono' }, p.url)),
    el('td', {}, yesNo(p.reachable ?? false), p.error ? el('p', { class: 'hint error-text' }, p.error) : null),
    el('td', {}, p.same_study === undefined ? yesNo(null) : p.same_study ? el('span', { class: 'pill ok' }, 'this one') : el('span', { class: 'pill bad' }, 'another')),
    el('td', {}, yesNo(p.approved)),
    el('td', { class: 'count', 'data-count': p.received ?? '' }, p.received === undefined ? '—' : String(p.received)),
    el('td', {}, p.last_upload ? new Date(p.last_upload).toLocaleString() : '—'))));
  renderChart(j);
}

function renderChart(j) {
  const h = j.history;
  const w = 640;
  const ht = 200;
  const pad = 36;
  if (h.length < 2) {
    $('chart').replaceChildren(el('p', { class: 'hint' }, 'The chart starts after a few seconds.'));
    return;
  }
  const t0 = h[0].at;
  const t1 = h[h.length - 1].at;
  const max = Math.max(1, ...h.flatMap((s) => s.received));
  const x = (t) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (w - 2 * pad);
  const y = (v) => ht - pad + 10 - (v / max) * (ht - pad - 10);
  const lines = j.parties.map((p, i) => {
    const pts = h.filter((s) => s.received[i] >= 0).map((s) => `${x(s.at).toFixed(1)},${y(s.received[i]).toFixed(1)}`);
    return svgEl('polyline', { points: pts.join(' '), class: `line line-${i % 5}`, fill: 'none' });
  });
  const svg = svgEl('svg', { viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-label': `Submissions received by each party over the last ${Math.round((t1 - t0) / 60)} minutes; at most ${max}.` },
    svgEl('line', { x1: pad, y1: y(0), x2: w - pad, y2: y(0), class: 'axis' }),
    svgEl('text', { x: 4, y: y(max) + 4, class: 'tick' }, String(max)),
    svgEl('text', { x: 4, y: y(0) + 4, class: 'tick' }, '0'),
    ...lines);
  const legend = el('ul', { class: 'legend' }, ...j.parties.map((p, i) => el('li', {}, el('span', { class: `swatch line-${i % 5}` }), p.name)));
  $('chart').replaceChildren(svg, legend);
}

// ---------------------------------------------------------------------------
// 5. Compute and report

function bindComputeStep() {
  $('compute-button').addEventListener('click', startCompute);
  $('download-xlsx').addEventListener('click', () => reportDownload('/api/report.xlsx', 'report.xlsx'));
  $('download-csv').addEventListener('click', () => reportDownload('/api/report.csv', 'report.csv'));
}

async function reportDownload(path, name) {
  setText($('report-error'), '');
  try {
    const saved = await download('GET', path, undefined, name);
    announce(`Downloaded ${saved}; a copy is in your folder.`);
  } catch (e) {
    setText($('report-error'), e.message);
  }
}

async function startCompute() {
  if (!confirm('Compute now? This closes the collection: answers sent after it are not counted.')) return;
  setText($('compute-error'), '');
  $('compute-button').disabled = true;
  try {
    await api('POST', '/api/compute');
  } catch (e) {
    setText($('compute-error'), `${e.message}. Nothing was released; fix the cause and compute again.`);
    $('compute-button').disabled = false;
    return;
  }
  refreshCompute(true);
}

async function refreshCompute(follow) {
  clearTimeout(state.computeTimer);
  let j;
  try {
    j = await api('GET', '/api/compute');
  } catch (e) {
    setText($('compute-error'), e.message);
    $('compute-button').disabled = false;
    return;
  }
  const running = j.state === 'running';
  $('compute-progress').hidden = !running;
  if (running) {
    const verifying = j.step === 'verifying' && j.total > 0;
    setText($('compute-step'), verifying ? `Verifying: ${j.verified} of ${j.total} submissions` : `Step: ${j.step}`);
    $('compute-bar').value = verifying ? j.verified / j.total : 0;
    if (!verifying) $('compute-bar').removeAttribute('value');
    state.computeTimer = setTimeout(() => refreshCompute(true), COMPUTE_EVERY_MS);
    return;
  }
  $('compute-button').disabled = j.state === 'released';
  $('compute-button').hidden = j.state === 'released';
  if (j.state === 'failed' && follow) {
    setText($('compute-error'), `The compute failed: ${j.error}. Nothing was released; fix the cause and compute again.`);
  }
  if (j.state === 'released') {
    $('report-card').hidden = false;
    setText($('report-summary'), `Released: ${j.total - j.rejected} submissions accepted, ${j.rejected} rejected (invalid proof), ${j.incomplete} incomplete (held by only some parties, not used).`);
    try {
      const { link } = await api('GET', '/api/report/link');
      $('report-link').href = link;
    } catch (e) {
      setText($('report-error'), e.message);
    }
    if (follow) announce('The results are released.');
  }
}

start();
