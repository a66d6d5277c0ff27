/**
 * mpc.js - the JavaScript API of the private-statistics core.
 *
 * A thin layer over the WebAssembly build of wasm/core (mpc_core.js and
 * mpc_core.wasm, which `make` puts next to this file in build/web/): the
 * same C code the party servers run encodes, proves and shares a
 * measurement (Prio3, draft-irtf-cfrg-vdaf-18) and encrypts each share to
 * its party (HPKE, RFC 9180). It runs unchanged in browsers and in Node.
 *
 *   import { loadMpc } from './mpc.js';
 *   const mpc = await loadMpc();
 *   const hist = mpc.prio3({ type: 'histogram', shares: 3, length: 240 });
 *   const { nonce, publicShare, inputShares } = hist.shard(137, { ctx });
 *   const { enc, ciphertext } = mpc.hpke.seal(partyPublicKey, inputShares[0], { info, aad });
 *   hist.free();
 *
 * Rules: every byte string is a Uint8Array; every size comes from the
 * module; invalid input throws an MpcError with a message saying what to
 * fix (never an abort inside WebAssembly); every buffer passed to the
 * module is wiped and freed before a call returns; objects that hold module
 * memory (Prio3, HpkeContext) have a free() method. See web/README.md.
 */
import createMpcCore from './mpc_core.js';

/** An error from this API. `code` is the core's symbolic error ("EMEAS",
 *  "EAUTH", ...) or "EARG" for an argument rejected before the core ran. */
export class MpcError extends Error {
  constructor(message, code = 'EARG', detail = message) {
    super(message);
    this.name = 'MpcError';
    this.code = code;
    /** The core's own description of the error (or the message). */
    this.detail = detail;
  }
}

const IS_NODE = typeof process === 'object' && typeof process.versions?.node === 'string';
const EMPTY = new Uint8Array(0);

/** Loads the WebAssembly module. In Node the .wasm file is read from next
 *  to this file; pass `wasmBinary` to provide it yourself. */
export async function loadMpc(options = {}) {
  const moduleOptions = {};
  if (options.wasmBinary) {
    moduleOptions.wasmBinary = options.wasmBinary;
  } else if (IS_NODE) {
    const { readFile } = await import('node:fs/promises');
    moduleOptions.wasmBinary = await readFile(new URL('./mpc_core.wasm', import.meta.url));
  }
  let getRandomValues;
  if (globalThis.crypto?.getRandomValues) {
    getRandomValues = (b) => globalThis.crypto.getRandomValues(b);
  } else {
    const { webcrypto } = await import('node:crypto');
    getRandomValues = (b) => webcrypto.getRandomValues(b);
  }
  const core = await createMpcCore(moduleOptions);
  return new Mpc(core, getRandomValues);
}

/* ---- helpers ------------------------------------------------------------ */

function bytes(value, name, length) {
  if (!(value instanceof Uint8Array)) {
    throw new MpcError(`${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw new MpcError(`${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

function integer(value, name, min, max) {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new MpcError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Scratch memory for one call into the module: every allocation is wiped
 *  and freed by release(), which call() runs in a finally block. */
class Scratch {
  constructor(core) {
    this.core = core;
    this.blocks = [];
  }

  alloc(n) {
    const p = this.core._mpc_alloc(n);
    if (!p) throw new MpcError('out of memory in the WebAssembly module', 'ENOMEM');
    this.blocks.push([p, n]);
    return p;
  }

  input(data) {
    const p = this.alloc(data.length);
    this.core.HEAPU8.set(data, p);
    return p;
  }

  read(p, n) {
    return this.core.HEAPU8.slice(p, p + n);
  }

  release() {
    for (const [p, n] of this.blocks) this.core._mpc_free(p, n);
    this.blocks = [];
  }
}

function readCString(core, p) {
  const heap = core.HEAPU8;
  let end = p;
  while (heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(p, end));
}

/* ---- the module ------------------------------------------------------------ */

class Mpc {
  constructor(core, getRandomValues) {
    this.core = core;
    this.getRandomValues = getRandomValues;
    const hs = (i) => core._mpc_hpke_size(i);
    /** Sizes in bytes, read from the module. */
    this.sizes = Object.freeze({
      nonce: core._mpc_prio3_nonce_size(),
      verifyKey: core._mpc_prio3_verify_key_size(),
      maxContext: core._mpc_prio3_max_ctx_size(),
      hpkeSecretKey: hs(0),
      hpkePublicKey: hs(1),
      hpkeEnc: hs(2),
      hpkeTag: hs(3),
      hpkeContext: hs(4),
      hpkeSecrets: hs(5),
      hpkeMaxInfo: hs(6),
      hpkeSeed: hs(7),
    });
    this.hpke = new Hpke(this);
    this.xof = new Xof(this);
  }

  /** Runs fn(scratch) and releases the scratch memory afterwards. */
  call(fn) {
    const s = new Scratch(this.core);
    try {
      return fn(s);
    } finally {
      s.release();
    }
  }

  /** Throws an MpcError for a non-zero core error; hints maps an error
   *  code to advice appended to the message. */
  check(err, what, hints = {}) {
    if (err === 0) return;
    const text = readCString(this.core, this.core._mpc_err_str(err));
    const code = readCString(this.core, this.core._mpc_err_name(err));
    const hint = hints[code];
    throw new MpcError(`${what}: ${text}${hint ? ` (${hint})` : ''}`, code, text);
  }

  random(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) this.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  }

  /** Bytes of the module's heap in use (for leak checks). */
  heapInUse() {
    return this.core._mpc_heap_in_use();
  }

  /**
   * A Prio3 instance. params.type is one of
   *   'count'      measurement 0 or 1 (or a boolean)
   *   'sum'        an integer in [0, maxMeasurement]
   *   'sumvec'     `length` integers in [0, maxMeasurement]
   *   'histogram'  a bucket index in [0, length)
   *   'multihot'   `length` values 0/1 with at most maxWeight ones
   * with params.shares (2..255, the number of parties). chunkLength is
   * optional (the shortest proof is chosen). The draft's test instances are
   * also available: type 'higherDegree', and 'sumvec' with field 64 and
   * proofs > 1 and algorithmId 0xFFFFFFFF.
   */
  prio3(params) {
    return new Prio3(this, params);
  }

  /**
   * A study (mpc-study/1, docs/STUDY.md) from its JSON text, validated by
   * the core; options.sealed (default true) requires a sealed study whose
   * stored hash matches its content. Throws an MpcError saying what is
   * wrong. Call free() when done.
   */
  study(text, options = {}) {
    return new Study(this, text, options.sealed ?? true);
  }
}

const ERR_SIZE = 256;
const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of a string in scratch memory. */
function cString(s, text) {
  const b = encoder.encode(text);
  const p = s.alloc(b.length + 1);
  s.core.HEAPU8.set(b, p);
  s.core.HEAPU8[p + b.length] = 0;
  return p;
}

function toHex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A study compiled by the core: the form's checks and the submission's
 *  encoding, proof, shares and encryption all run here. */
class Study {
  constructor(mpc, text, sealed) {
    if (typeof text !== 'string') throw new MpcError('the study must be given as JSON text');
    this.mpc = mpc;
    const { core } = mpc;
    this.ptr = mpc.call((s) => {
      const b = encoder.encode(text);
      const errBuf = s.alloc(ERR_SIZE);
      const errp = s.alloc(4);
      core.HEAPU8[errBuf] = 0;
      const p = core._mpc_study_parse(s.input(b), b.length, sealed ? 1 : 0, errBuf, ERR_SIZE, errp);
      const err = core.HEAP32[errp >> 2];
      if (err !== 0) {
        const code = readCString(core, core._mpc_err_name(err));
        throw new MpcError(`invalid study: ${readCString(core, errBuf)}`, code);
      }
      return p;
    });
    /** The study as a plain object (labels, choices, bounds, parties). */
    this.doc = JSON.parse(text);
    /** The study hash, 64 hexadecimal digits. */
    this.hash = toHex(core.HEAPU8.slice(core._mpc_study_hash(this.ptr), core._mpc_study_hash(this.ptr) + 32));
    /** The parties (sealed studies): [{ name, url }], the leader first. */
    this.parties = (this.doc.parties ?? []).map((p) => ({ name: p.name, url: p.url }));
    this.accessOpen = this.doc.access === 'open';
    /** An organization study: each report is one employer's people. */
    this.organization = this.doc.access === 'organization';
    this.randSize = core._mpc_study_rand_size(this.ptr);
  }

  alive() {
    if (!this.ptr) throw new MpcError('this study was freed');
    return this.ptr;
  }

  free() {
    if (this.ptr) this.mpc.core._mpc_study_free(this.ptr);
    this.ptr = 0;
  }

  /** The analysis plan in plain language: an array of sentences. */
  plan() {
    const { core } = this.mpc;
    const p = core._mpc_study_plan(this.alive());
    if (!p) throw new MpcError('out of memory in the WebAssembly module', 'ENOMEM');
    const text = readCString(core, p);
    core._mpc_free(p, encoder.encode(text).length + 1);
    return JSON.parse(text);
  }

  /** Checks one field's answer given as text: null if valid, else a
   *  message naming the field and what is wrong. */
  checkValue(field, text) {
    if (typeof field !== 'string' || typeof text !== 'string') throw new MpcError('checkValue(field, text) takes two strings');
    const { core } = this.mpc;
    return this.mpc.call((s) => {
      const errBuf = s.alloc(ERR_SIZE);
      core.HEAPU8[errBuf] = 0;
      const err = core._mpc_study_check_text(this.alive(), cString(s, field), cString(s, text), errBuf, ERR_SIZE);
      return err === 0 ? null : readCString(core, errBuf);
    });
  }

  /**
   * Builds one submission: the answer ({ field name: value }; in an
   * organization study, the employer's people: an array of such answers,
   * made into its table) is encoded, proved, split into one share per
   * party and each share HPKE-sealed to its party (docs/DESIGN.md,
   * section 4). options.token is the participation
   * token (token studies), options.seq orders resubmissions with the same
   * token (default: microseconds since 1970). Returns { reportId (hex),
   * seq, bodies } where bodies[i] is the JSON text to POST to
   * parties[i].url + '/api/reports'. Retrying a POST with the same body is
   * safe. options.reportId and options.rand fix the randomness (tests).
   */
  submission(answer, options = {}) {
    const { core, sizes } = this.mpc;
    if (this.organization) {
      if (!Array.isArray(answer) || answer.some((a) => typeof a !== 'object' || a === null || Array.isArray(a))) {
        throw new MpcError("an employer's report is an array of its people's answers (objects of field names and values)");
      }
    } else if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
      throw new MpcError('an answer is an object of field names and values');
    }
    const token = options.token ?? null;
    if (token !== null && typeof token !== 'string') throw new MpcError('token must be a string');
    const seq = options.seq ?? Date.now() * 1000;
    integer(seq, 'seq', 0, Number.MAX_SAFE_INTEGER);
    const reportId = bytes(options.reportId ?? this.mpc.random(sizes.nonce), 'reportId', sizes.nonce);
    const rand = bytes(options.rand ?? this.mpc.random(this.randSize), 'rand', this.randSize);
    const json = encoder.encode(JSON.stringify(answer));
    try {
      return this.buildSubmission(json, token, seq, reportId, rand);
    } finally {
      json.fill(0);
    }
  }

  buildSubmission(json, token, seq, reportId, rand) {
    const { core } = this.mpc;
    return this.mpc.call((s) => {
      const errBuf = s.alloc(ERR_SIZE);
      const outp = s.alloc(4);
      core.HEAPU8[errBuf] = 0;
      core.HEAP32[outp >> 2] = 0;
      const err = core._mpc_study_submission(this.alive(), s.input(json), json.length,
        token === null ? 0 : cString(s, token), seq % 2 ** 32, Math.floor(seq / 2 ** 32),
        s.input(reportId), s.input(rand), outp, errBuf, ERR_SIZE);
      const out = core.HEAP32[outp >> 2] >>> 0;
      if (err !== 0) {
        const code = readCString(core, core._mpc_err_name(err));
        throw new MpcError(readCString(core, errBuf) || readCString(core, core._mpc_err_str(err)), code);
      }
      const text = readCString(core, out);
      core._mpc_free(out, text.length + 1);
      return { reportId: toHex(reportId), seq, bodies: text.split('\n') };
    });
  }
}

const PRIO3_KINDS = { count: 1, sum: 2, sumvec: 3, histogram: 4, multihot: 5, higherDegree: 6 };

function splitU64(value, name) {
  if (!(typeof value === 'bigint' || Number.isSafeInteger(value))) {
    throw new MpcError(`${name} must be an integer from 0 to 2^64 - 1, got ${value}`);
  }
  const big = BigInt(value);
  if (big < 0n || big >= 1n << 64n) throw new MpcError(`${name} must be from 0 to 2^64 - 1`);
  return [Number(big & 0xffffffffn), Number(big >> 32n)];
}

class Prio3 {
  constructor(mpc, params) {
    if (typeof params !== 'object' || params === null) {
      throw new MpcError('prio3() needs a parameter object such as { type: "count", shares: 2 }');
    }
    const kind = PRIO3_KINDS[params.type];
    if (kind === undefined) {
      throw new MpcError(`unknown Prio3 type "${params.type}" (expected one of ${Object.keys(PRIO3_KINDS).join(', ')})`);
    }
    this.mpc = mpc;
    this.type = params.type;
    const core = mpc.core;
    const shares = integer(params.shares, 'shares', 2, 255);
    const length = params.length === undefined ? 0 : integer(params.length, 'length', 1, 0xffffffff);
    const limit = params.maxMeasurement ?? params.maxWeight ?? 0;
    const [maxLo, maxHi] = splitU64(limit, params.maxWeight !== undefined ? 'maxWeight' : 'maxMeasurement');
    const chunk = params.chunkLength === undefined ? 0 : integer(params.chunkLength, 'chunkLength', 1, 0xffffffff);
    const field = params.field === undefined ? 128 : params.field;
    const proofs = params.proofs === undefined ? 1 : integer(params.proofs, 'proofs', 1, 255);
    const id = params.algorithmId === undefined ? 0 : integer(params.algorithmId, 'algorithmId', 1, 0xffffffff);
    this.ptr = mpc.call((s) => {
      const errp = s.alloc(4);
      const p = core._mpc_prio3_new(kind, field, length, maxLo, maxHi, chunk, id, shares, proofs, errp);
      mpc.check(core.HEAP32[errp >> 2], `cannot create Prio3 ${params.type}`,
        { EINVAL: 'check its parameters', ELIMIT: 'its messages would be too large' });
      return p;
    });
    this.shares = shares;
    this.validRange = {
      count: 'a count is 0 or 1',
      sum: `a sum is an integer from 0 to ${limit}`,
      sumvec: `each entry is an integer from 0 to ${limit}`,
      histogram: `a bucket index is an integer from 0 to ${length - 1}`,
      multihot: `each entry is 0 or 1, with at most ${limit} ones`,
      higherDegree: 'valid values are 0, 1 and 2',
    }[params.type];
    this.measurementCount = core._mpc_prio3_meas_count(this.ptr);
    this.chunkLength = core._mpc_prio3_chunk_length(this.ptr);
    this.outputLength = core._mpc_prio3_output_len(this.ptr);
    this.randSize = core._mpc_prio3_rand_size(this.ptr);
    this.publicShareSize = core._mpc_prio3_public_share_size(this.ptr);
    this.verifyStateSize = core._mpc_prio3_verify_state_size(this.ptr);
    this.verifierShareSize = core._mpc_prio3_verifier_share_size(this.ptr);
    this.verifierMessageSize = core._mpc_prio3_verifier_message_size(this.ptr);
    this.outShareSize = core._mpc_prio3_out_share_size(this.ptr);
  }

  alive() {
    if (!this.ptr) throw new MpcError('this Prio3 instance was freed');
    return this.ptr;
  }

  /** Frees the module memory of this instance. */
  free() {
    if (this.ptr) this.mpc.core._mpc_prio3_free(this.ptr);
    this.ptr = 0;
  }

  inputShareSize(aggregatorId) {
    integer(aggregatorId, 'aggregatorId', 0, this.shares - 1);
    return this.mpc.core._mpc_prio3_input_share_size(this.alive(), aggregatorId);
  }

  context(ctx) {
    bytes(ctx, 'ctx');
    if (ctx.length > this.mpc.sizes.maxContext) throw new MpcError(`ctx must be at most ${this.mpc.sizes.maxContext} bytes`);
    return ctx;
  }

  /** Writes a measurement as measurementCount 64-bit integers. */
  measurement(s, value) {
    const n = this.measurementCount;
    const vector = this.type === 'sumvec' || this.type === 'multihot';
    const values = Array.isArray(value) ? value : [value];
    if (vector !== Array.isArray(value) || values.length !== n) {
      throw new MpcError(`a ${this.type} measurement is ${vector ? `an array of ${n} integers` : 'one integer'}`);
    }
    const p = s.alloc(8 * n);
    const heap = this.mpc.core.HEAPU32;
    values.forEach((v, i) => {
      const x = typeof v === 'boolean' ? Number(v) : v;
      if (!(typeof x === 'bigint' || Number.isSafeInteger(x))) {
        throw new MpcError(`measurement entry ${i} must be an integer or a boolean, got ${v}`);
      }
      const [lo, hi] = splitU64(x, `measurement entry ${i}`);
      heap[(p >> 2) + 2 * i] = lo;
      heap[(p >> 2) + 2 * i + 1] = hi;
    });
    return p;
  }

  /**
   * Shards a measurement: returns { nonce, publicShare, inputShares } (one
   * input share per party, leader first). options.ctx is the application
   * context (bytes); nonce and rand default to fresh random bytes.
   */
  shard(measurement, options = {}) {
    const { core } = this.mpc;
    const ctx = this.context(options.ctx ?? EMPTY);
    const nonce = bytes(options.nonce ?? this.mpc.random(this.mpc.sizes.nonce), 'nonce', this.mpc.sizes.nonce);
    const rand = bytes(options.rand ?? this.mpc.random(this.randSize), 'rand', this.randSize);
    return this.mpc.call((s) => {
      const meas = this.measurement(s, measurement);
      const total = core._mpc_prio3_input_shares_size(this.alive());
      const pub = s.alloc(this.publicShareSize);
      const out = s.alloc(total);
      const err = core._mpc_prio3_shard(this.ptr, s.input(ctx), ctx.length, meas, s.input(nonce), s.input(rand), pub, out);
      this.mpc.check(err, `cannot shard this ${this.type} measurement`, { EMEAS: this.validRange });
      const inputShares = [];
      for (let j = 0, off = 0; j < this.shares; j++) {
        const n = this.inputShareSize(j);
        inputShares.push(s.read(out + off, n));
        off += n;
      }
      return { nonce, publicShare: s.read(pub, this.publicShareSize), inputShares };
    });
  }

  /** A party's first verification step: returns { state, verifierShare }. */
  verifyInit(verifyKey, ctx, aggregatorId, nonce, publicShare, inputShare) {
    const { core, sizes } = this.mpc;
    bytes(verifyKey, 'verifyKey', sizes.verifyKey);
    this.context(ctx);
    integer(aggregatorId, 'aggregatorId', 0, this.shares - 1);
    bytes(nonce, 'nonce', sizes.nonce);
    bytes(publicShare, 'publicShare');
    bytes(inputShare, 'inputShare');
    return this.mpc.call((s) => {
      const state = s.alloc(this.verifyStateSize);
      const share = s.alloc(this.verifierShareSize);
      const err = core._mpc_prio3_verify_init(this.alive(), s.input(verifyKey), s.input(ctx), ctx.length, aggregatorId,
        s.input(nonce), s.input(publicShare), publicShare.length, s.input(inputShare), inputShare.length, state, share);
      this.mpc.check(err, `verify_init (party ${aggregatorId})`);
      return { state: s.read(state, this.verifyStateSize), verifierShare: s.read(share, this.verifierShareSize) };
    });
  }

  /** Combines every party's verifier share into the verifier message;
   *  throws (code EVERIFY) if the report is invalid. */
  verifierSharesToMessage(ctx, verifierShares) {
    const { core } = this.mpc;
    this.context(ctx);
    if (!Array.isArray(verifierShares) || verifierShares.length !== this.shares) {
      throw new MpcError(`verifierShares must be an array of ${this.shares} shares`);
    }
    const all = new Uint8Array(this.shares * this.verifierShareSize);
    verifierShares.forEach((v, j) => all.set(bytes(v, `verifierShares[${j}]`, this.verifierShareSize), j * this.verifierShareSize));
    return this.mpc.call((s) => {
      const msg = s.alloc(this.verifierMessageSize);
      const err = core._mpc_prio3_verifier_shares_to_message(this.alive(), s.input(ctx), ctx.length, s.input(all), all.length, msg);
      this.mpc.check(err, 'verifier_shares_to_message');
      return s.read(msg, this.verifierMessageSize);
    });
  }

  /** Finishes verification: returns the party's output share. */
  verifyNext(state, message) {
    const { core } = this.mpc;
    bytes(state, 'state');
    bytes(message, 'message');
    return this.mpc.call((s) => {
      const out = s.alloc(this.outShareSize);
      const err = core._mpc_prio3_verify_next(this.alive(), s.input(state), state.length, s.input(message), message.length, out);
      this.mpc.check(err, 'verify_next');
      return s.read(out, this.outShareSize);
    });
  }

  /** An empty aggregate share. */
  aggInit() {
    return new Uint8Array(this.outShareSize);
  }

  /** Returns aggShare + outShare (also merges two aggregate shares). */
  aggregate(aggShare, outShare) {
    const { core } = this.mpc;
    bytes(aggShare, 'aggShare', this.outShareSize);
    bytes(outShare, 'outShare');
    return this.mpc.call((s) => {
      const acc = s.input(aggShare);
      this.mpc.check(core._mpc_prio3_aggregate(this.alive(), acc, s.input(outShare), outShare.length), 'aggregate');
      return s.read(acc, this.outShareSize);
    });
  }

  /** Combines every party's aggregate share: returns outputLength BigInts. */
  unshard(aggShares, numMeasurements) {
    const { core } = this.mpc;
    if (!Array.isArray(aggShares) || aggShares.length !== this.shares) {
      throw new MpcError(`aggShares must be an array of ${this.shares} shares`);
    }
    integer(numMeasurements, 'numMeasurements', 0, 0xffffffff);
    const all = new Uint8Array(this.shares * this.outShareSize);
    aggShares.forEach((a, j) => all.set(bytes(a, `aggShares[${j}]`, this.outShareSize), j * this.outShareSize));
    return this.mpc.call((s) => {
      const res = s.alloc(16 * this.outputLength);
      this.mpc.check(core._mpc_prio3_unshard(this.alive(), s.input(all), all.length, numMeasurements, res), 'unshard');
      const words = core.HEAPU32;
      const out = [];
      for (let i = 0; i < this.outputLength; i++) {
        let v = 0n;
        for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[(res >> 2) + 4 * i + w]);
        out.push(v);
      }
      return out;
    });
  }
}

/* ---- HPKE ---------------------------------------------------------------- */

class Hpke {
  constructor(mpc) {
    this.mpc = mpc;
  }

  info(value, name) {
    bytes(value, name);
    if (value.length > this.mpc.sizes.hpkeMaxInfo) throw new MpcError(`${name} must be at most ${this.mpc.sizes.hpkeMaxInfo} bytes`);
    return value;
  }

  /** A new key pair from fresh randomness: { secretKey, publicKey }. */
  generateKeyPair() {
    return this.deriveKeyPair(this.mpc.random(this.mpc.sizes.hpkeSeed));
  }

  /** DeriveKeyPair(ikm) of RFC 9180: { secretKey, publicKey }. */
  deriveKeyPair(ikm) {
    const { core, sizes } = this.mpc;
    this.info(ikm, 'ikm');
    return this.mpc.call((s) => {
      const sk = s.alloc(sizes.hpkeSecretKey);
      const pk = s.alloc(sizes.hpkePublicKey);
      this.mpc.check(core._mpc_hpke_derive_keypair(s.input(ikm), ikm.length, sk, pk), 'cannot derive a key pair',
        { EINVAL: `ikm needs at least ${sizes.hpkeSeed} bytes` });
      return { secretKey: s.read(sk, sizes.hpkeSecretKey), publicKey: s.read(pk, sizes.hpkePublicKey) };
    });
  }

  /** The public key of a secret key. */
  publicKey(secretKey) {
    const { core, sizes } = this.mpc;
    bytes(secretKey, 'secretKey', sizes.hpkeSecretKey);
    return this.mpc.call((s) => {
      const pk = s.alloc(sizes.hpkePublicKey);
      this.mpc.check(core._mpc_hpke_public_key(s.input(secretKey), pk), 'cannot compute the public key');
      return s.read(pk, sizes.hpkePublicKey);
    });
  }

  /** Encrypts one message to publicKey: { enc, ciphertext }. options.info
   *  and options.aad are bytes bound to the ciphertext; options.ikmE fixes
   *  the ephemeral key (tests only). */
  seal(publicKey, plaintext, options = {}) {
    const { core, sizes } = this.mpc;
    bytes(publicKey, 'publicKey', sizes.hpkePublicKey);
    bytes(plaintext, 'plaintext');
    const info = this.info(options.info ?? EMPTY, 'info');
    const aad = bytes(options.aad ?? EMPTY, 'aad');
    const ikm = bytes(options.ikmE ?? this.mpc.random(sizes.hpkeSeed), 'ikmE', sizes.hpkeSeed);
    return this.mpc.call((s) => {
      const enc = s.alloc(sizes.hpkeEnc);
      const ct = s.alloc(plaintext.length + sizes.hpkeTag);
      const err = core._mpc_hpke_seal(s.input(publicKey), s.input(info), info.length, s.input(aad), aad.length,
        s.input(plaintext), plaintext.length, s.input(ikm), enc, ct);
      this.mpc.check(err, 'cannot encrypt', { EKEY: 'the public key is not a usable X25519 key' });
      return { enc: s.read(enc, sizes.hpkeEnc), ciphertext: s.read(ct, plaintext.length + sizes.hpkeTag) };
    });
  }

  /** Decrypts one message; throws (code EAUTH) if the key, info, aad or
   *  ciphertext do not match. */
  open(secretKey, enc, ciphertext, options = {}) {
    const { core, sizes } = this.mpc;
    bytes(secretKey, 'secretKey', sizes.hpkeSecretKey);
    bytes(enc, 'enc', sizes.hpkeEnc);
    bytes(ciphertext, 'ciphertext');
    if (ciphertext.length < sizes.hpkeTag) throw new MpcError(`ciphertext must be at least ${sizes.hpkeTag} bytes`);
    const info = this.info(options.info ?? EMPTY, 'info');
    const aad = bytes(options.aad ?? EMPTY, 'aad');
    return this.mpc.call((s) => {
      const n = ciphertext.length - sizes.hpkeTag;
      const pt = s.alloc(n);
      const err = core._mpc_hpke_open(s.input(secretKey), s.input(enc), s.input(info), info.length, s.input(aad), aad.length,
        s.input(ciphertext), ciphertext.length, pt);
      this.mpc.check(err, 'cannot decrypt');
      return s.read(pt, n);
    });
  }

  /** Encap(pkR) with the ephemeral key derived from ikmE: { sharedSecret, enc }. */
  encap(publicKey, ikmE) {
    const { core, sizes } = this.mpc;
    bytes(publicKey, 'publicKey', sizes.hpkePublicKey);
    bytes(ikmE, 'ikmE', sizes.hpkeSeed);
    return this.mpc.call((s) => {
      const shared = s.alloc(32);
      const enc = s.alloc(sizes.hpkeEnc);
      this.mpc.check(core._mpc_hpke_encap(s.input(publicKey), s.input(ikmE), shared, enc), 'Encap');
      return { sharedSecret: s.read(shared, 32), enc: s.read(enc, sizes.hpkeEnc) };
    });
  }

  /** Decap(enc, skR): the shared secret. */
  decap(enc, secretKey) {
    const { core, sizes } = this.mpc;
    bytes(enc, 'enc', sizes.hpkeEnc);
    bytes(secretKey, 'secretKey', sizes.hpkeSecretKey);
    return this.mpc.call((s) => {
      const shared = s.alloc(32);
      this.mpc.check(core._mpc_hpke_decap(s.input(enc), s.input(secretKey), shared), 'Decap');
      return s.read(shared, 32);
    });
  }

  /** KeySchedule (base mode) from a shared secret: an HpkeContext. */
  keySchedule(sharedSecret, options = {}) {
    bytes(sharedSecret, 'sharedSecret', 32);
    const info = this.info(options.info ?? EMPTY, 'info');
    return new HpkeContext(this.mpc, (core, ctx, s) =>
      core._mpc_hpke_key_schedule(ctx, s.input(sharedSecret), s.input(info), info.length), 'KeySchedule');
  }

  /** SetupBaseS: a sender context; its `enc` goes to the receiver. */
  setupSender(publicKey, options = {}) {
    const { sizes } = this.mpc;
    bytes(publicKey, 'publicKey', sizes.hpkePublicKey);
    const info = this.info(options.info ?? EMPTY, 'info');
    const ikm = bytes(options.ikmE ?? this.mpc.random(sizes.hpkeSeed), 'ikmE', sizes.hpkeSeed);
    let encPtr = 0;
    const ctx = new HpkeContext(this.mpc, (core, c, s) => {
      encPtr = s.alloc(sizes.hpkeEnc);
      return core._mpc_hpke_setup_sender(c, encPtr, s.input(publicKey), s.input(info), info.length, s.input(ikm));
    }, 'SetupBaseS', (s) => s.read(encPtr, sizes.hpkeEnc));
    return ctx;
  }

  /** SetupBaseR: a receiver context for enc. */
  setupReceiver(secretKey, enc, options = {}) {
    const { sizes } = this.mpc;
    bytes(secretKey, 'secretKey', sizes.hpkeSecretKey);
    bytes(enc, 'enc', sizes.hpkeEnc);
    const info = this.info(options.info ?? EMPTY, 'info');
    return new HpkeContext(this.mpc, (core, c, s) =>
      core._mpc_hpke_setup_receiver(c, s.input(enc), s.input(secretKey), s.input(info), info.length), 'SetupBaseR');
  }
}

/** An HPKE encryption context (sender or receiver) held in module memory;
 *  call free() when done (it wipes the keys). */
class HpkeContext {
  constructor(mpc, setup, what, readEnc) {
    this.mpc = mpc;
    const { core, sizes } = mpc;
    this.ptr = core._mpc_alloc(sizes.hpkeContext);
    if (!this.ptr) throw new MpcError('out of memory in the WebAssembly module', 'ENOMEM');
    try {
      mpc.call((s) => {
        mpc.check(setup(core, this.ptr, s), what);
        if (readEnc) this.enc = readEnc(s);
      });
    } catch (e) {
      this.free();
      throw e;
    }
  }

  alive() {
    if (!this.ptr) throw new MpcError('this HPKE context was freed');
    return this.ptr;
  }

  free() {
    if (this.ptr) this.mpc.core._mpc_free(this.ptr, this.mpc.sizes.hpkeContext);
    this.ptr = 0;
  }

  /** Encrypts the next message (sender). */
  seal(plaintext, aad = EMPTY) {
    const { core, sizes } = this.mpc;
    bytes(plaintext, 'plaintext');
    bytes(aad, 'aad');
    return this.mpc.call((s) => {
      const ct = s.alloc(plaintext.length + sizes.hpkeTag);
      this.mpc.check(core._mpc_hpke_ctx_seal(this.alive(), s.input(aad), aad.length, s.input(plaintext), plaintext.length, ct), 'cannot encrypt');
      return s.read(ct, plaintext.length + sizes.hpkeTag);
    });
  }

  /** Decrypts the next message (receiver); throws (code EAUTH) on mismatch. */
  open(ciphertext, aad = EMPTY) {
    const { core, sizes } = this.mpc;
    bytes(ciphertext, 'ciphertext');
    bytes(aad, 'aad');
    if (ciphertext.length < sizes.hpkeTag) throw new MpcError(`ciphertext must be at least ${sizes.hpkeTag} bytes`);
    return this.mpc.call((s) => {
      const n = ciphertext.length - sizes.hpkeTag;
      const pt = s.alloc(n);
      this.mpc.check(core._mpc_hpke_ctx_open(this.alive(), s.input(aad), aad.length, s.input(ciphertext), ciphertext.length, pt), 'cannot decrypt');
      return s.read(pt, n);
    });
  }

  /** Context.Export(exporterContext, length). */
  export(exporterContext, length) {
    const { core } = this.mpc;
    bytes(exporterContext, 'exporterContext');
    integer(length, 'length', 0, 255 * 32);
    return this.mpc.call((s) => {
      const out = s.alloc(length);
      this.mpc.check(core._mpc_hpke_ctx_export(this.alive(), s.input(exporterContext), exporterContext.length, out, length), 'export');
      return s.read(out, length);
    });
  }

  /** { key, baseNonce, exporterSecret }: for checking RFC 9180's test
   *  vectors only; never send or log these. */
  keyScheduleForTesting() {
    const { core, sizes } = this.mpc;
    return this.mpc.call((s) => {
      const out = s.alloc(sizes.hpkeSecrets);
      core._mpc_hpke_ctx_secrets(this.alive(), out);
      const all = s.read(out, sizes.hpkeSecrets);
      return { key: all.slice(0, 16), baseNonce: all.slice(16, 28), exporterSecret: all.slice(28) };
    });
  }
}

/* ---- XOF (the draft's XofTurboShake128 vectors) ------------------------ */

class Xof {
  constructor(mpc) {
    this.mpc = mpc;
  }

  deriveSeed(seed, dst, binder) {
    const { core } = this.mpc;
    bytes(seed, 'seed', 32);
    bytes(dst, 'dst');
    bytes(binder, 'binder');
    if (dst.length > 65535) throw new MpcError('dst must be at most 65535 bytes');
    return this.mpc.call((s) => {
      const out = s.alloc(32);
      core._mpc_xof_derive_seed(s.input(seed), 32, s.input(dst), dst.length, s.input(binder), binder.length, out);
      return s.read(out, 32);
    });
  }

  /** expand_into_vec(Field128, ...): `length` encoded elements. */
  expandField128(seed, dst, binder, length) {
    const { core } = this.mpc;
    bytes(seed, 'seed', 32);
    bytes(dst, 'dst');
    bytes(binder, 'binder');
    integer(length, 'length', 1, 1 << 20);
    if (dst.length > 65535) throw new MpcError('dst must be at most 65535 bytes');
    return this.mpc.call((s) => {
      const out = s.alloc(16 * length);
      this.mpc.check(core._mpc_xof_expand_field128(s.input(seed), 32, s.input(dst), dst.length, s.input(binder), binder.length, length, out), 'expand');
      return s.read(out, 16 * length);
    });
  }
}
