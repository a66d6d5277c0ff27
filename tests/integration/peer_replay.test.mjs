/**
 * peer_replay.test.mjs - a signed party-to-party request names its
 * recipient (issue 20, hole 10): a real request that Party 1's server
 * sent to Party 2 (its background check, GET /api/peer/hello), recorded
 * by a proxy in between, is refused when replayed to Party 3 within the
 * time window, although Party 3 never saw its nonce.
 *
 *   MPC_BUILD=build node --test tests/integration/peer_replay.test.mjs
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cleanup, eventually, makeStudy, startParty } from './lib.mjs';
import { proxy } from './proxy.mjs';

describe('a signed request is accepted only by the party it is for', () => {
  let study;
  const proxies = [];
  before(async () => {
    study = await makeStudy({ n: 3, tokens: 0, proxied: true });
    for (const p of study.parties) {
      proxies.push(await proxy(p.port, p.listenPort));
      await startParty(study, p);
    }
  });
  after(async () => {
    for (const x of proxies) await x.close();
    cleanup(study);
  });

  test("Party 1's request to Party 2, replayed to Party 3, is refused", async () => {
    const sent = await eventually(() => proxies[1].requests.find((r) => r.url === '/api/peer/hello'
      && r.headers['x-mpc-party'] === '0'), 20000, "Party 1's signed hello to Party 2");
    const headers = Object.fromEntries(Object.entries(sent.headers).filter(([k]) => k.startsWith('x-mpc-')));
    const direct = (p) => fetch(`http://127.0.0.1:${p.listenPort}/api/peer/hello`, { headers });
    const r = await direct(study.parties[2]);
    const json = await r.json();
    assert.equal(r.status, 401, `Party 3 answered ${JSON.stringify(json)}`);
    assert.match(json.error, /signed for party 2 \(X-MPC-To: 1\), not for this party \(3\)/);
    assert.equal(headers['x-mpc-to'], '1', 'signed for Party 2 (index 1)');
    // The same headers claiming Party 3 as the recipient: the signature
    // covers the recipient.
    const moved = await fetch(`http://127.0.0.1:${study.parties[2].listenPort}/api/peer/hello`,
      { headers: { ...headers, 'x-mpc-to': '2' } });
    assert.equal(moved.status, 401);
    assert.match((await moved.json()).error, /invalid signature/);
    // At Party 2 it is a replay.
    const again = await direct(study.parties[1]);
    assert.equal(again.status, 401);
    assert.match((await again.json()).error, /replayed request/);
  });
});
