#!/usr/bin/env node
/**
 * run-vectors.mjs - the mpc-vectors runner through the WebAssembly build,
 * in Node, using the JavaScript API (build/web/mpc.js):
 *
 *   node tests/wasm/run-vectors.mjs vdaf|hpke FILE...
 *
 * Same checks, same output lines and same exit codes as build/bin/mpc-vectors
 * (backend/tools/vectors/), so the two can be compared line for line.
 * Set MPC_WEB to use another build directory than build/web.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.MPC_WEB ?? path.join(here, '..', '..', 'build', 'web');
const { loadMpc, MpcError } = await import(pathToFileURL(path.join(webDir, 'mpc.js')).href);

const STRERROR = { ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory' };

/* ---- results and JSON helpers (backend/tools/vectors/common.c) ----------- */

class Result {
  constructor() {
    this.msg = '';
    this.failed = false;
    this.checks = 0;
  }

  fail(msg) {
    if (this.failed) return;
    this.msg = msg;
    this.failed = true;
  }

  /** Mirrors outcome(): err is null on success or the MpcError thrown. */
  outcome(err, success, what) {
    if (!success) {
      if (err === null) this.fail(`${what} succeeded but must fail`);
      this.checks++;
      return false;
    }
    if (err !== null) {
      this.fail(`${what} failed: ${err.detail}`);
      return false;
    }
    return true;
  }

  expectHex(item, got, what) {
    const want = hex(item);
    if (want === null) {
      this.fail(`${what}: missing or malformed expected value`);
      return;
    }
    if (want.length !== got.length || !want.every((b, i) => b === got[i])) {
      this.fail(`${what}: bytes differ (expected ${want.length} bytes, computed ${got.length})`);
    }
    this.checks++;
  }
}

function hex(item) {
  if (typeof item !== 'string' || item.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(item)) return null;
  return Uint8Array.from(Buffer.from(item, 'hex'));
}

function uint(item) {
  if (typeof item === 'boolean') return item ? 1 : 0;
  if (typeof item !== 'number' || !Number.isInteger(item) || item < 0 || item > 2 ** 53) return null;
  return item;
}

/** Runs fn; returns null on success or the MpcError it threw. */
function attempt(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof MpcError) return e;
    throw e;
  }
}

async function loadJson(file, r) {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    r.fail(`cannot read: ${STRERROR[e.code] ?? e.message}`);
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    r.fail('not valid JSON');
    return null;
  }
}

/* ---- VDAF files (backend/tools/vectors/vdaf.c) --------------------------- */

function runXof(mpc, doc, r) {
  const seed = hex(doc.seed), dst = hex(doc.dst), binder = hex(doc.binder), length = uint(doc.length);
  if (!seed || !dst || !binder || length === null || length === 0 || length > 1000000 || seed.length !== 32 || dst.length > 65535) {
    r.fail('malformed XOF vector');
    return;
  }
  r.expectHex(doc.derived_seed, mpc.xof.deriveSeed(seed, dst, binder), 'derived_seed');
  r.expectHex(doc.expanded_vec_field128, mpc.xof.expandField128(seed, dst, binder, length), 'expanded_vec_field128');
}

function makePrio3(mpc, name, doc, shares, r) {
  const length = uint(doc.length) ?? 0, chunkLength = uint(doc.chunk_length) ?? 0;
  const max = uint(doc.max_measurement) ?? 0, weight = uint(doc.max_weight) ?? 0;
  const make = (params) => mpc.prio3({ shares, ...params });
  const chunk = chunkLength > 0 ? { chunkLength } : {};
  const len = length > 0 ? { length } : {};
  switch (name) {
    case 'Prio3Count': return make({ type: 'count' });
    case 'Prio3Sum': return make({ type: 'sum', maxMeasurement: max });
    case 'Prio3SumVec': return make({ type: 'sumvec', ...len, maxMeasurement: max, ...chunk });
    case 'Prio3Histogram': return make({ type: 'histogram', ...len, ...chunk });
    case 'Prio3MultihotCountVec': return make({ type: 'multihot', ...len, maxWeight: weight, ...chunk });
    case 'Prio3HigherDegree': return make({ type: 'higherDegree', algorithmId: 0xffffffff });
    case 'Prio3SumVecWithMultiproof': {
      /* Field64 and three proofs in the draft; confirmed from the size of
       * the leader's input share, trying the other choices if needed. */
      const leader = doc.reports?.[0]?.input_shares?.[0];
      const want = typeof leader === 'string' ? leader.length / 2 : 0;
      for (let attempt = 0; attempt <= 2 * 255; attempt++) {
        const field = attempt === 0 || attempt % 2 === 1 ? 64 : 128;
        const proofs = attempt === 0 ? 3 : (attempt + 1) >> 1;
        const p = make({ type: 'sumvec', field, proofs, algorithmId: 0xffffffff, ...len, maxMeasurement: max, ...chunk });
        if (p.inputShareSize(0) === want) return p;
        p.free();
      }
      r.fail('no field and proof count matches the leader input share size');
      throw new MpcError('no match', 'EINVAL', 'invalid parameter');
    }
    default:
      r.fail(`unsupported VDAF ${name}`);
      throw new MpcError('unsupported', 'EINVAL', 'invalid parameter');
  }
}

function measurement(m, count) {
  if (Array.isArray(m)) {
    if (m.length !== count) return null;
    const out = m.map(uint);
    return out.includes(null) ? null : out;
  }
  return count === 1 && uint(m) !== null ? uint(m) : null;
}

function runPrio3(mpc, name, doc, r) {
  const shares = uint(doc.shares), ctx = hex(doc.ctx);
  if (shares === null || shares < 2 || shares > 255 || !Array.isArray(doc.reports) || !Array.isArray(doc.operations) || !ctx) {
    r.fail('malformed file: shares, reports, operations or ctx');
    return;
  }
  if (doc.agg_param !== '') {
    r.fail('Prio3 has no aggregation parameter, but the file has one');
    return;
  }
  const verifyKey = hex(doc.verify_key);
  if (!verifyKey || verifyKey.length !== 32) {
    r.fail('malformed verify_key');
    return;
  }
  let p;
  const err = attempt(() => { p = makePrio3(mpc, name, doc, shares, r); });
  if (err !== null) {
    r.fail(`cannot instantiate ${name}: ${err.detail}`);
    return;
  }
  const reports = doc.reports;
  const states = reports.map(() => new Array(shares).fill(null));
  try {
    for (const op of doc.operations) {
      if (r.failed) break;
      const o = typeof op.operation === 'string' ? op.operation : '';
      const success = op.success === true;
      const ri = uint(op.report_index), agg = uint(op.aggregator_id) ?? 0, round = uint(op.round) ?? 0;
      if (ri !== null && ri >= reports.length) {
        r.fail(`operation ${o} names report ${ri}, which does not exist`);
        break;
      }
      const rep = ri !== null ? reports[ri] : null;
      if (o === 'shard' && rep) opShard(p, ctx, rep, ri, success, r);
      else if (o === 'verify_init' && rep) opVerifyInit(p, verifyKey, ctx, rep, ri, agg, success, r, states);
      else if (o === 'verifier_shares_to_message' && rep) opToMessage(p, ctx, rep, ri, round, success, r);
      else if (o === 'verify_next' && rep) opVerifyNext(p, rep, ri, agg, round, success, r, states);
      else if (o === 'aggregate') opAggregate(p, reports, agg, success, r, doc);
      else if (o === 'unshard') opUnshard(p, doc, reports.length, success, r);
      else r.fail(`unknown or incomplete operation "${o}"`);
    }
    if (!r.failed && r.checks === 0) r.fail('the file lists no operation');
  } finally {
    p.free();
  }
}

function opShard(p, ctx, rep, ri, success, r) {
  const nonce = hex(rep.nonce), rand = hex(rep.rand);
  if (!nonce || !rand || nonce.length !== 16 || rand.length !== p.randSize) {
    r.fail(`report ${ri}: shard: malformed nonce or rand`);
    return;
  }
  const meas = measurement(rep.measurement, p.measurementCount);
  let out;
  const err = meas === null
    ? new MpcError('measurement', 'EMEAS', 'measurement out of range')
    : attempt(() => { out = p.shard(meas, { ctx, nonce, rand }); });
  if (!r.outcome(err, success, `report ${ri}: shard`)) return;
  r.expectHex(rep.public_share, out.publicShare, `report ${ri}: public share`);
  out.inputShares.forEach((s, j) => r.expectHex(rep.input_shares?.[j], s, `report ${ri}: input share ${j}`));
}

function opVerifyInit(p, verifyKey, ctx, rep, ri, agg, success, r, states) {
  const nonce = hex(rep.nonce), pub = hex(rep.public_share), share = hex(rep.input_shares?.[agg]);
  if (agg >= p.shares || !nonce || nonce.length !== 16 || !pub || !share) {
    r.fail(`report ${ri}: verify_init: malformed report`);
    return;
  }
  let out;
  const err = attempt(() => { out = p.verifyInit(verifyKey, ctx, agg, nonce, pub, share); });
  if (!r.outcome(err, success, `report ${ri}: verify_init (party ${agg})`)) return;
  r.expectHex(rep.verifier_shares?.[0]?.[agg], out.verifierShare, `report ${ri}: verifier share ${agg}`);
  states[ri][agg] = out.state;
}

function opToMessage(p, ctx, rep, ri, round, success, r) {
  const list = rep.verifier_shares?.[round];
  const shares = [];
  for (let j = 0; j < p.shares; j++) {
    const v = hex(list?.[j]);
    if (!v || v.length !== p.verifierShareSize) {
      r.fail(`report ${ri}: verifier share ${j}: malformed`);
      return;
    }
    shares.push(v);
  }
  let msg;
  const err = attempt(() => { msg = p.verifierSharesToMessage(ctx, shares); });
  if (!r.outcome(err, success, `report ${ri}: verifier_shares_to_message`)) return;
  r.expectHex(rep.verifier_messages?.[round], msg, `report ${ri}: verifier message`);
}

function opVerifyNext(p, rep, ri, agg, round, success, r, states) {
  const state = agg < p.shares ? states[ri][agg] : null;
  const msg = round === 1 ? hex(rep.verifier_messages?.[round - 1]) : null;
  if (state === null || msg === null) {
    r.fail(`report ${ri}: verify_next (party ${agg}): no state or malformed message`);
    return;
  }
  let out;
  const err = attempt(() => { out = p.verifyNext(state, msg); });
  if (!r.outcome(err, success, `report ${ri}: verify_next (party ${agg})`)) return;
  r.expectHex(rep.out_shares?.[agg], out, `report ${ri}: output share ${agg}`);
}

function opAggregate(p, reports, agg, success, r, doc) {
  if (agg >= p.shares) {
    r.fail('aggregate: bad party or out of memory');
    return;
  }
  let acc = p.aggInit();
  let err = null;
  for (let ri = 0; ri < reports.length && err === null; ri++) {
    const out = hex(reports[ri].out_shares?.[agg]);
    if (out === null) {
      r.fail(`aggregate: report ${ri} has no output share ${agg}`);
      return;
    }
    err = attempt(() => { acc = p.aggregate(acc, out); });
  }
  if (!r.outcome(err, success, `aggregate (party ${agg})`)) return;
  r.expectHex(doc.agg_shares?.[agg], acc, `aggregate share ${agg}`);
}

function opUnshard(p, doc, numReports, success, r) {
  const list = doc.agg_shares;
  let ok = Array.isArray(list) && list.length === p.shares;
  const aggs = ok ? list.map(hex) : [];
  ok = ok && aggs.every((a) => a !== null && a.length === p.outShareSize);
  let res;
  const err = ok ? attempt(() => { res = p.unshard(aggs, numReports); }) : new MpcError('decode', 'EDECODE', 'malformed encoding');
  if (!r.outcome(err, success, 'unshard')) return;
  const want = doc.agg_result;
  for (let i = 0; i < p.outputLength; i++) {
    const w = Array.isArray(want) ? want[i] : want;
    const sizeOk = Array.isArray(want) ? want.length === p.outputLength : p.outputLength === 1;
    if (!sizeOk || uint(w) === null || res[i] !== BigInt(uint(w))) {
      r.fail(`unshard: aggregate result element ${i} differs`);
      break;
    }
  }
  r.checks++;
}

async function runVdafFile(mpc, file) {
  const r = new Result();
  const base = path.basename(file);
  const name = base.slice(0, base.search(/[_.]/) === -1 ? base.length : base.search(/[_.]/)).slice(0, 63);
  const doc = await loadJson(file, r);
  if (doc !== null && name === 'XofTurboShake128') runXof(mpc, doc, r);
  else if (doc !== null) runPrio3(mpc, name, doc, r);
  console.log(r.failed ? `FAIL ${file}: ${r.msg}` : `PASS ${file} (${r.checks} checks)`);
  return !r.failed;
}

/* ---- HPKE files (backend/tools/vectors/hpke.c) ---------------------------- */

const SUITE = { kem: 0x0020, kdf: 0x0001, aead: 0x0001 };

function checkKeys(mpc, e, ikmName, skName, pkName, r) {
  const ikm = hex(e[ikmName]);
  if (ikm === null) {
    r.fail(`malformed ${ikmName}`);
    return;
  }
  let kp;
  if (r.outcome(attempt(() => { kp = mpc.hpke.deriveKeyPair(ikm); }), true, 'DeriveKeyPair')) {
    r.expectHex(e[skName], kp.secretKey, skName);
    r.expectHex(e[pkName], kp.publicKey, pkName);
  }
  return kp;
}

function checkEncryptions(e, sender, receiver, r) {
  (e.encryptions ?? []).forEach((enc, i) => {
    const what = `encryption ${i}`;
    const aad = hex(enc.aad), pt = hex(enc.pt);
    if (aad === null || pt === null) {
      r.fail(`${what}: malformed`);
      return;
    }
    let ct;
    if (!r.outcome(attempt(() => { ct = sender.seal(pt, aad); }), true, what)) return;
    r.expectHex(enc.ct, ct, what);
    if (i === 0) {
      const bad = ct.slice();
      bad[0] ^= 1;
      const err = attempt(() => receiver.open(bad, aad));
      if (err === null || err.code !== 'EAUTH') r.fail(`${what}: a tampered ciphertext was not refused`);
    }
    let back;
    if (r.outcome(attempt(() => { back = receiver.open(ct, aad); }), true, what) &&
        (back.length !== pt.length || !back.every((b, k) => b === pt[k]))) {
      r.fail(`${what}: opened plaintext differs`);
    }
    r.checks++;
  });
}

function checkExports(e, ctx, r) {
  (e.exports ?? []).forEach((x, i) => {
    const what = `export ${i}`;
    const context = hex(x.exporter_context), len = uint(x.L);
    if (context === null || len === null) {
      r.fail(`${what}: malformed`);
      return;
    }
    let out;
    if (r.outcome(attempt(() => { out = ctx.export(context, len); }), true, what)) {
      r.expectHex(x.exported_value, out, what);
    }
  });
}

function checkEntry(mpc, e, r) {
  const keysE = checkKeys(mpc, e, 'ikmE', 'skEm', 'pkEm', r);
  const keysR = checkKeys(mpc, e, 'ikmR', 'skRm', 'pkRm', r);
  const ikmE = hex(e.ikmE), info = hex(e.info);
  if (r.failed || !keysE || !keysR || ikmE === null || ikmE.length !== 32 || info === null) {
    r.fail('malformed ikmE or info');
    return;
  }
  let encap = { sharedSecret: new Uint8Array(32), enc: new Uint8Array(32) };
  if (r.outcome(attempt(() => { encap = mpc.hpke.encap(keysR.publicKey, ikmE); }), true, 'Encap')) {
    r.expectHex(e.enc, encap.enc, 'enc');
    r.expectHex(e.shared_secret, encap.sharedSecret, 'shared_secret (Encap)');
  }
  let shared = new Uint8Array(32);
  if (r.outcome(attempt(() => { shared = mpc.hpke.decap(encap.enc, keysR.secretKey); }), true, 'Decap')) {
    r.expectHex(e.shared_secret, shared, 'shared_secret (Decap)');
  }
  let ks;
  if (r.outcome(attempt(() => { ks = mpc.hpke.keySchedule(shared, { info }); }), true, 'KeySchedule')) {
    const secrets = ks.keyScheduleForTesting();
    ks.free();
    r.expectHex(e.key, secrets.key, 'key');
    r.expectHex(e.base_nonce, secrets.baseNonce, 'base_nonce');
    r.expectHex(e.exporter_secret, secrets.exporterSecret, 'exporter_secret');
  }
  if (r.failed) return;
  let sender, receiver;
  if (r.outcome(attempt(() => { sender = mpc.hpke.setupSender(keysR.publicKey, { info, ikmE }); }), true, 'SetupBaseS') &&
      r.outcome(attempt(() => { receiver = mpc.hpke.setupReceiver(keysR.secretKey, encap.enc, { info }); }), true, 'SetupBaseR')) {
    checkEncryptions(e, sender, receiver, r);
    checkExports(e, sender, r);
    checkExports(e, receiver, r);
  }
  sender?.free();
  receiver?.free();
}

async function runHpkeFile(mpc, file, counts) {
  const fr = new Result();
  const doc = await loadJson(file, fr);
  if (doc !== null && !Array.isArray(doc)) fr.fail('not an array of test entries');
  if (fr.failed) {
    console.log(`FAIL ${file}: ${fr.msg}`);
    counts.failed++;
    return;
  }
  let skippedHere = 0;
  doc.forEach((e, index) => {
    const r = new Result();
    const mode = uint(e?.mode), kem = uint(e?.kem_id), kdf = uint(e?.kdf_id), aead = uint(e?.aead_id);
    if (mode === null || kem === null || kdf === null || aead === null) {
      r.fail('entry without mode, kem_id, kdf_id or aead_id');
    } else if (mode !== 0 || kem !== SUITE.kem || kdf !== SUITE.kdf || aead !== SUITE.aead) {
      skippedHere++;
      return;
    } else {
      checkEntry(mpc, e, r);
    }
    if (r.failed) {
      console.log(`FAIL ${file} #${index}: ${r.msg}`);
      counts.failed++;
    } else {
      console.log(`PASS ${file} #${index} (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM; ${r.checks} checks)`);
      counts.passed++;
    }
  });
  if (skippedHere > 0) console.log(`SKIP ${file}: ${skippedHere} entries of suites this project does not implement`);
  counts.skipped += skippedHere;
}

/* ---- main (backend/tools/vectors/main.c) --------------------------------- */

const USAGE = `usage: run-vectors.mjs vdaf|hpke FILE...

The mpc-vectors runner through the WebAssembly build: same checks, output
and exit codes as build/bin/mpc-vectors.
`;

async function main(argv) {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const kind = argv[0];
  if (kind !== undefined && kind !== 'vdaf' && kind !== 'hpke') {
    process.stderr.write(`run-vectors: unknown kind "${kind}" (expected: vdaf or hpke)\n${USAGE}`);
    return 2;
  }
  if (argv.length < 2) {
    process.stderr.write(`run-vectors: no vector files given\n${USAGE}`);
    return 2;
  }
  const mpc = await loadMpc();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const file of argv.slice(1)) {
    if (kind === 'hpke') await runHpkeFile(mpc, file, counts);
    else if (await runVdafFile(mpc, file)) counts.passed++;
    else counts.failed++;
  }
  if (kind === 'hpke') {
    console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    return counts.failed === 0 && counts.passed > 0 ? 0 : 1;
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return counts.failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
