/**
 * test_api.mjs - the JavaScript API (web/mpc.js) over the real WebAssembly
 * build, in Node: every Prio3 type end to end against sums computed in the
 * clear, HPKE, argument validation with clear errors, and module memory
 * (nothing leaks, and nothing secret is left behind in the module's heap).
 *
 *   node --test tests/wasm/test_api.mjs     (MPC_WEB selects the build directory)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.MPC_WEB ?? path.join(here, '..', '..', 'build', 'web');
const { loadMpc, MpcError } = await import(pathToFileURL(path.join(webDir, 'mpc.js')).href);
const mpc = await loadMpc();
const ctx = new TextEncoder().encode('mpc-study/1 api test');

/** Shards, verifies among all parties, aggregates and unshards. */
function roundTrip(p, measurements) {
  const key = mpc.random(mpc.sizes.verifyKey);
  let aggs = Array.from({ length: p.shares }, () => p.aggInit());
  for (const m of measurements) {
    const { nonce, publicShare, inputShares } = p.shard(m, { ctx });
    const init = inputShares.map((s, j) => p.verifyInit(key, ctx, j, nonce, publicShare, s));
    const msg = p.verifierSharesToMessage(ctx, init.map((x) => x.verifierShare));
    aggs = aggs.map((a, j) => p.aggregate(a, p.verifyNext(init[j].state, msg)));
  }
  return p.unshard(aggs, measurements.length);
}

const rand = (n) => Math.floor(Math.random() * n);

test('every Prio3 type round-trips and matches the clear sums', () => {
  const cases = [
    { params: { type: 'count', shares: 2 }, gen: () => rand(2) === 1, sum: (ms) => [BigInt(ms.filter(Boolean).length)] },
    { params: { type: 'sum', shares: 3, maxMeasurement: 1000000 }, gen: () => rand(1000001), sum: (ms) => [ms.reduce((a, b) => a + BigInt(b), 0n)] },
    {
      params: { type: 'histogram', shares: 3, length: 240 },
      gen: () => rand(240),
      sum: (ms) => Array.from({ length: 240 }, (_, i) => BigInt(ms.filter((m) => m === i).length)),
    },
    {
      params: { type: 'sumvec', shares: 3, length: 12, maxMeasurement: 2 ** 20 - 1 },
      gen: () => Array.from({ length: 12 }, () => rand(2 ** 20)),
      sum: (ms) => Array.from({ length: 12 }, (_, i) => ms.reduce((a, m) => a + BigInt(m[i]), 0n)),
    },
    {
      params: { type: 'multihot', shares: 4, length: 10, maxWeight: 3 },
      gen: () => { const v = Array(10).fill(0); v[rand(10)] = 1; v[rand(10)] = 1; return v; },
      sum: (ms) => Array.from({ length: 10 }, (_, i) => BigInt(ms.filter((m) => m[i] === 1).length)),
    },
  ];
  for (const { params, gen, sum } of cases) {
    const p = mpc.prio3(params);
    const ms = Array.from({ length: 12 }, gen);
    assert.deepEqual(roundTrip(p, ms), sum(ms), params.type);
    p.free();
  }
});

test('sizes come from the module and match the shares', () => {
  const p = mpc.prio3({ type: 'histogram', shares: 3, length: 240 });
  const { publicShare, inputShares, nonce } = p.shard(5, { ctx });
  assert.equal(nonce.length, mpc.sizes.nonce);
  assert.equal(publicShare.length, p.publicShareSize);
  inputShares.forEach((s, j) => assert.equal(s.length, p.inputShareSize(j)));
  assert.ok(p.chunkLength > 0);
  p.free();
});

test('Prio3 parameters are validated with clear errors', () => {
  const bad = [
    [{ type: 'nope', shares: 2 }, 'EARG', /unknown Prio3 type "nope"/],
    [{ type: 'count', shares: 1 }, 'EARG', /shares must be an integer from 2 to 255/],
    [{ type: 'count', shares: 256 }, 'EARG', /shares/],
    [{ type: 'histogram', shares: 2 }, 'EINVAL', /cannot create Prio3 histogram: invalid parameter \(check its parameters\)/],
    [{ type: 'sum', shares: 2, maxMeasurement: -1 }, 'EARG', /maxMeasurement/],
    [{ type: 'sum', shares: 2, maxMeasurement: 1.5 }, 'EARG', /maxMeasurement must be an integer/],
    [{ type: 'sum', shares: 2, maxMeasurement: '9' }, 'EARG', /maxMeasurement must be an integer/],
    [{ type: 'sum', shares: 2, maxMeasurement: 2n ** 64n }, 'EARG', /maxMeasurement must be from 0/],
    [{ type: 'multihot', shares: 2, length: 3, maxWeight: 4 }, 'EINVAL', /invalid parameter/],
    [{ type: 'histogram', shares: 2, length: 1 << 22, chunkLength: 2048, proofs: 255, algorithmId: 7 }, 'ELIMIT', /too large/],
  ];
  for (const [params, code, message] of bad) {
    assert.throws(() => mpc.prio3(params), (e) => e instanceof MpcError && e.code === code && message.test(e.message),
      JSON.stringify(params, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  }
  assert.throws(() => mpc.prio3(), /needs a parameter object/);
});

test('measurements are validated before anything is computed', () => {
  const h = mpc.prio3({ type: 'histogram', shares: 2, length: 10 });
  const v = mpc.prio3({ type: 'sumvec', shares: 2, length: 3, maxMeasurement: 100 });
  const checks = [
    [() => h.shard(10, { ctx }), 'EMEAS', /a bucket index is an integer from 0 to 9/],
    [() => h.shard(-1, { ctx }), 'EARG', /0 to 2\^64 - 1/],
    [() => h.shard('3', { ctx }), 'EARG', /must be an integer or a boolean/],
    [() => h.shard(1.5, { ctx }), 'EARG', /must be an integer/],
    [() => h.shard([1], { ctx }), 'EARG', /is one integer/],
    [() => v.shard([1, 2], { ctx }), 'EARG', /an array of 3 integers/],
    [() => v.shard([1, 2, 101], { ctx }), 'EMEAS', /each entry is an integer from 0 to 100/],
    [() => h.shard(3, { ctx: 'x' }), 'EARG', /ctx must be a Uint8Array/],
    [() => h.shard(3, { ctx, nonce: new Uint8Array(3) }), 'EARG', /nonce must be 16 bytes, got 3/],
    [() => h.shard(3, { ctx, rand: new Uint8Array(1) }), 'EARG', /rand must be/],
  ];
  for (const [fn, code, message] of checks) {
    assert.throws(fn, (e) => e instanceof MpcError && e.code === code && message.test(e.message), message.toString());
  }
  assert.deepEqual(v.shard([0n, 100n, 7], { ctx }).inputShares.length, 2);
  h.free();
  v.free();
  assert.throws(() => h.shard(1, { ctx }), /was freed/);
});

test('invalid reports are rejected by verification', () => {
  const p = mpc.prio3({ type: 'histogram', shares: 2, length: 8 });
  const key = mpc.random(32);
  const { nonce, publicShare, inputShares } = p.shard(3, { ctx });
  inputShares[0][5] ^= 1;
  const init = inputShares.map((s, j) => p.verifyInit(key, ctx, j, nonce, publicShare, s));
  assert.throws(() => p.verifierSharesToMessage(ctx, init.map((x) => x.verifierShare)), (e) => e.code === 'EVERIFY' || e.code === 'EDECODE');
  assert.throws(() => p.verifyInit(key, ctx, 0, nonce, publicShare, inputShares[0].subarray(1)), (e) => e.code === 'EDECODE');
  p.free();
});

test('HPKE seals and opens, and refuses what it must', () => {
  const { secretKey, publicKey } = mpc.hpke.generateKeyPair();
  assert.deepEqual(mpc.hpke.publicKey(secretKey), publicKey);
  const pt = mpc.random(1000);
  const info = new TextEncoder().encode('party 1');
  const aad = mpc.random(48);
  const { enc, ciphertext } = mpc.hpke.seal(publicKey, pt, { info, aad });
  assert.equal(ciphertext.length, pt.length + mpc.sizes.hpkeTag);
  assert.deepEqual(mpc.hpke.open(secretKey, enc, ciphertext, { info, aad }), pt);
  const other = mpc.hpke.generateKeyPair();
  for (const [fn, code] of [
    [() => mpc.hpke.open(other.secretKey, enc, ciphertext, { info, aad }), 'EAUTH'],
    [() => mpc.hpke.open(secretKey, enc, ciphertext, { info: new Uint8Array(1), aad }), 'EAUTH'],
    [() => mpc.hpke.open(secretKey, enc, ciphertext, { info }), 'EAUTH'],
    [() => mpc.hpke.open(secretKey, enc, ciphertext.subarray(0, 10), { info, aad }), 'EARG'],
    [() => mpc.hpke.seal(new Uint8Array(32), pt), 'EKEY'],
    [() => mpc.hpke.seal(publicKey.subarray(1), pt), 'EARG'],
    [() => mpc.hpke.seal(publicKey, pt, { info: new Uint8Array(mpc.sizes.hpkeMaxInfo + 1) }), 'EARG'],
    [() => mpc.hpke.deriveKeyPair(new Uint8Array(5)), 'EINVAL'],
  ]) {
    assert.throws(fn, (e) => e instanceof MpcError && e.code === code, code);
  }
});

test('HPKE contexts keep sequence numbers and export the same secrets', () => {
  const { secretKey, publicKey } = mpc.hpke.generateKeyPair();
  const s = mpc.hpke.setupSender(publicKey, { info: ctx });
  const r = mpc.hpke.setupReceiver(secretKey, s.enc, { info: ctx });
  const cts = [1, 2, 3].map((i) => s.seal(new Uint8Array([i])));
  assert.throws(() => r.open(cts[1]), (e) => e.code === 'EAUTH');
  cts.forEach((ct, i) => assert.deepEqual(r.open(ct), new Uint8Array([i + 1])));
  assert.deepEqual(s.export(ctx, 40), r.export(ctx, 40));
  s.free();
  r.free();
  assert.throws(() => s.seal(new Uint8Array(1)), /was freed/);
});

test('module memory is released, also after errors', () => {
  const before = mpc.heapInUse();
  const p = mpc.prio3({ type: 'histogram', shares: 3, length: 240 });
  const { publicKey } = mpc.hpke.generateKeyPair();
  for (let i = 0; i < 200; i++) {
    const { inputShares } = p.shard(i % 240, { ctx });
    inputShares.forEach((s) => mpc.hpke.seal(publicKey, s, { info: ctx }));
    assert.throws(() => p.shard(240, { ctx }), (e) => e.code === 'EMEAS');
    assert.throws(() => mpc.hpke.seal(new Uint8Array(32), inputShares[0]), (e) => e.code === 'EKEY');
  }
  p.free();
  assert.equal(mpc.heapInUse(), before);
});

test('no plaintext or secret key is left in the module heap', () => {
  const needle = mpc.random(64);
  const { secretKey, publicKey } = mpc.hpke.generateKeyPair();
  const { enc, ciphertext } = mpc.hpke.seal(publicKey, needle, { info: ctx });
  assert.deepEqual(mpc.hpke.open(secretKey, enc, ciphertext, { info: ctx }), needle);
  const heap = Buffer.from(mpc.core.HEAPU8.buffer);
  assert.equal(heap.indexOf(Buffer.from(needle)), -1, 'plaintext found in the heap');
  assert.equal(heap.indexOf(Buffer.from(secretKey)), -1, 'secret key found in the heap');
  /* Leader shares hold the measurement's share: wiped too. */
  const p = mpc.prio3({ type: 'sumvec', shares: 2, length: 4, maxMeasurement: 255 });
  const { inputShares } = p.shard([1, 2, 3, 4], { ctx });
  p.free();
  assert.equal(Buffer.from(mpc.core.HEAPU8.buffer).indexOf(Buffer.from(inputShares[0].subarray(0, 32))), -1);
});
