/**
 * workbook.mjs - reading a report's spreadsheet back (exceljs), for the
 * tests that compare it with the CSV: the report page's and the console's
 * downloads, and mpc report --xlsx.
 */
import ExcelJS from 'exceljs';

/** Every sheet of a workbook: Map name -> rows of cell values (formatted
 *  values as they are stored). */
export async function workbookCells(file) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out = new Map();
  for (const ws of wb.worksheets) {
    const rowsOf = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => { rowsOf[n - 1] = row.values.slice(1); });
    out.set(ws.name, Array.from(rowsOf, (r) => r ?? []));
  }
  return out;
}

/** The problems (none: []) between each analysis sheet's numbers and the
 *  released values of the CSV rows ([analysis, group, statistic, value,
 *  note], header first): the same multiset of numbers per analysis.
 *  At least one analysis. */
export function sheetNumbersProblems(cells, csvRows) {
  const problems = [];
  // ("_study" rows, the whole study's, are on the Summary sheet.)
  const analyses = [...new Set(csvRows.slice(1).map((r) => r[0]).filter((a) => !a.startsWith('_')))];
  for (const name of analyses) {
    const sheet = cells.get(name);
    if (!sheet) {
      problems.push(`no sheet for ${name}`);
      continue;
    }
    const numbers = sheet.slice(3).flat().filter((v) => typeof v === 'number').sort((x, y) => x - y);
    const want = csvRows.slice(1).filter((r) => r[0] === name && r[3] !== '').map((r) => Number(r[3])).sort((x, y) => x - y);
    if (JSON.stringify(numbers) !== JSON.stringify(want)) problems.push(`${name}: the sheet's numbers are not the CSV's`);
  }
  if (analyses.length === 0) problems.push('no analysis in the CSV');
  return problems;
}
