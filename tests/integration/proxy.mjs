/**
 * proxy.mjs - an HTTP proxy that a test puts between the parties (the
 * study names the proxy's port, the party listens on another one:
 * makeStudy({proxied: true})). It records every request and, when told,
 * injects a fault instead of forwarding: a dropped connection, no answer
 * at all, an error, or a damaged answer. The party behind it is the real
 * server; only the network in between misbehaves.
 */
import http from 'node:http';

/**
 * A proxy on 127.0.0.1:port forwarding to 127.0.0.1:target, every header
 * kept (peer signatures cover method, path and body, not the host).
 * Resolves to {server, requests, plan, close()}:
 *   requests: [{method, url, headers, body, answer}] in arrival order
 *     (answer: {status, body}, what was passed on, once it was);
 *   plan(req, body): set by the test; returns undefined to forward, or an
 *     object of these steps, applied in this order:
 *       before: async () => {}   run first (e.g. kill the party behind);
 *       reset: true              close the connection, no answer;
 *       hang: true               never answer (close() ends it);
 *       reply: {status, body}    answer this, forward nothing;
 *       delay: ms                forward after ms;
 *       after: async () => {}    once the party answered, before passing
 *                                the answer on;
 *       rewrite: (status, buf) => ({status, body})  change the answer.
 */
export function proxy(port, target) {
  const held = new Set();
  const p = { requests: [], plan: undefined };
  p.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const record = { method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') };
      p.requests.push(record);
      const step = p.plan?.(req, body) ?? {};
      try {
        if (step.before) await step.before();
        if (step.reset) { req.socket.destroy(); return; }
        if (step.hang) { held.add(req.socket); return; }
        if (step.reply) {
          res.writeHead(step.reply.status, { 'content-type': 'application/json' });
          res.end(step.reply.body);
          return;
        }
        if (step.delay) await new Promise((r) => setTimeout(r, step.delay));
        let answer = await forward(target, req, body);
        if (step.after) await step.after();
        if (step.rewrite) answer = { ...answer, ...step.rewrite(answer.status, answer.body) };
        record.answer = { status: answer.status, body: answer.body.toString('utf8') };
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (e) {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(String(e));
        }
      }
    });
  });
  p.close = () => {
    for (const s of held) s.destroy();
    held.clear();
    return new Promise((r) => p.server.close(r));
  };
  /** Ends every held (hanging) request. */
  p.dropHeld = () => { for (const s of held) s.destroy(); held.clear(); };
  return new Promise((resolve) => p.server.listen(port, '127.0.0.1', () => resolve(p)));
}

function forward(target, req, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: `127.0.0.1:${target}`, 'content-length': String(body.length) };
    delete headers.connection;
    const out = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => {
        const { connection, 'content-length': length, 'transfer-encoding': encoding, ...headers } = r.headers;
        resolve({ status: r.statusCode, headers, body: Buffer.concat(chunks) });
      });
      r.on('error', reject);
    });
    out.on('error', reject);
    out.end(req.method === 'GET' || req.method === 'HEAD' ? undefined : body);
  });
}
