// form.js - the questions of a study's form: each field's controls, hints
// and inline error, checked by the core (Study.checkValue). The form
// (web/submit/) and the organizer's console preview (web/organizer/) both
// draw their questions with it.

import { el, sentence } from './dom.js';

/** Choice fields with at most this many choices are radio buttons, longer
 *  ones a drop-down list. */
const MAX_RADIO_CHOICES = 6;

/**
 * One question. Returns its record: { spec, kind ('radio', 'select' or
 * 'text'), wrap (the element to insert), controls (the inputs), error (the
 * inline error element), describedBy (ids of its hints) }. checkValue(name,
 * text) is the core's check (Study.checkValue); onCheck(field) runs after
 * the field was checked again because it changed while invalid.
 */
export function renderField(spec, checkValue, onCheck = () => {}) {
  const name = spec.name;
  const hints = [];
  if (spec.help) hints.push(el('p', { id: `${name}-help`, class: 'hint' }, spec.help));
  if (spec.type === 'integer') {
    hints.push(el('p', { id: `${name}-range`, class: 'hint range' }, sentence(rangeText(spec))));
  }
  const describedBy = hints.map((h) => h.id);
  const error = el('p', { id: `${name}-error`, class: 'field-error' });

  let kind;
  let controls;
  let wrap;
  const options = spec.type === 'boolean'
    ? [['true', 'Yes'], ['false', 'No']]
    : (spec.choices ?? []).map((c) => [c, c]);

  if (spec.type === 'boolean' || (spec.type === 'choice' && options.length <= MAX_RADIO_CHOICES)) {
    kind = 'radio';
    controls = options.map(([value], i) => el('input', {
      type: 'radio', id: `field-${name}-${i}`, name, value, required: true,
    }));
    const list = el('div', { class: spec.type === 'boolean' ? 'options options-inline' : 'options' },
      ...options.map(([, label], i) => el('div', { class: 'option' },
        controls[i], el('label', { for: controls[i].id }, label))));
    wrap = el('fieldset', { class: 'field', 'data-field': name },
      el('legend', { class: 'field-label' }, spec.label), ...hints, error, list);
  } else {
    let control;
    if (spec.type === 'choice') {
      kind = 'select';
      control = el('select', { id: `field-${name}`, name, required: true },
        el('option', { value: '' }, 'Choose…'),
        ...options.map(([value, label]) => el('option', { value }, label)));
    } else {
      kind = 'text';
      // Phones show a digit keypad for inputmode=numeric, which has no minus
      // sign: keep the full keyboard where negative numbers are allowed.
      control = el('input', {
        type: 'text', id: `field-${name}`, name, required: true, autocomplete: 'off',
        spellcheck: 'false', autocapitalize: 'off', inputmode: spec.min >= 0 ? 'numeric' : null,
        maxlength: 40, class: 'number',
      });
    }
    controls = [control];
    wrap = el('div', { class: 'field', 'data-field': name },
      el('label', { class: 'field-label', for: control.id }, spec.label), ...hints, error, control);
  }

  const field = { spec, kind, wrap, controls, error, describedBy };
  setDescribedBy(field, false);
  // Once a field shows an error, check it again as soon as it changes. A
  // text field clears its error as soon as what is typed is valid, and
  // never on blur: the layout would move under the pointer of a click on
  // the next field, and that click would be lost.
  const recheck = () => {
    if (!field.invalid) return;
    checkField(field, checkValue);
    onCheck(field);
  };
  const clearIfValid = () => {
    if (field.invalid && checkValue(spec.name, readText(field)) === null) recheck();
  };
  for (const c of controls) c.addEventListener(kind === 'text' ? 'input' : 'change', kind === 'text' ? clearIfValid : recheck);
  return field;
}

/** aria-describedby of a field: its hints, and its error while invalid. */
export function setDescribedBy(field, invalid) {
  const ids = invalid ? [...field.describedBy, field.error.id] : field.describedBy;
  const target = field.kind === 'radio' ? field.wrap : field.controls[0];
  if (ids.length) target.setAttribute('aria-describedby', ids.join(' '));
  else target.removeAttribute('aria-describedby');
}

/** The answer to a field as the text the core checks. */
export function readText(field) {
  switch (field.kind) {
    case 'radio':
      return field.controls.find((c) => c.checked)?.value ?? '';
    case 'select':
      return field.controls[0].value;
    default:
      return field.controls[0].value.trim();
  }
}

/** "a whole number from 0 to 1000000, digits only". */
export function rangeText(spec) {
  const sign = spec.min < 0 ? ' (a minus sign first for a negative number)' : '';
  return `a whole number from ${spec.min} to ${spec.max}, digits only${sign}`;
}

function rangeSentence(spec) {
  return `Enter ${rangeText(spec)}.`;
}

/** The core's message about a field, in the words shown to the person. */
export function fieldMessage(spec, text, coreMessage) {
  if (text === '') {
    if (spec.type === 'integer') return rangeSentence(spec);
    if (spec.type === 'boolean') return 'Choose Yes or No.';
    return 'Choose one of the answers.';
  }
  const prefix = `${spec.name}: `;
  const message = coreMessage.startsWith(prefix) ? coreMessage.slice(prefix.length) : coreMessage;
  if (spec.type === 'integer') {
    if (/whole number/.test(message)) {
      return `${rangeSentence(spec)} Leave out commas, spaces, decimal points and currency signs.`;
    }
    return `${sentence(message)} ${rangeSentence(spec)}`;
  }
  return sentence(message);
}

/** Checks one field with the core (checkValue) and shows or clears its
 *  error; returns the message (null if valid). */
export function checkField(field, checkValue) {
  const text = readText(field);
  const coreMessage = checkValue(field.spec.name, text);
  const message = coreMessage === null ? null : fieldMessage(field.spec, text, coreMessage);
  field.invalid = message !== null;
  field.error.textContent = message ?? '';
  field.wrap.classList.toggle('has-error', field.invalid);
  for (const c of field.controls) {
    if (field.invalid) c.setAttribute('aria-invalid', 'true');
    else c.removeAttribute('aria-invalid');
  }
  setDescribedBy(field, field.invalid);
  return message;
}
