/**
 * lib.mjs - shared setup for the integration tests: real binaries from
 * build/bin, a temporary directory, an organizer and N parties made with
 * the commands of docs/DESIGN.md, section 6, a sealed study, and real party servers
 * on loopback ports.
 *
 * Environment: MPC_BUILD (default build), MPC_KEEP=1 keeps the directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const build = path.resolve(root, process.env.MPC_BUILD ?? 'build');
export const bin = (name) => path.join(build, 'bin', name);
export const PASSWORD = 'correct horse battery staple';

/** Runs a command to completion: {code, stdout, stderr}. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same without blocking the event loop (for tests that serve HTTP
 *  themselves while the command runs). */
export function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command that must succeed; returns stdout. */
export function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A free TCP port on 127.0.0.1, chosen at random below the kernel's
 *  ephemeral range (32768 and up), so that no outgoing connection of a
 *  test running in parallel can take it before the party binds it; never
 *  one this process was given before (a study's ports are chosen before
 *  any is bound, so two of them could otherwise be the same). */
const givenPorts = new Set();
export async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (givenPorts.has(port)) continue;
    givenPorts.add(port);
    const free = await new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * A study with n parties, sealed: {dir, sealed, hash, parties: [{dir, url,
 * port, listenPort}], org, tokens: [..]}. studyFile defaults to the pay-equity example;
 * edit(doc) may change the study before it is sealed.
 */
export async function makeStudy({ n = 3, studyFile = 'schema/studies/pay-equity.json', edit, tokens = 20, proxied = false, scheme = 'http' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpc-it-'));
  const pwFile = path.join(dir, 'password.txt');
  fs.writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  const org = path.join(dir, 'organizer');
  ok(bin('mpc'), ['organizer', 'init', '--dir', org]);
  const parties = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const pdir = path.join(dir, `party${i + 1}`);
    const url = `${scheme}://127.0.0.1:${port}`;
    ok(bin('mpc-party'), ['init', '--dir', pdir, '--name', `Party ${i + 1}`, '--url', url,
      '--admin-password-file', pwFile]);
    // proxied: the study names `port` (where a test puts a recording proxy)
    // and the server listens on another one.
    const listenPort = proxied ? await freePort() : port;
    parties.push({ dir: pdir, url, port, listenPort, index: i });
  }
  const doc = JSON.parse(fs.readFileSync(path.join(root, studyFile), 'utf8'));
  if (edit) edit(doc);
  const studyPath = path.join(dir, 'study.json');
  fs.writeFileSync(studyPath, JSON.stringify(doc, null, 2));
  const sealed = path.join(dir, 'sealed.json');
  ok(bin('mpc'), ['study', 'seal', '--organizer', org, '--study', studyPath, '--party',
    ...parties.map((p) => path.join(p.dir, 'party.pub.json')), '--out', sealed]);
  const hash = JSON.parse(fs.readFileSync(sealed, 'utf8')).hash;
  let tokenList = [];
  if (tokens > 0 && doc.access !== 'open') {
    const csv = path.join(dir, 'tokens.csv');
    ok(bin('mpc'), ['tokens', '--organizer', org, '--study', sealed, '--count', String(tokens), '--out', csv]);
    tokenList = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => {
      const [token, link] = l.split(',');
      return { token, link };
    });
  }
  return { dir, sealed, hash, parties, org, tokens: tokenList, pwFile };
}

/** An edit of the pay-equity study (makeStudy's edit) for the search of
 *  medians and quartiles: open access, the salary's quartiles on a grid of
 *  1000, and no histogram (whose small bins would withhold them). */
export function withQuartiles(d) {
  d.access = 'open';
  d.analyses = d.analyses.filter((a) => !a.stats.includes('histogram'));
  d.analyses.push({ name: 'salary_quartiles', of: 'salary', stats: ['quartiles'], grid: 1000 });
}

/** Starts every party's server (extra: more serve options) and approves
 *  the study at each (mpc-party approve --yes). */
export async function startApproved(study, extra = []) {
  for (const p of study.parties) {
    await startParty(study, p, extra);
    const r = await runAsync(bin('mpc-party'), ['approve', '--dir', p.dir, '--study', study.sealed, '--yes']);
    if (r.code !== 0) throw new Error(`party ${p.index + 1} did not approve: ${r.stderr}`);
  }
}

/** Starts party p's server; resolves when it answers. */
export async function startParty(study, p, extra = []) {
  const log = fs.openSync(path.join(study.dir, `party${p.index + 1}.log`), 'a');
  const child = spawn(bin('mpc-party'), ['serve', '--dir', p.dir, '--study', study.sealed,
    '--listen', `127.0.0.1:${p.listenPort}`, ...extra], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  p.child = child;
  p.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${p.listenPort}/api/study`);
      // Another test's party on this port would answer too: check the hash.
      if (r.ok && (await r.json()).hash === study.hash) return p;
    } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`party ${p.index + 1} exited: ${readLog(study, p)}`);
    if (Date.now() > deadline) throw new Error(`party ${p.index + 1} did not start: ${readLog(study, p)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function readLog(study, p) {
  return fs.readFileSync(path.join(study.dir, `party${p.index + 1}.log`), 'utf8');
}

/** Stops a party (SIGTERM by default); resolves with its exit. */
export async function stopParty(p, signal = 'SIGTERM') {
  if (!p.child || p.child.exitCode !== null || p.child.signalCode !== null) return p.exited;
  p.child.kill(signal);
  return p.exited;
}

export function cleanup(study) {
  for (const p of study.parties) if (p.child && p.child.exitCode === null) p.child.kill('SIGKILL');
  if (process.env.MPC_KEEP !== '1') fs.rmSync(study.dir, { recursive: true, force: true });
  else console.log(`kept ${study.dir}`);
}

/** The upload bodies (one per party) of one answer, built by the core. */
export function makeUploads(study, answer, { token = '-', seq = 0, reportId, rand } = {}) {
  const args = [study.sealed, JSON.stringify(answer), token, String(seq)];
  if (reportId) args.push(reportId);
  if (rand) args.push(rand); // needs reportId
  return ok(path.join(build, 'tests', 'make_upload'), args).trim().split('\n');
}

/** POSTs a body to a party's /api/reports: {status, json}. */
export async function upload(p, body, headers = { 'Content-Type': 'application/json' }) {
  const r = await fetch(`${p.url}/api/reports`, { method: 'POST', headers, body });
  return { status: r.status, json: await r.json() };
}

/** Signs in as p's admin: returns {cookie, csrf}. */
export async function login(p, password = PASSWORD) {
  const r = await fetch(`${p.url}/api/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }),
  });
  if (r.status !== 200) throw new Error(`login: ${r.status} ${await r.text()}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  return { cookie, csrf: (await r.json()).csrf };
}

export async function status(p, session) {
  const r = await fetch(`${p.url}/api/status`, { headers: { Cookie: session.cookie } });
  if (r.status !== 200) throw new Error(`status: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Polls fn until it returns a truthy value (or throws after ms). */
export async function eventually(fn, ms = 15000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A Node private key from an ECDSA P-256 key pair in hex (32-byte d,
 *  65-byte SEC1 public key), as the key files store them. */
export async function ecdsaKey(dHex, pubHex) {
  const { createPrivateKey } = await import('node:crypto');
  const pub = Buffer.from(pubHex, 'hex');
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC', crv: 'P-256', d: Buffer.from(dHex, 'hex').toString('base64url'),
      x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33, 65).toString('base64url'),
    },
  });
}

/**
 * The signature headers of a request (docs/COMPUTE.md) from party index
 * `from` of the study, or from 'organizer', to party index opts.to
 * (required), over method, path and body. opts.time and opts.nonce
 * replace the current time and a random nonce; opts.signer signs with
 * another party's key (or 'organizer') than the one the headers name.
 */
export async function signHeaders(study, from, method, urlPath, body, opts = {}) {
  const { createHash, randomBytes, sign } = await import('node:crypto');
  const sealed = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
  if (!Number.isInteger(opts.to)) throw new Error('signHeaders: opts.to, the recipient, is required');
  const signer = opts.signer ?? from;
  const organizer = signer === 'organizer';
  const secret = JSON.parse(fs.readFileSync(organizer ? path.join(study.org, 'organizer.key.json')
    : path.join(study.parties[signer].dir, 'party.key.json'), 'utf8'));
  const pub = organizer ? sealed.organizer.signing_public_key : sealed.parties[signer].signing_public_key;
  const key = await ecdsaKey(secret.signing_private_key, pub);
  const time = String(opts.time ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const digest = createHash('sha256').update(body ?? '').digest('hex');
  const message = `${opts.to}\n${method}\n${urlPath}\n${time}\n${nonce}\n${study.hash}\n${digest}\n`;
  const prefix = organizer ? 'mpc-organizer/2' : 'mpc-peer/2';
  const signature = sign('sha256', Buffer.from(`${prefix}${message}`), { key, dsaEncoding: 'ieee-p1363' });
  return { 'X-MPC-Party': String(from), 'X-MPC-To': String(opts.to), 'X-MPC-Time': time, 'X-MPC-Nonce': nonce,
    'X-MPC-Signature': signature.toString('hex') };
}

/** A request signed as party `from` of the study (or 'organizer'), sent
 *  to party `to`: {status, json}. opts as signHeaders; opts.headers are
 *  sent instead of new ones (a replay). */
export async function signedRequest(study, from, to, method, urlPath, body, opts = {}) {
  const headers = opts.headers ?? await signHeaders(study, from, method, urlPath, body, { to, ...opts });
  const r = await fetch(`${study.parties[to].url}${urlPath}`, {
    method, body, headers: { 'Content-Type': 'application/json', ...headers },
  });
  return { status: r.status, json: await r.json(), headers };
}

/**
 * Party i's approval statement of the study (docs/COMPUTE.md, step 1),
 * made here with its key from its directory, as whoever holds that key
 * can: ECDSA P-256 over "mpc-approval/1" || study hash || i (4 bytes, big
 * endian), r || s (64 bytes). opts.hash and opts.index sign another study
 * hash (hex) or index instead.
 */
export async function approvalStatement(study, i, opts = {}) {
  const { sign } = await import('node:crypto');
  const sealed = JSON.parse(fs.readFileSync(study.sealed, 'utf8'));
  const secret = JSON.parse(fs.readFileSync(path.join(study.parties[i].dir, 'party.key.json'), 'utf8'));
  const key = await ecdsaKey(secret.signing_private_key, sealed.parties[i].signing_public_key);
  const index = Buffer.alloc(4);
  index.writeUInt32BE(opts.index ?? i);
  const message = Buffer.concat([Buffer.from('mpc-approval/1'), Buffer.from(opts.hash ?? study.hash, 'hex'), index]);
  return sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
}

/** Party i's answer to GET /api/peer/hello (signed by another party):
 *  {status, json}; json.approval is its approval statement (base64) once
 *  it approved. */
export function hello(study, i) {
  return signedRequest(study, i === 0 ? 1 : 0, i, 'GET', '/api/peer/hello', undefined);
}

/** A self-signed certificate for 127.0.0.1 in dir: {cert, key} paths. */
export function selfSignedCert(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  ok('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  return { cert, key };
}

/** GET over HTTPS trusting the CA file ca: {status, data}. */
export async function httpsGet(port, urlPath, ca) {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: urlPath, ca: fs.readFileSync(ca) }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, data }));
    }).on('error', reject);
  });
}

/** Random answers to the pay-equity study (salaries 20,000-300,000). */
/** A repeatable stand-in for Math.random: a linear congruential
 *  generator from seed, numbers in [0, 1). */
export function seeded(seed) {
  let x = seed;
  return () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
}

export function randomAnswers(count, random = Math.random) {
  const pick = (a) => a[Math.floor(random() * a.length)];
  const study = JSON.parse(fs.readFileSync(path.join(root, 'schema/studies/pay-equity.json'), 'utf8'));
  const choices = Object.fromEntries(study.fields.filter((f) => f.choices).map((f) => [f.name, f.choices]));
  return Array.from({ length: count }, () => ({
    gender: pick(choices.gender), ethnicity: pick(choices.ethnicity), job: pick(choices.job),
    salary: 20000 + Math.floor(random() * 280001), manager: random() < 0.2,
  }));
}

/** Employer e's people for the organization tests (randomAnswers, 15 to
 *  40 of them): only employers 0 and 1 employ non-binary people, so that
 *  the groups of non-binary people, however large, have two employers. */
export function workforce(e, random) {
  const n = 15 + Math.floor(random() * 26);
  return randomAnswers(n, random).map((a) => {
    if (e >= 2 && a.gender === 'Non-binary') return { ...a, gender: random() < 0.5 ? 'Woman' : 'Man' };
    if (e < 2 && random() < 0.4) return { ...a, gender: 'Non-binary' };
    return a;
  });
}

/** Writes answers as a CSV file (header = field names; labels quoted). */
export function writeCsv(file, answers, columns = ['gender', 'ethnicity', 'job', 'salary', 'manager']) {
  const cell = (v) => (typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v));
  fs.writeFileSync(file, `${columns.join(',')}\n${answers.map((a) => columns.map((c) => cell(a[c])).join(',')).join('\n')}\n`);
  return file;
}

export const ANSWER = { gender: 'Woman', ethnicity: 'Asian', job: 'Sales', salary: 85000, manager: false };

/** Upload bodies (JSON texts, one per party and report; byte-identical
 *  retries counted once) opened with the study's party keys by the test
 *  tool open_shares: mode 'shares' gives [{party, report_id, enc, share}]
 *  (hex), mode 'released' the shares every party must release (the tool's
 *  header says which entries are closed). */
export function openShares(study, bodies, mode = 'shares') {
  const input = `${[...new Set(bodies)].join('\n')}\n`;
  const out = ok(path.join(build, 'tests', 'open_shares'), [mode, study.sealed, ...study.parties.map((p) => p.dir)],
    { input });
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

/** Fails unless every opened share (openShares) is fresh: no HPKE key, no
 *  input share and no seed of one repeats anywhere else, across rows and
 *  across submissions of the same answer. A helper's share is seeds of 32
 *  bytes (its measurement, proof and blind seeds); the leader's ends with
 *  its blind. */
export function assertFreshShares(opened) {
  const seen = new Map();
  const fresh = (what, hex, where) => {
    if (seen.has(hex)) throw new Error(`${what} of ${where} repeats in ${seen.get(hex)}`);
    seen.set(hex, where);
  };
  for (const o of opened) {
    const where = `Party ${o.party + 1}'s upload of report ${o.report_id}`;
    fresh('the HPKE encapsulated key', o.enc, where);
    fresh('the input share', o.share, where);
    if (o.party === 0) {
      fresh('the blind', o.share.slice(-64), where);
    } else {
      if (o.share.length % 64 !== 0) throw new Error(`${where}: a helper's share is not whole seeds`);
      for (let k = 0; k < o.share.length; k += 64) fresh(`seed ${k / 64 + 1}`, o.share.slice(k, k + 64), where);
    }
  }
}

/**
 * Starts the organizer's console on a free loopback port: {base, secret,
 * child, out (its stdout so far), api(method, path, body, headers)}; api
 * answers {status, json, text, headers}.
 */
export async function startConsole(dir, extra = []) {
  const child = spawn(bin('mpc'), ['organizer', 'serve', '--dir', dir, '--listen', '127.0.0.1:0', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const c = { child, out: '', err: '' };
  child.stdout.on('data', (d) => { c.out += d; });
  child.stderr.on('data', (d) => { c.err += d; });
  c.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const link = await eventually(() => {
    if (child.exitCode !== null) throw new Error(`mpc organizer serve exited: ${c.err}`);
    return /http:\/\/127\.0\.0\.1:\d+\/#secret=[0-9a-f]{64}/.exec(c.out)?.[0];
  }, 15000, 'the console\'s link');
  c.link = link;
  c.base = link.slice(0, link.indexOf('/#'));
  c.secret = link.slice(link.indexOf('=') + 1);
  c.api = async (method, urlPath, body, headers = {}) => {
    const r = await fetch(`${c.base}${urlPath}`, {
      method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'X-Console-Secret': c.secret, ...headers },
    });
    const buf = Buffer.from(await r.arrayBuffer());
    const type = r.headers.get('content-type') ?? '';
    return { status: r.status, headers: r.headers, body: buf, text: buf.toString('utf8'),
      json: type.startsWith('application/json') ? JSON.parse(buf.toString('utf8')) : null };
  };
  c.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return c.exited;
  };
  return c;
}

/** A party.pub.json document signed again with the signing key in
 *  keyFile (party.key.json): what only the holder of that key can make. */
export async function resignPartyFile(doc, keyFile) {
  const { sign } = await import('node:crypto');
  const priv = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
  const key = await ecdsaKey(priv.signing_private_key, doc.signing_public_key);
  const members = { format: 'mpc-party/1', hpke_public_key: doc.hpke_public_key, name: doc.name,
    signing_public_key: doc.signing_public_key, url: doc.url };
  const canonical = JSON.stringify(Object.fromEntries(Object.keys(members).sort().map((k) => [k, members[k]])));
  const sig = sign('sha256', Buffer.concat([Buffer.from('mpc-party/1 file'), Buffer.from(canonical)]),
    { key, dsaEncoding: 'ieee-p1363' });
  return { ...doc, signature: sig.toString('hex') };
}

/** n parties made with mpc-party init in dir (the admin password is
 *  PASSWORD), not yet serving: [{dir, port, url, pub, index}]. */
export async function initParties(dir, n, scheme = 'http') {
  const pw = path.join(dir, 'password.txt');
  fs.writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
  const parties = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const pdir = path.join(dir, `party${i + 1}`);
    const url = `${scheme}://127.0.0.1:${port}`;
    ok(bin('mpc-party'), ['init', '--dir', pdir, '--name', `Party ${i + 1}`, '--url', url, '--admin-password-file', pw]);
    parties.push({ dir: pdir, port, url, pub: path.join(pdir, 'party.pub.json'), index: i });
  }
  return parties;
}

/** Serves the sealed study on party p (from initParties), its log beside
 *  its folder; resolves when it answers. */
export async function serveParty(p, sealedFile, tls = null) {
  const log = fs.openSync(`${p.dir}.log`, 'a');
  const tlsArgs = tls ? ['--tls-cert', tls.cert, '--tls-key', tls.key] : [];
  p.child = spawn(bin('mpc-party'), ['serve', '--dir', p.dir, '--study', sealedFile, '--listen', `127.0.0.1:${p.port}`, ...tlsArgs],
    { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  await eventually(async () => {
    if (p.child.exitCode !== null) throw new Error(`party ${p.index + 1} exited: ${fs.readFileSync(`${p.dir}.log`, 'utf8')}`);
    if (tls) return (await httpsGet(p.port, '/api/study', tls.cert).catch(() => null))?.status === 200;
    return (await fetch(`${p.url}/api/study`).catch(() => null))?.ok;
  }, 15000, `party ${p.index + 1}`);
  return p;
}
