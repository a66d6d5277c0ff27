// link.js - the parameters a page's link carries in its fragment
// (#study=HASH&token=... for the form, #study=HASH&key=... for the report
// page). The fragment never reaches a server or its logs. Every value is
// trimmed; the study hash and keys are hexadecimal, compared lowercase.

/** The link's parameters: {study, ...} with each of `names` (missing: ''). */
export function readLink(names = []) {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const link = { study: (params.get('study') ?? '').trim().toLowerCase() };
  for (const name of names) link[name] = (params.get(name) ?? '').trim();
  return link;
}

/** A study hash: 64 hexadecimal digits. */
export const isStudyHash = (text) => /^[0-9a-f]{64}$/.test(text);
