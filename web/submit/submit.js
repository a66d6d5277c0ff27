// The contributor's form, served by every computing party at /submit.
//
// 1. The link carries the study hash (and, for token studies, the personal
//    participation token) in its fragment: #study=HASH&token=TOKEN. The
//    fragment never reaches any server.
// 2. The page loads the WebAssembly core and this server's sealed study; the
//    core validates the study and computes its hash. If that hash is not the
//    one in the link, no form is shown.
// 3. The form is generated from the study. On submit, the core checks every
//    answer (study.checkValue) before anything is sent; then it encodes and
//    proves the answer, splits it into one secret share per party and
//    encrypts each share to its party (study.submission).
// 4. Each encrypted body is POSTed to its own party. Failures are retried
//    with the very same body (same report id, so a retry never counts
//    twice) until every party has confirmed; only then is a receipt shown.
//
// The answers live only in the form's controls and in the call to the core:
// they never go into a URL, a request, storage or the console. Data from the
// server only enters the page through textContent and attributes.
//
// This file is an ES module (strict mode, runs after the document is parsed).

import { loadMpc, MpcError } from '/web/mpc.js';
import { $, el, sentence, timeoutSignal } from '/web/lib/dom.js';
import { checkField as checkFieldWith, readText, renderField } from '/web/lib/form.js';
import { isStudyHash, readLink } from '/web/lib/link.js';
import { PageError, showPageError } from '/web/lib/page_error.js';
import { renderUpload } from '/submit/upload.js';

/** A request that has not been answered by then is retried. */
const REQUEST_TIMEOUT_MS = 30000;
/** How long the form waits for each party to say it still accepts answers. */
const COLLECTION_TIMEOUT_MS = 5000;
/** Waits before retry number 1, 2, 3, 4 (seconds); later retries wait a
 *  random time between the two LATER bounds. */
const BACKOFF_S = [1, 2, 4, 8];
const LATER_MIN_S = 15;
const LATER_MAX_S = 30;
/** The longest Retry-After this page honours (seconds). */
const MAX_RETRY_AFTER_S = 600;

const state = {
  study: null, // the core's Study
  token: null, // the participation token from the link (token studies)
  fields: [], // one record per question, in the study's order (see renderField)
  lastSeq: 0, // seq of the last submission built by this page
  run: null, // the submission on its way (see startRun)
  corrections: 0, // submissions completed from this page
  countdown: null, // interval that refreshes "next try in N s"
  unreachable: [], // the parties that did not answer when the page loaded
  upload: null, // organization studies: the upload section (upload.js)
};

// ---------------------------------------------------------------------------
// Small helpers

const listFormat = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'long' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** "Party 1, Party 2 and Party 3". */
function nameList(names) {
  return listFormat.format(names);
}

/** "5 people" / "1 person". */
function people(n) {
  return `${n} ${n === 1 ? 'person' : 'people'}`;
}

/** The host of a party's URL, shown so contributors see where shares go. */
function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A server time (ISO 8601) in the contributor's local time, or null. */
function localTime(iso, format = dateTimeFormat) {
  if (typeof iso !== 'string') return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : format.format(d);
}

/** Waits until the browser has painted (so a status message shows before
 *  the core's synchronous work). */
function nextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Sets the live status message (only when it changes, so screen readers
 *  do not repeat it); tone is '', 'ok', 'warn' or 'bad'. quiet: for screen
 *  readers only, when the same news is on the screen already. */
function setStatus(text, tone = '', quiet = false) {
  const box = $('status');
  if (box.textContent !== text) box.textContent = text;
  box.className = ['status', tone && `is-${tone}`, quiet && 'visually-hidden'].filter(Boolean).join(' ');
}

// ---------------------------------------------------------------------------
// Loading: the link, the core, the study

const CONTACT = 'If this keeps happening, contact the organizer of the study.';

async function loadCore() {
  if (typeof WebAssembly !== 'object') {
    throw new PageError({
      title: 'This browser cannot run the form',
      message: 'The form encrypts your answers inside your browser with WebAssembly, which this browser does not support or has turned off.',
      advice: `Open your link in an up-to-date browser (Firefox, Chrome, Edge or Safari). ${CONTACT}`,
    });
  }
  try {
    return await loadMpc();
  } catch (e) {
    throw new PageError({
      title: 'The form could not start',
      message: 'The part of the form that encrypts your answers in this browser could not be loaded. Nothing has been sent.',
      advice: `Check your connection and reload the page, or try another up-to-date browser. ${CONTACT}`,
      detail: `Details: ${e?.message ?? e}`,
    });
  }
}

async function loadStudyText() {
  let response;
  try {
    response = await fetch('/api/study', { cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new PageError({
      title: 'The study could not be loaded',
      message: 'This server did not answer. Nothing has been sent.',
      advice: `Check your connection and reload the page. ${CONTACT}`,
      detail: `Details: ${e?.message ?? e}`,
    });
  }
  if (!response.ok) {
    throw new PageError({
      title: 'The study could not be loaded',
      message: `This server could not provide the study (HTTP ${response.status}). Nothing has been sent.`,
      advice: `Reload the page in a few minutes. ${CONTACT}`,
    });
  }
  return response.text();
}

/** Parses and checks the study with the core; the hash it computes must be
 *  the one in the link. */
function openStudy(mpc, text, link) {
  let study;
  try {
    study = mpc.study(text);
  } catch (e) {
    throw new PageError({
      title: 'The study on this server is not valid',
      message: 'This server sent a study that does not pass the checks built into the form, so it cannot be trusted with your answers.',
      advice: 'Do not submit anything. Contact the organizer and tell them what this page says.',
      detail: `Details: ${e instanceof MpcError ? e.message : e}`,
    });
  }
  if (study.hash !== link.study) {
    study.free();
    throw new PageError({
      title: 'This form does not match the study in your link',
      message: 'The study this server sent is not the one your link was made for, so your answers could go to a study you did not agree to.',
      advice: 'Do not submit anything. Contact the organizer and tell them what this page says.',
      detail: `Study in your link: ${link.study}. Study on this server: ${study.hash}.`,
    });
  }
  if (!study.accessOpen && link.token === '') {
    study.free();
    throw new PageError({
      title: 'This study needs your personal link',
      message: 'Everyone taking part gets their own link, which ends with a long code after “token=”. The link that opened this page has no such code.',
      advice: 'Open the personal link you were sent, copying all of it. If you cannot find it, contact the organizer.',
    });
  }
  return study;
}

/** Every party still accepts answers: each one is asked (GET
 *  /api/collection, at once); one that closed the collection when the
 *  results were released stops the form before anyone fills it in. A party
 *  that does not answer now is not a reason to stop: the sending retries. */
async function checkOpen(study) {
  const answers = await Promise.all(study.parties.map(async (p) => {
    try {
      const r = await fetch(`${p.url}/api/collection`, {
        cache: 'no-store', credentials: 'omit', signal: timeoutSignal(COLLECTION_TIMEOUT_MS),
      });
      return r.ok ? { party: p, ...(await r.json()) } : null;
    } catch {
      return null;
    }
  }));
  state.unreachable = study.parties.filter((p, i) => answers[i] === null);
  const closed = answers.find((a) => a && a.open === false);
  if (closed) {
    const when = localTime(closed.released_at);
    throw new PageError({
      title: 'This study is closed',
      message: `The results of this study were released${when ? ` on ${when}` : ''}, so no more answers are accepted: an answer sent now would not be counted, and the computing parties refuse it.`,
      advice: 'There is nothing to do: thank you for your time. If you think this is a mistake, contact the organizer of the study.',
      detail: `${closed.party.name} closed the collection.`,
    });
  }
}

function showLoadError(e) {
  showPageError(e, {
    prefix: 'page-load-error',
    hide: ['loading', 'content'],
    fallback: {
      title: 'The form could not start',
      message: 'Something went wrong while preparing the form. Nothing has been sent.',
      advice: `Reload the page. ${CONTACT}`,
    },
  });
}

async function start() {
  // Pasting another link into this tab changes only the fragment, which
  // does not reload the page: reload, so the new link is checked afresh.
  window.addEventListener('hashchange', () => location.reload());
  const link = readLink(['token']);
  try {
    if (!isStudyHash(link.study)) {
      throw new PageError({
        title: link.study === '' ? 'Your link is incomplete' : 'This form does not match the study in your link',
        message: 'The link that opened this page does not carry a valid study fingerprint, so this page cannot check that the form is the one you were invited to.',
        advice: 'Do not submit anything. Open the exact link you were sent, copying all of it; if it still does not work, contact the organizer.',
      });
    }
    const [mpc, text] = await Promise.all([loadCore(), loadStudyText()]);
    state.study = openStudy(mpc, text, link);
    state.token = state.study.accessOpen || link.token === '' ? null : link.token;
    await checkOpen(state.study);
    renderStudy(state.study);
  } catch (e) {
    showLoadError(e);
  }
}

// ---------------------------------------------------------------------------
// The study: description, privacy explanation, questions

function renderStudy(study) {
  const doc = study.doc;
  document.title = `${doc.title} – submit your answers`;
  $('study-title').textContent = doc.title;
  $('study-description').textContent = doc.description ?? '';
  $('study-description').hidden = !doc.description;
  renderPrivacy(study);
  renderUnreachable(study);
  $('retry-button').addEventListener('click', retryNow);
  $('edit-button').addEventListener('click', () => reopenForm(false));
  $('correct-button').addEventListener('click', () => reopenForm(true));
  window.addEventListener('online', retryNow);

  if (study.organization) {
    // One report per employer: the HR export instead of the questions.
    $('study-form').hidden = true;
    $('upload').hidden = false;
    document.querySelector('.skip-link').href = '#upload';
    document.querySelector('.skip-link').textContent = 'Skip to the upload';
    $('privacy-heading').textContent = 'What happens to your figures';
    $('edit-button').textContent = 'Back to the upload';
    $('sending-heading').textContent = 'Sending your organization’s encrypted shares';
    state.upload = renderUpload(study, sendTable);
    $('loading').hidden = true;
    $('content').hidden = false;
    return;
  }
  const container = $('fields');
  state.fields = doc.fields.map((spec) => renderField(spec, state.study.checkValue.bind(state.study), () => {
    if (!$('error-summary').hidden) renderSummary(false);
  }));
  for (const f of state.fields) container.append(f.wrap);

  $('study-form').addEventListener('submit', onSubmit);
  $('error-summary-list').addEventListener('click', onSummaryClick);

  $('loading').hidden = true;
  $('content').hidden = false;
}

/** Says, before anyone types, which parties did not answer on load. */
function renderUnreachable(study) {
  const down = state.unreachable;
  $('unreachable').hidden = down.length === 0;
  if (down.length === 0) return;
  const names = nameList(down.map((p) => `${p.name} (${hostOf(p.url)})`));
  const all = down.length === study.parties.length;
  $('unreachable').textContent = `${names} cannot be reached right now. ${all
    ? 'Check your connection, or try again later.'
    : 'You can still fill in the form: when you submit, this page keeps trying until every organization has its share, so keep it open until it says your answer is complete.'}`;
}

/** The plain-words explanation of what happens to the answers. */
function renderPrivacy(study) {
  const doc = study.doc;
  const n = study.parties.length;
  const names = nameList(study.parties.map((p) => p.name));
  const promises = study.organization ? [
    `When you send, this browser adds up your employees’ rows into one table of counts and sums for your organization, splits that table into ${n} secret shares and encrypts each share to a different computing party: ${names}. Neither your file nor any row is sent anywhere.`,
    `A share on its own reveals nothing, so no single party can see your organization’s figures. They stay private as long as at least one of the ${n} parties does not collude with the ${n === 2 ? 'other' : 'others'}.`,
    'Only the statistics listed below are computed from every organization’s shares together and released; no one can ask for anything else.',
    'Taking part is not anonymous. Your link is your organization’s own: the parties record which link was used (so that a new upload replaces the earlier one as a whole), but not your figures. They can also see network details of your connection, such as your IP address.',
  ] : [
    `When you submit, this browser splits your answers into ${n} secret shares and encrypts each share to a different organization: ${names}. Your answers themselves are never sent anywhere.`,
    `A share on its own reveals nothing, so no single organization can see your answers. They stay private as long as at least one of the ${n} organizations does not collude with the ${n === 2 ? 'other' : 'others'}.`,
    'Only the statistics listed below are computed from everyone’s shares together and released; no one can ask for anything else.',
  ];
  if (study.organization) {
    // (said above)
  } else if (study.accessOpen) {
    promises.push('Taking part is not anonymous. This form is open to anyone with the link; the organizations do not learn your name from it, but they can see network details of your connection, such as your IP address. They cannot see your answers.');
  } else {
    promises.push('Taking part is not anonymous. Your link is personal: the organizations record which link was used to submit (so that a new submission can replace an earlier one), but not your answers. They can also see network details of your connection, such as your IP address.');
  }
  $('promises').replaceChildren(...promises.map((t) => el('li', {}, t)));

  // The core's plan sentences start with the analysis's technical name.
  const analysisNames = (doc.analyses ?? []).map((a) => a.name);
  const plan = study.plan().map((line) => {
    const name = analysisNames.find((a) => line.startsWith(`${a}: `));
    return sentence(name ? line.slice(name.length + 2) : line);
  });
  $('plan').replaceChildren(...plan.map((t) => el('li', {}, t)));

  const privacy = doc.privacy ?? {};
  const rules = [];
  const orgs = (k) => `${k} ${k === 1 ? 'organization' : 'organizations'}`;
  if (privacy.min_submissions > 1) {
    rules.push(`Nothing is released unless at least ${study.organization ? orgs(privacy.min_submissions) : people(privacy.min_submissions)} take part.`);
  }
  if (privacy.min_cell_count > 1) {
    rules.push(`Any group with fewer than ${people(privacy.min_cell_count)} is suppressed: its numbers are not released.`);
  } else {
    rules.push('Groups are not suppressed by size in this study: the numbers of every group are released, even for a group of one person.');
  }
  if (study.organization && privacy.min_contributors > 1) {
    rules.push(`Nor is any group released with people from fewer than ${orgs(privacy.min_contributors)}, however many people it holds: no figure describes one organization.`);
  }
  $('thresholds').textContent = rules.join(' ');

  $('parties').replaceChildren(...study.parties.map((p) =>
    el('li', {}, el('span', { class: 'party-name' }, p.name), ' ', el('span', { class: 'party-host' }, hostOf(p.url)))));
}

/** Checks one field and shows or clears its error (and refreshes the
 *  error summary if asked); returns the message (null if valid). */
function checkField(field, refreshSummary = false) {
  const message = checkFieldWith(field, state.study.checkValue.bind(state.study));
  if (refreshSummary && !$('error-summary').hidden) renderSummary(false);
  return message;
}

/** The control a link to this field should focus. */
function focusTarget(field) {
  return field.controls.find((c) => c.checked) ?? field.controls[0];
}

/** Lists the invalid fields in the error summary (hidden if none). */
function renderSummary(moveFocus) {
  const invalid = state.fields.filter((f) => f.invalid);
  const summary = $('error-summary');
  $('error-summary-list').replaceChildren(...invalid.map((f) => el('li', {},
    el('a', { href: `#${focusTarget(f).id}`, 'data-field': f.spec.name },
      `${f.spec.label}${/[?:!.]$/.test(f.spec.label) ? '' : ':'} ${f.error.textContent}`))));
  summary.hidden = invalid.length === 0;
  if (moveFocus && invalid.length) {
    summary.scrollIntoView({ block: 'start' });
    summary.focus({ preventScroll: true });
  }
}

/** A link in the summary focuses its field (a plain fragment link would
 *  scroll but not always move focus, and would change the URL). */
function onSummaryClick(event) {
  const link = event.target.closest('a[data-field]');
  if (!link) return;
  event.preventDefault();
  const field = state.fields.find((f) => f.spec.name === link.dataset.field);
  if (!field) return;
  field.wrap.scrollIntoView({ block: 'start' });
  focusTarget(field).focus({ preventScroll: true });
}

/** The answer object for the core: choices by label, integers as the
 *  digits typed, booleans as true/false. */
function collectAnswer() {
  const answer = {};
  for (const f of state.fields) {
    const text = readText(f);
    answer[f.spec.name] = f.spec.type === 'boolean' ? text === 'true' : text;
  }
  return answer;
}

function setFormEnabled(enabled) {
  if (state.upload) {
    state.upload.setEnabled(enabled);
    return;
  }
  const form = $('study-form');
  for (const c of form.elements) c.disabled = !enabled;
  form.setAttribute('aria-busy', String(!enabled));
}

// ---------------------------------------------------------------------------
// Submitting

async function onSubmit(event) {
  event.preventDefault();
  if (state.run) return; // a submission is on its way
  let invalid = 0;
  for (const f of state.fields) if (checkField(f) !== null) invalid++;
  renderSummary(true);
  if (invalid > 0) {
    setStatus(`${invalid === 1 ? 'One answer needs' : `${invalid} answers need`} correcting. Nothing has been sent.`, 'bad');
    return;
  }

  setFormEnabled(false);
  $('receipt').hidden = true;
  setStatus('Encrypting your answers in this browser…');
  await nextPaint();
  let submission;
  try {
    // A later submission from this page must carry a larger seq, so that
    // it replaces the earlier one.
    const seq = Math.max(Date.now() * 1000, state.lastSeq + 1);
    submission = state.study.submission(collectAnswer(), { token: state.token, seq });
    state.lastSeq = submission.seq;
  } catch (e) {
    setFormEnabled(true);
    setStatus(`Your answers could not be prepared, so nothing was sent: ${e instanceof MpcError ? e.message : e}`, 'bad');
    return;
  }
  startRun(submission);
}

/** Organization studies: the rows of the export that can be used, as one
 *  report (the core adds them up into the table). */
async function sendTable(answers) {
  if (state.run) return;
  setFormEnabled(false);
  $('receipt').hidden = true;
  setStatus(`Adding up ${people(answers.length)} and encrypting your organization’s table in this browser…`);
  await nextPaint();
  let submission;
  try {
    const seq = Math.max(Date.now() * 1000, state.lastSeq + 1);
    submission = state.study.submission(answers, { token: state.token, seq });
    state.lastSeq = submission.seq;
  } catch (e) {
    setFormEnabled(true);
    setStatus(`Your organization’s figures could not be prepared, so nothing was sent: ${e instanceof MpcError ? e.message : e}`, 'bad');
    return;
  }
  startRun(submission);
}

/** Sends every party its body, in parallel. */
function startRun(submission) {
  const run = {
    reportId: submission.reportId,
    bodies: submission.bodies,
    parties: state.study.parties.map((p, index) => ({
      index,
      name: p.name,
      url: p.url,
      state: 'sending', // 'sending' | 'waiting' | 'confirmed' | 'refused'
      attempts: 0,
      timer: null,
      retryAt: 0,
      reason: '',
      message: '',
      receivedAt: null,
      earlier: false,
    })),
    done: false,
  };
  state.run = run;
  $('sending-list').replaceChildren(...run.parties.map((p) => el('li', { 'data-party-index': p.index, class: 'party-item' },
    el('span', { class: 'party-name' }, p.name), ' ',
    el('span', { class: 'party-host' }, hostOf(p.url)), ' ',
    el('span', { class: 'party-state' }), ' ',
    el('span', { class: 'party-detail' }))));
  $('sending').hidden = false;
  window.addEventListener('beforeunload', warnBeforeLeaving);
  for (const p of run.parties) send(run, p);
  update(run);
}

/** One attempt to deliver a party's body. */
async function send(run, p) {
  clearTimeout(p.timer);
  p.timer = null;
  p.state = 'sending';
  p.attempts++;
  update(run);
  let outcome;
  try {
    const response = await fetch(`${p.url}/api/reports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: run.bodies[p.index],
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: timeoutSignal(REQUEST_TIMEOUT_MS),
    });
    outcome = await classify(response, run.reportId);
  } catch (e) {
    outcome = {
      kind: 'retry',
      reason: e?.name === 'TimeoutError' || e?.name === 'AbortError'
        ? 'This party did not answer in time'
        : 'This party could not be reached',
    };
  }
  if (state.run !== run) return;
  if (outcome.kind === 'confirmed') {
    p.state = 'confirmed';
    p.receivedAt = outcome.receivedAt ?? null;
    p.earlier = Boolean(outcome.earlier);
  } else if (outcome.kind === 'refused') {
    p.state = 'refused';
    p.message = outcome.message;
  } else {
    p.state = 'waiting';
    p.reason = outcome.reason;
    const delay = retryDelay(p.attempts, outcome.retryAfter);
    p.retryAt = Date.now() + delay;
    p.timer = setTimeout(() => send(run, p), delay);
  }
  update(run);
}

/**
 * What a party's answer means: { kind: 'confirmed', receivedAt, earlier }
 * (201, or 409 "same": this exact body was stored before, by an earlier
 * attempt); { kind: 'retry', reason, retryAfter } (busy, down, or not the
 * party answering, e.g. a captive portal); { kind: 'refused', message }
 * (any other refusal: the same body would be refused again).
 */
async function classify(response, reportId) {
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = null;
  }
  const error = typeof json?.error === 'string' ? json.error : '';
  if (response.ok) {
    if (json?.report_id === reportId) return { kind: 'confirmed', receivedAt: json.received_at };
    return { kind: 'retry', reason: 'The answer did not come from the party' };
  }
  if (response.status === 409 && json?.same === true) return { kind: 'confirmed', earlier: true };
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    return {
      kind: 'retry',
      reason: response.status === 429 || response.status === 503 ? 'This party is busy' : 'This party had a problem',
      retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
    };
  }
  return { kind: 'refused', message: error || `the request was refused (HTTP ${response.status})` };
}

/** Retry-After in seconds (a number of seconds or an HTTP date), or 0. */
function parseRetryAfter(value) {
  if (!value) return 0;
  const s = /^\s*\d+\s*$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  return Number.isFinite(s) ? Math.min(Math.max(s, 0), MAX_RETRY_AFTER_S) : 0;
}

/** Milliseconds before the next attempt, after `attempts` failures: 1, 2,
 *  4, 8 s, then 15-30 s; never sooner than Retry-After. A little random
 *  spread keeps many browsers from retrying in step. */
function retryDelay(attempts, retryAfterS = 0) {
  const base = attempts <= BACKOFF_S.length
    ? BACKOFF_S[attempts - 1] * (0.9 + Math.random() * 0.2)
    : LATER_MIN_S + Math.random() * (LATER_MAX_S - LATER_MIN_S);
  return Math.round(Math.max(base, retryAfterS) * 1000);
}

/** "Retry now" (and the browser coming back online): every waiting party
 *  is tried again at once, with the same body. */
function retryNow() {
  const run = state.run;
  if (!run || run.done) return;
  for (const p of run.parties) if (p.state === 'waiting') send(run, p);
}

function warnBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = '';
}

// ---------------------------------------------------------------------------
// Progress and outcome

/** Shows the run's progress; finishes it when every party has answered. */
function update(run) {
  const parties = run.parties;
  const confirmed = parties.filter((p) => p.state === 'confirmed');
  const waiting = parties.filter((p) => p.state === 'waiting');
  const refused = parties.filter((p) => p.state === 'refused');
  const pending = parties.filter((p) => p.state === 'sending' || p.state === 'waiting');
  renderProgress(run);
  $('retry-button').hidden = waiting.length === 0;

  if (confirmed.length === parties.length) {
    finish(run);
    return;
  }
  const n = parties.length;
  const refusals = describeRefusals(refused, n);
  if (pending.length > 0) {
    let text;
    if (waiting.length === 0 && refused.length === 0) {
      text = `Sending your encrypted shares to the ${n} computing parties… Keep this page open.`;
    } else {
      text = `Not complete yet: ${confirmed.length} of ${n} parties have confirmed.`;
      if (refusals) text += ` ${refusals}`;
      if (waiting.length > 0) {
        text += ` Still waiting for ${nameList(waiting.map((p) => p.name))}; this page keeps retrying automatically.`;
      }
      text += ' Your submission is not complete until every party has confirmed: keep this page open.';
    }
    setStatus(text, waiting.length || refused.length ? 'warn' : '');
    syncCountdown(run, waiting.length > 0);
    return;
  }
  // Every party has answered and at least one refused for good.
  const text = `Your submission is not complete and will not be counted. ${refusals} `
    + 'You can change your answers and submit again; if the problem stays, contact the organizer.';
  setStatus(text, 'bad');
  endRun(run);
  $('edit-button').hidden = false;
  $('edit-button').focus();
}

/** "Party 2 refused it: “reason”." Parties that gave the same reason are
 *  named together. */
function describeRefusals(refused, n) {
  const byMessage = new Map();
  for (const p of refused) byMessage.set(p.message, [...(byMessage.get(p.message) ?? []), p.name]);
  return [...byMessage].map(([message, names]) => {
    const who = names.length === n && n > 1 ? `All ${n} parties` : nameList(names);
    return `${who} refused it: “${message}”.`;
  }).join(' ');
}

function renderProgress(run) {
  const now = Date.now();
  for (const p of run.parties) {
    const li = $('sending-list').querySelector(`li[data-party-index="${p.index}"]`);
    if (!li) continue;
    let label;
    let detail;
    switch (p.state) {
      case 'confirmed':
        label = 'Confirmed';
        detail = p.earlier ? 'It had already stored this submission.' : `Stored at ${localTime(p.receivedAt, timeFormat) ?? 'an unknown time'}.`;
        break;
      case 'waiting': {
        const seconds = Math.max(0, Math.ceil((p.retryAt - now) / 1000));
        label = `Waiting, retrying (attempt ${p.attempts + 1})`;
        detail = `${p.reason}. Next try in ${seconds} s.`;
        break;
      }
      case 'refused':
        label = 'Refused';
        detail = `“${p.message}”`;
        break;
      default:
        label = p.attempts > 1 ? `Sending… (attempt ${p.attempts})` : 'Sending…';
        detail = '';
    }
    li.dataset.state = p.state;
    li.className = `party-item is-${p.state}`;
    li.querySelector('.party-state').textContent = label;
    li.querySelector('.party-detail').textContent = detail;
  }
}

/** Refreshes the "next try in N s" texts once a second while needed. */
function syncCountdown(run, needed) {
  if (needed && state.countdown === null) {
    state.countdown = setInterval(() => renderProgress(run), 1000);
  } else if (!needed && state.countdown !== null) {
    clearInterval(state.countdown);
    state.countdown = null;
  }
}

/** Stops a run's timers; the form can be used again afterwards. */
function endRun(run) {
  run.done = true;
  for (const p of run.parties) clearTimeout(p.timer);
  syncCountdown(run, false);
  $('retry-button').hidden = true;
  window.removeEventListener('beforeunload', warnBeforeLeaving);
  state.run = null;
}

/** Every party confirmed: the receipt. */
function finish(run) {
  endRun(run);
  const now = new Date();
  state.corrections++;
  $('sending').hidden = true;
  $('receipt-report-id').textContent = run.reportId;
  $('receipt-time').dateTime = now.toISOString();
  $('receipt-time').textContent = dateTimeFormat.format(now);
  $('receipt-parties').replaceChildren(...run.parties.map((p) => {
    const when = localTime(p.receivedAt);
    const detail = p.earlier ? 'It had already stored this submission.' : `Stored ${when ?? 'at an unknown time'}.`;
    return el('li', { 'data-party-index': p.index, class: 'party-item is-confirmed' },
      el('span', { class: 'party-name' }, p.name), ' ',
      el('span', { class: 'party-host' }, hostOf(p.url)), ' ',
      el('span', { class: 'party-state' }, 'Confirmed'), ' ',
      el('span', { class: 'party-detail' }, detail));
  }));
  if (state.study.organization) {
    $('receipt-heading').textContent = 'Your organization’s figures were submitted';
    $('receipt-correction').textContent = 'To correct them, open your link again and upload the corrected export: the new report replaces this one as a whole. You can also do it now, from this page.';
    $('correct-button').textContent = 'Upload a corrected export';
    $('correct-button').hidden = false;
  } else if (state.study.accessOpen) {
    $('receipt-correction').textContent = 'This form is open to anyone, so a new submission would count as another person’s answers: it cannot replace this one.';
    $('correct-button').hidden = true;
  } else {
    $('receipt-correction').textContent = 'To correct your answers, open your link again and submit: the new answers replace these. You can also correct them now, from this page.';
    $('correct-button').hidden = false;
  }
  $('edit-button').hidden = true;
  $('receipt').hidden = false;
  setStatus(`Submitted: all ${run.parties.length} computing parties confirmed. Your receipt number is ${run.reportId}.`, 'ok', true);
  $('receipt').scrollIntoView({ block: 'start' });
  $('receipt-heading').focus({ preventScroll: true });
}

/** Lets the person change the answers and submit again (a correction after
 *  a receipt, or another try after a refusal). */
function reopenForm(correction) {
  $('receipt').hidden = true;
  $('sending').hidden = true;
  $('edit-button').hidden = true;
  setFormEnabled(true);
  if (state.upload) {
    setStatus(correction
      ? 'Choose the corrected export, check it, then send: the new report replaces the one you sent as a whole.'
      : 'Check the export and send again, or choose another file.');
    $('upload').scrollIntoView({ block: 'start' });
    $('upload-file').focus({ preventScroll: true });
    return;
  }
  $('submit-button').textContent = correction || state.corrections > 0 ? 'Submit my corrected answers' : 'Submit my answers';
  setStatus(correction
    ? 'Change your answers, then submit again: the new answers replace the ones you submitted.'
    : 'Change your answers if needed, then submit again.');
  const first = state.fields[0];
  first.wrap.scrollIntoView({ block: 'start' });
  focusTarget(first).focus({ preventScroll: true });
}

start();
