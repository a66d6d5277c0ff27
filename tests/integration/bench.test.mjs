/**
 * bench.test.mjs - the compute benchmark's own parts, small: bench/populate
 * stores core-built submissions at every party (db_report_insert_all) and
 * the same rows in the clear; the compute accepts every one; each party's
 * profile of its work is in /api/status; the plaintext baseline reads
 * every row; bench/storage stores reports both ways (one commit each,
 * group commit) and cleans up.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bin, build, cleanup, login, makeStudy, root, runAsync, startParty, status } from './lib.mjs';

const COUNT = 120;
let study;
before(async () => { study = await makeStudy({ n: 3, tokens: 0 }); });
after(() => cleanup(study));

test('populate, compute, profile and the plaintext baseline agree on every row', async () => {
  const csv = path.join(study.dir, 'answers.csv');
  const clear = path.join(study.dir, 'clear.db');
  fs.writeFileSync(csv, execFileSync('node', [path.join(root, 'scripts/synthetic.mjs'),
    path.join(root, 'schema/studies/pay-equity.json'), String(COUNT), '5']));
  const populate = path.join(build, 'bench', 'populate');
  const stored = JSON.parse(execFileSync(populate, [study.sealed, csv, clear, ...study.parties.map((p) => p.dir)], { encoding: 'utf8' }));
  assert.equal(stored.reports, COUNT);
  // Too few party directories: a usage error naming the number.
  const r = await runAsync(populate, [study.sealed, csv, clear, study.parties[0].dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /the study has 3 parties: give as many party directories/);

  for (const p of study.parties) {
    execFileSync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
    await startParty(study, p);
  }
  const c = await runAsync(bin('mpc'), ['compute', '--organizer', study.org, '--study', study.sealed]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, new RegExp(`${COUNT} submissions accepted, 0 rejected`));
  for (const p of study.parties) {
    const prof = (await status(p, await login(p))).compute.profile_ms;
    for (const k of ['storage', 'decrypt', 'verify', 'wait_for_helpers', 'suppression', 'total']) assert.equal(typeof prof[k], 'number', k);
    assert.ok(prof.total > 0 && prof.decrypt > 0 && prof.total >= prof.decrypt, JSON.stringify(prof));
  }
  const plain = JSON.parse(execFileSync(populate, ['--plaintext', clear], { encoding: 'utf8' }));
  assert.equal(plain.rows, COUNT);
  assert.ok(plain.cells > 0 && plain.seconds >= 0);
});

test('the storage benchmark stores every report both ways and leaves no file behind', async () => {
  const storage = path.join(build, 'bench', 'storage');
  const dir = fs.mkdtempSync(path.join(study.dir, 'storage-'));
  const r = await runAsync(storage, [dir, '4', '200']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.threads, 4);
  assert.equal(out.reports, 200);
  assert.ok(out.one_commit_each_per_s > 0 && out.group_commit_per_s > 0, r.stdout);
  assert.deepEqual(fs.readdirSync(dir), []);
  const bad = await runAsync(storage, [dir, '0', '200']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /THREADS from 1 to 64/);
});
