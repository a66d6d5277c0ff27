#!/usr/bin/env node
/**
 * interop.mjs - shares and ciphertexts made by the WebAssembly build are
 * opened and verified by the native build, and the other way round.
 *
 *   node tests/wasm/interop.mjs BUILD_DIR
 *
 * For each of Prio3Count, Prio3Histogram(240) and Prio3SumVec(30, 20 bits)
 * with 3 parties: this script (wasm) writes sealed reports that
 * BUILD_DIR/tests/interop_native consumes, and consumes the reports that
 * interop_native produces. The file format and the two deliberately bad
 * reports are described in tests/wasm/interop_native.c; both sides must
 * accept every good report, reject both bad ones, and get the aggregate
 * of the good measurements.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const build = process.argv[2] ?? 'build';
const native = path.join(build, 'tests', 'interop_native');
const { loadMpc, MpcError } = await import(pathToFileURL(path.resolve(build, 'web', 'mpc.js')).href);
const mpc = await loadMpc();

const SHARES = 3;
const GOOD = 20;
const ctx = new TextEncoder().encode('mpc-interop/1');
const infoFor = (j) => new TextEncoder().encode(`mpc-interop party ${j}`);
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const rand = (n) => Math.floor(Math.random() * n);

function instance(type, length, max, chunk) {
  if (type === 'count') return mpc.prio3({ type, shares: SHARES });
  if (type === 'histogram') return mpc.prio3({ type, shares: SHARES, length, chunkLength: chunk });
  return mpc.prio3({ type, shares: SHARES, length, maxMeasurement: max, chunkLength: chunk });
}

function produce(file, type) {
  const length = type === 'histogram' ? 240 : 30;
  const max = 2 ** 20 - 1;
  const p = type === 'count' ? mpc.prio3({ type, shares: SHARES })
    : mpc.prio3({ type, shares: SHARES, length, ...(type === 'sumvec' ? { maxMeasurement: max } : {}) });
  const keys = Array.from({ length: SHARES }, () => mpc.hpke.generateKeyPair());
  const reports = [];
  for (let i = 0; i < GOOD + 2; i++) {
    const tamper = i === GOOD ? 'ciphertext' : i === GOOD + 1 ? 'share' : '';
    const measurement = type === 'count' ? rand(2) : type === 'histogram' ? rand(length)
      : Array.from({ length }, () => rand(max + 1));
    const { nonce, publicShare, inputShares } = p.shard(measurement, { ctx });
    if (tamper === 'share') inputShares[0][1] ^= 1;
    const aad = new Uint8Array([...nonce, ...publicShare]);
    const shares = inputShares.map((s, j) => {
      const { enc, ciphertext } = mpc.hpke.seal(keys[j].publicKey, s, { info: infoFor(j), aad });
      if (tamper === 'ciphertext' && j === 1) ciphertext[0] ^= 1;
      return { enc: hex(enc), ct: hex(ciphertext) };
    });
    reports.push({
      measurement: Array.isArray(measurement) ? measurement : [measurement],
      nonce: hex(nonce), public_share: hex(publicShare), shares, tamper,
    });
  }
  const doc = {
    type, length, max, chunk: type === 'count' ? 0 : p.chunkLength,
    keys: keys.map((k) => ({ sk: hex(k.secretKey), pk: hex(k.publicKey) })), reports,
  };
  writeFileSync(file, JSON.stringify(doc));
  p.free();
}

/** Opens and verifies one report; returns its output shares or null. */
function consumeReport(p, rep, keys, verifyKey) {
  const nonce = unhex(rep.nonce), publicShare = unhex(rep.public_share);
  const aad = new Uint8Array([...nonce, ...publicShare]);
  try {
    const init = rep.shares.map((s, j) => {
      const share = mpc.hpke.open(keys[j], unhex(s.enc), unhex(s.ct), { info: infoFor(j), aad });
      return p.verifyInit(verifyKey, ctx, j, nonce, publicShare, share);
    });
    const msg = p.verifierSharesToMessage(ctx, init.map((x) => x.verifierShare));
    return init.map((x) => p.verifyNext(x.state, msg));
  } catch (e) {
    if (e instanceof MpcError) return null;
    throw e;
  }
}

function consume(file) {
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  const p = instance(doc.type, doc.length, doc.max, doc.chunk);
  const keys = doc.keys.map((k) => unhex(k.sk));
  const verifyKey = mpc.random(mpc.sizes.verifyKey);
  let aggs = Array.from({ length: SHARES }, () => p.aggInit());
  const want = Array(p.outputLength).fill(0n);
  let good = 0, rejected = 0;
  const errors = [];
  for (const rep of doc.reports) {
    const outs = consumeReport(p, rep, keys, verifyKey);
    if ((outs !== null) === (rep.tamper !== '')) {
      errors.push(`a ${rep.tamper || 'good'} report was ${outs ? 'accepted' : 'rejected'}`);
    }
    if (outs === null) {
      rejected++;
      continue;
    }
    good++;
    aggs = aggs.map((a, j) => p.aggregate(a, outs[j]));
    rep.measurement.forEach((v, k) => {
      if (doc.type === 'histogram') want[v] += 1n;
      else want[k] += BigInt(v);
    });
  }
  const got = p.unshard(aggs, good);
  if (got.some((v, i) => v !== want[i])) errors.push('the aggregate does not match the measurements');
  p.free();
  console.log(`interop (wasm): ${doc.type}: ${good} accepted, ${rejected} rejected, aggregate ${errors.length ? 'WRONG' : 'matches the measurements'}`);
  return errors;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mpc-interop-'));
let failures = 0;
try {
  for (const type of ['count', 'histogram', 'sumvec']) {
    const fromWasm = path.join(dir, `${type}-wasm.json`);
    produce(fromWasm, type);
    try {
      process.stdout.write(execFileSync(native, ['consume', fromWasm]));
    } catch (e) {
      process.stdout.write(e.stdout ?? '');
      process.stderr.write(e.stderr ?? '');
      console.log(`FAIL: the native build did not accept the wasm build's ${type} reports`);
      failures++;
    }
    const fromNative = path.join(dir, `${type}-native.json`);
    execFileSync(native, ['produce', fromNative, type]);
    const errors = consume(fromNative);
    for (const e of errors) console.log(`FAIL: wasm consuming native ${type} reports: ${e}`);
    failures += errors.length;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(failures === 0 ? 'interop: wasm and native agree' : `interop: ${failures} failure(s)`);
process.exitCode = failures === 0 ? 0 : 1;
