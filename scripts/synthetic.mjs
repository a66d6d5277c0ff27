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
 * field's bounds. The EU pay transparency example's fields likewise: a
 * field named "basic_pay" as "salary", by the position of "category" (the
 * last category the highest paid); "variable_pay" received by 45% of the
 * second gender and 35% of the first, about 8% of the basic pay (up to
 * about 25% for the top category), 0 for the others. Deterministic for a
 * given seed.
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
const categories = study.fields.find((g) => g.name === 'category')?.choices.length ?? 1;
/** Basic pay: 32,000 EUR for the first category, 1.55 times more for each
 *  next one, 11% lower for the first gender, a spread of about 25%. Drawn
 *  once per row (variable pay is a share of it). */
function basicPay(row) {
  if (row.basic === undefined) {
    const gap = row.gender === 0 ? 0.89 : 1;
    row.basic = Math.max(12000, Math.round(32000 * 1.55 ** (row.category ?? 0) * gap * Math.exp(0.25 * normal())));
  }
  return row.basic;
}
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
    } else if (f.name === 'basic_pay') {
      v = basicPay(row);
    } else if (f.name === 'variable_pay') {
      const rate = row.gender === 0 ? 0.35 : 0.45;
      const top = (row.category ?? 0) / Math.max(1, categories - 1);
      v = random() < rate ? Math.round(basicPay(row) * (0.08 + 0.17 * top) * Math.exp(0.5 * normal())) : 0;
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
