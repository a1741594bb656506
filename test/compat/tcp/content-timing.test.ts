/**
 * When `tcp-request content` rules run (configuration.txt §4.2
 * "tcp-request content", "tcp-request inspect-delay"): haproxy 2.6
 * evaluates them as soon as the stream starts, on whatever was read by
 * then, again on each new chunk, and a last time when the inspect delay
 * expires. A client that speaks 150 ms after connecting is judged first on
 * an empty buffer. Checked against haproxy with such clients: what each got,
 * whether its connection was closed before it spoke, what the origin
 * received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';
import { tcpOrigin } from '../../helpers/origins.js';

const CASES: Record<string, string> = {
  // matches on the empty buffer at once: rejected before the client speaks
  lenEq0: 'tcp-request content reject if { req.len eq 0 }',
  // waits for data, then accepts; the final reject never applies
  acceptOnData: 'tcp-request content accept if { req.len gt 0 }\n  tcp-request content reject',
  // an unconditional set-var runs on the empty buffer (no sample: no variable)
  unconditionalVar: 'tcp-request content set-var(sess.p) req.payload(0,3)\n  tcp-request content accept if { req.len gt 0 }\n  tcp-request content reject if !{ var(sess.p) -m found }',
  // a payload condition that misses makes the rules wait for the data
  payloadMiss: 'tcp-request content accept if { req.payload(0,1) -m bin 16 }\n  tcp-request content reject if { req.len gt 0 }',
};

async function speakLate(port: number): Promise<string[]> {
  return new Promise((resolve) => {
    const ev: string[] = [];
    let spoke = false;
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    c.on('connect', () =>
      setTimeout(() => {
        if (c.destroyed || c.readableEnded) return;
        spoke = true;
        c.write('abcdef');
      }, 150));
    c.on('data', (d) => ev.push(`data ${d.toString('latin1')}`));
    c.on('end', () => {
      ev.push(spoke ? 'closed after speaking' : 'closed before speaking');
      c.end();
    });
    c.on('error', (e: NodeJS.ErrnoException) => ev.push(e.code ?? 'error'));
    c.on('close', () => resolve(ev));
    setTimeout(() => c.end(), 500);
  });
}

async function run(kind: ProxyKind): Promise<Record<string, unknown>> {
  const origin = await tcpOrigin({ echo: true });
  const names = Object.keys(CASES);
  const config = `defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
${names.map((n) => `frontend ${n}\n  bind \${ADDR:${n}}\n  tcp-request inspect-delay 1s\n  ${CASES[n]}\n  default_backend be\n`).join('')}
backend be
  server s ${origin.addr}
`;
  const p = await startProxy(kind, config);
  const out: Record<string, unknown> = {};
  try {
    for (const n of names) {
      origin.reset();
      const client = await speakLate(p.ports[n]!);
      out[n] = { client, origin: origin.received.map((b) => b.toString('latin1')) };
    }
  } finally {
    await p.stop();
    await origin.close();
  }
  return out;
}

test('content rules run at stream start on an empty buffer, then on data, as in haproxy', async () => {
  const ref = await run('haproxy');
  const got = await run('switchyard');
  assert.deepEqual(got, ref);
  assert.deepEqual(ref['lenEq0'], { client: ['closed before speaking'], origin: [] });
  assert.deepEqual(ref['acceptOnData'], { client: ['data abcdef', 'closed after speaking'], origin: ['abcdef'] });
});
