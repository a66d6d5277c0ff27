#!/usr/bin/env node
/**
 * wasm.mjs - size of the WebAssembly module and the time a contributor's
 * device needs to shard one 3-party Prio3Histogram(240) measurement and
 * HPKE-seal each share to its party, in Node, with the native build of the
 * same C code run by the same command as the baseline.
 *
 *   node bench/wasm.mjs BUILD_DIR [ITERATIONS]
 *
 * Prints a table and writes BUILD_DIR/bench/wasm.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const build = process.argv[2] ?? 'build';
const iterations = Number(process.argv[3] ?? 200);
const web = path.resolve(build, 'web');
const { loadMpc } = await import(pathToFileURL(path.join(web, 'mpc.js')).href);
const mpc = await loadMpc();

const sizeOf = (f) => statSync(path.join(web, f)).size;
const gzipOf = (f) => gzipSync(readFileSync(path.join(web, f)), { level: 9 }).length;

const p = mpc.prio3({ type: 'histogram', shares: 3, length: 240 });
const keys = [0, 1, 2].map(() => mpc.hpke.generateKeyPair().publicKey);
const ctx = new TextEncoder().encode('mpc-study/1 bench');
const times = [];
for (let i = -Math.floor(iterations / 10) - 1; i < iterations; i++) {
  const t0 = performance.now();
  const { publicShare, inputShares } = p.shard((i + iterations) % 240, { ctx });
  inputShares.forEach((s, j) => mpc.hpke.seal(keys[j], s, { info: ctx, aad: publicShare }));
  if (i >= 0) times.push(performance.now() - t0);
}
p.free();
times.sort((a, b) => a - b);
const wasmMs = times[Math.floor(times.length / 2)];
const native = JSON.parse(execFileSync(path.join(build, 'bench', 'native_shard_seal'), [String(iterations)]));
const nativeMs = native.shard_seal_histogram240_ms;

const result = {
  wasm_module_bytes: sizeOf('mpc_core.wasm'),
  wasm_module_gzip_bytes: gzipOf('mpc_core.wasm'),
  js_glue_bytes: sizeOf('mpc_core.js') + sizeOf('mpc.js'),
  shard_seal_histogram240_ms: { wasm_node: wasmMs, native: nativeMs, wasm_over_native: wasmMs / nativeMs },
  iterations,
  node: process.version,
};
mkdirSync(path.join(build, 'bench'), { recursive: true });
writeFileSync(path.join(build, 'bench', 'wasm.json'), `${JSON.stringify(result, null, 2)}\n`);

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`WebAssembly module   ${kb(result.wasm_module_bytes)} (gzip ${kb(result.wasm_module_gzip_bytes)}), JS ${kb(result.js_glue_bytes)}`);
console.log(`Shard + seal, 3-party Prio3Histogram(240), median of ${iterations}:`);
console.log(`  native (C)          ${nativeMs.toFixed(3)} ms   1.00x`);
console.log(`  wasm (Node ${process.version})  ${wasmMs.toFixed(3)} ms   ${(wasmMs / nativeMs).toFixed(2)}x native`);
console.log('  (each seal makes two X25519 multiplications: the native build uses Debian\'s');
console.log('  libmbedcrypto, whose generic ECP code is several times slower than the');
console.log('  Everest X25519 the WebAssembly build is configured with)');
