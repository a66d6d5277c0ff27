// Party admin dashboard, served by the party's own server at /admin.
//
// Plain DOM, no framework, no external resources. Server data only ever goes
// into the page through textContent and attributes, never innerHTML.
// This file is an ES module (strict mode, runs after the document is parsed).

import { $, el, setText, svgEl } from '/web/lib/dom.js';

const POLL_INTERVAL_MS = 5000;
const REQUEST_TIMEOUT_MS = 10000;
const SUCCESS_MESSAGE_MS = 10000;
const HOUR_MS = 3600 * 1000;
const CHART_HOURS = 48;

const state = {
  csrf: null,            // CSRF token: in memory only, never stored
  polling: false,
  pollTimer: null,
  requestSeq: 0,         // each status request gets a number; late answers are dropped
  status: null,          // the last good /api/status answer
  lastUpdated: null,     // when that answer arrived (Date)
  connectionLost: false,
  shownHash: null,       // the hash shown in the confirmation step
  approving: false,      // an approval request is on its way
  signatures: {},        // parts rebuilt only when their data changes
  chartWidth: 0,
  messageTimer: null,
};

// ---------------------------------------------------------------------------
// Formatting

const numberFormat = new Intl.NumberFormat('en');
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'short', year: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
});
const clockFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});
const hourFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

function formatCount(n) {
  return Number.isFinite(n) ? numberFormat.format(n) : '–';
}

/** "1 submission" / "3 submissions". */
function plural(n, one, many) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Parses an ISO time from the server; null if missing or invalid. */
function parseDate(value) {
  if (typeof value !== 'string' || value === '') return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function formatDateTime(date) {
  return dateTimeFormat.format(date);
}

/** "3 minutes ago", "yesterday"; small differences (clock skew) are "just now". */
function relativeTime(date, now = Date.now()) {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const units = [
    ['year', 365 * 86400], ['month', 30 * 86400], ['week', 7 * 86400],
    ['day', 86400], ['hour', 3600], ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (abs >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return relativeFormat.format(Math.round(seconds / 60), 'minute');
}

/** 1048576 -> "1.0 MB" (binary multiples, as file managers usually show). */
function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown';
  if (bytes < 1024) return plural(bytes, 'byte', 'bytes');
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[i]}`;
}

/** "09:00", or the date ("24 Nov") for the hour starting at midnight. */
function hourLabel(ms) {
  const d = new Date(ms);
  return d.getHours() === 0 ? dayFormat.format(d) : hourFormat.format(d);
}

function hourStartLabel(ms) {
  const d = new Date(ms);
  return `${dayFormat.format(d)}, ${hourFormat.format(d)}`;
}

function hourRangeLabel(ms) {
  const d = new Date(ms);
  return `${dayFormat.format(d)}, ${hourFormat.format(d)}–${hourFormat.format(new Date(ms + HOUR_MS))}`;
}

// ---------------------------------------------------------------------------
// Small DOM helpers

/** Replaces the classes in `all` on `node` with `chosen` (may be null). */
function setStateClass(node, chosen, all = ['is-ok', 'is-warn', 'is-bad', 'is-running']) {
  for (const c of all) node.classList.toggle(c, c === chosen);
}

/** Fills a <time> element: relative text, absolute time in the title. */
function setTime(node, value, emptyText) {
  const date = parseDate(value);
  if (!date) {
    setText(node, emptyText);
    node.removeAttribute('datetime');
    node.removeAttribute('title');
    return;
  }
  setText(node, relativeTime(date));
  node.setAttribute('datetime', date.toISOString());
  node.title = formatDateTime(date);
}

/**
 * Runs `build` only when `data` differs from the last time this key was built.
 * Lists the user may be reading or selecting are not rebuilt every 5 seconds.
 */
function buildIfChanged(key, data, build) {
  const signature = JSON.stringify(data ?? null);
  if (state.signatures[key] === signature) return;
  state.signatures[key] = signature;
  build();
}

/** Sets text in a live region so that the same message is announced again. */
function announce(node, text) {
  node.textContent = '';
  if (text) window.setTimeout(() => { node.textContent = text; }, 50);
}

/**
 * The shared status line (aria-live). kind: 'info', 'success', 'warning', 'error'.
 * Success and info messages clear themselves after a while.
 */
function setStatus(text, kind = 'info') {
  const node = $('status-message');
  window.clearTimeout(state.messageTimer);
  node.classList.toggle('is-success', kind === 'success');
  node.classList.toggle('is-error', kind === 'error');
  node.classList.toggle('is-warning', kind === 'warning');
  announce(node, text);
  if (text && (kind === 'success' || kind === 'info')) {
    state.messageTimer = window.setTimeout(() => clearStatus(text), SUCCESS_MESSAGE_MS);
  }
}

/** Clears the status line (only if it still shows `onlyIf`, when given). */
function clearStatus(onlyIf) {
  const node = $('status-message');
  if (onlyIf !== undefined && node.textContent !== onlyIf) return;
  node.textContent = '';
  node.classList.remove('is-success', 'is-error', 'is-warning');
}

// ---------------------------------------------------------------------------
// API

class NetworkError extends Error {}

/**
 * Calls the API. Returns { status, ok, data } for any HTTP answer; throws
 * NetworkError when the server cannot be reached or does not answer in time.
 */
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;

  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null; // empty or non-JSON body
    }
    return { status: response.status, ok: response.ok, data };
  } catch (err) {
    throw new NetworkError(err && err.name === 'AbortError' ? 'timeout' : 'unreachable');
  } finally {
    window.clearTimeout(timer);
  }
}

/** The server's message for a person, or a generic one. */
function errorText(res, fallback) {
  if (res.data && typeof res.data.error === 'string' && res.data.error) return res.data.error;
  return `${fallback} (HTTP ${res.status})`;
}

// ---------------------------------------------------------------------------
// Views: loading, sign-in, dashboard

function showLogin(message, kind = 'info') {
  stopPolling();
  state.csrf = null;
  state.status = null;
  state.signatures = {};
  closeApproveDialog();
  $('loading').hidden = true;
  $('dashboard').hidden = true;
  $('login-view').hidden = false;
  document.title = 'Sign in – Party admin';
  $('password').value = '';
  $('password').removeAttribute('aria-invalid');
  $('login-button').disabled = false;
  if (message) setStatus(message, kind);
  $('password').focus();
}

function showDashboard() {
  $('loading').hidden = true;
  $('login-view').hidden = true;
  $('dashboard').hidden = false;
  setText($('updated'), 'Loading…');
  startPolling();
}

// ---------------------------------------------------------------------------
// Sign-in and sign-out

async function checkSession() {
  let res;
  try {
    res = await api('GET', '/api/session');
  } catch {
    showLogin('Cannot reach this party’s server. Check that it is running, then reload the page.', 'error');
    return;
  }
  if (res.ok && res.data && typeof res.data.csrf === 'string') {
    state.csrf = res.data.csrf;
    showDashboard();
    $('dashboard-heading').focus();
  } else if (res.status === 401) {
    showLogin();
  } else {
    showLogin(errorText(res, 'The server could not check the sign-in'), 'error');
  }
}

async function onLoginSubmit(event) {
  event.preventDefault();
  const input = $('password');
  const button = $('login-button');
  const errorNode = $('login-error');
  const password = input.value;

  if (password === '') {
    input.setAttribute('aria-invalid', 'true');
    announce(errorNode, 'Enter the admin password.');
    input.focus();
    return;
  }

  button.disabled = true;
  setText(button, 'Signing in…');
  announce(errorNode, '');
  let res;
  try {
    res = await api('POST', '/api/login', { password });
  } catch {
    res = null;
  } finally {
    button.disabled = false;
    setText(button, 'Sign in');
  }

  if (res === null) {
    announce(errorNode, 'Cannot reach the server. Check your connection and try again.');
    return;
  }
  if (res.ok && res.data && typeof res.data.csrf === 'string') {
    state.csrf = res.data.csrf;
    input.value = '';
    input.removeAttribute('aria-invalid');
    $('show-password').checked = false;
    input.type = 'password';
    clearStatus();
    showDashboard();
    $('dashboard-heading').focus();
    return;
  }
  input.setAttribute('aria-invalid', 'true');
  let message;
  if (res.status === 401) message = 'Wrong password. Check it and try again.';
  else if (res.status === 429 || res.status === 503) message = errorText(res, 'Too many attempts; wait a little and try again');
  else message = errorText(res, 'Sign-in failed');
  announce(errorNode, message);
  input.select();
  input.focus();
}

async function onLogout() {
  const button = $('logout-button');
  button.disabled = true;
  let res;
  try {
    res = await api('POST', '/api/logout');
  } catch {
    button.disabled = false;
    setStatus('Cannot reach the server, so you were not signed out. Try again.', 'error');
    return;
  }
  button.disabled = false;
  if (res.ok || res.status === 401) {
    showLogin('You are signed out.', 'success');
  } else {
    setStatus(errorText(res, 'Sign-out failed'), 'error');
  }
}

// ---------------------------------------------------------------------------
// Polling /api/status

function startPolling() {
  stopPolling();
  state.polling = true;
  refresh();
}

function stopPolling() {
  state.polling = false;
  state.requestSeq += 1; // answers still on their way are ignored
  window.clearTimeout(state.pollTimer);
  state.pollTimer = null;
}

/** Fetches the status now, then every POLL_INTERVAL_MS. */
async function refresh() {
  if (!state.polling) return;
  window.clearTimeout(state.pollTimer);
  const seq = ++state.requestSeq;
  let res = null;
  let problem = null;
  try {
    res = await api('GET', '/api/status');
  } catch (err) {
    problem = err.message === 'timeout' ? 'the server did not answer in time' : 'cannot reach the server';
  }
  if (seq !== state.requestSeq || !state.polling) return; // superseded or signed out

  if (res && res.status === 401) {
    showLogin('Your session has ended. Please sign in again.', 'warning');
    return;
  }
  if (res && res.ok && res.data) {
    try {
      state.status = res.data;
      render(res.data);
      markConnected();
    } catch (err) {
      // A bug or an unexpected answer: say so, keep polling.
      console.error(err);
      markLost('the server’s answer could not be shown');
    }
  } else {
    markLost(problem ?? errorText(res, 'server error'));
  }
  state.pollTimer = window.setTimeout(refresh, POLL_INTERVAL_MS);
}

function markConnected() {
  state.lastUpdated = new Date();
  const node = $('updated');
  node.classList.remove('is-lost');
  setText(node, `Updated ${clockFormat.format(state.lastUpdated)}`);
  node.title = formatDateTime(state.lastUpdated);
  if (state.connectionLost) {
    state.connectionLost = false;
    setStatus('Connection to the server is back.', 'success');
  }
}

function markLost(reason) {
  const node = $('updated');
  node.classList.add('is-lost');
  const since = state.lastUpdated ? ` (last update ${clockFormat.format(state.lastUpdated)})` : '';
  setText(node, `Connection lost, retrying${since}`);
  node.title = `Problem: ${reason}`;
  if (!state.connectionLost) {
    state.connectionLost = true;
    setStatus(`Connection lost: ${reason}. The figures shown may be out of date; retrying every 5 seconds.`, 'error');
  }
}

// ---------------------------------------------------------------------------
// Rendering the status

function render(s) {
  const party = s.party ?? {};
  const study = s.study ?? {};
  renderHeader(party, study);
  renderSubmissions(s.submissions ?? {});
  renderPeers(Array.isArray(s.peers) ? s.peers : []);
  renderApproval(s.approval ?? {}, study, party, Array.isArray(s.plan) ? s.plan : []);
  renderCompute(s.compute ?? {}, s);
  renderStorage(s.storage ?? {}, s.server ?? {}, party);
}

function renderHeader(party, study) {
  const name = party.name || 'This party';
  setText($('party-name'), name);
  $('party-leader').hidden = !party.leader;
  setText($('study-title'), study.title || 'Untitled study');
  setText($('study-id'), study.id || '');
  $('study-id').hidden = !study.id;
  document.title = `${name} – Party admin`;
}

// ---- Submissions -----------------------------------------------------------

function renderSubmissions(sub) {
  setText($('count-received'), formatCount(sub.received));
  setText($('count-current'), formatCount(sub.current));
  setTime($('last-upload'), sub.last_upload, 'None yet');
  renderChart(sub);
}

/**
 * The last 48 hours as a dense series [{ ms, count }], oldest first. The window
 * ends at the browser's current hour, or at the server's last hour if the two
 * clocks disagree by more than the window.
 */
function hourSeries(perHour) {
  const counts = new Map();
  let last = null;
  for (const entry of Array.isArray(perHour) ? perHour : []) {
    const d = parseDate(entry && entry.hour);
    if (!d) continue;
    const ms = Math.floor(d.getTime() / HOUR_MS) * HOUR_MS;
    const count = Math.max(0, Number(entry.count) || 0);
    counts.set(ms, (counts.get(ms) ?? 0) + count);
    if (last === null || ms > last) last = ms;
  }
  const nowHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  let end = nowHour;
  if (last !== null && (last > nowHour || nowHour - last >= CHART_HOURS * HOUR_MS)) end = last;
  const series = [];
  for (let i = CHART_HOURS - 1; i >= 0; i -= 1) {
    const ms = end - i * HOUR_MS;
    series.push({ ms, count: counts.get(ms) ?? 0 });
  }
  return series;
}

function renderChart(sub) {
  const container = $('chart');
  const series = hourSeries(sub.per_hour);
  const total = series.reduce((sum, p) => sum + p.count, 0);
  const width = Math.max(200, Math.floor(container.clientWidth || 600));
  state.chartWidth = width;

  buildIfChanged('chart', { series, total, width, received: sub.received }, () => {
    container.replaceChildren();
    if (total === 0) {
      const text = sub.received > 0
        ? 'No submissions in the last 48 hours.'
        : 'No submissions yet';
      container.append(el('p', { class: 'empty' }, text));
      $('chart-table-details').hidden = true;
      return;
    }
    container.append(drawChart(series, total, width));
    fillChartTable(series);
    $('chart-table-details').hidden = false;
  });
}

/** A "nice" top for the y axis and its step: 1, 2 or 5 times a power of ten. */
function niceScale(max, ticks = 4) {
  const raw = Math.max(1, max / ticks);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return { step, top: Math.max(step, Math.ceil(max / step) * step) };
}

/** Builds the bar chart as inline SVG. */
function drawChart(series, total, width) {
  const height = 190;
  const margin = { top: 10, right: 8, bottom: 26, left: 44 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const max = Math.max(...series.map((p) => p.count));
  const { step, top } = niceScale(max);
  const band = plotW / series.length;
  const barW = Math.max(1, band * 0.78);
  const y = (v) => margin.top + plotH - (v / top) * plotH;

  const busiest = series.reduce((a, b) => (b.count > a.count ? b : a));
  const first = series[0].ms;
  const lastMs = series[series.length - 1].ms;
  const svg = svgEl('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Bar chart of submissions per hour from ${hourStartLabel(first)} `
      + `to ${hourStartLabel(lastMs + HOUR_MS)}: ${plural(total, 'submission', 'submissions')} in total; `
      + `the busiest hour, ${hourRangeLabel(busiest.ms)}, had ${formatCount(busiest.count)}. `
      + 'The numbers are also available as a table below the chart.',
  });

  // Horizontal grid lines with their values.
  for (let v = 0; v <= top; v += step) {
    const gy = y(v);
    svg.append(svgEl('line', {
      class: v === 0 ? 'baseline' : 'gridline',
      x1: margin.left, x2: width - margin.right, y1: gy, y2: gy,
    }));
    const label = svgEl('text', {
      class: 'axis-label', x: margin.left - 6, y: gy + 4, 'text-anchor': 'end',
    });
    label.textContent = formatCount(v);
    svg.append(label);
  }

  // Bars, each with a tooltip.
  series.forEach((p, i) => {
    if (p.count === 0) return;
    const bar = svgEl('rect', {
      class: 'bar',
      x: margin.left + i * band + (band - barW) / 2,
      y: y(p.count),
      width: barW,
      height: Math.max(1, y(0) - y(p.count)),
    });
    const tip = svgEl('title');
    tip.textContent = `${hourRangeLabel(p.ms)}: ${plural(p.count, 'submission', 'submissions')}`;
    bar.append(tip);
    svg.append(bar);
  });

  // Hour labels on the x axis, spaced so they do not overlap.
  const labelEvery = [1, 2, 3, 6, 12, 24].find((h) => h * band >= 56) ?? 24;
  series.forEach((p, i) => {
    if (new Date(p.ms).getHours() % labelEvery !== 0) return;
    const cx = margin.left + i * band + band / 2;
    if (cx < margin.left + 16 || cx > width - margin.right - 16) return;
    svg.append(svgEl('line', { class: 'tick', x1: cx, x2: cx, y1: y(0), y2: y(0) + 4 }));
    const label = svgEl('text', {
      class: 'axis-label', x: cx, y: height - 8, 'text-anchor': 'middle',
    });
    label.textContent = hourLabel(p.ms);
    svg.append(label);
  });
  return svg;
}

/** The chart's numbers as a table (text alternative for everyone). */
function fillChartTable(series) {
  const tbody = $('chart-table').tBodies[0];
  tbody.replaceChildren(...series.map((p) => el('tr', {},
    el('th', { scope: 'row' }, hourRangeLabel(p.ms)),
    el('td', { class: 'num' }, formatCount(p.count)))));
}

/** Redraws the chart when its width changes (phone rotation, window resize). */
function watchChartWidth() {
  if (typeof ResizeObserver !== 'function') return;
  let pending = null;
  const observer = new ResizeObserver(() => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => {
      const width = Math.floor($('chart').clientWidth);
      if (state.status && width > 0 && Math.abs(width - state.chartWidth) > 2) {
        renderChart(state.status.submissions ?? {});
      }
    }, 100);
  });
  observer.observe($('chart'));
}

// ---- Peers -----------------------------------------------------------------

/** yes / no / unknown cell content for a boolean-or-null value. */
function triState(value, yes, no, unknown = 'Unknown') {
  if (value === true) return { text: `✓ ${yes}`, className: 'yes' };
  if (value === false) return { text: `✗ ${no}`, className: 'no' };
  return { text: unknown, className: 'unknown' };
}

const PEER_COLUMNS = ['Party', 'Address', 'Reachable', 'Same study', 'Approved', 'Last checked', 'Problem'];

/** Updates the row in place (the table is re-read every 5 seconds). */
function fillPeerCell(td, content) {
  setText(td, content.text);
  const cls = content.className ?? '';
  if (td.className !== cls) td.className = cls;
  if (content.title) td.title = content.title;
  else td.removeAttribute('title');
}

function peerCells(peer) {
  const checked = parseDate(peer.checked_at);
  return [
    { text: peer.name || `Party ${peer.index}` },
    { text: peer.url || '–', className: 'url' },
    peer.reachable === true || peer.reachable === false
      ? triState(peer.reachable, 'Reachable', 'Unreachable')
      : { text: 'Not checked yet', className: 'unknown' },
    triState(peer.same_study, 'Yes', 'No, a different study'), // null: could not ask
    triState(peer.approved, 'Yes', 'Not yet'),
    checked
      ? { text: relativeTime(checked), title: formatDateTime(checked) }
      : { text: 'Never', className: 'unknown' },
    peer.error ? { text: String(peer.error), className: 'problem' } : { text: '–', className: 'unknown' },
  ];
}

function renderPeers(peers) {
  const tbody = $('peers').tBodies[0];
  const seen = new Set();

  if (peers.length === 0) {
    buildIfChanged('peers-empty', true, () => {
      tbody.replaceChildren(el('tr', { class: 'empty-row' },
        el('td', { colspan: PEER_COLUMNS.length }, 'No other parties are configured.')));
    });
    setText($('peers-summary'), '');
    return;
  }
  delete state.signatures['peers-empty'];
  tbody.querySelectorAll('tr.empty-row').forEach((row) => row.remove());

  peers.forEach((peer, position) => {
    const key = String(peer.index);
    seen.add(key);
    let row = tbody.querySelector(`tr[data-peer-index="${CSS.escape(key)}"]`);
    if (!row) {
      row = el('tr', { 'data-peer-index': key });
      PEER_COLUMNS.forEach((label, i) => {
        const attrs = i === 0 ? { scope: 'row', 'data-label': label } : { 'data-label': label };
        row.append(el(i === 0 ? 'th' : 'td', attrs));
      });
    }
    // Keep the server's order.
    if (tbody.children[position] !== row) tbody.insertBefore(row, tbody.children[position] ?? null);
    peerCells(peer).forEach((content, i) => fillPeerCell(row.cells[i], content));
  });
  for (const row of [...tbody.rows]) {
    if (!seen.has(row.dataset.peerIndex)) row.remove();
  }
  renderPeersSummary(peers);
}

function renderPeersSummary(peers) {
  const n = peers.length;
  const reachable = peers.filter((p) => p.reachable === true).length;
  const approved = peers.filter((p) => p.approved === true).length;
  const different = peers.filter((p) => p.same_study === false).map((p) => p.name || `Party ${p.index}`);
  const parts = [
    reachable === n ? `All ${n} reachable.` : `${reachable} of ${n} reachable.`,
    approved === n ? `All ${n} have approved the plan.` : `${approved} of ${n} have approved the plan.`,
  ];
  if (different.length > 0) {
    parts.push(`Serving a different study: ${different.join(', ')}. Check with the organizer that every party uses the same study configuration.`);
  }
  const node = $('peers-summary');
  setText(node, parts.join(' '));
  node.classList.toggle('is-warn', reachable < n || different.length > 0);
}

// ---- Approval --------------------------------------------------------------

/** Shows the hash in groups of 8 characters; its text stays the plain hash. */
function renderHash(node, hash) {
  const value = typeof hash === 'string' ? hash : '';
  if (node.textContent === value && node.childElementCount > 0) return;
  const groups = value.match(/.{1,8}/g) ?? [];
  node.replaceChildren(...groups.map((g) => el('span', { class: 'hash-group' }, g)));
  if (!value) node.textContent = 'unknown';
}

function thresholdsText(study) {
  const minSub = Number(study.min_submissions);
  const minCell = Number(study.min_cell_count);
  const parts = [];
  if (Number.isFinite(minSub)) {
    parts.push(`Nothing is released with fewer than ${plural(minSub, 'submission', 'submissions')}`);
  }
  if (Number.isFinite(minCell)) {
    parts.push(`groups with fewer than ${plural(minCell, 'contributor', 'contributors')} are shown as suppressed, `
      + 'and more groups may be withheld so that theirs cannot be worked out from the released figures');
  }
  if (parts.length === 0) return 'Not stated in the study configuration.';
  const sentence = parts.join('; ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

function accessText(access) {
  switch (access) {
    case 'token': return 'Contributors need a participation token to submit; only the latest upload per token counts.';
    case 'open': return 'Anyone with the link can submit.';
    case undefined: case null: case '': return '';
    default: return `Access: ${access}.`;
  }
}

function renderApproval(approval, study, party, plan) {
  const approved = approval.approved === true;
  const stateNode = $('approval-state');
  const approvedAt = parseDate(approval.approved_at);
  if (approved) {
    setText(stateNode, approvedAt ? `Approved on ${formatDateTime(approvedAt)}` : 'Approved');
  } else {
    setText(stateNode, 'Not approved');
  }
  setStateClass(stateNode, approved ? 'is-ok' : 'is-warn');
  setText($('approval-intro'), approved
    ? 'You approved this plan. The computing parties may compute exactly these statistics, once. Approval cannot be withdrawn.'
    : 'This party will not take part in the computation until you approve the study plan below. '
      + 'Read it, and check the study hash with the organizer before approving.');
  $('attention').hidden = approved;
  $('approve-button').hidden = approved;

  renderHash($('study-hash'), study.hash);
  buildIfChanged('plan', plan, () => {
    $('plan').replaceChildren(...(plan.length
      ? plan.map((line) => el('li', {}, String(line)))
      : [el('li', {}, 'The server did not describe the plan.')]));
  });
  setText($('thresholds'), thresholdsText(study));

  buildIfChanged('parties', [study.parties ?? [], party.index, party.name], () => {
    const names = Array.isArray(study.parties) ? study.parties : [];
    $('parties').replaceChildren(...names.map((name, i) => {
      const item = el('li', {}, String(name));
      if (i === party.index && name === party.name) {
        item.append(' ', el('span', { class: 'this-party' }, '(this party)'));
      }
      return item;
    }));
  });
  setText($('access'), accessText(study.access));
  $('access').hidden = !accessText(study.access);

  // A dialog still open for an approved plan (e.g. approved in another tab).
  if (approved && $('approve-dialog').open && !state.approving) closeApproveDialog();
}

// ---- Approval: confirmation step ------------------------------------------

function openApproveDialog() {
  const hash = state.status?.study?.hash;
  if (!hash) {
    setStatus('The study hash is not known yet; wait for the page to update.', 'warning');
    return;
  }
  state.shownHash = hash;
  renderHash($('approve-dialog-hash'), hash);
  $('approve-error').textContent = '';
  $('approve-confirm').disabled = false;
  setText($('approve-confirm'), 'Yes, approve this plan');
  const dialog = $('approve-dialog');
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  $('approve-cancel').focus(); // the safe choice gets the focus
}

function closeApproveDialog() {
  const dialog = $('approve-dialog');
  if (!dialog.open) return;
  if (typeof dialog.close === 'function') dialog.close();
  else dialog.removeAttribute('open');
}

/** After the dialog closes, put the focus back where it makes sense. */
function onApproveDialogClosed() {
  const button = $('approve-button');
  if ($('dashboard').hidden) return;
  if (!button.hidden) button.focus();
  else $('approval-heading').focus(); // approved: the button is gone
}

async function confirmApprove() {
  const confirmButton = $('approve-confirm');
  const errorNode = $('approve-error');
  confirmButton.disabled = true;
  setText(confirmButton, 'Approving…');
  announce(errorNode, '');
  state.approving = true;

  let res;
  try {
    res = await api('POST', '/api/approve', { hash: state.shownHash });
  } catch {
    res = null;
  } finally {
    state.approving = false;
    confirmButton.disabled = false;
    setText(confirmButton, 'Yes, approve this plan');
  }

  if (res === null) {
    showApproveError('The server did not answer, so it is not known whether the plan was approved. '
      + 'Close this, check the approval state on the page, and try again if needed.');
    refresh();
    return;
  }
  if (res.ok) {
    onApproved(res.data ?? {});
    return;
  }
  switch (res.status) {
    case 401:
      showLogin('Your session has ended, so nothing was approved. Sign in again, then approve.', 'warning');
      return;
    case 403:
      await renewCsrf();
      showApproveError('The request was refused because the page’s security token was out of date. '
        + 'Nothing was approved. Try again.');
      return;
    case 409:
      showApproveError('This server does not serve a study with that hash (the study may have changed since '
        + 'the page loaded). Nothing was approved. Cancel, and check the hash on the page again.');
      refresh();
      return;
    default:
      showApproveError(`${errorText(res, 'Approval failed')}. Nothing was approved.`);
  }
}

function showApproveError(text) {
  const dialog = $('approve-dialog');
  if (dialog.open) announce($('approve-error'), text);
  else setStatus(text, 'error');
}

function onApproved(data) {
  if (state.status) {
    state.status.approval = {
      approved: true,
      approved_at: data.approved_at ?? state.status.approval?.approved_at ?? null,
    };
    render(state.status);
  }
  closeApproveDialog();
  setStatus('The plan is approved. This party will take part in computing these statistics.', 'success');
  refresh();
}

/** Gets a fresh CSRF token (after a 403). */
async function renewCsrf() {
  try {
    const res = await api('GET', '/api/session');
    if (res.ok && res.data && typeof res.data.csrf === 'string') state.csrf = res.data.csrf;
    else if (res.status === 401) showLogin('Your session has ended. Please sign in again.', 'warning');
  } catch {
    // The next status refresh reports the connection problem.
  }
}

// ---- Compute ---------------------------------------------------------------

/** The compute's counts from /api/status as numbers (missing: 0). */
function computeCounts(compute) {
  const n = (v) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : 0);
  const total = n(compute.total);
  const rejected = Math.min(n(compute.rejected), total);
  return {
    total,
    verified: Math.min(n(compute.verified), total),
    rejected,
    incomplete: n(compute.incomplete),
    accepted: total - rejected,
  };
}

/** "verifying" -> "Verifying"; the server's step names are lower case. */
function capitalize(text) {
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}` : text;
}

/** What the running compute is doing now, e.g. "Verifying 1,500 of 3,000 submissions". */
function computeStepText(step, counts) {
  if (step === 'verifying' && counts.total > 0) {
    return `Verifying ${formatCount(counts.verified)} of ${plural(counts.total, 'submission', 'submissions')}`;
  }
  if (step) return `${capitalize(step)}…`;
  return counts.total > 0
    ? `Verified ${formatCount(counts.verified)} of ${plural(counts.total, 'submission', 'submissions')}`
    : 'Preparing…';
}

function renderCompute(compute, s) {
  const stateNode = $('compute-state');
  const detail = $('compute-detail');
  const progressWrap = $('compute-progress-wrap');
  const counts = computeCounts(compute);
  let label;
  let cls = null;
  let text = '';
  let bad = false;
  progressWrap.hidden = true;

  switch (compute.state) {
    case 'not_started':
      label = 'Not started';
      text = notStartedReason(s);
      break;
    case 'running': {
      label = 'Running';
      cls = 'is-running';
      progressWrap.hidden = false;
      renderProgress(counts, typeof compute.step === 'string' ? compute.step : '');
      text = 'The parties are checking the submissions and adding them up. Keep this server running.';
      if (counts.rejected > 0) {
        text += ` ${plural(counts.rejected, 'submission', 'submissions')} rejected so far (invalid proof).`;
      }
      break;
    }
    case 'released':
    case 'done': { // 'done': the name older servers used
      label = 'Results released';
      cls = 'is-ok';
      const finished = parseDate(compute.finished_at);
      const when = finished ? ` on ${formatDateTime(finished)}` : '';
      text = `The results were released${when}: `
        + `${plural(counts.accepted, 'submission', 'submissions')} accepted, `
        + `${formatCount(counts.rejected)} rejected (invalid proof), `
        + `${formatCount(counts.incomplete)} incomplete (reached only some parties, not used). `
        + 'Nothing more can be computed for this study.';
      break;
    }
    case 'failed':
      label = 'Failed';
      cls = 'is-bad';
      bad = true;
      text = compute.message || compute.error
        ? `The computation failed: ${compute.message || compute.error}`
        : 'The computation failed. See the server log for details.';
      break;
    default:
      label = compute.state ? `Unknown state: ${compute.state}` : 'Unknown';
  }
  setText(stateNode, label);
  setStateClass(stateNode, cls);
  setText(detail, text);
  detail.classList.toggle('is-bad', bad);
  renderSearches(compute.searches);
}

/** With medians or quartiles: how many runs of their search this party
 *  took part in, of the most it allows (mpc-party serve --max-searches). */
function renderSearches(q) {
  const node = $('compute-searches');
  const runs = Number(q?.runs);
  const max = Number(q?.max);
  node.hidden = !(Number.isSafeInteger(runs) && Number.isSafeInteger(max) && max > 0);
  if (node.hidden) return;
  const left = Math.max(0, max - runs);
  setText(node, `The search for the medians and quartiles has run ${plural(runs, 'time', 'times')} with this party, `
    + `of at most ${formatCount(max)} (each run opens some of the groups’ cumulative counts; `
    + `${left === 0 ? 'no run is left: mpc-party serve --max-searches allows more' : `${plural(left, 'run', 'runs')} left`}).`);
}

function notStartedReason(s) {
  if (s.approval?.approved !== true) return 'It cannot start until this party approves the study plan.';
  const peers = Array.isArray(s.peers) ? s.peers : [];
  const waiting = peers.filter((p) => p.approved !== true).length;
  if (waiting > 0) return `Waiting for ${plural(waiting, 'other party', 'other parties')} to approve the plan.`;
  return 'All parties have approved; the computation has not started yet.';
}

/** The progress bar: determinate while verifying, indeterminate otherwise. */
function renderProgress(counts, step) {
  const bar = $('compute-progress');
  if (counts.total > 0 && (step === 'verifying' || step === '')) {
    bar.max = counts.total;
    bar.value = counts.verified;
  } else if (counts.total > 0 && counts.verified >= counts.total) {
    bar.max = 1;
    bar.value = 1; // every submission verified: releasing
  } else {
    bar.removeAttribute('value'); // indeterminate
  }
  setText($('compute-progress-text'), computeStepText(step, counts));
}

// ---- Storage and server ----------------------------------------------------

function renderStorage(storage, server, party) {
  const size = $('storage-size');
  setText(size, formatBytes(storage.database_bytes));
  if (Number.isFinite(storage.database_bytes)) size.title = plural(storage.database_bytes, 'byte', 'bytes');

  const started = parseDate(server.started_at);
  const startedNode = $('server-started');
  if (started) {
    setText(startedNode, `${formatDateTime(started)} (${relativeTime(started)})`);
    startedNode.setAttribute('datetime', started.toISOString());
  } else {
    setText(startedNode, 'unknown');
  }
  setText($('server-version'), server.version || 'unknown');
  setText($('party-url'), party.url || 'unknown');
}

// ---------------------------------------------------------------------------
// Start

function init() {
  $('login-form').addEventListener('submit', onLoginSubmit);
  $('password').addEventListener('input', () => {
    $('password').removeAttribute('aria-invalid');
    if ($('login-error').textContent) $('login-error').textContent = '';
  });
  $('show-password').addEventListener('change', (e) => {
    $('password').type = e.target.checked ? 'text' : 'password';
  });
  $('logout-button').addEventListener('click', onLogout);
  $('approve-button').addEventListener('click', openApproveDialog);
  $('approve-cancel').addEventListener('click', closeApproveDialog);
  $('approve-confirm').addEventListener('click', confirmApprove);
  $('approve-dialog').addEventListener('close', onApproveDialogClosed);

  // Refresh at once when the tab becomes visible again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.polling) refresh();
  });
  watchChartWidth();
  checkSession();
}

init();
