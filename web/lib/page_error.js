// page_error.js - a problem that keeps a page from doing its job, told to
// the person in four parts (what happened, what it means, what to do,
// the technical detail), and the panel that shows it. A page's panel is
// the element `${prefix}` with children `${prefix}-title`, `-message`,
// `-advice` and `-detail` (see submit/index.html, report/index.html).

import { $ } from './dom.js';

export class PageError extends Error {
  constructor({ title, message, advice, detail = '' }) {
    super(message);
    this.title = title;
    this.advice = advice;
    this.detail = detail;
  }
}

/**
 * Shows e in the panel `prefix` and hides the elements `hide` (ids). An
 * error that is not a PageError (a bug, a browser failure) is shown as
 * `fallback` with its message as the detail. The page's title becomes the
 * error's title (followed by titleSuffix).
 */
export function showPageError(e, { prefix, hide = [], fallback, titleSuffix = '' }) {
  const error = e instanceof PageError ? e : new PageError({ ...fallback, detail: `Details: ${e?.message ?? e}` });
  for (const id of hide) $(id).hidden = true;
  $(`${prefix}-title`).textContent = error.title;
  $(`${prefix}-message`).textContent = error.message;
  $(`${prefix}-advice`).textContent = error.advice;
  $(`${prefix}-detail`).textContent = error.detail;
  $(prefix).hidden = false;
  document.title = `${error.title}${titleSuffix}`;
  return error;
}
