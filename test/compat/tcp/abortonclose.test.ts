/**
 * `option abortonclose` in mode tcp (configuration.txt §4.2): a client that
 * shuts its side while its stream waits in a queue is dropped before it
 * reaches a server; without the option, or when the client keeps its side
 * open, its bytes are delivered once a slot frees. Checked against haproxy
 * 2.6 with a `maxconn 1` server held by a first client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';
import { tcpOrigin } from '../../helpers/origins.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A client: sends `data`, then after `endAfter` ms half-closes (or never); records what happens. */
function client(port: number, tag: string, events: string[], data: string, endAfter: number | undefined): Promise<void> {
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('connect', () => {
    c.write(data);
    if (endAfter !== undefined) setTimeout(() => c.end(), endAfter);
  });
  c.on('data', (d) => {
    events.push(`${tag} got ${d.toString('latin1')}`);
    if (endAfter === undefined) c.end();
  });
  c.on('end', () => events.push(`${tag} end`));
  c.on('error', (e: NodeJS.ErrnoException) => events.push(`${tag} ${e.code ?? 'error'}`));
  return new Promise((resolve) => c.on('close', () => resolve()));
}

async function scenario(kind: ProxyKind, option: string, bEndsAfter: number | undefined): Promise<{ events: string[]; origin: string[] }> {
  const origin = await tcpOrigin({ echo: true });
  const p = await startProxy(kind, `defaults
  mode tcp
  timeout connect 1s
  timeout client 3s
  timeout server 3s
  timeout queue 2s
frontend fe
  bind \${ADDR:fe}
  default_backend be
backend be
  ${option}
  server s ${origin.addr} maxconn 1
`);
  const events: string[] = [];
  try {
    const a = client(p.ports['fe']!, 'A', events, 'A', 500);
    await sleep(100);
    const b = client(p.ports['fe']!, 'B', events, 'B', bEndsAfter);
    await Promise.all([a, b]);
    await sleep(100);
    return { events, origin: origin.received.map((x) => x.toString('latin1')) };
  } finally {
    await p.stop();
    await origin.close();
  }
}

test('abortonclose: a queued client that half-closes is dropped; one that stays is served with what it sent', async () => {
  for (const [option, bEnds] of [
    ['option abortonclose', 100],
    ['option abortonclose', undefined],
    ['', 100],
  ] as const) {
    const ref = await scenario('haproxy', option, bEnds);
    const got = await scenario('switchyard', option, bEnds);
    assert.deepEqual(got, ref, `${option || 'no option'}, B ends after ${bEnds ?? 'never'}`);
  }
});

test('abortonclose: the half-closed queued client never reaches the server (Switchyard on its own)', async () => {
  const ref = await scenario('switchyard', 'option abortonclose', 100);
  assert.deepEqual(ref.origin, ['A']);
  assert.ok(ref.events.includes('B end') && !ref.events.some((e) => e.startsWith('B got')));
});
