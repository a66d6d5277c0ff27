/**
 * report_lib.mjs - what the report page's browser tests (report.mjs,
 * eu_report.mjs) read from the page: the report link a command printed,
 * the tables' cells, and a cell checked against its CSV row.
 */
import assert from 'node:assert/strict';

/** The link after "The report page ... private):" or "Or open the report page ...:". */
export function linkIn(stdout) {
  const m = /report page \(keep this link private\):\s+(\S+)/.exec(stdout);
  assert.ok(m, `no report link in: ${stdout}`);
  return m[1];
}

/** Every statistic cell of the page's tables in the elements `scope`
 *  selects (each with data-analysis: an analysis's section, or an
 *  indicator's table). */
export function tableCells(page, scope = 'section.analysis') {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].flatMap((section) =>
    [...section.querySelectorAll('table tbody tr[data-group]')].flatMap((tr) =>
      [...tr.querySelectorAll('td[data-statistic]')].map((td) => ({
        analysis: section.dataset.analysis,
        group: tr.dataset.group,
        statistic: td.dataset.statistic,
        text: (td.querySelector('.value') ?? td).textContent.trim(),
      })))), scope);
}

export const PROTECTING = 'suppressed (to protect another group)';

/** Checks one shown cell against its CSV row: integers exactly (with
 *  thousands separators), means and spreads to 2 decimals, gaps to 3. */
export function assertCell(shown, row) {
  const where = `${row.analysis} ${row.group} ${row.statistic}`;
  if (row.value === '') {
    const says = { suppressed: 'suppressed', [PROTECTING]: 'withheld' }[row.note] ?? 'not defined';
    assert.equal(shown, says, where);
    return;
  }
  assert.ok(shown !== 'suppressed' && shown !== 'withheld', where);
  const share = row.statistic === 'share_positive' || row.statistic.startsWith('quartile_band_');
  if (share || row.statistic === 'gap_percent' || row.statistic === 'median_gap_percent') {
    // percent, to 1 decimal (a share is a fraction of 1 in the CSV)
    assert.match(shown, /^-?\d{1,3}(,\d{3})*\.\d%$/, `${where}: a percent to 1 decimal`);
    const want = Number(row.value) * (share ? 100 : 1);
    assert.ok(Math.abs(Number(shown.replaceAll(',', '').replace('%', '')) - want) <= 0.05 + 1e-9, `${where}: shown ${shown}, CSV ${row.value}`);
    return;
  }
  if (/^-?\d+$/.test(row.value) && row.statistic !== 'gap' && row.statistic !== 'mean' && row.statistic !== 'stddev') {
    assert.match(shown, /^-?\d{1,3}(,\d{3})*$/, `${where}: thousands separators`);
    assert.equal(shown.replaceAll(',', ''), row.value, where);
    return;
  }
  const digits = row.statistic === 'gap' ? 3 : 2;
  assert.match(shown, new RegExp(`^-?\\d{1,3}(,\\d{3})*\\.\\d{${digits}}$`), `${where}: ${digits} decimals`);
  const diff = Math.abs(Number(shown.replaceAll(',', '')) - Number(row.value));
  assert.ok(diff <= 0.5 * 10 ** -digits + 1e-9, `${where}: shown ${shown}, CSV ${row.value}`);
}

/** Opens the report at link on a phone-sized screen (openPage: the
 *  test's recorder.open): the page itself never scrolls sideways; then
 *  more checks on the page (also), and closes it. */
export async function phoneFits(openPage, link, also = null) {
  const { page } = await openPage(link, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await page.waitForSelector('#report', { state: 'visible', timeout: 20000 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling');
  if (also) await also(page);
  await page.close();
}
