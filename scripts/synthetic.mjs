#!/usr/bin/env node
/**
 * synthetic.mjs - synthetic contributors for a study (make demo): one CSV
 * row per person, a header of the study's field names, every value valid.
 *
 *   node scripts/synthetic.mjs STUDY.json COUNT [SEED] > people.csv
 *
 * Choices are drawn with a mild skew (the first choices are more common),
 * integers uniformly in their range, except a field named "salary": a
 * level that grows with the job category's position, a 7% lower level for
 * the first gender choice, and a spread of about 20%, clipped to the
 * field's bounds. Deterministic for a given seed.
 */
import fs from 'node:fs';

const [studyFile, countText, seedText = '2026'] = process.argv.slice(2);
if (!studyFile || !/^\d+$/.test(countText ?? '')) {
  console.error('usage: node scripts/synthetic.mjs STUDY.json COUNT [SEED] > people.csv');
  process.exit(2);
}
const study = JSON.parse(fs.readFileSync(studyFile, 'utf8'));
let state = BigInt(seedText) || 1n;
/** xorshift64*: a uniform number in [0, 1). */
function random() {
  state ^= state >> 12n;
  state ^= (state << 25n) & 0xffffffffffffffffn;
  state ^= state >> 27n;
  return Number(((state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n) / 2 ** 53;
}
/** A choice index, the first ones more likely. */
const pick = (n) => Math.min(n - 1, Math.floor(n * random() ** 1.4));
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const quote = (v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

const names = study.fields.map((f) => f.name);
const lines = [names.join(',')];
for (let i = 0; i < Number(countText); i++) {
  const row = {};
  for (const f of study.fields) {
    if (f.type === 'choice') row[f.name] = pick(f.choices.length);
    else if (f.type === 'boolean') row[f.name] = random() < 0.25;
  }
  for (const f of study.fields) {
    if (f.type !== 'integer') continue;
    let v;
    if (f.name === 'salary') {
      const job = study.fields.find((g) => g.name === 'job');
      const level = job ? 130000 - 8000 * row.job : 60000;
      const gender = study.fields.find((g) => g.name === 'gender');
      const gap = gender && row.gender === 0 ? 0.93 : 1;
      v = Math.round(level * gap * (1 + 0.2 * normal()));
    } else {
      v = f.min + Math.floor(random() * (f.max - f.min + 1));
    }
    row[f.name] = Math.max(f.min, Math.min(f.max, v));
  }
  lines.push(study.fields.map((f) => {
    if (f.type === 'choice') return quote(f.choices[row[f.name]]);
    return String(row[f.name]);
  }).join(','));
}
process.stdout.write(`${lines.join('\n')}\n`);
