/**
 * results.mjs - build/bench/results.json, shared by the benchmarks of
 * `make bench`: each merges its own keys into the file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Merges keys into BUILD/bench/results.json; returns the whole file's object. */
export function mergeResults(build, keys) {
  const file = path.join(build, 'bench', 'results.json');
  mkdirSync(path.dirname(file), { recursive: true });
  let results = {};
  try { results = JSON.parse(readFileSync(file, 'utf8')); } catch { /* first run */ }
  Object.assign(results, keys);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

export const resultsFile = (build) => path.join(build, 'bench', 'results.json');
