// dom.js - the small DOM helpers every page uses (the form, the
// dashboard, the report page). Data from a server or a study only ever
// enters the page through these: as text nodes and attribute values,
// never as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Sets attributes: null, undefined and false are left out, true is an
 *  empty attribute, anything else its String(). */
export function setAttrs(e, attrs = {}) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    e.setAttribute(name, value === true ? '' : String(value));
  }
  return e;
}

/** A new HTML element with attributes and children (strings become text
 *  nodes; null and undefined are left out). */
export function el(tag, attrs = {}, ...children) {
  const e = setAttrs(document.createElement(tag), attrs);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/** The same for SVG elements. */
export function svgEl(tag, attrs = {}, ...children) {
  const e = setAttrs(document.createElementNS(SVG_NS, tag), attrs);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/** Sets a node's text only when it changed (keeps selections, and a
 *  screen reader's place). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** A message as a sentence: capital first letter, final full stop. */
export function sentence(text) {
  const t = String(text).trim();
  if (t === '') return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** An AbortSignal that fires after ms (AbortSignal.timeout where the
 *  browser has it). */
export function timeoutSignal(ms) {
  if (typeof AbortSignal.timeout === 'function') return AbortSignal.timeout(ms);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}
